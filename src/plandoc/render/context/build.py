"""Stage 3 — context: the plan model becomes the variables every template sees.

The context is the template API: ``docs/templates.md`` lists it. ``plan`` holds every field the
spec defines (``None`` or an empty list when the plan leaves it out), so a template may name any
of them while a typo still fails loudly under ``StrictUndefined``. Derived values — the client,
diagnosis titles, progress on each measure, service wording, the orientation's laid-out
sections — come from the plan model, computed there once, for Markdown and Word alike.

The context is plain data only (:func:`plandoc.render.sandbox.plain.plain` checks it at the
worker's door): that is what keeps a template from reaching anything but the plan.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from ...spec.codes import ASAM_DIMENSIONS, asam_level
from ...spec.model import Authorization, Coverage, Goal, Objective, Plan, Service
from ...spec.orientations import Orientation
from ...text import names_speakers
from . import describe as d
from . import page_one, unrecorded
from .formatting import label, show, show_date
from .labels import Labels, fill, load_labels, respell
from .layout import resolve_sections
from .payer import payer_summary
from .progress import after_signing, measure_progress, progress_row
from .safety import crisis_plan, risk, safety_plan


def build_context(plan: Plan, labels: Labels | None = None) -> dict[str, Any]:
    """Everything the templates need, from a plan that passed ``check``; *labels* are the
    fixed words in the document's language (:func:`~plandoc.render.context.labels.load_labels`,
    en-US by default)."""
    orientation = plan.orientation
    assert orientation is not None, "a checked plan names a known orientation"
    words = labels if labels is not None else load_labels()
    plan = unrecorded.shown(plan, words)
    data = plan.data
    client = data["participants"][plan.client.at[-1]] if plan.client else {}
    presenting = data["assessment"]["presenting_problem"]
    shown = _orientation(orientation, plan, words)
    context = {
        "plan": data,
        "labels": words,
        "title": data["plan"]["title"]
        or fill(words["text"]["treatment_plan"], orientation=shown["label"]),
        "facts": page_one.facts(plan, [_coverage(c, plan) for c in plan.coverage], words),
        "status_banner": page_one.banner(plan, words),
        "status_mark": page_one.mark(plan, words),
        "as_of": page_one.as_of(plan),
        "signed_on": plan.signed_on,
        "orientation": shown,
        "client": client,
        "participants": [
            {**p, "born": d.born(p), "name_text": _name_text(p)} for p in data["participants"]
        ],
        "guardians": [_guardian(g, plan) for g in _guardians(data)],
        "clinician_text": d.professional(data["clinician"], words["column"]["license"].lower()),
        "supervisor_text": d.professional(data["supervisor"], words["column"]["license"].lower())
        if data["supervisor"]
        else "",
        "team": [_team_member(m) for m in data["team"]],
        "diagnoses": [d.diagnosis(plan, x) for x in data["assessment"]["diagnoses"]],
        "presenting_quote": quoted(presenting["client_words"])
        if presenting["client_words"]
        else "",
        "presenting_speaker": d.speaker_name(plan, presenting["speaker"]),
        "risk": risk(data["assessment"], words),
        "safety_plan": safety_plan(plan, words),
        "instruments": [_instrument(i) for i in data["instruments"]],
        "goals": [
            _goal(raw, goal, plan, words)
            for raw, goal in zip(data["goals"], plan.goals, strict=True)
        ],
        "shared_interventions": [_shared(raw, plan, words) for raw in data["interventions"]],
        "progress": [progress_row(p, plan, words) for p in plan.progress],
        "scores": _scores(plan),
        "services": [
            _service(raw, service, plan)
            for raw, service in zip(data["services"], plan.services, strict=True)
        ]
        or _services_not_recorded(plan, words),
        "crisis_plans": [crisis_plan(c, words) for c in data["crisis_plans"]],
        "substance_use": _substance_use(data["substance_use"], plan, words),
        "signatures": [
            {**_signature(s, plan), **page_one.signature(plan, s, words)}
            for s in data["signatures"]
        ],
        "sources": d.sources(data),
        "extensions": [{"name": k, "value": v} for k, v in d.flatten(data["extensions"] or {})],
        "next_review": plan.next_review,
        "latest_revision": data["revisions"][-1] if data["revisions"] else None,
        "confidentiality": (plan.house and plan.house.confidentiality)
        or words["text"]["confidentiality"],
        "logo": logo(plan),
        "suggested_interventions": list(orientation.suggested_interventions),
        "measurement_notes": _notes(plan),
        "coverage": [_coverage(c, plan) for c in plan.coverage],
        "compliance": [],  # the appendix for each --profile, filled in by the render pipeline
    }
    context["payer"] = payer_summary(context, plan, words)
    return context


def logo(plan: Plan) -> dict[str, Any]:
    """The practice's logo, when its practice file has one: the file name the Markdown links
    to (the renderer copies the logo beside the Markdown file), its alternative text, and the
    file the Word renderer reads. ``picture`` is filled in by the Word renderer."""
    found = plan.house.logo if plan.house else None
    if found is None or plan.house is None:
        return {"present": False, "link": "", "alt": "", "file": "", "picture": ""}
    return {
        "present": True,
        "link": quote(found.file_name),
        "alt": f"{plan.house.name} logo",
        "file": str(found.path.resolve()),
        "picture": "",
    }


def quoted(text: str) -> str:
    """The client's words in quotation marks, unless they already carry their own (a quotation
    that opens with one, or several people's words, each marked ``Name: "…"``)."""
    text = " ".join(str(text).split())
    if text[:1] in "\"“'‘" or names_speakers(text):
        return text
    inner = text.replace('"', "'").replace("“", "‘").replace("”", "’")  # quotes within quotes
    return f"“{inner}”"


def _name_text(person: dict[str, Any]) -> str:
    """``Maya Okafor (“Maya”)``: the name, and the name the person goes by in curly quotes
    (composed here, not in a Word template, where docxtpl straightens quotes inside tags)."""
    preferred = person.get("preferred_name")
    return f"{person['name']} (“{preferred}”)" if preferred else str(person["name"])


def _guardians(data: dict[str, Any]) -> list[dict[str, Any]]:
    return ([data["guardian"]] if data["guardian"] else []) + list(data["guardians"])


def _guardian(raw: dict[str, Any], plan: Plan) -> dict[str, Any]:
    who = d.person_name(plan, raw["participant"])
    return {
        **raw,
        "text": d.join(
            f"{raw['name']} ({raw['relationship']})",
            raw["legal_authority"],
            raw["phone"],
            f"takes part in the plan as {who}" if who and who != raw["name"] else "",
            sep=", ",
        ),
    }


def _team_member(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        **raw,
        "licence_text": d.licence(raw, ""),
        "contact": d.join(raw["phone"], raw["email"], sep=", "),
    }


def _instrument(raw: dict[str, Any]) -> dict[str, Any]:
    return {**raw, "scale": d.scale(raw)}


def _orientation(orientation: Orientation, plan: Plan, words: Labels) -> dict[str, Any]:
    details = plan.data["orientation_details"]
    sections = resolve_sections(
        orientation.layout, details, orientation.schema, _current(plan), labels=words
    )
    spec = orientation.modules
    for module, raw in zip(plan.modules, details.get(spec.field, []) if spec else [], strict=False):
        inner = module.definition
        if inner is None or spec is None:
            continue
        focus = words["label"]["focus"]
        blocks = [{"kind": "text", "label": focus, "text": show(raw.get("focus"))}]
        for section in resolve_sections(inner.layout, module.details, inner.schema, labels=words):
            blocks.append({"kind": "heading", "text": section["title"]})
            blocks += section["blocks"]
        title = fill(words["heading"]["module"], name=respell(inner.label, words))
        sections.append({"title": title, "blocks": blocks})
    return {
        "name": orientation.name,
        "label": respell(orientation.label, words),
        "summary": orientation.summary,
        "sections": sections,
    }


def _current(plan: Plan) -> dict[tuple[str, str], tuple[float, str]]:
    """The latest score on each instrument for each goal (through its objectives), for a
    layout to mark where the client is now (a Goal Attainment Scale's current level)."""
    found: dict[tuple[str, str], tuple[float, str, dt.date]] = {}
    for goal in plan.goals:
        for objective in goal.objectives:
            progress = plan.objective_progress(objective)
            day = progress.latest.date if progress else None
            if progress is None or objective.measure is None or day is None:
                continue
            key = (str(objective.measure.instrument), str(goal.id))
            if key not in found or day > found[key][2]:
                found[key] = (float(progress.latest.value), show_date(day), day)
    return {key: (score, day) for key, (score, day, _) in found.items()}


def _goal(raw: dict[str, Any], goal: Goal, plan: Plan, words: Labels) -> dict[str, Any]:
    titles = {p.id: p.title for p in plan.problems}
    quote = quoted(raw["client_words"]) if raw["client_words"] else ""
    said = f" — {d.speaker_name(plan, raw['speaker'])}" if quote and raw["speaker"] else ""
    return {
        **raw,
        "quoted": quote,
        "heading": f"{quote}{said}" if quote else raw["description"] or "",
        "clinician_words": raw["description"] if quote else "",
        "due_text": d.due(plan, raw, goal),
        "library_text": d.library(raw["library"]),
        "shared_text": _shared_named(raw["uses"], plan),
        "problem_titles": [titles[p] for p in goal.problems if p in titles],
        "shared_by_objectives": _shared_by_objectives(raw["objectives"], plan),
        "objectives": [
            _objective(o, objective, plan, words)
            for o, objective in zip(raw["objectives"], goal.objectives, strict=True)
        ],
    }


def _objective(
    raw: dict[str, Any], objective: Objective, plan: Plan, words: Labels
) -> dict[str, Any]:
    measure = objective.measure
    instrument = plan.instruments.get(measure.instrument or "") if measure else None
    progress = plan.objective_progress(objective) if measure else None
    status = label(raw["status"])
    after = words["text"]["after_signing"]
    return {
        **raw,
        "text": _item_text(raw, plan),
        "interventions": [_intervention(i, plan, words) for i in raw["interventions"]],
        "measure_text": d.measure_text(plan, objective, raw),
        "instrument_name": instrument.name if instrument else "",
        "progress": measure_progress(progress, plan.signed_on, after) if progress else None,
        "due_text": d.due(plan, raw, objective),
        "shared_text": _shared_named(raw["uses"], plan),
        "status_text": f"{status}, met {show_date(raw['achieved_on'])}"
        + (f" ({after})" if after_signing(raw["achieved_on"], plan.signed_on) else "")
        if raw["achieved_on"]
        else status,
    }


def _item_text(raw: dict[str, Any], plan: Plan) -> str:
    """An objective's or intervention's words, with whose it is."""
    who = d.person_name(plan, raw.get("participant"))
    return d.join(raw["description"], f"for {who}" if who else "", sep=" — ")


def _shared_named(ids: list[str], plan: Plan) -> str:
    """Shared interventions named where they are used, by the start of their description:
    ``Relaxation training (I2)``. The whole of each is in the shared interventions table."""
    described = {i["id"]: _short(i["description"]) for i in plan.data["interventions"]}
    return "; ".join(f"{described.get(i, i)} ({i})" for i in ids)


def _short(text: str, most: int = 80) -> str:
    """A description as a name for it: its first sentence or clause (up to a colon, a
    semicolon, a dash or a bracket), shortened at a word if still long."""
    head = re.split(r"[:;(—]|\.\s", " ".join(text.split()), maxsplit=1)[0].strip().rstrip(".,")
    return head if len(head) <= most else head[: most - 1].rsplit(" ", 1)[0].rstrip(",") + "…"


def _shared_by_objectives(objectives: list[dict[str, Any]], plan: Plan) -> list[dict[str, str]]:
    """The goal's objectives that use shared interventions, those using the same ones together:
    ``{"objectives": "G1.O1 and G1.O2", "text": "Relaxation training (I2)"}``."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for objective in objectives:
        if objective["uses"]:
            groups.setdefault(tuple(objective["uses"]), []).append(str(objective["id"]))
    return [
        {"objectives": d.listed(ids), "text": _shared_named(list(uses), plan)}
        for uses, ids in groups.items()
    ]


def _intervention(raw: dict[str, Any], plan: Plan, words: Labels) -> dict[str, Any]:
    approach = respell(_approach(raw["approach"], plan), words)
    return {
        **raw,
        "approach_label": approach,
        "text": _item_text(raw, plan),
        "by": d.delivered_by(plan, raw),
        "modality_text": d.join(
            label(raw["modality"]), f"({approach})" if raw["approach"] else "", sep=" "
        ),
    }


def _shared(raw: dict[str, Any], plan: Plan, words: Labels) -> dict[str, Any]:
    """A shared intervention, with the goals and objectives it serves."""
    ident = raw["id"]
    serves = [f"goal {g.id}" for g in plan.goals if ident in g.uses]
    serves += [str(o.id) for o in plan.objectives if ident in o.uses]
    return {**_intervention(raw, plan, words), "serves": ", ".join(serves)}


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


def _approach(name: Any, plan: Plan) -> str:
    for module in plan.modules:
        if module.orientation == name and module.definition is not None:
            return module.definition.label
    return "" if name is None else str(name)


def _service(raw: dict[str, Any], service: Service, plan: Plan) -> dict[str, Any]:
    return {
        **raw,
        "description": raw["description"] or f"{label(raw['modality'])} psychotherapy",
        "code_text": d.code_text(service) or (raw["code"] if isinstance(raw["code"], str) else ""),
        "amount": d.amount(raw),
        "frequency_text": d.frequency(raw),
        "duration_text": d.dates(plan, service, raw),
        "planned": d.planned(service, raw),
        "details": d.service_details(plan, service, raw),
    }


def _services_not_recorded(plan: Plan, words: Labels) -> list[dict[str, Any]]:
    """The services table's one row when the plan gives its services as not recorded."""
    text = unrecorded.records_not_recorded(plan, ("services",), words)
    if not text:
        return []
    cells = ("code_text", "amount", "frequency_text", "duration_text", "planned", "details")
    return [{**dict.fromkeys(cells, ""), "description": text, "details": []}]


def _scores(plan: Plan) -> list[dict[str, Any]]:
    """Every score recorded, in date order: the record the progress table summarises."""
    rows = []
    for m, raw in sorted(
        zip(plan.measurements, plan.data["measurements"], strict=True),
        key=lambda pair: pair[0].date or dt.date.min,
    ):
        instrument = plan.instruments.get(m.instrument or "")
        name = instrument.name if instrument else str(m.instrument)
        about = d.join(d.person_name(plan, m.participant), m.objective, sep=", ")
        rows.append(
            {
                **raw,
                "measure": d.qualified(name, about),
                "after_signing": after_signing(m.date, plan.signed_on),
            }
        )
    return rows


def _substance_use(raw: dict[str, Any] | None, plan: Plan, words: Labels) -> dict[str, Any] | None:
    if not raw:
        return None
    said = words["label"]
    referral = raw["referral"] or {}
    toxicology = raw["toxicology"] or {}
    instrument = plan.instruments.get(toxicology.get("instrument") or "")
    return {
        **raw,
        "dimensions": [
            {
                **x,
                "name": respell(ASAM_DIMENSIONS.get(x["dimension"], ""), words),
                "rating_text": f"{x['rating']} (points to level {x['level']})"
                if x["level"]
                else str(x["rating"]),
            }
            for x in raw["asam_dimensions"]
        ],
        "recommended_text": respell(asam_level(raw["recommended_level"]), words),
        "actual_text": respell(asam_level(raw["actual_level"]), words),
        "behaviours": [
            {**b, "stage_label": respell(label(b["stage"]), words)} for b in raw["behaviours"]
        ],
        "referral_rows": [
            {"name": name, "value": show(value)}
            for name, value in (
                (said["referred_by"], referral.get("source")),
                (said["mandated"], referral.get("mandated")),
                (said["mandate"], referral.get("mandate")),
                (said["reporting_consent"], referral.get("reporting_consent")),
                (said["reports_to"], referral.get("reports_to")),
            )
            if value is not None
        ],
        "toxicology_text": d.join(
            toxicology.get("frequency"),
            f"recorded as {instrument.name}" if instrument else "",
            sep="; ",
        ),
    }


def _signature(raw: dict[str, Any], plan: Plan) -> dict[str, Any]:
    person = plan.person(raw["participant"])
    who = d.person_name(plan, raw["participant"])
    itself = person is not None and raw["name"] in (person.name, person.preferred_name)
    asked = d.attempts(raw)
    return {
        **raw,
        "signer": d.join(raw["name"], raw["credentials"], sep=", ")
        + (f" (for {who})" if who and not itself else ""),
        "team_role": d.member_role(plan, raw["member"]),
        "attempts_text": asked,
        "status_text": d.join(
            label(raw["status"]), raw["note"], f"asked: {asked}" if asked else "", sep=" — "
        ),
    }


def _coverage(coverage: Coverage, plan: Plan) -> dict[str, Any]:
    """A payer and the member's identifiers, with the authorization as a reviewer reads it: its
    period, what it allows (and for which services), and what the plan has planned in it."""
    return {
        "payer": coverage.payer or "",
        "plan_name": coverage.plan_name or "",
        "member_id": coverage.member_id or "",
        "group_number": coverage.group_number or "",
        **_authorization(coverage.authorization, plan),
    }


def _authorization(auth: Authorization | None, plan: Plan) -> dict[str, Any]:
    if auth is None:
        return {
            "authorized": False, "authorization_number": "", "start_date": None,
            "end_date": None, "period_text": "", "services": [], "authorized_text": "",
            "planned_text": "",
        }  # fmt: skip
    first, last, measure = auth.start_date, auth.end_date, auth.measure
    services = plan.covered_services(auth)
    covered = [s.id or "" for s in services]
    codes = list(dict.fromkeys(s.code for s in services if s.code))
    allowed = _counted(auth.amount, measure)
    planned = _counted(plan.planned_for(auth), measure)
    return {
        "authorized": True,
        "authorization_number": auth.number or "",
        "start_date": first,
        "end_date": last,
        "period_text": f"{show_date(first)} – {show_date(last)}" if first and last else "",
        "services": covered,
        "authorized_text": d.join(allowed, f"({d.listed(codes)})" if codes else "", sep=" ")
        if allowed
        else "",
        "planned_text": f"{planned} planned in this period" if planned else "",
    }


def _counted(count: int | None, measure: str | None) -> str:
    """``24 sessions``, ``1 unit``; nothing when either is not known."""
    if count is None or not measure:
        return ""
    return f"{count} {measure if count != 1 else measure.removesuffix('s')}"
