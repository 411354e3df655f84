"""Stage 2b — semantic checks: what a schema cannot see.

Ids and references, dates and the review schedule, ICD-10-CM codes, instrument ranges and
directions, signatures a payer needs, and the orientation-specific rules. Each finding has a
rule id so a practice can look it up (see docs/checks.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Finding
from ..spec import _walk as w
from ..spec import icd
from ..spec.instruments import Instrument, builtin_instruments, plan_instruments
from ..spec.loader import DocPath, Document
from ..spec.model import ADULT_AGE, age, next_review, review_interval
from ..text import did_you_mean, number
from .report import Reporter

SIGNED_STATUSES = ("active", "completed", "superseded")


Check = Callable[[Reporter, dict[str, Any], dt.date], None]


def semantic_findings(doc: Document, *, today: dt.date, tolerant: bool = False) -> list[Finding]:
    """Run every check. With *tolerant* (the schema already found errors), a check that trips
    over data of the wrong shape is skipped: the schema error is the one to fix first."""
    report = Reporter(doc)
    for check in CHECKS:
        before = len(report.findings)
        try:
            check(report, doc.data, today)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            if not tolerant:
                raise
            del report.findings[before:]
    return report.findings


# --- ids and references -------------------------------------------------------------------


def _all_ids(data: dict[str, Any]) -> Iterator[tuple[DocPath, str]]:
    """Every stable id in the plan, wherever it stands (orientation sections included)."""

    def walk(value: Any, path: DocPath) -> Iterator[tuple[DocPath, str]]:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                yield (*path, "id"), value["id"]
            for key, child in value.items():
                if key != "extensions":
                    yield from walk(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                yield from walk(child, (*path, index))

    for key in data:
        if key not in ("extensions", "revisions", "signatures"):
            yield from walk(data[key], (key,))


def check_ids(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    seen: dict[str, DocPath] = {}
    for path, value in _all_ids(data):
        if value in seen:
            line = report.doc.locate(seen[value])[0]
            report.error(
                path,
                f"id `{value}` is already used at line {line}; ids must be unique in a plan",
                "ids.duplicate",
            )
        else:
            seen[value] = path


def check_instruments(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    """A plan's own measures: not named like a built-in one, and with a scale that makes sense."""
    builtin = builtin_instruments()
    for path, item in w.items(data.get("instruments"), ("instruments",)):
        if item.get("id") in builtin:
            msg = f"`{item['id']}` is a built-in instrument ({builtin[item['id']].name}); use it as it is, or give your measure another id"
            report.error((*path, "id"), msg, "ids.duplicate")
        low, high = w.as_number(item.get("min")), w.as_number(item.get("max"))
        if low is not None and high is not None and low >= high:
            report.error(
                (*path, "max"),
                f"the scale's max ({number(high)}) is not above its min ({number(low)})",
                "measures.scale",
            )


def check_references(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    problems = {
        p["id"]
        for _, p in w.items(data.get("problems"), ("problems",))
        if isinstance(p.get("id"), str)
    }
    goal_ids = {g["id"] for _, g in w.goals(data) if isinstance(g.get("id"), str)}
    people = {
        p["id"]
        for _, p in w.items(data.get("participants"), ("participants",))
        if isinstance(p.get("id"), str)
    }
    instruments = plan_instruments(data.get("instruments") or [])
    for path, goal in w.goals(data):
        refs = goal.get("problems")
        for index, ref in enumerate(refs if isinstance(refs, list) else []):
            if isinstance(ref, str) and ref not in problems:
                report.error(
                    (*path, "problems", index),
                    f"goal refers to problem `{ref}`, which is not defined{did_you_mean(ref, problems)}",
                    "ids.unresolved",
                )
    objectives = {o["id"]: o for _, o in w.objectives(data) if isinstance(o.get("id"), str)}
    for path, objective in w.objectives(data):
        measure = w.mapping(objective.get("measure"))
        _check_instrument_ref(
            report, (*path, "measure", "instrument"), measure.get("instrument"), instruments
        )
        _check_participant_ref(
            report, (*path, "measure", "participant"), measure.get("participant"), people, "measure"
        )
    for path, item in w.items(data.get("measurements"), ("measurements",)):
        _check_instrument_ref(report, (*path, "instrument"), item.get("instrument"), instruments)
        _check_objective_ref(report, path, item, objectives)
        _check_participant_ref(
            report, (*path, "participant"), item.get("participant"), people, "measurement"
        )
    for path, sig in w.items(data.get("signatures"), ("signatures",)):
        _check_participant_ref(
            report, (*path, "participant"), sig.get("participant"), people, "signature"
        )
    details = w.mapping(data.get("orientation_details"))
    for path, scale in w.items(details.get("gas_scales"), ("orientation_details", "gas_scales")):
        ref = scale.get("goal")
        if isinstance(ref, str) and ref not in goal_ids:
            report.error(
                (*path, "goal"),
                f"scale refers to goal `{ref}`, which is not defined{did_you_mean(ref, goal_ids)}",
                "ids.unresolved",
            )


def _check_participant_ref(
    report: Reporter, path: DocPath, who: Any, people: set[str], what: str
) -> None:
    if isinstance(who, str) and who not in people:
        msg = f"{what} names participant `{who}`, who is not in `participants`{did_you_mean(who, people)}"
        report.error(path, msg, "ids.unresolved")


def _check_objective_ref(
    report: Reporter, path: DocPath, item: dict[str, Any], objectives: dict[str, dict[str, Any]]
) -> None:
    ref = item.get("objective")
    if not isinstance(ref, str):
        return
    if ref not in objectives:
        report.error(
            (*path, "objective"),
            f"measurement names objective `{ref}`, which is not defined{did_you_mean(ref, objectives)}",
            "ids.unresolved",
        )
        return
    expected = w.mapping(objectives[ref].get("measure")).get("instrument")
    if expected is not None and expected != item.get("instrument"):
        msg = f"objective `{ref}` is measured with `{expected}`, but this score is on `{item.get('instrument')}`"
        report.error((*path, "instrument"), msg, "measures.mismatch")


def _check_instrument_ref(
    report: Reporter, path: DocPath, ref: Any, instruments: dict[str, Instrument]
) -> None:
    if isinstance(ref, str) and ref not in instruments:
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


def check_npis(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    for who in ("clinician", "supervisor", "practice"):
        npi = w.mapping(data.get(who)).get("npi")
        if isinstance(npi, str) and npi.isdigit() and len(npi) == 10 and not npi_valid(npi):
            report.error(
                (who, "npi"),
                f"NPI {npi} fails its check digit; copy it again from the NPI registry",
                "npi.check-digit",
            )


# --- participants -------------------------------------------------------------------------


def check_participants(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    people = list(w.items(data.get("participants"), ("participants",)))
    primaries = [path for path, p in people if p.get("primary") is True]
    if len(people) > 1 and len(primaries) != 1:
        msg = f"{len(people)} participants and {len(primaries)} marked `primary: true`; mark exactly one as the identified client"
        report.error(("participants",), msg, "participants.primary")
    start = w.as_date(w.mapping(data.get("plan")).get("start_date"))
    for path, person in people:
        born = w.as_date(person.get("date_of_birth"))
        if born and start and born >= start:
            report.error(
                (*path, "date_of_birth"),
                "date of birth is not before the plan's start date",
                "dates.order",
            )
    client = w.primary_participant(data)
    born = w.as_date(client.get("date_of_birth"))
    if born and start and age(born, start) < ADULT_AGE and "guardian" not in data:
        msg = f"the client is {age(born, start)} at the plan's start; add a `guardian` for a minor"
        report.error(("participants",), msg, "participants.guardian")


# --- dates and review schedule ------------------------------------------------------------


def check_dates(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    plan = w.mapping(data.get("plan"))
    start = w.as_date(plan.get("start_date"))
    expiry = w.as_date(plan.get("expiry_date"))
    if not start:
        return
    if expiry and expiry <= start:
        report.error(
            ("plan", "expiry_date"),
            f"expiry date {expiry} is not after the start date {start}",
            "dates.order",
        )
    _check_review_schedule(report, plan, start, today)
    for path, objective in w.objectives(data):
        target = w.as_date(objective.get("target_date"))
        if target and target <= start:
            report.error(
                (*path, "target_date"),
                f"target date {target} is not after the plan's start date {start}",
                "dates.order",
            )
        if target and expiry and target > expiry:
            report.error(
                (*path, "target_date"),
                f"target date {target} is after the plan expires ({expiry})",
                "dates.after-expiry",
            )
    for path, objective in w.objectives(data):
        measured = w.as_date(w.mapping(objective.get("measure")).get("baseline_date"))
        target = w.as_date(objective.get("target_date"))
        if measured and measured > today:
            report.error(
                (*path, "measure", "baseline_date"),
                f"baseline dated {measured} is in the future",
                "dates.future",
            )
        if measured and target and measured >= target:
            report.error(
                (*path, "measure", "baseline_date"),
                f"baseline date {measured} is not before the target date {target}",
                "dates.order",
            )
    for path, item in w.items(data.get("measurements"), ("measurements",)):
        when = w.as_date(item.get("date"))
        if when and when > today:
            report.error(
                (*path, "date"), f"measurement dated {when} is in the future", "dates.future"
            )
    for path, rev in w.items(data.get("revisions"), ("revisions",)):
        when = w.as_date(rev.get("date"))
        if when and when > today:
            report.error((*path, "date"), f"revision dated {when} is in the future", "dates.future")


def _check_review_schedule(
    report: Reporter, plan: dict[str, Any], start: dt.date, today: dt.date
) -> None:
    days = review_interval(plan)
    anchor = w.as_date(plan.get("last_review_date")) or start
    last = w.as_date(plan.get("last_review_date"))
    if last and last < start:
        report.error(
            ("plan", "last_review_date"),
            f"last review {last} is before the plan's start {start}",
            "dates.order",
        )
    given = w.as_date(plan.get("next_review_date"))
    if given and given <= anchor:
        report.error(
            ("plan", "next_review_date"),
            f"next review {given} is not after {anchor}",
            "dates.review-schedule",
        )
    elif given and given > anchor + dt.timedelta(days=days):
        latest = anchor + dt.timedelta(days=days)
        msg = f"next review {given} is more than {days} days after {anchor}; review by {latest} or change `review_interval_days`"
        report.error(("plan", "next_review_date"), msg, "dates.review-schedule")
    due = next_review(plan)
    if due and due < today and plan.get("status") in ("active", "under_review"):
        where: DocPath = ("plan", "next_review_date") if given else ("plan",)
        report.warning(
            where,
            f"the plan was due for review on {due} ({(today - due).days} days ago); review and revise it",
            "dates.review-overdue",
        )


# --- diagnoses ----------------------------------------------------------------------------


def check_diagnoses(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    base: DocPath = ("assessment", "diagnoses")
    found = list(w.items(w.mapping(data.get("assessment")).get("diagnoses"), base))
    if not found:
        return
    primaries = [path for path, d in found if d.get("primary") is True]
    if len(found) > 1 and len(primaries) != 1:
        report.error(
            base,
            f"{len(primaries)} diagnoses are marked `primary: true`; mark exactly one",
            "diagnoses.primary",
        )
    codes = Counter(d.get("code") for _, d in found)
    for path, diagnosis in found:
        code = diagnosis.get("code")
        if not isinstance(code, str):
            continue
        if codes[code] > 1:
            report.error(
                (*path, "code"),
                f"diagnosis `{code}` is listed more than once",
                "diagnoses.duplicate",
            )
        entry = icd.lookup(code)
        if entry is None:
            report.error(
                (*path, "code"),
                f"`{code}` is not an ICD-10-CM code; check it against the current code set",
                "icd.unknown",
            )
        elif not entry.billable:
            children = icd.billable_children(entry.code)
            msg = f"`{code}` ({entry.title}) is a category, not a billable code; use a more specific code such as {', '.join(children)}"
            report.error((*path, "code"), msg, "icd.not-billable")


# --- measures -----------------------------------------------------------------------------


def check_measures(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    instruments = plan_instruments(data.get("instruments") or [])
    for path, item in w.items(data.get("measurements"), ("measurements",)):
        _check_range(
            report,
            (*path, "score"),
            item.get("score"),
            instruments.get(str(item.get("instrument"))),
        )
    for path, objective in w.objectives(data):
        measure = w.mapping(objective.get("measure"))
        instrument = instruments.get(str(measure.get("instrument")))
        for field in ("baseline", "target"):
            _check_range(report, (*path, "measure", field), measure.get(field), instrument)
        baseline, target = w.as_number(measure.get("baseline")), w.as_number(measure.get("target"))
        if (
            instrument
            and baseline is not None
            and target is not None
            and instrument.improvement(baseline, target) <= 0
        ):
            way = "lower" if instrument.lower_is_better else "higher"
            msg = f"target {number(target)} is not an improvement on baseline {number(baseline)}: on {instrument.name} {way} is better"
            report.error((*path, "measure", "target"), msg, "measures.direction")


def _check_range(
    report: Reporter, path: DocPath, value: Any, instrument: Instrument | None
) -> None:
    score = w.as_number(value)
    if instrument is None or score is None:
        return
    if instrument.whole and not score.is_integer():
        report.error(
            path,
            f"{instrument.name} is scored in whole numbers, not {number(score)}",
            "measures.range",
        )
        return
    if instrument.in_range(score):
        return
    top = f"{number(instrument.max)}" if instrument.max is not None else "∞"
    report.error(
        path,
        f"{number(score)} is outside {instrument.name}'s range {number(instrument.min)}–{top}",
        "measures.range",
    )


# --- signatures ---------------------------------------------------------------------------


def check_signatures(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    plan = w.mapping(data.get("plan"))
    signatures = list(w.items(data.get("signatures"), ("signatures",)))
    for path, sig in signatures:
        if sig.get("status") == "signed" and not w.as_date(sig.get("date")):
            report.error(
                path,
                f"{sig.get('role', 'a')} signature is marked signed but has no `date`",
                "signatures.date",
            )
        if sig.get("status") in ("pending", "refused") and not sig.get("attempts"):
            report.warning(
                path,
                f"{sig.get('role', 'a')} signature is {sig.get('status')}; log the attempts to obtain it under `attempts`",
                "signatures.attempts",
            )
    for path, sig in signatures:
        if sig.get("role") == "guardian" and "guardian" not in data:
            report.error(
                (*path, "role"),
                "a guardian signs, but the plan has no `guardian`; add the guardian's details",
                "signatures.guardian",
            )
    if plan.get("status") not in SIGNED_STATUSES:
        return
    by_role: dict[str, list[dict[str, Any]]] = {}
    for _, sig in signatures:
        by_role.setdefault(str(sig.get("role")), []).append(sig)
    signed = {
        role for role, sigs in by_role.items() if any(s.get("status") == "signed" for s in sigs)
    }
    state = f"an {plan.get('status')} plan"
    if "clinician" not in signed:
        report.error(
            ("signatures",) if signatures else ("plan", "status"),
            f"{state} needs the clinician's signature (with credentials)",
            "signatures.clinician",
        )
    for path, sig in signatures:
        if (
            sig.get("role") in ("clinician", "supervisor")
            and sig.get("status") == "signed"
            and not sig.get("credentials")
        ):
            report.error(
                path, f"the {sig['role']}'s signature needs `credentials`", "signatures.credentials"
            )
    if "supervisor" in data and "supervisor" not in signed:
        report.error(
            ("signatures",) if signatures else ("supervisor",),
            f"{state} with a supervisor needs the supervisor's signature",
            "signatures.supervisor",
        )
    _check_client_signature(report, data, signed, by_role, state)


def _check_client_signature(
    report: Reporter,
    data: dict[str, Any],
    signed: set[str],
    by_role: dict[str, list[dict[str, Any]]],
    state: str,
) -> None:
    consent_role = "guardian" if "guardian" in data else "client"
    if consent_role == "client":
        _check_each_adult_signs(report, data, by_role.get("client", []), state)
    if consent_role in signed:
        return
    attempts = any(s.get("attempts") for s in by_role.get(consent_role, []))
    if attempts and "supervisor" in signed:
        return  # payers accept a logged refusal or delay with a supervisor's review
    msg = (
        f"{state} needs the {consent_role}'s signature, or logged attempts to obtain it "
        "and a supervisor's signature"
    )
    where: DocPath = ("signatures",) if "signatures" in data else ("plan", "status")
    report.error(where, msg, "signatures.client")


def _check_each_adult_signs(
    report: Reporter, data: dict[str, Any], client_sigs: list[dict[str, Any]], state: str
) -> None:
    """With several participants (a couple, a family), every adult takes part in consent."""
    people = [(path, p) for path, p in w.items(data.get("participants"), ("participants",))]
    if len(people) < 2:
        return
    start = w.as_date(w.mapping(data.get("plan")).get("start_date"))
    accounted = {
        s.get("participant")
        for s in client_sigs
        if s.get("status") == "signed" or s.get("attempts")
    }
    for path, person in people:
        born = w.as_date(person.get("date_of_birth"))
        adult = born is None or start is None or age(born, start) >= ADULT_AGE
        if adult and person.get("id") not in accounted:
            msg = f"{state} with several participants needs a client signature from {person.get('name', 'each adult')} (`participant: {person.get('id')}`), or logged attempts"
            report.error(path, msg, "signatures.participant")


# --- safety, services, revisions ----------------------------------------------------------


def check_safety(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    risk = w.mapping(w.mapping(data.get("assessment")).get("risk"))
    if risk.get("level") in ("moderate", "high") and "safety_plan" not in data:
        report.error(
            ("assessment", "risk", "level"),
            f"risk is {risk['level']}: add a `safety_plan`",
            "safety.missing",
        )
    details = w.mapping(data.get("orientation_details"))
    hierarchy = w.mapping(details.get("target_hierarchy"))
    if hierarchy.get("life_threatening") and "safety_plan" not in data:
        report.error(
            ("orientation_details", "target_hierarchy", "life_threatening"),
            "life-threatening targets need a `safety_plan`",
            "safety.missing",
        )


def check_services(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    for path, service in w.items(data.get("services"), ("services",)):
        weeks = service.get("duration_weeks")
        if isinstance(weeks, int) and weeks > 52:
            report.warning(
                (*path, "duration_weeks"),
                f"expected duration is {weeks} weeks; payers want a duration under a year — plan a review instead",
                "services.duration",
            )


def check_revisions(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    plan = w.mapping(data.get("plan"))
    version = plan.get("version")
    entries = list(w.items(data.get("revisions"), ("revisions",)))
    versions = [r.get("version") for _, r in entries]
    start = w.as_date(plan.get("start_date"))
    for path, rev in entries:
        when = w.as_date(rev.get("date"))
        if when and start and when < start and rev.get("reason") != "initial":
            report.error(
                (*path, "date"),
                f"revision dated {when} is before the plan's start {start}",
                "dates.order",
            )
    if isinstance(version, int) and entries and version not in versions:
        report.warning(
            ("revisions",),
            f"no revision entry for the current version {version}; add one with its date, reason and summary",
            "revisions.current",
        )
    previous: tuple[Any, dt.date | None] = (None, None)
    for path, rev in entries:
        number, when = rev.get("version"), w.as_date(rev.get("date"))
        if isinstance(number, int) and isinstance(version, int) and number > version:
            report.error(
                (*path, "version"),
                f"revision for version {number} is newer than the plan's version {version}",
                "revisions.order",
            )
        if isinstance(number, int) and isinstance(previous[0], int) and number <= previous[0]:
            report.error(
                (*path, "version"),
                "revision entries must be in increasing version order",
                "revisions.order",
            )
        if when and previous[1] and when < previous[1]:
            report.error((*path, "date"), "revision dates must not go backwards", "revisions.order")
        previous = (number, when)


# --- orientation-specific -----------------------------------------------------------------


def check_orientation(report: Reporter, data: dict[str, Any], today: dt.date) -> None:
    details = w.mapping(data.get("orientation_details"))
    base: DocPath = ("orientation_details",)
    _check_orientation_details(report, details, base)
    for path, module in w.items(details.get("modules"), (*base, "modules")):
        _check_orientation_details(report, w.mapping(module.get("details")), (*path, "details"))
    if w.mapping(data.get("plan")).get("orientation") == "integrative":
        drawn = {m.get("orientation") for _, m in w.items(details.get("modules"), ())}
        for path, item in w.interventions(data):
            approach = item.get("approach")
            if isinstance(approach, str) and approach not in drawn:
                report.error(
                    (*path, "approach"),
                    f"intervention draws on `{approach}`, which is not one of the plan's modules",
                    "ids.unresolved",
                )


def _check_orientation_details(report: Reporter, details: dict[str, Any], base: DocPath) -> None:
    for path, target in w.items(details.get("targets"), (*base, "targets")):
        if target.get("status") == "complete":
            done = (
                target.get("current_sud") == 0
                and target.get("current_voc") == 7
                and target.get("body_scan_clear") is True
            )
            if not done:
                report.error(
                    (*path, "status"),
                    "an EMDR target is complete only at SUD 0, VOC 7 and a clear body scan; set `current_sud`, `current_voc` and `body_scan_clear`",
                    "emdr.target-complete",
                )
    for path, scale in w.items(details.get("gas_scales"), (*base, "gas_scales")):
        scores = sorted(
            w.as_number(level.get("score")) or 0 for _, level in w.items(scale.get("levels"), ())
        )
        if len(scores) == 5 and scores != [-2, -1, 0, 1, 2]:
            report.error(
                (*path, "levels"),
                "a GAS scale has exactly one level for each of −2, −1, 0, +1, +2",
                "gas.levels",
            )
    indicators = w.mapping(details.get("achievement_indicators"))
    needed, listed = indicators.get("needed"), indicators.get("indicators")
    if isinstance(needed, int) and isinstance(listed, list) and needed > len(listed):
        report.error(
            (*base, "achievement_indicators", "needed"),
            f"{needed} indicators needed but only {len(listed)} listed",
            "narrative.indicators",
        )


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
    check_services,
    check_revisions,
    check_orientation,
)
