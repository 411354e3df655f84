"""Stage 3 — context: the plan model becomes the variables every template sees.

The context is the template API: ``docs/templates.md`` lists it. ``plan`` holds every field the
spec defines (``None`` or an empty list when the plan leaves it out), so a template may name any
of them while a typo still fails loudly under ``StrictUndefined``. Derived values — the client,
diagnosis titles, progress on each measure, service wording, the orientation's laid-out
sections — come from the plan model, computed there once, for Markdown and Word alike.

The context is plain data only (:func:`plain`): that is what keeps a template from reaching
anything but the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..spec import icd
from ..spec.model import Objective, Plan, Progress
from ..spec.orientations import Orientation
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


def build_context(plan: Plan) -> dict[str, Any]:
    """Everything the templates need, from a plan that passed ``check``."""
    orientation = plan.orientation
    assert orientation is not None, "a checked plan names a known orientation"
    data = plan.data
    client = data["participants"][plan.client.at[-1]] if plan.client else {}
    return {
        "plan": data,
        "title": data["plan"]["title"] or f"{orientation.label} treatment plan",
        "orientation": _orientation(orientation, plan),
        "client": client,
        "participants": data["participants"],
        "diagnoses": [_diagnosis(d) for d in data["assessment"]["diagnoses"]],
        "goals": [
            _goal(raw, goal, plan) for raw, goal in zip(data["goals"], plan.goals, strict=True)
        ],
        "progress": [_progress_row(p, plan) for p in plan.progress],
        "services": [_service(s) for s in data["services"]],
        "next_review": plan.next_review,
        "latest_revision": data["revisions"][-1] if data["revisions"] else None,
        "confidentiality": CONFIDENTIALITY,
        "suggested_interventions": list(orientation.suggested_interventions),
        "presenting_quote": quoted(data["assessment"]["presenting_problem"]["client_words"]),
        "measurement_notes": _notes(plan),
    }


def quoted(text: str) -> str:
    """The client's words in quotation marks, unless they already carry their own."""
    text = " ".join(str(text).split())
    return text if text[:1] in "\"“'‘" else f"“{text}”"


def _orientation(orientation: Orientation, plan: Plan) -> dict[str, Any]:
    details = plan.data["orientation_details"]
    sections = resolve_sections(orientation.layout, details, orientation.schema)
    spec = orientation.modules
    for module, raw in zip(plan.modules, details.get(spec.field, []) if spec else [], strict=False):
        inner = module.definition
        if inner is None or spec is None:
            continue
        blocks = [{"kind": "text", "label": "Focus", "text": show(raw.get("focus"))}]
        for section in resolve_sections(inner.layout, module.details, inner.schema):
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


def _goal(raw: dict[str, Any], goal: Any, plan: Plan) -> dict[str, Any]:
    titles = {p.id: p.title for p in plan.problems}
    return {
        **raw,
        "quoted": quoted(raw["client_words"]),
        "problem_titles": [titles[p] for p in goal.problems if p in titles],
        "objectives": [
            _objective(o, objective, plan)
            for o, objective in zip(raw["objectives"], goal.objectives, strict=True)
        ],
    }


def _objective(raw: dict[str, Any], objective: Objective, plan: Plan) -> dict[str, Any]:
    interventions = [
        {**i, "approach_label": _approach(i["approach"], plan)} for i in raw["interventions"]
    ]
    measure = objective.measure
    if measure is None:
        return {
            **raw,
            "interventions": interventions,
            "measure_text": "",
            "instrument_name": "",
            "progress": None,
        }
    instrument = plan.instruments.get(measure.instrument or "")
    name = instrument.name if instrument else str(measure.instrument)
    who = _person_name(plan, measure.participant)
    shown = f"{name} ({who})" if who else name
    unit = f" {instrument.unit}" if instrument and instrument.unit else ""
    text = f"{shown}: {_num(measure.baseline)} → {_num(measure.target)}{unit}"
    progress = plan.objective_progress(objective)
    return {
        **raw,
        "interventions": interventions,
        "measure_text": text,
        "instrument_name": shown,
        "progress": _progress(progress) if progress else None,
    }


def _num(value: Any) -> str:
    return "?" if value is None else show_number(value)


def _progress(p: Progress) -> dict[str, Any]:
    """Where a measure started (the baseline when there is one), where it is now, the change,
    and whether that is better or worse on this instrument."""
    return {
        "instrument": p.instrument.name,
        "first": {"score": p.start.value, "date": p.start.date},
        "latest": {"score": p.latest.value, "date": p.latest.date},
        "count": len(p.points),
        "change": "" if p.single else signed_number(p.change),
        "direction": p.direction,
        "band_first": p.band_start,
        "band_latest": p.band_latest,
        "summary": _summary(p),
        "points": [{"date": s.date, "score": s.value, "note": s.note} for s in p.points],
        "scale": [p.instrument.min, p.instrument.max],
    }


def _summary(p: Progress) -> str:
    def at(value: float, when: dt.date | None) -> str:
        band = p.instrument.band(float(value))
        shown = f" on {show_date(when)}" if when else ""
        return f"{show_number(value)}{f' ({band})' if band else ''}{shown}"

    if p.single:
        return f"{at(p.latest.value, p.latest.date)} (one score so far)"
    return f"{at(p.start.value, p.start.date)} → {at(p.latest.value, p.latest.date)}: {signed_number(p.change)}, {p.direction}"


def _progress_row(p: Progress, plan: Plan) -> dict[str, Any]:
    """One row of the progress table: the same numbers as the objective's own progress."""
    who = _person_name(plan, p.participant)
    objective = p.objective if p.named else None
    parts = [part for part in (who, f"objective {objective}" if objective else "") if part]
    name = f"{p.instrument.name} ({', '.join(parts)})" if parts else p.instrument.name
    return {
        **_progress(p),
        "label": name,
        "participant": who or None,
        "objective": objective,
        "unit": p.instrument.unit,
    }


def _notes(plan: Plan) -> list[dict[str, Any]]:
    """Notes recorded with scores, in date order, for the progress section."""
    found = []
    for m in sorted(plan.measurements, key=lambda m: m.date or dt.date.min):
        if m.note:
            instrument = plan.instruments.get(m.instrument or "")
            found.append(
                {
                    "date": m.date,
                    "instrument": instrument.name if instrument else m.instrument,
                    "score": m.score,
                    "note": m.note,
                }
            )
    return found


def _person_name(plan: Plan, ident: str | None) -> str:
    if not ident or len(plan.participants) < 2:
        return ""
    person = plan.person(ident)
    return person.display_name if person else ident


def _approach(name: Any, plan: Plan) -> str:
    for module in plan.modules:
        if module.orientation == name and module.definition is not None:
            return module.definition.label
    return "" if name is None else str(name)


def _service(service: dict[str, Any]) -> dict[str, Any]:
    freq = service["frequency"]
    count = freq["count"]
    often = {1: "once", 2: "twice"}.get(count, f"{count} times")
    weeks = service["duration_weeks"]
    return {
        **service,
        "description": service["description"]
        or f"{label(service['modality']).capitalize()} psychotherapy",
        "amount": f"{service['session_minutes']} minutes",
        "frequency_text": f"{often} a {freq['per']}",
        "duration_text": f"{weeks} week{'s' if weeks != 1 else ''}",
    }
