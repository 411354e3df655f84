"""How the parts of a plan read in a document: people, time frames, measures, services.

Each function turns one part of the plan (its raw data, with the model for what is derived)
into the words both documents print, so Markdown and Word cannot word the same thing two ways.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...spec import icd
from ...spec.codes import asam_level
from ...spec.model import Goal, Objective, Plan, Service, TeamMember
from .formatting import label, show, show_date, show_number, signed_number

SYSTEMS = {"icd10cm": "ICD-10-CM", "icd10": "ICD-10 (WHO)", "dsm5": "DSM-5-TR"}
CODE_SYSTEMS = {"cpt": "CPT", "hcpcs": "HCPCS", "local": "local code"}


def join(*parts: Any, sep: str = "; ") -> str:
    """The parts that have something to say, joined."""
    return sep.join(str(p) for p in parts if p not in (None, "", []))


def qualified(name: str, detail: str) -> str:
    """*name* with *detail* in brackets, inside the name's own closing bracket when it ends in
    one: ``PHQ-9 (Theo)``, ``Ease of talking (0 to 10; Theo)`` — never two pairs in a row."""
    if not detail:
        return name
    if name.endswith(")"):
        return f"{name[:-1]}; {detail})"
    return f"{name} ({detail})"


def listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (``a; b and c`` when an item holds a comma, as a
    name with its credentials does)."""
    if len(items) < 2:
        return "".join(items)
    sep = "; " if any("," in item for item in items) else ", "
    return f"{sep.join(items[:-1])} and {items[-1]}"


# --- people ------------------------------------------------------------------------------------


def person_name(plan: Plan, ident: str | None) -> str:
    """The name a participant goes by, when the plan has several (else nothing to say)."""
    if not ident or len(plan.participants) < 2:
        return ""
    person = plan.person(ident)
    return person.display_name if person else ident


def speaker_name(plan: Plan, ident: str | None) -> str:
    """Whose words a quotation is: the speaker named, else the client when the plan has only
    one person (several people's words, not attributed, are left unattributed)."""
    if ident:
        person = plan.person(ident)
        return person.display_name if person else ident
    return plan.client.display_name if plan.client and len(plan.participants) == 1 else ""


def _member(plan: Plan, ident: str | None) -> TeamMember | None:
    return next((m for m in plan.team if m.id == ident), None) if ident else None


def member(plan: Plan, ident: str | None) -> str:
    """A team member as "Name, credentials (role)"."""
    found = _member(plan, ident)
    if found is None:
        return ""
    return f"{join(found.name, found.credentials, sep=', ')} ({found.role})"


def member_role(plan: Plan, ident: str | None) -> str:
    found = _member(plan, ident)
    return found.role or "" if found else ""


def delivered_by(plan: Plan, raw: dict[str, Any]) -> str:
    """Who delivers an intervention or a service: its team member, its provider, the person
    themselves for self-directed work, else the clinician."""
    if raw.get("modality") == "self_directed" and not (raw.get("member") or raw.get("provider")):
        person = plan.person(raw.get("participant"))
        if person is None and len(plan.participants) == 1:
            person = plan.client
        return person.display_name if person else "the participants, between sessions"
    clinician = plan.clinician.name if plan.clinician else ""
    return member(plan, raw.get("member")) or raw.get("provider") or clinician or ""


def born(person: dict[str, Any]) -> str:
    if person.get("date_of_birth"):
        return show_date(person["date_of_birth"])
    return f"age {person['age']}" if person.get("age") is not None else ""


def licence(person: dict[str, Any], word: str = "license") -> str:
    """``LCSW, license no. CSW-44821 (OR)``: the licence's type, number and jurisdiction, with
    *word* in the document's spelling."""
    held = person.get("licence") or {}
    if not held:
        return ""
    where = f" ({held['jurisdiction']})" if held.get("jurisdiction") else ""
    if not word:  # under a "License" heading: ``LCSW CSW-44821 (OR)``
        return f"{join(held.get('type'), held.get('number'), sep=' ')}{where}"
    return join(held.get("type"), f"{word} no. {held['number']}{where}", sep=", ")


def professional(person: dict[str, Any], licensed: str = "license") -> str:
    """A clinician's or supervisor's line: name, credentials, license (the word *licensed*,
    in the document's spelling), NPI, contact."""
    held = licence(person, licensed.lower())
    kind = str((person.get("licence") or {}).get("type") or "")
    if kind and kind == person.get("credentials"):  # "LCSW; LCSW, license no. …": said once
        held = held.removeprefix(f"{kind}, ")
    return join(
        join(person.get("name"), person.get("credentials"), sep=", "),
        held,
        f"NPI {person['npi']}" if person.get("npi") else "",
        person.get("phone"),
        person.get("email"),
    )


def library(ref: dict[str, Any] | None) -> str:
    """Where an item was taken from: ``Source, item``."""
    return join(ref.get("source"), ref.get("item"), sep=", ") if ref else ""


def sources(data: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem, goal, objective and intervention taken from a library, with its source:
    listed once at the end, so tables keep to the plan's own words."""
    found: list[dict[str, str]] = []

    def add(kind: str, item: dict[str, Any]) -> None:
        if item.get("library"):
            found.append({"what": f"{kind} {item.get('id') or ''}".strip(), **item["library"]})

    for problem in data["problems"]:
        add("Problem", problem)
    for goal in data["goals"]:
        add("Goal", goal)
        for objective in goal["objectives"]:
            add("Objective", objective)
            for intervention in objective["interventions"]:
                add("Intervention", intervention)
    for intervention in data["interventions"]:
        add("Intervention", intervention)
    return found


# --- time frames -------------------------------------------------------------------------------


def within(plan: Plan, raw: dict[str, Any] | None) -> str:
    """``within 8 weeks`` / ``after 4 group sessions (S2)``, as written."""
    if not raw:
        return ""
    service = plan.service(raw.get("service"))
    if raw.get("sessions"):
        kind = f"{service.modality} " if service and service.modality else ""
        named = f" of {service.id}" if service and raw.get("service") else ""
        return f"after {_count(raw['sessions'], kind + 'session')}{named}"
    span = join(
        _count(raw.get("weeks"), "week"),
        _count(raw.get("days"), "day"),
        sep=" and ",
    )
    start = f" of the start of {service.id}" if service else ""
    return f"within {span}{start}"


def _count(value: int | None, unit: str) -> str:
    return "" if not value else f"{value} {unit}{'s' if value != 1 else ''}"


def due(plan: Plan, raw: dict[str, Any], item: Goal | Objective) -> str:
    """When a goal or objective is due, as a date, saying how it was worked out."""
    day = plan.due(item)
    if item.target_date:
        return show_date(item.target_date)
    frame = within(plan, raw.get("within"))
    if frame:
        return f"{show_date(day)} ({frame})" if day else frame
    return f"{show_date(day)} (the goal's date)" if day else ""


# --- measures ----------------------------------------------------------------------------------


def measure_text(plan: Plan, objective: Objective, raw: dict[str, Any]) -> str:
    """``GAD-7: 14 → 7``, with what the plan says of a baseline still to be taken, a target
    given as a change, and how long it must hold; the criterion when there is one."""
    measure, criterion = raw.get("measure"), raw.get("criterion")
    text = ""
    if measure and objective.measure:
        instrument = plan.instruments.get(objective.measure.instrument or "")
        name = instrument.name if instrument else str(measure.get("instrument"))
        who = person_name(plan, measure.get("participant"))
        text = f"{name} ({who})" if who else name
        text += f": {_baseline(measure)} → {_target(measure)}"
        if measure.get("sustained_weeks"):
            text += f", held for {_count(measure['sustained_weeks'], 'week')} in a row"
        if measure.get("baseline_date"):
            text += f" (baseline taken {show_date(measure['baseline_date'])})"
    if criterion:
        text = join(text, f"Met when: {criterion}")
    return text


def _baseline(measure: dict[str, Any]) -> str:
    if measure.get("baseline") is not None:
        return show_number(measure["baseline"])
    planned = join(
        str(measure.get("baseline_note") or "").rstrip("."),
        f"by {show_date(measure['baseline_due'])}" if measure.get("baseline_due") else "",
        sep=", ",
    )
    return f"baseline to be taken ({planned})" if planned else "?"


def _target(measure: dict[str, Any]) -> str:
    change = measure.get("target_change_percent")
    shift = f"{signed_number(change)} % from baseline" if change is not None else ""
    if measure.get("target") is not None:
        target = show_number(measure["target"])
        return f"{target} ({shift})" if shift else target
    return shift or "?"


def scale(instrument: dict[str, Any]) -> str:
    """A plan's own measure: its range, unit and which way is better."""
    low, high = instrument.get("min"), instrument.get("max")
    span = (
        f"{show_number(low)}–{show_number(high)}"
        if high is not None
        else f"from {show_number(low)}"
    )
    better = "lower is better" if instrument.get("lower_is_better") else "higher is better"
    return join(span, instrument.get("unit"), better, sep=", ")


# --- services ----------------------------------------------------------------------------------


def code_text(service: Service) -> str:
    """The billing code and, outside CPT, its system; "not coded" for `code_system: none`."""
    if service.system == "none":
        return join(service.code, "not coded", sep=" ")
    if not service.code:
        return ""
    system = "" if service.system == "cpt" else f" ({CODE_SYSTEMS[service.system or 'local']})"
    return f"{service.code}{system}"


def amount(raw: dict[str, Any]) -> str:
    """One session's length, or the day rate for per-diem care (with its sessions' length,
    when given)."""
    minutes = raw.get("session_minutes")
    length = minutes if isinstance(minutes, str) else f"{minutes} minutes" if minutes else ""
    if not raw.get("per_diem"):
        return length
    hours = raw.get("hours_per_day")
    day = "24-hour care" if hours == 24 else f"{show_number(hours)} hours a day" if hours else ""
    return join("per diem", day, f"sessions of {length}" if length else "", sep=", ")


def frequency(raw: dict[str, Any]) -> str:
    freq = raw.get("frequency") or {}
    if isinstance(freq, str):  # not recorded, in words (plandoc.render.context.unrecorded)
        return freq
    count = freq.get("count")
    if not count:
        return ""
    often = {1: "once", 2: "twice"}.get(count, f"{count} times")
    return f"{often} a {freq.get('per')}"


def dates(plan: Plan, service: Service, raw: dict[str, Any]) -> str:
    """``26 weeks: 5 Oct 2026 to 5 Apr 2027`` (with an en dash)."""
    weeks = raw.get("duration_weeks")
    span = weeks if isinstance(weeks, str) else _count(weeks, "week")  # str: not recorded
    start, end = plan.service_start(service), plan.service_end(service)
    if start and end:
        return f"{span}: {show_date(start)} – {show_date(end)}"
    return span


def service_details(plan: Plan, service: Service, raw: dict[str, Any]) -> str:
    """Everything about a service beyond its name, code, length, frequency and dates."""
    level = asam_level(raw.get("asam_level")) or label(raw.get("level_of_care"))
    if (
        raw.get("asam_level")
        and level.split(", ", 1)[-1].lower() in str(raw.get("description")).lower()
    ):
        level = f"ASAM {raw['asam_level']}"  # the description already names the level
    return join(
        level,
        raw.get("setting"),
        group(raw.get("group")),
        f"for {person_name(plan, raw.get('participant'))}" if raw.get("participant") else "",
        f"by {delivered_by(plan, raw)}" if raw.get("member") or raw.get("provider") else "",
    )


def planned(service: Service, raw: dict[str, Any]) -> str:
    """How much of a service the plan asks for: its units, its sessions (given, or what the
    frequency and the duration add up to), or its days of per-diem care."""
    if raw.get("units"):
        return _count(raw["units"], "unit")
    sessions = raw.get("sessions") or (raw.get("group") or {}).get("sessions")
    if raw.get("per_diem"):  # a day of programme or residential care is one unit
        days = sessions or service.expected_sessions or (service.duration_weeks or 0) * 7
        return _count(days, "day")
    return _count(sessions or service.expected_sessions, "session")


def group(raw: dict[str, Any] | None) -> str:
    """A group the client is one member of: its name, size, sessions and facilitators."""
    if not raw:
        return ""
    closed = raw.get("closed")
    kind = "closed group" if closed is True else "open group" if closed is False else "group"
    name = f"{kind} “{raw['name']}”" if raw.get("name") else kind
    return join(
        name,
        f"{raw['size']} members" if raw.get("size") else "",
        f"{raw['sessions']} sessions" if raw.get("sessions") else "",
        f"facilitated by {listed(raw['facilitators'])}" if raw.get("facilitators") else "",
        sep=", ",
    )


# --- diagnoses ---------------------------------------------------------------------------------


def primary_first(diagnoses: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Diagnoses (raw, or as :func:`diagnosis` gives them) with the primary ones first and the
    rest in their order; a diagnosis to rule out is never primary."""
    return sorted(diagnoses, key=lambda x: not (x.get("primary") and not x.get("rule_out")))


def diagnosis(plan: Plan, raw: dict[str, Any]) -> dict[str, Any]:
    """A diagnosis with its title (the official one for ICD-10-CM), its code system, and its
    kind: primary or secondary, provisional, to rule out; and whose it is in a family plan."""
    system = raw.get("system") or "icd10cm"
    entry = icd.lookup(str(raw["code"])) if system == "icd10cm" else None
    official = entry.title if entry else ""
    kind = join(
        "Rule out" if raw.get("rule_out") else ("Primary" if raw.get("primary") else "Secondary"),
        "provisional" if raw.get("provisional") else "",
        sep=", ",
    )
    return {
        **raw,
        "description": raw.get("description") or official,
        "official_title": official,
        "system_label": SYSTEMS[system],
        "code_text": raw["code"] if system == "icd10cm" else f"{raw['code']} ({SYSTEMS[system]})",
        "kind": kind,
        "person": person_name(plan, raw.get("participant")),
        "text": join(
            raw.get("description") or official,
            f"DSM-5-TR: {raw['dsm5_name']}" if raw.get("dsm5_name") else "",
            sep="; ",
        ),
        "notes": raw.get("notes") or "",
    }


# --- everything else ---------------------------------------------------------------------------


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Free-form data (``extensions``) as label and value rows, nested keys joined by an angle quote."""
    if isinstance(data, dict):
        rows: list[tuple[str, str]] = []
        for key, value in data.items():
            name = f"{prefix} › {key}" if prefix else str(key)
            rows += flatten(value, name)
        return rows
    if isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        rows = []
        for index, value in enumerate(data, start=1):
            rows += flatten(value, f"{prefix} {index}")
        return rows
    return [(prefix, show(data))]


def attempts(raw: dict[str, Any]) -> str:
    """Attempts to get a signature: ``12 Oct 2026, in session: declined``."""
    return "; ".join(
        join(show_date(a.get("date")), a.get("method"), sep=", ")
        + (f": {a['outcome']}" if a.get("outcome") else "")
        for a in raw.get("attempts") or []
    )


# --- the safety plan ---------------------------------------------------------------------------

SAFETY_STEPS = (
    "warning_signs",
    "internal_coping",
    "distraction",
    "help_contacts",
    "professional_contacts",
    "means_safety",
    "reasons_for_living",
)
"""The Stanley–Brown steps, in order: the safety plan's fields. Each step's first-person
heading and the line saying what it is for (the handout prints the line; the plan does not)
are labels (``safety_plan.steps`` and ``safety_plan.hints``)."""


def _said(role: str, name: str) -> bool:
    """Whether *name* already says *role*, word for word (``Emergency services`` with the
    role ``emergency``; ``Helena Marsh (therapist)`` with ``therapist``)."""
    return bool(role) and re.search(rf"(?<!\w){re.escape(role)}(?!\w)", name, re.I) is not None


def contact(name: str, role: str | None, phone: str | None) -> str:
    """A contact as one line, ``Name, role: phone``: the name as written, the role after a
    comma rather than in a second pair of brackets (a name may carry its own: ``Marcus Feld
    (DBT phone coaching), therapist``), and left out when the name already says it
    (``Emergency services`` with the role ``emergency``)."""
    who = " ".join(str(name).split())
    what = " ".join(str(role or "").split())
    line = join(who, "" if _said(what, who) else what, sep=", ")
    return f"{line}: {phone}" if phone else line
