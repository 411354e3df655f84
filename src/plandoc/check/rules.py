"""Stage 2b — semantic checks: what a schema cannot see, read from the plan model.

Ids and references, dates and the review schedule, ICD-10-CM codes, instrument ranges and
directions, the signatures a payer needs, a safety plan where risk is present. Each finding has
a rule id so a practice can look it up (see docs/checks.md). The orientation's own rules are
data in its folder (:mod:`plandoc.check.orientation`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..errors import Severity
from ..spec import icd
from ..spec.codes import CODE_PATTERNS, service_code
from ..spec.instruments import Instrument, builtin_instruments
from ..spec.loader import DocPath
from ..spec.model import Authorization, Goal, Objective, Plan, Service, add_days
from ..text import did_you_mean, names_speakers, number, words
from .orientation import orientation_findings
from .report import Reporter
from .voice import check_safety_plan_voice

Check = Callable[[Reporter, Plan, dt.date], None]


def semantic_findings(report: Reporter, plan: Plan, *, today: dt.date) -> None:
    """Run every check on *plan*, adding what they find to *report*."""
    for check in CHECKS:
        check(report, plan, today)


# --- ids and references -------------------------------------------------------------------


def _all_ids(data: dict[str, Any]) -> list[tuple[DocPath, str]]:
    """Every stable id in the plan, wherever it stands (orientation sections included)."""
    found: list[tuple[DocPath, str]] = []

    def walk(value: Any, path: DocPath) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                found.append(((*path, "id"), value["id"]))
            children: Any = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            return
        for key, child in children:  # into mappings and lists only (a plain one told at once)
            kind = type(child)
            if kind is str or key == "extensions":
                continue
            if kind is dict or kind is list or isinstance(child, _CONTAINERS):
                walk(child, (*path, key))

    for key in data:
        if key not in ("extensions", "revisions", "signatures"):
            walk(data[key], (key,))
    return found


_CONTAINERS = (dict, list)


def check_ids(report: Reporter, plan: Plan, today: dt.date) -> None:
    seen: dict[str, DocPath] = {}
    for path, value in _all_ids(plan.data):
        if value in seen:
            line = report.doc.locate(seen[value])[0]
            report.error(
                path,
                f"id `{value}` is already used at line {line}; ids must be unique in a plan",
                "ids.duplicate",
            )
        else:
            seen[value] = path


def check_instruments(report: Reporter, plan: Plan, today: dt.date) -> None:
    """A plan's own measures: not named like a built-in one, and with a scale that makes sense."""
    builtin = builtin_instruments()
    for item in plan.custom_instruments:
        if item.id in builtin:
            msg = f"`{item.id}` is a built-in instrument ({builtin[item.id].name}); use it as it is, or give your measure another id"
            report.error((*item.at, "id"), msg, "ids.duplicate")
        if item.min is not None and item.max is not None and item.min >= item.max:
            report.error(
                (*item.at, "max"),
                f"the scale's max ({number(item.max)}) is not above its min ({number(item.min)})",
                "measures.scale",
            )


def check_references(report: Reporter, plan: Plan, today: dt.date) -> None:
    problems = {p.id for p in plan.problems if p.id}
    people = {p.id for p in plan.participants if p.id}
    for goal in plan.goals:
        for index, ref in enumerate(goal.problems):
            if ref not in problems:
                report.error(
                    (*goal.at, "problems", index),
                    f"goal refers to problem `{ref}`, which is not defined{did_you_mean(ref, problems)}",
                    "ids.unresolved",
                )
    objectives = {o.id: o for o in plan.objectives if o.id}
    for objective in plan.objectives:
        measure = objective.measure
        if measure is not None:
            _instrument_ref(
                report, (*measure.at, "instrument"), measure.instrument, plan.instruments
            )
            _participant_ref(
                report, (*measure.at, "participant"), measure.participant, people, "measure"
            )
    for item in plan.measurements:
        _instrument_ref(report, (*item.at, "instrument"), item.instrument, plan.instruments)
        _objective_ref(report, item.at, item.objective, item.instrument, objectives)
        _participant_ref(report, (*item.at, "participant"), item.participant, people, "measurement")
    for sig in plan.signatures:
        _participant_ref(report, (*sig.at, "participant"), sig.participant, people, "signature")
    _check_shared_and_team(report, plan)
    _check_whose(report, plan, people)
    _check_time_frames(report, plan)
    _check_toxicology(report, plan)


def _check_shared_and_team(report: Reporter, plan: Plan) -> None:
    """Shared interventions named by goals and objectives; team members named by
    interventions, services and signatures."""
    shared = {i.id for i in plan.shared_interventions if i.id}
    users: list[Goal | Objective] = [*plan.goals, *plan.objectives]
    for item in users:
        kind = "goal" if isinstance(item, Goal) else "objective"
        for index, ref in enumerate(item.uses):
            path = (*item.at, "uses", index)
            _ref(report, path, ref, shared, f"{kind} uses intervention", "`interventions`")
    team = {m.id for m in plan.team if m.id}
    members = [(i.at, i.member) for i in plan.interventions]
    members += [(s.at, s.member) for s in plan.services]
    members += [(g.at, g.member) for g in plan.signatures]
    for at, member in members:
        _ref(report, (*at, "member"), member, team, "names team member", "`team`")


def _check_whose(report: Reporter, plan: Plan, people: set[str]) -> None:
    """Participants named as whose a diagnosis, service, intervention, objective or quotation
    is, or as the participant a guardian is."""
    presenting = (*plan.assessment.at, "presenting_problem", "speaker")
    named: list[tuple[DocPath, str | None, str]] = [
        *(((*d.at, "participant"), d.participant, "diagnosis") for d in plan.assessment.diagnoses),
        *(((*s.at, "participant"), s.participant, "service") for s in plan.services),
        *(((*i.at, "participant"), i.participant, "intervention") for i in plan.interventions),
        *(((*o.at, "participant"), o.participant, "objective") for o in plan.objectives),
        *(((*g.at, "participant"), g.participant, "guardian") for g in plan.guardians),
        *(((*g.at, "speaker"), g.speaker, "quotation") for g in plan.goals),
        (presenting, plan.assessment.speaker, "quotation"),
    ]
    for path, who, what in named:
        _participant_ref(report, path, who, people, what)


def _check_time_frames(report: Reporter, plan: Plan) -> None:
    """A time frame names a service that exists; one counted in sessions names which service
    when the plan has several, and it is weeks and days or sessions, not both."""
    services = {s.id for s in plan.services if s.id}
    items: list[Goal | Objective] = [*plan.goals, *plan.objectives]
    for frame in (item.within for item in items):
        if frame is None:
            continue
        path = (*frame.at, "service")
        _ref(report, path, frame.service, services, "counts from service", "`services`")
        if frame.sessions and (frame.weeks or frame.days):
            msg = "a time frame is weeks and days, or sessions: not both"
            report.error(frame.at, msg, "dates.time-frame")
        elif frame.sessions and not frame.service and len(plan.services) > 1:
            msg = f"after {frame.sessions} sessions of which service? The plan has several: add `service: ID`"
            report.error(frame.at, msg, "dates.time-frame")


def _check_toxicology(report: Reporter, plan: Plan) -> None:
    use = plan.substance_use
    if use is not None:
        path = (*use.at, "toxicology", "instrument")
        _instrument_ref(report, path, use.toxicology_instrument, plan.instruments)


def _ref(
    report: Reporter, path: DocPath, ref: str | None, known: set[str], what: str, where: str
) -> None:
    if ref is not None and ref not in known:
        report.error(
            path,
            f"{what} `{ref}`, which is not in {where}{did_you_mean(ref, known)}",
            "ids.unresolved",
        )


def _participant_ref(
    report: Reporter, path: DocPath, who: str | None, people: set[str], what: str
) -> None:
    if who is not None and who not in people:
        msg = f"{what} names participant `{who}`, who is not in `participants`{did_you_mean(who, people)}"
        report.error(path, msg, "ids.unresolved")


def _objective_ref(
    report: Reporter,
    path: DocPath,
    ref: str | None,
    instrument: str | None,
    objectives: dict[str, Objective],
) -> None:
    if ref is None:
        return
    if ref not in objectives:
        report.error(
            (*path, "objective"),
            f"measurement names objective `{ref}`, which is not defined{did_you_mean(ref, objectives)}",
            "ids.unresolved",
        )
        return
    measure = objectives[ref].measure
    expected = measure.instrument if measure else None
    if expected is not None and expected != instrument:
        msg = (
            f"objective `{ref}` is measured with `{expected}`, but this score is on `{instrument}`"
        )
        report.error((*path, "instrument"), msg, "measures.mismatch")


def _instrument_ref(
    report: Reporter, path: DocPath, ref: str | None, instruments: dict[str, Instrument]
) -> None:
    if ref is not None and ref not in instruments:
        msg = f"unknown instrument `{ref}`{did_you_mean(ref, instruments)}; use a built-in one or define it under `instruments`"
        report.error(path, msg, "ids.unresolved")


# --- identifiers ----------------------------------------------------------------------------


def npi_valid(npi: str) -> bool:
    """The NPI check digit: Luhn over the number prefixed with 80840, as CMS specifies."""
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def check_npis(report: Reporter, plan: Plan, today: dt.date) -> None:
    for who in (plan.clinician, plan.supervisor, plan.practice):
        npi = who.npi if who else None
        if who and npi and npi.isdigit() and len(npi) == 10 and not npi_valid(npi):
            report.error(
                (*who.at, "npi"),
                f"NPI {npi} fails its check digit; copy it again from the NPI registry",
                "npi.check-digit",
            )


# --- participants -------------------------------------------------------------------------


def check_participants(report: Reporter, plan: Plan, today: dt.date) -> None:
    people = plan.participants
    primaries = [p for p in people if p.primary]
    if len(people) > 1 and len(primaries) != 1:
        msg = f"{len(people)} participants and {len(primaries)} marked `primary: true`; mark exactly one as the identified client"
        report.error(("participants",), msg, "participants.primary")
    start = plan.info.start_date
    for person in people:
        if person.date_of_birth and start and person.date_of_birth >= start:
            report.error(
                (*person.at, "date_of_birth"),
                "date of birth is not before the plan's start date",
                "dates.order",
            )
    if plan.minor(plan.client) and not plan.guardians and plan.client and start:
        years = plan.client.age_on(start)
        msg = f"the client is {years} at the plan's start; add a `guardian` (or `guardians`) for a minor"
        report.error(("participants",), msg, "participants.guardian")


# --- dates and review schedule ------------------------------------------------------------


def check_dates(report: Reporter, plan: Plan, today: dt.date) -> None:
    info = plan.info
    start, expiry = info.start_date, info.expiry_date
    if not start:
        return
    if expiry and expiry <= start:
        report.error(
            (*info.at, "expiry_date"),
            f"expiry date {expiry} is not after the start date {start}",
            "dates.order",
        )
    _check_review_schedule(report, plan, start, today)
    _check_superseded(report, plan)
    _check_due_dates(report, plan, start, expiry)
    _check_achieved(report, plan, today)
    _check_baselines(report, plan, today)
    dated = [(s.at, s.date, "measurement") for s in plan.measurements]
    dated += [(r.at, r.date, "revision") for r in plan.revisions]
    for at, day, what in dated:
        if day and day > today:
            report.error((*at, "date"), f"{what} dated {day} is in the future", "dates.future")


def _check_superseded(report: Reporter, plan: Plan) -> None:
    """``superseded_by`` and ``superseded_on`` belong to a superseded version, and name a later
    version than this one, taking effect after this one started. A draft is not yet signed."""
    info = plan.info
    if info.status == "superseded" and not (info.superseded_by and info.superseded_on):
        report.warning(
            (*info.at, "status"),
            "a superseded version should say which version replaced it and when "
            "(`superseded_by`, `superseded_on`): its banner prints them",
            "revisions.superseded",
        )
    if info.status == "draft" and any(s.signed for s in plan.signatures):
        report.warning(
            (*info.at, "status"),
            "the plan is a draft, but signatures are marked signed: set the status "
            "(`active`) once it is signed, or mark the signatures `pending`",
            "revisions.superseded",
        )
    given = [
        f
        for f, v in (("superseded_by", info.superseded_by), ("superseded_on", info.superseded_on))
        if v
    ]
    if given and info.status != "superseded":
        report.error(
            (*info.at, given[0]),
            f"{given[0]} is given but the plan's status is {info.status}: set `status: superseded`, "
            f"or remove {given[0]}",
            "revisions.superseded",
        )
    if info.superseded_by and info.version and info.superseded_by <= info.version:
        report.error(
            (*info.at, "superseded_by"),
            f"version {info.version} cannot be replaced by version {info.superseded_by}: "
            "name the later version that replaced it",
            "revisions.superseded",
        )
    if info.superseded_on and info.start_date and info.superseded_on <= info.start_date:
        report.error(
            (*info.at, "superseded_on"),
            f"superseded on {info.superseded_on}, not after the start date {info.start_date}",
            "revisions.superseded",
        )


def _check_due_dates(report: Reporter, plan: Plan, start: dt.date, expiry: dt.date | None) -> None:
    """Each goal's and objective's own date (its target date, or its time frame resolved):
    after the start (a time frame may fall on it: the first session), before the expiry, and
    an objective not after its goal."""
    for goal in plan.goals:
        goal_due = plan.own_due(goal)
        items: list[Goal | Objective] = [goal, *goal.objectives]
        for item in items:
            due = plan.own_due(item)
            if due is None:
                continue
            field = "target_date" if item.target_date else "within"
            if due < start or (due == start and item.target_date):
                msg = f"target date {due} is not after the plan's start date {start}"
                report.error((*item.at, field), msg, "dates.order")
            if expiry and due > expiry:
                msg = f"target date {due} is after the plan expires ({expiry})"
                report.error((*item.at, field), msg, "dates.after-expiry")
            if item is not goal and goal_due and due > goal_due:
                msg = f"objective `{item.id}` is due {due}, after its goal (due {goal_due})"
                report.warning((*item.at, field), msg, "dates.order")


def _check_achieved(report: Reporter, plan: Plan, today: dt.date) -> None:
    """A day an objective was met is not in the future (before the plan's start is possible:
    met during the assessment), and the objective's status says it was met."""
    for objective in plan.objectives:
        met = objective.achieved_on
        if met is None:
            continue
        if met > today:
            msg = f"achieved on {met}, which is in the future"
            report.error((*objective.at, "achieved_on"), msg, "dates.future")
        if objective.status != "achieved":
            msg = f"objective `{objective.id}` was met on {met} but its status is `{objective.status}`; set `status: achieved`, or remove `achieved_on`"
            report.error((*objective.at, "status"), msg, "goals.achieved")


def _check_baselines(report: Reporter, plan: Plan, today: dt.date) -> None:
    for objective in plan.objectives:
        measured = objective.measure.baseline_date if objective.measure else None
        target = objective.target_date
        if measured and measured > today:
            report.error(
                (*objective.at, "measure", "baseline_date"),
                f"baseline dated {measured} is in the future",
                "dates.future",
            )
        if measured and target and measured >= target:
            report.error(
                (*objective.at, "measure", "baseline_date"),
                f"baseline date {measured} is not before the target date {target}",
                "dates.order",
            )


def _check_review_schedule(report: Reporter, plan: Plan, start: dt.date, today: dt.date) -> None:
    info = plan.info
    days, anchor, last = info.review_interval, info.review_anchor or start, info.last_review_date
    if last and last < start:
        report.error(
            (*info.at, "last_review_date"),
            f"last review {last} is before the plan's start {start}",
            "dates.order",
        )
    given = info.next_review_date
    if given and given <= anchor:
        report.error(
            (*info.at, "next_review_date"),
            f"next review {given} is not after {anchor}",
            "dates.review-schedule",
        )
    elif given and (latest := add_days(anchor, days)) and given > latest:
        msg = f"next review {given} is more than {days} days after {anchor}; review by {latest} or change `review_interval_days`"
        report.error((*info.at, "next_review_date"), msg, "dates.review-schedule")
    due = info.next_review
    if due and due < today and info.status in ("active", "under_review"):
        where: DocPath = (*info.at, "next_review_date") if given else info.at
        report.warning(
            where,
            f"the plan was due for review on {due} ({(today - due).days} days ago); review and revise it",
            "dates.review-overdue",
        )


# --- diagnoses ----------------------------------------------------------------------------


def check_diagnoses(report: Reporter, plan: Plan, today: dt.date) -> None:
    found = plan.assessment.diagnoses
    if not found:
        return
    primaries = [d for d in found if d.primary]
    if len(found) > 1 and len(primaries) != 1:
        report.error(
            (*plan.assessment.at, "diagnoses"),
            f"{len(primaries)} diagnoses are marked `primary: true`; mark exactly one",
            "diagnoses.primary",
        )
    for diagnosis in found:
        if diagnosis.rule_out and diagnosis.primary:
            msg = "a diagnosis to rule out cannot be the primary one: mark a diagnosis that is made as primary"
            report.error((*diagnosis.at, "primary"), msg, "diagnoses.primary")
    codes = Counter((d.code, d.participant) for d in found)
    for diagnosis in found:
        code = diagnosis.code
        if code is None:
            continue
        if codes[(code, diagnosis.participant)] > 1:
            whose = f" for `{diagnosis.participant}`" if diagnosis.participant else ""
            report.error(
                (*diagnosis.at, "code"),
                f"diagnosis `{code}` is listed more than once{whose}",
                "diagnoses.duplicate",
            )
        if diagnosis.system == "icd10":
            continue  # WHO ICD-10: plandoc has no table of it (DSM-5-TR codes are ICD-10-CM)
        entry = icd.lookup(code)
        if entry is None:
            report.error(
                (*diagnosis.at, "code"),
                f"`{code}` is not an ICD-10-CM code; check it against the current code set",
                "icd.unknown",
            )
        elif not entry.billable:
            children = icd.billable_children(entry.code)
            msg = f"`{code}` ({entry.title}) is a category, not a billable code; use a more specific code such as {', '.join(children)}"
            report.error((*diagnosis.at, "code"), msg, "icd.not-billable")


# --- measures -----------------------------------------------------------------------------


def check_measures(report: Reporter, plan: Plan, today: dt.date) -> None:
    instruments = plan.instruments
    for item in plan.measurements:
        _check_range(
            report, (*item.at, "score"), item.score, instruments.get(item.instrument or "")
        )
    for objective in plan.objectives:
        measure = objective.measure
        if measure is None:
            continue
        instrument = instruments.get(measure.instrument or "")
        for name, value in (("baseline", measure.baseline), ("target", measure.target)):
            _check_range(report, (*measure.at, name), value, instrument)
        baseline, target = measure.baseline, measure.target
        if (
            instrument
            and baseline is not None
            and target is not None
            and instrument.improvement(baseline, target) <= 0
        ):
            way = "lower" if instrument.lower_is_better else "higher"
            msg = f"target {number(target)} is not an improvement on baseline {number(baseline)}: on {instrument.name} {way} is better"
            report.error((*measure.at, "target"), msg, "measures.direction")


def _check_range(
    report: Reporter, path: DocPath, score: float | None, instrument: Instrument | None
) -> None:
    if instrument is None or score is None:
        return
    if instrument.whole and not float(score).is_integer():
        report.error(
            path,
            f"{instrument.name} is scored in whole numbers, not {number(score)}",
            "measures.range",
        )
        return
    if instrument.in_range(score):
        return
    top = number(instrument.max) if instrument.max is not None else "∞"
    report.error(
        path,
        f"{number(score)} is outside {instrument.name}'s range {number(instrument.min)}–{top}",
        "measures.range",
    )


# --- signatures ---------------------------------------------------------------------------


def check_signatures(report: Reporter, plan: Plan, today: dt.date) -> None:
    signatures = plan.signatures
    for sig in signatures:
        if sig.status == "signed" and not sig.date:
            report.error(
                sig.at,
                f"{sig.role or 'a'} signature is marked signed but has no `date`",
                "signatures.date",
            )
        if sig.time and not sig.electronic:
            report.warning(
                (*sig.at, "time"),
                "a signature `time` is recorded for an electronic signature: add "
                "`electronic: true`, or remove the time",
                "signatures.electronic",
            )
        if sig.status in ("pending", "refused") and not sig.attempted:
            report.warning(
                sig.at,
                f"{sig.role or 'a'} signature is {sig.status}; log the attempts to obtain it under `attempts`",
                "signatures.attempts",
            )
        if sig.role == "guardian" and not plan.guardians:
            report.error(
                (*sig.at, "role"),
                "a guardian signs, but the plan has no `guardian`; add the guardian's details",
                "signatures.guardian",
            )
        elif sig.role == "clinician" and not plan.is_clinician(sig):
            clinician = plan.clinician.name if plan.clinician else "not named"
            msg = f"{sig.name} signs as clinician, but the plan's clinician is {clinician}; a team member who signs names themselves with `member:`"
            report.warning((*sig.at, "name"), msg, "signatures.clinician")
        elif sig.role == "guardian" and sig.name not in {g.name for g in plan.guardians}:
            names = ", ".join(g.name or "?" for g in plan.guardians)
            report.error(
                (*sig.at, "name"),
                f"{sig.name} signs as guardian but is not one of the plan's guardians ({names})",
                "signatures.guardian",
            )
    if not plan.info.signed_status:
        return
    signed = {s.role for s in signatures if s.signed}
    state = f"an {plan.info.status} plan"
    where: DocPath = ("signatures",) if signatures else (*plan.info.at, "status")
    if "clinician" not in signed:
        report.error(
            where,
            f"{state} needs the clinician's signature (with credentials)",
            "signatures.clinician",
        )
    for sig in signatures:
        if sig.role in ("clinician", "supervisor") and sig.signed and not sig.credentials:
            report.error(
                sig.at, f"the {sig.role}'s signature needs `credentials`", "signatures.credentials"
            )
    if plan.supervisor is not None and "supervisor" not in signed:
        report.error(
            ("signatures",) if signatures else plan.supervisor.at,
            f"{state} with a supervisor needs the supervisor's signature",
            "signatures.supervisor",
        )
    _check_consent(report, plan, signed, state)


def _check_consent(report: Reporter, plan: Plan, signed: set[str | None], state: str) -> None:
    role = "guardian" if plan.guardian is not None else "client"
    by_role = [s for s in plan.signatures if s.role == role]
    _check_each_adult_signs(report, plan, state)
    if role in signed:
        return
    if any(s.attempted for s in by_role) and "supervisor" in signed:
        return  # payers accept a logged refusal or delay with a supervisor's review
    msg = f"{state} needs the {role}'s signature, or logged attempts to obtain it and a supervisor's signature"
    where: DocPath = ("signatures",) if plan.signatures else (*plan.info.at, "status")
    report.error(where, msg, "signatures.client")


def _check_each_adult_signs(report: Reporter, plan: Plan, state: str) -> None:
    """With several participants (a couple, a family), every adult takes part in consent:
    as a client (a signature naming them), or as a guardian who is one of the participants."""
    if len(plan.participants) < 2:
        return
    accounted = {s.participant for s in plan.signatures if s.role == "client" and s.accounted}
    guardians_signing = {s.name for s in plan.signatures if s.role == "guardian" and s.accounted}
    for guardian in plan.guardians:
        if guardian.name in guardians_signing:
            accounted |= {guardian.participant} | {
                p.id for p in plan.participants if p.name == guardian.name
            }
    # for a minor, the guardians' consent is what payers need: another adult is a warning
    severity: Severity = "warning" if plan.guardians else "error"
    for person in plan.participants:
        if person.adult_on(plan.info.start_date) and person.id not in accounted:
            msg = f"{state} with several participants needs a signature from {person.name or 'each adult'} (a client signature with `participant: {person.id}`, or as a guardian), or logged attempts"
            report.add(severity, person.at, msg, "signatures.participant")


# --- safety, services, revisions ----------------------------------------------------------


def check_safety(report: Reporter, plan: Plan, today: dt.date) -> None:
    """Suicide and self-harm risk needs a safety plan; any other raised risk a crisis plan of
    its own (a withdrawal or drink-driving risk does not call for a suicide safety plan)."""
    level = plan.assessment.risk_level
    if level in ("moderate", "high") and not plan.has_safety_plan:
        report.error(
            (*plan.assessment.at, "risk", "level"),
            f"risk is {level}: add a `safety_plan`",
            "safety.missing",
        )
    for risk in plan.assessment.risks:
        if not risk.raised:
            continue
        if risk.domain in ("suicide", "self_harm"):
            if not plan.has_safety_plan:
                msg = f"{words(risk.domain)} risk is {risk.level}: add a `safety_plan`"
                report.error((*risk.at, "level"), msg, "safety.missing")
        elif risk.domain not in plan.crisis_plans:
            msg = f"{words(risk.domain)} risk is {risk.level}: add a crisis plan for it under `crisis_plans` (domain: {risk.domain})"
            report.error((*risk.at, "level"), msg, "safety.crisis-plan")


def check_services(report: Reporter, plan: Plan, today: dt.date) -> None:
    for service in plan.services:
        weeks = service.duration_weeks
        if weeks is not None and weeks > 52:
            report.warning(
                (*service.at, "duration_weeks"),
                f"expected duration is {weeks} weeks; payers want a duration under a year — plan a review instead",
                "services.duration",
            )
        gaps = plan.unrecorded  # a value given as not recorded is reported as such, not missing
        if (*service.at, "code") not in gaps:
            _check_service_code(report, service)
        if (
            service.session_minutes is None
            and not service.per_diem
            and (*service.at, "session_minutes") not in gaps
        ):
            report.error(
                service.at,
                "a service needs `session_minutes`, unless it is `per_diem`",
                "services.minutes",
            )
        expected = service.expected_sessions
        if (
            service.sessions
            and expected
            and abs(service.sessions - expected) > max(1, 0.1 * expected)
        ):
            msg = f"{service.sessions} sessions planned, but the frequency over {weeks} weeks makes {expected}"
            report.warning((*service.at, "sessions"), msg, "services.sessions")
        _check_service_dates(report, plan, service)
        _check_service_shape(report, service)


def _check_service_dates(report: Reporter, plan: Plan, service: Service) -> None:
    """An end date after the start, and agreeing (within a week) with the duration."""
    start, end, weeks = plan.service_start(service), service.end_date, service.duration_weeks
    if not (end and start):
        return
    where = (*service.at, "end_date")
    if end <= start:
        report.error(where, f"end date {end} is not after the start {start}", "dates.order")
        return
    last = add_days(start, 7 * weeks - 1) if weeks else None
    if last and abs((end - last).days) > 6:
        msg = f"the service ends {end}, but {weeks} weeks from {start} end {last}; correct `end_date` or `duration_weeks`"
        report.error(where, msg, "services.end-date")


def _check_service_shape(report: Reporter, service: Service) -> None:
    """Group details only on a group service; hours a day only on a per-diem one."""
    if service.in_group and service.modality != "group":
        msg = f"group details on a service whose modality is `{service.modality}`; use `modality: group`, or remove `group`"
        report.error((*service.at, "group"), msg, "services.group")
    if service.hours_per_day is not None and not service.per_diem:
        msg = "`hours_per_day` is for a service billed by the day: add `per_diem: true`, or use `session_minutes`"
        report.error((*service.at, "hours_per_day"), msg, "services.minutes")


def _check_service_code(report: Reporter, service: Service) -> None:
    system, code = service.system, service.code
    if code is None and system in (None, *CODE_PATTERNS):
        msg = "a service needs its billing `code`, or `code_system: none` (or `local`) where services are not coded"
        report.error(service.at, msg, "services.code")
        return
    if system in CODE_PATTERNS and code and not CODE_PATTERNS[system].fullmatch(code):
        form = "five digits (`90837`)" if system == "cpt" else "a letter and four digits (`H0015`)"
        report.error(
            (*service.at, "code"),
            f"`{code}` is not a {system.upper()} code: write {form}",
            "services.code",
        )
        return
    found = service_code(code) if system in CODE_PATTERNS else None
    if found is None:
        return
    where = (*service.at, "code")
    if service.modality and service.modality not in found.modalities:
        msg = f"{code} ({found.name}) is billed for {' or '.join(found.modalities)} services, not {service.modality}"
        report.warning(where, msg, "services.code-mismatch")
    minutes = service.session_minutes
    if minutes is not None and not found.per_diem and not found.fits_minutes(minutes):
        low, high = found.minutes or (0, None)
        span = f"{low}–{high}" if high else f"{low} or more"
        report.warning(
            where,
            f"{code} ({found.name}) needs {span} minutes, not {minutes}",
            "services.code-mismatch",
        )
    if found.evaluation and (service.expected_sessions or 0) > 2:
        msg = f"{code} ({found.name}) is billed once (at most twice) per episode, not as a recurring session; bill the sessions after it with a psychotherapy code"
        report.warning(where, msg, "services.evaluation")


# --- coverage -------------------------------------------------------------------------------


def check_coverage(report: Reporter, plan: Plan, today: dt.date) -> None:
    """Each authorization: the services it names exist, it counts sessions or units (one of
    the two), its period fits the plan's and the covered services', and what it allows agrees
    with what the plan has planned in its period."""
    known = {s.id for s in plan.services if s.id}
    for coverage in plan.coverage:
        auth = coverage.authorization
        if auth is None:
            continue
        for index, ref in enumerate(auth.services):
            path = (*auth.at, "services", index)
            _ref(report, path, ref, known, "authorization covers service", "`services`")
        if auth.sessions is not None and auth.units is not None:
            msg = "an authorization counts `sessions` or `units`, not both: keep the one the payer's letter gives"
            report.error((*auth.at, "units"), msg, "coverage.authorization")
        elif auth.measure is None:
            msg = "an authorization says how much it allows: add `sessions` or `units` from the payer's letter"
            report.error(auth.at, msg, "coverage.authorization")
        period = _authorization_period(report, plan, auth)
        if period is not None:
            _check_covered_period(report, plan, auth, *period)
            _check_authorized_amount(report, plan, auth)


Period = tuple[dt.date, dt.date]


def _authorization_period(report: Reporter, plan: Plan, auth: Authorization) -> Period | None:
    """The authorization's period, in order and overlapping the plan's (errors), starting no
    earlier than the plan and ending no later than its expiry (warnings); None when it cannot
    be compared with what the plan plans."""
    first, last = auth.start_date, auth.end_date
    start, expiry = plan.info.start_date, plan.info.expiry_date
    if first is None or last is None:
        return None
    if last < first:
        msg = f"the authorization ends {last}, before it starts ({first})"
        report.error((*auth.at, "end_date"), msg, "coverage.dates")
        return None
    if expiry and first > expiry:
        msg = f"the authorization starts {first}, after the plan expires ({expiry}); it belongs with a renewed plan"
        report.error((*auth.at, "start_date"), msg, "coverage.dates")
        return None
    if start and last < start:
        msg = f"the authorization ends {last}, before the plan starts ({start}); record the one that covers this plan"
        report.error((*auth.at, "end_date"), msg, "coverage.dates")
        return None
    if start and first < start:
        msg = f"the authorization starts {first}, before the plan starts ({start}); check the dates on the payer's letter"
        report.warning((*auth.at, "start_date"), msg, "coverage.dates")
    if expiry and last > expiry:
        msg = f"the authorization runs to {last}, after the plan expires ({expiry}); renew the plan before then"
        report.warning((*auth.at, "end_date"), msg, "coverage.dates")
    return first, last


def _check_covered_period(
    report: Reporter, plan: Plan, auth: Authorization, first: dt.date, last: dt.date
) -> None:
    """A covered service that starts before the authorization or runs on after it: care the
    payer has not authorized (a warning: request it, or change the service's dates)."""
    for service in plan.covered_services(auth):
        start, end = plan.service_start(service), plan.service_end(service)
        name = service.id or "a service"
        if start and start < first:
            msg = f"{name} starts {start}, before the authorization starts ({first}); sessions before then are not authorized"
            report.warning((*auth.at, "start_date"), msg, "coverage.period")
        if end and end > last:
            msg = f"{name} runs to {end}, after the authorization ends ({last}); request a continued authorization before then"
            report.warning((*auth.at, "end_date"), msg, "coverage.period")


def _check_authorized_amount(report: Reporter, plan: Plan, auth: Authorization) -> None:
    """The sessions or units authorized agree (within 10 %, and more than one) with what the
    covered services plan in the authorization's period."""
    allowed, planned, measure = auth.amount, plan.planned_for(auth), auth.measure
    if allowed is None or planned is None or measure is None:
        return
    if abs(allowed - planned) <= max(1, 0.1 * planned):
        return
    ids = ", ".join(s.id or "?" for s in plan.covered_services(auth))
    msg = f"{allowed} {measure} authorized from {auth.start_date} to {auth.end_date}, but {planned} are planned in that period ({ids})"
    msg += (
        "; request more, or plan fewer"
        if planned > allowed
        else "; check the authorization, or the services' frequency and duration"
    )
    report.warning((*auth.at, measure), msg, "coverage.amount")


def check_revisions(report: Reporter, plan: Plan, today: dt.date) -> None:
    version, start, entries = plan.info.version, plan.info.start_date, plan.revisions
    for rev in entries:
        if rev.date and start and rev.date < start and rev.reason != "initial":
            report.error(
                (*rev.at, "date"),
                f"revision dated {rev.date} is before the plan's start {start}",
                "dates.order",
            )
    if version is not None and entries and version not in [r.version for r in entries]:
        report.warning(
            ("revisions",),
            f"no revision entry for the current version {version}; add one with its date, reason and summary",
            "revisions.current",
        )
    previous: tuple[int | None, dt.date | None] = (None, None)
    for rev in entries:
        if rev.version is not None and version is not None and rev.version > version:
            report.error(
                (*rev.at, "version"),
                f"revision for version {rev.version} is newer than the plan's version {version}",
                "revisions.order",
            )
        if rev.version is not None and previous[0] is not None and rev.version <= previous[0]:
            report.error(
                (*rev.at, "version"),
                "revision entries must be in increasing version order",
                "revisions.order",
            )
        if rev.date and previous[1] and rev.date < previous[1]:
            report.error(
                (*rev.at, "date"), "revision dates must not go backwards", "revisions.order"
            )
        previous = (rev.version, rev.date)


def check_goal_wording(report: Reporter, plan: Plan, today: dt.date) -> None:
    for goal in plan.goals:
        if goal.client_words is None and goal.description is None:
            msg = f"goal `{goal.id}` has no wording: write the client's own words (`client_words`), the clinician's (`description`), or both"
            report.error(goal.at, msg, "goals.wording")
    if len(plan.participants) < 2:
        return
    presenting = (plan.assessment.at, plan.assessment.client_words, plan.assessment.speaker)
    quotes = [(g.at, g.client_words, g.speaker) for g in plan.goals] + [presenting]
    for at, words_said, speaker in quotes:
        if words_said and not speaker and not names_speakers(words_said):
            msg = 'with several participants, say whose words these are: `speaker: ID`, or write each person\'s as `Name: "…"`'
            report.warning((*at, "client_words"), msg, "goals.speaker")


def check_substance_use(report: Reporter, plan: Plan, today: dt.date) -> None:
    use = plan.substance_use
    if use is None:
        return
    levels = (use.recommended_level, use.actual_level)
    if all(levels) and levels[0] != levels[1] and not use.difference_reason:
        msg = f"the level of care given ({levels[1]}) differs from the one recommended ({levels[0]}); say why under `difference_reason`"
        report.warning((*use.at, "actual_level"), msg, "substance.level-reason")
    rated = Counter(dim for _, dim in use.dimensions if dim is not None)
    for at, dim in use.dimensions:
        if dim is not None and rated[dim] > 1:
            msg = f"ASAM dimension {dim} is rated more than once; keep one rating"
            report.error((*at, "dimension"), msg, "substance.dimension")
    if use.mandated and not use.reporting_consent:
        msg = "treatment is mandated but the person's consent to report to the referral source is not recorded (`reporting_consent: true`)"
        report.warning((*use.at, "referral"), msg, "substance.consent")


def check_orientation(report: Reporter, plan: Plan, today: dt.date) -> None:
    orientation_findings(report, plan)


CHECKS: tuple[Check, ...] = (
    check_ids,
    check_instruments,
    check_npis,
    check_references,
    check_participants,
    check_dates,
    check_diagnoses,
    check_measures,
    check_signatures,
    check_safety,
    check_safety_plan_voice,
    check_services,
    check_coverage,
    check_revisions,
    check_goal_wording,
    check_substance_use,
    check_orientation,
)
