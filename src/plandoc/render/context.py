"""Stage 3 — context: a validated plan becomes the variables every template sees.

The context is the template API: ``docs/templates.md`` lists it. Every field the spec defines is
present (``None`` or an empty list when the plan leaves it out), so a template may name any of
them while a typo still fails loudly under ``StrictUndefined``. Derived values — the primary
client, diagnosis titles, progress on each measure, service wording, the orientation's laid-out
sections — are computed here once, for Markdown and Word alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..spec import icd
from ..spec._walk import primary_participant
from ..spec.instruments import Instrument, plan_instruments
from ..spec.model import next_review
from ..spec.orientations import Orientation, get_orientation
from ..spec.schema import fill, plan_schema
from .formatting import label, show, show_date, show_number, signed_number
from .layout import resolve_sections

PLAIN_TYPES = (str, int, float, bool, type(None), dt.date)


def plain(value: Any, where: str = "context") -> Any:
    """*value*, checked to be plain data: text, numbers, dates, lists and mappings with text
    keys. This is the only kind of value a template ever sees (the boundary to the worker
    checks it), so nothing a template reaches has a method that touches a file, the network or
    the process — not a deny-list of dangerous objects, but no objects at all. Pictures are
    text markers (:class:`~plandoc.render.templating.Picture`) swapped in after rendering."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: a key that is not text ({type(key).__name__})")
            plain(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            plain(item, f"{where}[{index}]")
    elif not isinstance(value, PLAIN_TYPES) or isinstance(value, dt.datetime):
        raise TypeError(f"{where}: {type(value).__name__} is not plain data")
    return value


CONFIDENTIALITY = (
    "Confidential health information. Protected by law; do not disclose without the client's "
    "written consent except as the law allows."
)


def build_context(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the templates need, from a plan that passed ``check``."""
    orientation = get_orientation(str(data["plan"]["orientation"]))
    assert orientation is not None, "a checked plan names a known orientation"
    plan = fill(plan_schema(orientation.schema), data)
    instruments = plan_instruments(plan["instruments"])
    client = primary_participant(plan)
    latest = plan["revisions"][-1] if plan["revisions"] else None
    return {
        "plan": plan,
        "title": plan["plan"]["title"] or f"{orientation.label} treatment plan",
        "orientation": _orientation(orientation, plan["orientation_details"]),
        "client": client,
        "participants": plan["participants"],
        "diagnoses": [_diagnosis(d) for d in plan["assessment"]["diagnoses"]],
        "goals": [_goal(g, plan, instruments) for g in plan["goals"]],
        "progress": _progress_by_instrument(plan, instruments),
        "services": [_service(s) for s in plan["services"]],
        "next_review": next_review(plan["plan"]),
        "latest_revision": latest,
        "confidentiality": CONFIDENTIALITY,
        "suggested_interventions": list(orientation.suggested_interventions),
        "presenting_quote": quoted(plan["assessment"]["presenting_problem"]["client_words"]),
        "measurement_notes": _notes(plan, instruments),
    }


def quoted(text: str) -> str:
    """The client's words in quotation marks, unless they already carry their own."""
    text = " ".join(str(text).split())
    return text if text[:1] in "\"“'‘" else f"“{text}”"


def _orientation(orientation: Orientation, details: dict[str, Any]) -> dict[str, Any]:
    sections = resolve_sections(orientation.layout, details, orientation.schema)
    for module in details.get("modules") or []:
        inner = get_orientation(str(module.get("orientation")))
        if inner is None:
            continue
        module_details = fill(inner.schema, module.get("details") or {})
        blocks = [{"kind": "text", "label": "Focus", "text": show(module.get("focus"))}]
        for section in resolve_sections(inner.layout, module_details, inner.schema):
            blocks.append({"kind": "heading", "text": section["title"]})
            blocks += section["blocks"]
        sections.append({"title": f"Module: {inner.label}", "blocks": blocks})
    return {
        "name": orientation.name,
        "label": orientation.label,
        "summary": orientation.summary,
        "sections": sections,
    }


def _diagnosis(diagnosis: dict[str, Any]) -> dict[str, Any]:
    entry = icd.lookup(str(diagnosis["code"]))
    official = entry.title if entry else ""
    return {
        **diagnosis,
        "description": diagnosis["description"] or official,
        "official_title": official,
    }


def _goal(
    goal: dict[str, Any], plan: dict[str, Any], instruments: dict[str, Instrument]
) -> dict[str, Any]:
    problems = {p["id"]: p for p in plan["problems"]}
    return {
        **goal,
        "quoted": quoted(goal["client_words"]),
        "problem_titles": [problems[p]["title"] for p in goal["problems"] if p in problems],
        "objectives": [_objective(o, plan, instruments) for o in goal["objectives"]],
    }


def _objective(
    objective: dict[str, Any], plan: dict[str, Any], instruments: dict[str, Instrument]
) -> dict[str, Any]:
    measure = objective["measure"]
    interventions = [
        {**i, "approach_label": _orientation_label(i["approach"])}
        for i in objective["interventions"]
    ]
    if not measure:
        return {
            **objective,
            "interventions": interventions,
            "measure_text": "",
            "instrument_name": "",
            "progress": None,
        }
    instrument = instruments.get(str(measure["instrument"]))
    name = instrument.name if instrument else str(measure["instrument"])
    who = _person_name(plan["participants"], measure.get("participant"))
    shown = f"{name} ({who})" if who else name
    unit = f" {instrument.unit}" if instrument and instrument.unit else ""
    baseline, target = measure.get("baseline"), measure.get("target")
    text = f"{shown}: {_num(baseline)} → {_num(target)}{unit}"
    points = _points_for(objective, plan["measurements"])
    progress = _progress(instrument, points, baseline=measure) if instrument else None
    return {
        **objective,
        "interventions": interventions,
        "measure_text": text,
        "instrument_name": shown,
        "progress": progress,
    }


def _num(value: Any) -> str:
    return "?" if value is None else show_number(value)


def _points_for(
    objective: dict[str, Any], measurements: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The scores that belong to an objective: those naming it, else those on its instrument
    (and participant) that name no other objective."""
    named = [m for m in measurements if m.get("objective") == objective["id"]]
    if named:
        return named
    measure = objective["measure"]
    return [
        m
        for m in measurements
        if m["instrument"] == measure["instrument"]
        and not m.get("objective")
        and (not measure.get("participant") or m.get("participant") == measure["participant"])
    ]


def _progress(
    instrument: Instrument, points: list[dict[str, Any]], *, baseline: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Where a measure started (the baseline when there is one), where it is now, the change,
    and whether that is better or worse on this instrument."""
    ordered = sorted(points, key=lambda m: m["date"])
    start = ordered[0] if ordered else None
    if baseline and baseline.get("baseline") is not None:
        start = {"score": baseline["baseline"], "date": baseline.get("baseline_date")}
    if start is None or not ordered:
        return None
    last = ordered[-1]
    change = float(last["score"]) - float(start["score"])
    better = instrument.improvement(float(start["score"]), float(last["score"]))
    direction = "no change" if better == 0 else ("better" if better > 0 else "worse")
    single = len(ordered) == 1 and (
        start is ordered[0] or start.get("date") in (None, last["date"])
    )
    return {
        "instrument": instrument.name,
        "first": start,
        "latest": last,
        "count": len(ordered),
        "change": "" if single else signed_number(change),
        "direction": "one score so far" if single else direction,
        "band_first": instrument.band(float(start["score"])),
        "band_latest": instrument.band(float(last["score"])),
        "summary": _summary(instrument, start, last, change, direction, single),
        "points": [
            {"date": m["date"], "score": m["score"], "note": m.get("note")} for m in ordered
        ],
        "scale": (instrument.min, instrument.max),
    }


def _summary(
    instrument: Instrument,
    first: dict[str, Any],
    last: dict[str, Any],
    change: float,
    direction: str,
    single: bool,
) -> str:
    def at(m: dict[str, Any]) -> str:
        band = instrument.band(float(m["score"]))
        when = f" on {show_date(m['date'])}" if m.get("date") else ""
        return f"{show_number(m['score'])}{f' ({band})' if band else ''}{when}"

    if single:
        return f"{at(last)} (one score so far)"
    return f"{at(first)} → {at(last)}: {signed_number(change)}, {direction}"


def _progress_by_instrument(
    plan: dict[str, Any], instruments: dict[str, Instrument]
) -> list[dict[str, Any]]:
    """One row per instrument, participant and objective, in the order they first appear."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for m in plan["measurements"]:
        group = (
            str(m["instrument"]),
            str(m.get("participant") or ""),
            str(m.get("objective") or ""),
        )
        groups.setdefault(group, []).append(m)
    found = []
    for (name, person, objective), points in groups.items():
        instrument = instruments.get(name)
        progress = _progress(instrument, points) if instrument else None
        if instrument and progress:
            who = _person_name(plan["participants"], person)
            parts = [p for p in (who, f"objective {objective}" if objective else "") if p]
            label_text = f"{instrument.name} ({', '.join(parts)})" if parts else instrument.name
            found.append(
                {
                    **progress,
                    "label": label_text,
                    "participant": who or None,
                    "objective": objective or None,
                    "unit": instrument.unit,
                }
            )
    return found


def _notes(plan: dict[str, Any], instruments: dict[str, Instrument]) -> list[dict[str, Any]]:
    """Notes recorded with scores, in date order, for the progress section."""
    found = []
    for m in sorted(plan["measurements"], key=lambda m: m["date"]):
        if m.get("note"):
            instrument = instruments.get(str(m["instrument"]))
            found.append(
                {
                    "date": m["date"],
                    "instrument": instrument.name if instrument else m["instrument"],
                    "score": m["score"],
                    "note": m["note"],
                }
            )
    return found


def _person_name(participants: list[dict[str, Any]], ident: Any) -> str:
    if not ident or len(participants) < 2:
        return ""
    for person in participants:
        if person["id"] == ident:
            return str(person.get("preferred_name") or person["name"])
    return str(ident)


def _orientation_label(name: Any) -> str:
    found = get_orientation(str(name)) if name else None
    return found.label if found else ("" if name is None else str(name))


def _service(service: dict[str, Any]) -> dict[str, Any]:
    freq = service["frequency"]
    count = freq["count"]
    often = {1: "once", 2: "twice"}.get(count, f"{count} times")
    return {
        **service,
        "description": service["description"]
        or f"{label(service['modality']).capitalize()} psychotherapy",
        "amount": f"{service['session_minutes']} minutes",
        "frequency_text": f"{often} a {freq['per']}",
        "duration_text": f"{service['duration_weeks']} week{'s' if service['duration_weeks'] != 1 else ''}",
    }
