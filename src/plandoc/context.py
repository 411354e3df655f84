"""Stage 3 — context: a validated plan becomes the variables every template sees.

The context is the template API: ``docs/templates.md`` lists it. Every field the spec defines is
present (``None`` or an empty list when the plan leaves it out), so a template may name any of
them while a typo still fails loudly under ``StrictUndefined``. Derived values — the primary
client, diagnosis titles, progress on each measure, service wording, the orientation's laid-out
sections — are computed here once, for Markdown and Word alike.
"""

from __future__ import annotations

from typing import Any

from . import icd
from .checks import next_review
from .formatting import label, show, show_date, show_number, signed_number
from .layout import resolve_sections
from .orientations import Instrument, Orientation, get_orientation, plan_instruments
from .schema import Schema, plan_schema

CONFIDENTIALITY = (
    "Confidential health information. Protected by law; do not disclose without the client's "
    "written consent except as the law allows."
)


def fill(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of *data* with every field of *schema* present (``None`` or ``[]`` when absent)."""
    out = dict(data)
    for name, rules in schema.items():
        value = out.get(name)
        kind = rules.get("type")
        if value is None:
            out[name] = [] if kind == "list" else None
        elif kind == "dict" and isinstance(rules.get("schema"), dict) and isinstance(value, dict):
            out[name] = fill(rules["schema"], value)
        elif kind == "list" and isinstance(value, list):
            item = rules.get("schema", {})
            if item.get("type") == "dict" and isinstance(item.get("schema"), dict):
                out[name] = [fill(item["schema"], v) if isinstance(v, dict) else v for v in value]
    return out


def build_context(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the templates need, from a plan that passed ``check``."""
    orientation = get_orientation(str(data["plan"]["orientation"]))
    assert orientation is not None, "a checked plan names a known orientation"
    plan = fill(plan_schema(orientation.name), data)
    instruments = plan_instruments(plan["instruments"])
    client = _primary(plan["participants"])
    latest = plan["revisions"][-1] if plan["revisions"] else None
    return {
        "plan": plan,
        "title": plan["plan"]["title"] or f"{orientation.label} treatment plan",
        "orientation": _orientation(orientation, plan["orientation_details"]),
        "client": client,
        "participants": plan["participants"],
        "diagnoses": [_diagnosis(d) for d in plan["assessment"]["diagnoses"]],
        "goals": [_goal(g, plan, instruments) for g in plan["goals"]],
        "progress": _progress_by_instrument(plan["measurements"], instruments),
        "services": [_service(s) for s in plan["services"]],
        "next_review": next_review(plan["plan"]),
        "latest_revision": latest,
        "confidentiality": CONFIDENTIALITY,
        "suggested_interventions": list(orientation.suggested_interventions),
    }


def _primary(participants: list[dict[str, Any]]) -> dict[str, Any]:
    for person in participants:
        if person.get("primary"):
            return person
    return participants[0]


def _orientation(orientation: Orientation, details: dict[str, Any]) -> dict[str, Any]:
    sections = resolve_sections(orientation.layout, details)
    for module in details.get("modules") or []:
        inner = get_orientation(str(module.get("orientation")))
        if inner is None:
            continue
        module_details = fill(inner.schema, module.get("details") or {})
        blocks = [{"kind": "text", "label": "Focus", "text": show(module.get("focus"))}]
        for section in resolve_sections(inner.layout, module_details):
            blocks.append({"kind": "heading", "text": section["title"]})
            blocks += section["blocks"]
        sections.append({"title": f"Module: {inner.label}", "blocks": blocks})
    return {"name": orientation.name, "label": orientation.label, "summary": orientation.summary, "sections": sections}


def _diagnosis(diagnosis: dict[str, Any]) -> dict[str, Any]:
    entry = icd.lookup(str(diagnosis["code"]))
    official = entry.title if entry else ""
    return {**diagnosis, "description": diagnosis["description"] or official, "official_title": official}


def _goal(goal: dict[str, Any], plan: dict[str, Any], instruments: dict[str, Instrument]) -> dict[str, Any]:
    problems = {p["id"]: p for p in plan["problems"]}
    return {
        **goal,
        "problem_titles": [problems[p]["title"] for p in goal["problems"] if p in problems],
        "objectives": [_objective(o, plan["measurements"], instruments) for o in goal["objectives"]],
    }


def _objective(objective: dict[str, Any], measurements: list[dict[str, Any]], instruments: dict[str, Instrument]) -> dict[str, Any]:
    measure = objective["measure"]
    if not measure:
        return {**objective, "measure_text": "", "progress": None}
    instrument = instruments.get(str(measure.get("instrument")))
    name = instrument.name if instrument else str(measure.get("instrument"))
    baseline, target = measure.get("baseline"), measure.get("target")
    text = f"{name}: {show_number(baseline) if baseline is not None else '?'} → {show_number(target) if target is not None else '?'}"
    points = [m for m in measurements if m.get("instrument") == measure.get("instrument")]
    progress = _progress(instrument, points) if instrument and points else None
    return {**objective, "measure_text": text, "instrument_name": name, "progress": progress}


def _progress(instrument: Instrument, points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """First and latest score, the change, and whether it is better or worse on this instrument."""
    ordered = sorted(points, key=lambda m: (m["date"], m.get("participant") or ""))
    first, last = ordered[0], ordered[-1]
    change = float(last["score"]) - float(first["score"])
    better = instrument.improvement(float(first["score"]), float(last["score"]))
    direction = "no change" if better == 0 else ("better" if better > 0 else "worse")
    return {
        "instrument": instrument.name,
        "first": first,
        "latest": last,
        "count": len(ordered),
        "change": signed_number(change),
        "direction": direction,
        "band_first": instrument.band(float(first["score"])),
        "band_latest": instrument.band(float(last["score"])),
        "summary": _summary(instrument, first, last, change, direction),
        "points": [{"date": m["date"], "score": m["score"], "participant": m.get("participant")} for m in ordered],
    }


def _summary(instrument: Instrument, first: dict[str, Any], last: dict[str, Any], change: float, direction: str) -> str:
    def at(m: dict[str, Any]) -> str:
        band = instrument.band(float(m["score"]))
        return f"{show_number(m['score'])}{f' ({band})' if band else ''} on {show_date(m['date'])}"

    if first is last:
        return f"{at(first)}"
    return f"{at(first)} → {at(last)}: {signed_number(change)}, {direction}"


def _progress_by_instrument(measurements: list[dict[str, Any]], instruments: dict[str, Instrument]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in measurements:
        groups.setdefault((str(m["instrument"]), str(m.get("participant") or "")), []).append(m)
    found = []
    for (key, person), points in groups.items():
        instrument = instruments.get(key)
        progress = _progress(instrument, points) if instrument else None
        if progress:
            found.append({**progress, "participant": person or None, "unit": instrument.unit if instrument else ""})
    return found


def _service(service: dict[str, Any]) -> dict[str, Any]:
    freq = service["frequency"]
    count = freq["count"]
    often = {1: "once", 2: "twice"}.get(count, f"{count} times")
    return {
        **service,
        "description": service["description"] or f"{label(service['modality']).capitalize()} psychotherapy",
        "amount": f"{service['session_minutes']} minutes",
        "frequency_text": f"{often} a {freq['per']}",
        "duration_text": f"{service['duration_weeks']} weeks",
    }

