"""The plan model: a validated plan as typed, frozen objects, built once.

Semantic checks, the template context and the diff read this model; the raw YAML data stops
at its door. The model is built leniently — a value of the wrong type becomes ``None`` (the
schema has already reported it) — so every check runs on every plan and none can trip over a
malformed value. Each object knows where it stands in the file (``at``), for findings.

Every derived fact is computed here, in one property, so no two documents or sections can
disagree about it: the next review and the plan's horizon, who the client is, ages, the
instruments a plan can use, which scores belong to an objective, and progress on each measure
— where it started (the objective's baseline, else the first score), where it is, the change
and whether that is better or worse on that instrument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import unknowns
from .codes import service_code
from .instruments import Instrument, builtin_instruments, custom_instrument
from .loader import DocPath, Document
from .orientations import Orientation
from .unknowns import NotRecorded

if TYPE_CHECKING:
    from .practice import Practice as PracticeFile
from .schema import fill, plan_schema

DEFAULT_REVIEW_DAYS = 180
ADULT_AGE = 18
SIGNED_STATUSES = ("active", "completed", "superseded")


def age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_days(day: dt.date, days: int) -> dt.date | None:
    """*day* plus *days*, or None past the calendar's end (a malformed plan's dates)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


# --- reading loosely typed data -----------------------------------------------------------------


class _Reader:
    """Typed reads from data that may hold anything: a wrong type reads as nothing."""

    def __init__(self, data: Any, at: DocPath) -> None:
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.at = at

    def __contains__(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def number(self, key: str) -> int | float | None:
        value = self.data.get(key)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    def flag(self, key: str) -> bool:
        return self.data.get(key) is True

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        return (
            tuple(v.strip() for v in value if isinstance(v, str) and v.strip())
            if isinstance(value, list)
            else ()
        )

    def sub(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        return _Reader(value, (*self.at, key)) if isinstance(value, dict) else None

    def items(self, key: str) -> Iterator[_Reader]:
        value = self.data.get(key)
        for index, item in enumerate(value if isinstance(value, list) else []):
            if isinstance(item, dict):
                yield _Reader(item, (*self.at, key, index))


# --- the parts of a plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInfo:
    at: DocPath
    id: str | None
    version: int | None
    status: str | None
    orientation: str | None
    title: str | None
    start_date: dt.date | None
    review_interval_days: int | None
    next_review_date: dt.date | None
    last_review_date: dt.date | None
    expiry_date: dt.date | None
    participation: str | None
    superseded_by: int | None = None
    superseded_on: dt.date | None = None

    @property
    def review_interval(self) -> int:
        """Days between reviews: the plan's own, else the default."""
        return self.review_interval_days or DEFAULT_REVIEW_DAYS

    @property
    def review_anchor(self) -> dt.date | None:
        """The day the review interval counts from: the last review, else the start."""
        return self.last_review_date or self.start_date

    @property
    def next_review(self) -> dt.date | None:
        """The plan's next review: given, or one interval after the last review (or the start)."""
        if self.next_review_date:
            return self.next_review_date
        anchor = self.review_anchor
        return add_days(anchor, self.review_interval) if anchor else None

    @property
    def signed_status(self) -> bool:
        """Whether the plan's status needs its signatures (active, completed, superseded)."""
        return self.status in SIGNED_STATUSES


@dataclass(frozen=True)
class Person:
    at: DocPath
    id: str | None
    name: str | None
    preferred_name: str | None
    role: str | None
    primary: bool
    date_of_birth: dt.date | None
    pronouns: str | None
    age: int | None = None  # given when the date of birth is not known

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.name or self.id or ""

    def age_on(self, day: dt.date) -> int | None:
        """Age on *day*: from the date of birth, else the age given (as of the plan)."""
        return age(self.date_of_birth, day) if self.date_of_birth else self.age

    def adult_on(self, day: dt.date | None) -> bool:
        """An adult, or a person whose age is not known (so their consent is asked for)."""
        years = self.age_on(day) if day else None
        return years is None or years >= ADULT_AGE


@dataclass(frozen=True)
class Guardian:
    at: DocPath
    name: str | None
    relationship: str | None
    legal_authority: str | None = None
    participant: str | None = None


@dataclass(frozen=True)
class TeamMember:
    at: DocPath
    id: str | None
    name: str | None
    role: str | None
    credentials: str | None
    npi: str | None


@dataclass(frozen=True)
class Professional:
    at: DocPath
    name: str | None
    credentials: str | None
    npi: str | None

    @property
    def signed_name(self) -> str:
        return ", ".join(p for p in (self.name, self.credentials) if p)


@dataclass(frozen=True)
class Practice:
    at: DocPath
    name: str | None
    npi: str | None


@dataclass(frozen=True)
class Diagnosis:
    at: DocPath
    code: str | None
    description: str | None
    primary: bool
    provisional: bool
    system: str = "icd10cm"
    rule_out: bool = False
    participant: str | None = None


@dataclass(frozen=True)
class Risk:
    at: DocPath
    domain: str | None
    level: str | None
    assessed_on: dt.date | None

    @property
    def raised(self) -> bool:
        return self.level in ("moderate", "high")


@dataclass(frozen=True)
class Assessment:
    at: DocPath
    date: dt.date | None
    diagnoses: tuple[Diagnosis, ...]
    client_words: str | None
    risk_level: str | None
    risks: tuple[Risk, ...] = ()
    speaker: str | None = None


@dataclass(frozen=True)
class CustomInstrument:
    at: DocPath
    id: str | None
    min: int | float | None
    max: int | float | None
    instrument: Instrument | None  # None when it has no id


@dataclass(frozen=True)
class Problem:
    at: DocPath
    id: str | None
    title: str | None


@dataclass(frozen=True)
class Measure:
    at: DocPath
    instrument: str | None
    baseline: int | float | None
    target: int | float | None
    baseline_date: dt.date | None
    participant: str | None
    baseline_due: dt.date | None = None
    baseline_note: str | None = None
    target_change_percent: float | None = None
    sustained_weeks: int | None = None

    @property
    def baseline_planned(self) -> bool:
        """No baseline yet, but when and how it will be taken is written down."""
        return self.baseline is None and (
            self.baseline_due is not None or self.baseline_note is not None
        )

    @property
    def has_target(self) -> bool:
        return self.target is not None or self.target_change_percent is not None


@dataclass(frozen=True)
class Within:
    """A time frame relative to the plan's start or a service's."""

    at: DocPath
    weeks: int | None
    days: int | None
    sessions: int | None
    service: str | None


@dataclass(frozen=True)
class Intervention:
    at: DocPath
    id: str | None
    description: str | None
    provider: str | None
    modality: str | None
    approach: str | None
    member: str | None = None
    participant: str | None = None
    frequency: str | None = None


@dataclass(frozen=True)
class Objective:
    at: DocPath
    id: str | None
    description: str | None
    measure: Measure | None
    target_date: dt.date | None
    status: str | None
    interventions: tuple[Intervention, ...]
    criterion: str | None = None
    achieved_on: dt.date | None = None
    within: Within | None = None
    uses: tuple[str, ...] = ()
    participant: str | None = None

    @property
    def measurable(self) -> bool:
        """Measured by an instrument or count, or by a criterion that is observed or not."""
        return self.measure is not None or self.criterion is not None


@dataclass(frozen=True)
class Goal:
    at: DocPath
    id: str | None
    problems: tuple[str, ...]
    client_words: str | None
    description: str | None
    status: str | None
    objectives: tuple[Objective, ...]
    speaker: str | None = None
    target_date: dt.date | None = None
    within: Within | None = None
    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measurement:
    at: DocPath
    instrument: str | None
    date: dt.date | None
    score: int | float | None
    participant: str | None
    objective: str | None
    note: str | None


@dataclass(frozen=True)
class Service:
    at: DocPath
    id: str | None
    duration_weeks: int | None
    start_date: dt.date | None
    modality: str | None = None
    code: str | None = None
    code_system: str | None = None
    session_minutes: int | None = None
    per_diem: bool = False
    frequency_count: int | None = None
    frequency_per: str | None = None
    sessions: int | None = None
    end_date: dt.date | None = None
    participant: str | None = None
    member: str | None = None
    level_of_care: str | None = None
    hours_per_day: int | float | None = None
    in_group: bool = False  # it has group details

    @property
    def system(self) -> str | None:
        """The code system: as given, else read from the code's form (a letter first: HCPCS)."""
        if self.code_system:
            return self.code_system
        if not self.code:
            return None
        return "hcpcs" if self.code[:1].isalpha() else "cpt"

    @property
    def per_week(self) -> float | None:
        """Sessions a week, from the frequency."""
        weeks = {"day": 1 / 7, "week": 1.0, "fortnight": 2.0, "month": 52 / 12}
        if self.frequency_count is None or self.frequency_per not in weeks:
            return None
        return self.frequency_count / weeks[self.frequency_per]

    @property
    def expected_sessions(self) -> int | None:
        """Sessions the frequency and the duration add up to."""
        if self.per_week is None or self.duration_weeks is None:
            return None
        return round(self.per_week * self.duration_weeks)

    @property
    def planned_sessions(self) -> int | None:
        """Sessions planned in all: as given, else what the frequency and duration add up to."""
        return self.sessions or self.expected_sessions

    @property
    def units_per_session(self) -> int:
        """Billing units in one session: one for a day of per-diem care or a code billed per
        session; for a code counted in minutes (H0004, per 15 minutes) the session's minutes
        in units, half a unit or more counting as one (53 minutes are 4 units of 15)."""
        found = service_code(self.code) if self.system in ("cpt", "hcpcs") else None
        if self.per_diem or found is None or not found.unit or not self.session_minutes:
            return 1
        return max(1, int(self.session_minutes / found.unit + 0.5))


@dataclass(frozen=True)
class Authorization:
    """A payer's prior authorization: a period, and sessions or units in it."""

    at: DocPath
    number: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    sessions: int | None
    units: int | None
    services: tuple[str, ...]  # the ids named; none means every service of the plan

    @property
    def measure(self) -> str | None:
        """What it counts, ``sessions`` or ``units``: None when it gives neither or both."""
        if (self.sessions is None) == (self.units is None):
            return None
        return "sessions" if self.sessions is not None else "units"

    @property
    def amount(self) -> int | None:
        """The sessions or units authorized (None when it gives neither or both)."""
        return self.sessions if self.measure == "sessions" else self.units


@dataclass(frozen=True)
class Coverage:
    at: DocPath
    payer: str | None
    plan_name: str | None
    member_id: str | None
    group_number: str | None
    authorization: Authorization | None


@dataclass(frozen=True)
class Revision:
    at: DocPath
    version: int | None
    date: dt.date | None
    reason: str | None
    summary: str | None
    author: str | None


@dataclass(frozen=True)
class Signature:
    at: DocPath
    role: str | None
    name: str | None
    participant: str | None
    credentials: str | None
    status: str | None
    date: dt.date | None
    attempted: bool
    member: str | None = None
    electronic: bool = False
    time: str | None = None

    @property
    def signed(self) -> bool:
        return self.status == "signed"

    @property
    def accounted(self) -> bool:
        """Signed, or its attempts logged (a payer accepts either, with a supervisor's review)."""
        return self.signed or self.attempted


@dataclass(frozen=True)
class SubstanceUse:
    at: DocPath
    recommended_level: str | None
    actual_level: str | None
    difference_reason: str | None
    toxicology_instrument: str | None
    mandated: bool
    reporting_consent: bool
    dimensions: tuple[tuple[DocPath, int | None], ...] = ()  # where each ASAM rating stands


@dataclass(frozen=True)
class Module:
    """One module of an orientation made of modules: its orientation (the name, and the
    orientation itself when it is known), and its details."""

    at: DocPath
    orientation: str | None
    definition: Orientation | None
    details: dict[str, Any]
    details_at: DocPath


# --- progress ---------------------------------------------------------------------------------------

SeriesKey = tuple[str, str, str]  # instrument, participant, objective named by the scores


@dataclass(frozen=True)
class Score:
    date: dt.date | None
    value: int | float
    note: str | None = None


@dataclass(frozen=True)
class Progress:
    """A measure from where it started to where it is now, judged on its instrument."""

    instrument: Instrument
    participant: str | None
    objective: str | None  # the objective the scores belong to, when one
    start: Score
    latest: Score
    points: tuple[Score, ...]
    named: bool = False  # the scores name their objective (one instrument serves several)

    @property
    def single(self) -> bool:
        """Only one score so far, and no earlier baseline to compare it with."""
        return len(self.points) == 1 and self.start.date in (None, self.latest.date)

    @property
    def change(self) -> float:
        return float(self.latest.value) - float(self.start.value)

    @property
    def direction(self) -> str:
        if self.single:
            return "one score so far"
        better = self.instrument.improvement(float(self.start.value), float(self.latest.value))
        return "no change" if better == 0 else ("better" if better > 0 else "worse")

    @property
    def band_start(self) -> str:
        return self.instrument.band(float(self.start.value))

    @property
    def band_latest(self) -> str:
        return self.instrument.band(float(self.latest.value))


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Plan:
    """One version of one plan. ``data`` is the plan with every field the spec defines present
    (``None`` or ``[]`` when left out) — the form templates and the diff walk."""

    source: str
    data: dict[str, Any]
    orientation: Orientation | None
    info: PlanInfo
    participants: tuple[Person, ...]
    guardians: tuple[Guardian, ...]
    clinician: Professional | None
    supervisor: Professional | None
    practice: Practice | None
    team: tuple[TeamMember, ...]
    assessment: Assessment
    custom_instruments: tuple[CustomInstrument, ...]
    problems: tuple[Problem, ...]
    goals: tuple[Goal, ...]
    shared_interventions: tuple[Intervention, ...]
    measurements: tuple[Measurement, ...]
    services: tuple[Service, ...]
    coverage: tuple[Coverage, ...]
    has_safety_plan: bool
    crisis_plans: tuple[str, ...]  # the risk domains that have a crisis plan
    substance_use: SubstanceUse | None
    revisions: tuple[Revision, ...]
    signatures: tuple[Signature, ...]
    details: dict[str, Any]
    modules: tuple[Module, ...]
    house: PracticeFile | None = None
    """The practice file in effect, if any: its logo and notice go on the documents."""
    not_recorded: tuple[NotRecorded, ...] = ()
    """Every value given as not recorded, with its reason (the model reads each as absent)."""

    @cached_property
    def unrecorded(self) -> dict[DocPath, str]:
        """The reason each value not recorded gives, by its path."""
        return {n.at: n.reason for n in self.not_recorded}

    @cached_property
    def client(self) -> Person | None:
        """The identified client: the participant marked ``primary``, else the first one."""
        return next((p for p in self.participants if p.primary), None) or next(
            iter(self.participants), None
        )

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return tuple(o for g in self.goals for o in g.objectives)

    @property
    def interventions(self) -> tuple[Intervention, ...]:
        """Every intervention: those written under an objective, and the shared ones."""
        return (
            tuple(i for o in self.objectives for i in o.interventions) + self.shared_interventions
        )

    @property
    def guardian(self) -> Guardian | None:
        return self.guardians[0] if self.guardians else None

    def minor(self, person: Person | None) -> bool:
        """Under 18 at the plan's start, by date of birth or by the age given."""
        years = person.age_on(self.info.start_date) if person and self.info.start_date else None
        return years is not None and years < ADULT_AGE

    # time frames: services, and objectives and goals due "within" one

    def service(self, ident: str | None) -> Service | None:
        return next((s for s in self.services if s.id == ident), None) if ident else None

    def service_start(self, service: Service) -> dt.date | None:
        return service.start_date or self.info.start_date

    def service_end(self, service: Service) -> dt.date | None:
        """The service's last day: given, else the last day of its last week (a 16-week
        programme from Monday 30 Nov 2026 runs to Sunday 21 Mar 2027)."""
        start = self.service_start(service)
        if service.end_date or start is None or service.duration_weeks is None:
            return service.end_date
        return add_days(start, 7 * service.duration_weeks - 1)

    def resolve(self, frame: Within | None) -> dt.date | None:
        """The day a relative time frame falls on: weeks or days from the plan's start (or the
        named service's), or the day of the last of a number of sessions of a service (named,
        or the plan's only one)."""
        if frame is None:
            return None
        service = self.service(frame.service) if frame.service else None
        if frame.sessions:
            service = service or (self.services[0] if len(self.services) == 1 else None)
            start = self.service_start(service) if service else None
            per_week = service.per_week if service else None
            days = round(7 * (frame.sessions - 1) / per_week) if per_week else None
        else:
            start = self.service_start(service) if service else self.info.start_date
            days = (frame.weeks or 0) * 7 + (frame.days or 0) or None
        return add_days(start, days) if start and days is not None else None

    def own_due(self, item: Objective | Goal) -> dt.date | None:
        """When an objective or goal says it is due: its date, else its time frame resolved."""
        return item.target_date or self.resolve(item.within)

    def due(self, item: Objective | Goal) -> dt.date | None:
        """When an objective or goal is due: its own date, else (an objective) its goal's."""
        own = self.own_due(item)
        if own is not None or isinstance(item, Goal):
            return own
        goal = next((g for g in self.goals if any(o is item for o in g.objectives)), None)
        return self.due(goal) if goal else None

    @cached_property
    def instruments(self) -> dict[str, Instrument]:
        """The built-in instruments and the plan's own (which may not shadow them)."""
        found = dict(builtin_instruments())
        for item in self.custom_instruments:
            if item.id and item.instrument and item.id not in found:
                found[item.id] = item.instrument
        return found

    @property
    def next_review(self) -> dt.date | None:
        return self.info.next_review

    @cached_property
    def horizon(self) -> dt.date | None:
        """The last day the plan's services are expected to run (each from its own start)."""
        ends = [end for s in self.services if (end := self.service_end(s))]
        return max(ends, default=None)

    # coverage: what an authorization covers, and what the plan has planned in its period

    def covered_services(self, authorization: Authorization) -> tuple[Service, ...]:
        """The services an authorization covers: those it names (that exist), else all."""
        if not authorization.services:
            return self.services
        return tuple(s for s in self.services if s.id in authorization.services)

    def planned_between(self, service: Service, first: dt.date, last: dt.date) -> float | None:
        """Sessions of *service* planned from *first* to *last* (both included): its planned
        sessions, spread evenly over the days it runs."""
        start, end = self.service_start(service), self.service_end(service)
        total = service.planned_sessions
        if start is None or end is None or total is None or end < start:
            return None
        overlap = (min(end, last) - max(start, first)).days + 1
        return total * max(0, overlap) / ((end - start).days + 1)

    def planned_for(self, authorization: Authorization) -> int | None:
        """The sessions (or units) the plan's covered services plan within the authorization's
        period, in what the authorization counts; None when it cannot be worked out."""
        first, last = authorization.start_date, authorization.end_date
        measure = authorization.measure
        if first is None or last is None or measure is None or last < first:
            return None
        found: list[float] = []
        for service in self.covered_services(authorization):
            sessions = self.planned_between(service, first, last)
            if sessions is not None:
                per = service.units_per_session if measure == "units" else 1
                found.append(sessions * per)
        return round(sum(found)) if found else None

    def is_clinician(self, signature: Signature) -> bool:
        """Whether a clinician's signature is the plan's clinician's, or a team member's."""
        team = {m.id for m in self.team} | {m.name for m in self.team}
        own = self.clinician.name if self.clinician else None
        return signature.name == own or bool({signature.member, signature.name} & team - {None})

    def person(self, ident: str | None) -> Person | None:
        return next((p for p in self.participants if p.id == ident), None) if ident else None

    @cached_property
    def revision(self) -> Revision | None:
        """The revision entry of this version, if the plan has one."""
        return next((r for r in reversed(self.revisions) if r.version == self.info.version), None)

    @property
    def latest_revision(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def signed_on(self) -> dt.date | None:
        """The day this version was signed: its latest signature's date (``None`` for a draft
        or a version nobody has signed yet). Data dated later was recorded after signing."""
        signed = [s.date for s in self.signatures if s.signed and s.date]
        return max(signed) if signed and self.info.signed_status else None

    @property
    def version_date(self) -> dt.date | None:
        """The day this version was made: its revision entry's, else the plan's start."""
        return (self.revision.date if self.revision else None) or self.info.start_date

    # progress: one computation for every document, section and diff

    @cached_property
    def series(self) -> dict[SeriesKey, tuple[Measurement, ...]]:
        """Scores by instrument, participant and objective named, each oldest first, in the
        order the series first appear."""
        found: dict[SeriesKey, list[Measurement]] = {}
        for m in self.measurements:
            if m.instrument and m.date and m.score is not None:
                found.setdefault((m.instrument, m.participant or "", m.objective or ""), []).append(
                    m
                )
        return {
            key: tuple(sorted(items, key=lambda m: m.date or dt.date.min))
            for key, items in found.items()
        }

    def scores_for(self, objective: Objective) -> tuple[Measurement, ...]:
        """The scores that belong to an objective: those naming it, else those on its instrument
        (and participant) that name no objective."""
        named = tuple(m for key, ms in self.series.items() if key[2] == objective.id for m in ms)
        if named or objective.measure is None:
            return tuple(sorted(named, key=lambda m: m.date or dt.date.min))
        measure = objective.measure
        found = [
            m
            for (instrument, person, named_objective), ms in self.series.items()
            if instrument == measure.instrument
            and not named_objective
            and (not measure.participant or person == measure.participant)
            for m in ms
        ]
        return tuple(sorted(found, key=lambda m: m.date or dt.date.min))

    def objective_progress(self, objective: Objective) -> Progress | None:
        measure = objective.measure
        instrument = self.instruments.get(measure.instrument or "") if measure else None
        scores = self.scores_for(objective)
        if measure is None or instrument is None or not scores:
            return None
        points = tuple(Score(m.date, m.score, m.note) for m in scores if m.score is not None)
        start = (
            Score(measure.baseline_date, measure.baseline)
            if measure.baseline is not None
            else points[0]
        )
        participant = measure.participant or _only({m.participant for m in scores})
        named = any(m.objective == objective.id for m in scores)
        return Progress(instrument, participant, objective.id, start, points[-1], points, named)

    @cached_property
    def progress(self) -> tuple[Progress, ...]:
        """One row per series of scores. A series that belongs to exactly one objective is that
        objective's progress (from its baseline), so the two never disagree."""
        owners: dict[SeriesKey, list[Objective]] = {}
        for objective in self.objectives:
            for key in {
                (m.instrument or "", m.participant or "", m.objective or "")
                for m in self.scores_for(objective)
            }:
                owners.setdefault(key, []).append(objective)
        rows = []
        for key, scores in self.series.items():
            claimed = owners.get(key, [])
            own = self.objective_progress(claimed[0]) if len(claimed) == 1 else None
            if own is not None and len(own.points) == len(scores):
                rows.append(own)
                continue
            instrument = self.instruments.get(key[0])
            if instrument is None:
                continue
            points = tuple(Score(m.date, m.score, m.note) for m in scores if m.score is not None)
            rows.append(
                Progress(instrument, key[1] or None, key[2] or None, points[0], points[-1], points)
            )
        return tuple(rows)


def _only(values: set[str | None]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


# --- building it ------------------------------------------------------------------------------------


def build_plan(
    doc: Document,
    orientation: Orientation | None,
    lookup: Callable[[str], Orientation | None] = lambda name: None,
) -> Plan:
    """The model of a loaded plan (valid or not: wrong values read as nothing); *lookup* finds
    the orientation a module names."""
    raw = doc.data
    root = _Reader(raw, ())
    schema = orientation.plan_schema if orientation else plan_schema(None)
    details = root.sub("orientation_details")
    return Plan(
        source=doc.path,
        data=fill(schema, raw),
        orientation=orientation,
        info=_info(root.sub("plan") or _Reader({}, ("plan",))),
        participants=tuple(_person(r) for r in root.items("participants")),
        guardians=tuple(_guardians(root)),
        clinician=_professional(root.sub("clinician")),
        supervisor=_professional(root.sub("supervisor")),
        practice=_practice(root.sub("practice")),
        team=tuple(
            TeamMember(
                r.at,
                r.text("id"),
                r.text("name"),
                r.text("role"),
                r.text("credentials"),
                r.text("npi"),
            )
            for r in root.items("team")
        ),
        assessment=_assessment(root.sub("assessment") or _Reader({}, ("assessment",))),
        custom_instruments=tuple(
            CustomInstrument(
                r.at,
                r.text("id"),
                r.number("min"),
                r.number("max"),
                custom_instrument(r.data) if r.text("id") else None,
            )
            for r in root.items("instruments")
        ),
        problems=tuple(
            Problem(r.at, r.text("id"), r.text("title")) for r in root.items("problems")
        ),
        goals=tuple(_goal(r) for r in root.items("goals")),
        shared_interventions=tuple(_intervention(r) for r in root.items("interventions")),
        measurements=tuple(_measurement(r) for r in root.items("measurements")),
        services=tuple(_service(r) for r in root.items("services")),
        coverage=tuple(_coverage(r) for r in root.items("coverage")),
        has_safety_plan="safety_plan" in raw,
        crisis_plans=tuple(d for r in root.items("crisis_plans") if (d := r.text("domain"))),
        substance_use=_substance_use(root.sub("substance_use")),
        revisions=tuple(
            Revision(
                r.at,
                r.integer("version"),
                r.date("date"),
                r.text("reason"),
                r.text("summary"),
                r.text("author"),
            )
            for r in root.items("revisions")
        ),
        signatures=tuple(_signature(r) for r in root.items("signatures")),
        details=details.data if details else {},
        modules=tuple(_modules(details, orientation, lookup)),
        not_recorded=tuple(unknowns.find(raw, schema)),
    )


def _info(r: _Reader) -> PlanInfo:
    return PlanInfo(
        r.at, r.text("id"), r.integer("version"), r.text("status"), r.text("orientation"),
        r.text("title"), r.date("start_date"), r.integer("review_interval_days"),
        r.date("next_review_date"), r.date("last_review_date"), r.date("expiry_date"),
        r.text("participation"), r.integer("superseded_by"), r.date("superseded_on"),
    )  # fmt: skip


def _guardians(root: _Reader) -> Iterator[Guardian]:
    """The plan's guardians: ``guardian`` (one) and ``guardians`` (several)."""
    readers = ([one] if (one := root.sub("guardian")) else []) + list(root.items("guardians"))
    for r in readers:
        yield Guardian(
            r.at,
            r.text("name"),
            r.text("relationship"),
            r.text("legal_authority"),
            r.text("participant"),
        )


def _service(r: _Reader) -> Service:
    frequency = r.sub("frequency") or _Reader({}, (*r.at, "frequency"))
    return Service(
        at=r.at,
        id=r.text("id"),
        duration_weeks=r.integer("duration_weeks"),
        start_date=r.date("start_date"),
        modality=r.text("modality"),
        code=r.text("code"),
        code_system=r.text("code_system"),
        session_minutes=r.integer("session_minutes"),
        per_diem=r.flag("per_diem"),
        frequency_count=frequency.integer("count"),
        frequency_per=frequency.text("per"),
        sessions=r.integer("sessions"),
        end_date=r.date("end_date"),
        participant=r.text("participant"),
        member=r.text("member"),
        level_of_care=r.text("level_of_care"),
        hours_per_day=r.number("hours_per_day"),
        in_group="group" in r,
    )


def _coverage(r: _Reader) -> Coverage:
    return Coverage(
        r.at, r.text("payer"), r.text("plan_name"), r.text("member_id"), r.text("group_number"),
        _authorization(r.sub("authorization")),
    )  # fmt: skip


def _authorization(a: _Reader | None) -> Authorization | None:
    if a is None:
        return None
    return Authorization(
        a.at, a.text("number"), a.date("start_date"), a.date("end_date"), a.integer("sessions"),
        a.integer("units"), a.texts("services"),
    )  # fmt: skip


def _substance_use(r: _Reader | None) -> SubstanceUse | None:
    if r is None:
        return None
    referral = r.sub("referral")
    toxicology = r.sub("toxicology")
    return SubstanceUse(
        at=r.at,
        recommended_level=r.text("recommended_level"),
        actual_level=r.text("actual_level"),
        difference_reason=r.text("difference_reason"),
        toxicology_instrument=toxicology.text("instrument") if toxicology else None,
        mandated=referral.flag("mandated") if referral else False,
        reporting_consent=referral.flag("reporting_consent") if referral else False,
        dimensions=tuple((d.at, d.integer("dimension")) for d in r.items("asam_dimensions")),
    )


def _within(r: _Reader | None) -> Within | None:
    if r is None:
        return None
    return Within(
        r.at, r.integer("weeks"), r.integer("days"), r.integer("sessions"), r.text("service")
    )


def _intervention(i: _Reader) -> Intervention:
    return Intervention(
        i.at, i.text("id"), i.text("description"), i.text("provider"), i.text("modality"),
        i.text("approach"), i.text("member"), i.text("participant"), i.text("frequency"),
    )  # fmt: skip


def _person(r: _Reader) -> Person:
    return Person(
        r.at, r.text("id"), r.text("name"), r.text("preferred_name"), r.text("role"),
        r.flag("primary"), r.date("date_of_birth"), r.text("pronouns"), r.integer("age"),
    )  # fmt: skip


def _professional(r: _Reader | None) -> Professional | None:
    return Professional(r.at, r.text("name"), r.text("credentials"), r.text("npi")) if r else None


def _practice(r: _Reader | None) -> Practice | None:
    return Practice(r.at, r.text("name"), r.text("npi")) if r else None


def _assessment(r: _Reader) -> Assessment:
    words = r.sub("presenting_problem")
    risk = r.sub("risk")
    diagnoses = tuple(
        Diagnosis(
            at=d.at,
            code=d.text("code"),
            description=d.text("description"),
            primary=d.flag("primary"),
            provisional=d.flag("provisional"),
            system=d.text("system") or "icd10cm",
            rule_out=d.flag("rule_out"),
            participant=d.text("participant"),
        )
        for d in r.items("diagnoses")
    )
    risks = tuple(
        Risk(k.at, k.text("domain"), k.text("level"), k.date("assessed_on"))
        for k in r.items("risks")
    )
    return Assessment(
        at=r.at,
        date=r.date("date"),
        diagnoses=diagnoses,
        client_words=words.text("client_words") if words else None,
        risk_level=risk.text("level") if risk else None,
        risks=risks,
        speaker=words.text("speaker") if words else None,
    )


def _goal(r: _Reader) -> Goal:
    return Goal(
        at=r.at,
        id=r.text("id"),
        problems=r.texts("problems"),
        client_words=r.text("client_words"),
        description=r.text("description"),
        status=r.text("status"),
        objectives=tuple(_objective(o) for o in r.items("objectives")),
        speaker=r.text("speaker"),
        target_date=r.date("target_date"),
        within=_within(r.sub("within")),
        uses=r.texts("uses"),
    )


def _objective(r: _Reader) -> Objective:
    m = r.sub("measure")
    measure = (
        Measure(
            at=m.at,
            instrument=m.text("instrument"),
            baseline=m.number("baseline"),
            target=m.number("target"),
            baseline_date=m.date("baseline_date"),
            participant=m.text("participant"),
            baseline_due=m.date("baseline_due"),
            baseline_note=m.text("baseline_note"),
            target_change_percent=m.number("target_change_percent"),
            sustained_weeks=m.integer("sustained_weeks"),
        )
        if m is not None and m.data
        else None
    )
    return Objective(
        at=r.at,
        id=r.text("id"),
        description=r.text("description"),
        measure=measure,
        target_date=r.date("target_date"),
        status=r.text("status"),
        interventions=tuple(_intervention(i) for i in r.items("interventions")),
        criterion=r.text("criterion"),
        achieved_on=r.date("achieved_on"),
        within=_within(r.sub("within")),
        uses=r.texts("uses"),
        participant=r.text("participant"),
    )


def _measurement(r: _Reader) -> Measurement:
    return Measurement(
        r.at, r.text("instrument"), r.date("date"), r.number("score"), r.text("participant"),
        r.text("objective"), r.text("note"),
    )  # fmt: skip


def _signature(r: _Reader) -> Signature:
    return Signature(
        r.at, r.text("role"), r.text("name"), r.text("participant"), r.text("credentials"),
        r.text("status"), r.date("date"), any(True for _ in r.items("attempts")), r.text("member"),
        r.flag("electronic"), r.text("time"),
    )  # fmt: skip


def _modules(
    details: _Reader | None,
    orientation: Orientation | None,
    lookup: Callable[[str], Orientation | None],
) -> Iterator[Module]:
    spec = orientation.modules if orientation else None
    if details is None or spec is None:
        return
    for item in details.items(spec.field):
        inner = item.sub(spec.details)
        name = item.text(spec.orientation)
        found = lookup(name) if name else None
        yield Module(
            item.at,
            name,
            found if found is not None and found.modules is None else None,
            inner.data if inner else {},
            inner.at if inner else (*item.at, spec.details),
        )
