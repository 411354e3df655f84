"""The payer summary (``render -f payer-summary``): the minimum necessary to authorize care.

A payer reviewing a plan needs who the client is and their coverage, the diagnoses, the
measurable objectives with baseline, latest score and target, the services requested, the
plan's dates and review schedule, the risk level, and the signatures — and no more: nothing of
the formulation, the client's own words or the orientation's section. Everything here is taken
from what the plan's own page 1 and tables already compute (the facts, the coverage, the
objectives' measures and progress, the services, the signatures), selected and never reworded,
so the summary and the plan cannot disagree.
"""

from __future__ import annotations

from typing import Any

from ...spec.model import Plan
from . import describe as d
from .formatting import label, show_date, show_number
from .labels import Labels, fill, respell

LEFT_OUT = ("diagnoses", "signatures")
"""Page-1 facts the summary shows as tables of their own instead."""


def payer_summary(context: dict[str, Any], plan: Plan, words: Labels) -> dict[str, Any]:
    """The summary's own parts, from the plan's *context* (built in the same pass)."""
    said = words["payer"]
    return {
        "title": said["title"],
        "intro": said["intro"],
        "facts": _facts(context, plan, words),
        "diagnoses": [
            {
                "code_text": x["code_text"],
                "text": x["text"],
                "kind": d.join(x["kind"], x["person"], sep=", "),
            }
            for x in d.primary_first(context["diagnoses"])
        ],
        "objectives": [
            _objective(o, goal["id"], words)
            for goal in context["goals"]
            for o in goal["objectives"]
        ],
        "services": [
            {
                key: s[key]
                for key in ("code_text", "description", "amount", "frequency_text", "planned")
            }
            | {"dates": s["duration_text"]}
            for s in context["services"]
        ],
        "signatures": [
            {"role": s["role_text"], "name": s["printed"], "state": s["state"]}
            for s in context["signatures"]
        ],
    }


def _facts(context: dict[str, Any], plan: Plan, words: Labels) -> list[dict[str, str]]:
    """Page 1's rows but the diagnoses and signatures (tables below), with the practice, the
    level of care and the risk level (without what informs it) placed before the as-of line."""
    shown = {words["facts"][key] for key in LEFT_OUT}
    rows = [f for f in context["facts"] if f["label"] not in shown]
    said = words["payer"]
    practice = plan.data["practice"] or {}
    extra = [
        (
            said["practice"],
            d.join(
                practice.get("name"),
                f"{words['label']['group_npi']} {practice['npi']}" if practice.get("npi") else "",
                sep="; ",
            ),
        ),
        (said["level_of_care"], _level_of_care(context)),
        (said["risk"], _risk(plan, words)),
    ]
    added = [{"label": name, "value": value} for name, value in extra if value]
    last = rows[-1:] if rows and rows[-1]["label"] == words["facts"]["data_as_of"] else []
    return rows[: len(rows) - len(last)] + added + last


def _level_of_care(context: dict[str, Any]) -> str:
    use = context["substance_use"]
    return str(use["actual_text"] or use["recommended_text"]) if use else ""


def _risk(plan: Plan, words: Labels) -> str:
    """``Overall low (assessed 28 Sep 2026); suicide: moderate; safety plan on file, reviewed
    2 Oct 2026``: each level and its date, none of what informs it."""
    assessment, said = plan.data["assessment"], words["payer"]
    overall = assessment["risk"]
    parts = [_level(said["risk_overall"], overall)] if overall else []
    parts += [_level(respell(label(r["domain"]), words), r) for r in assessment["risks"]]
    safety = plan.data["safety_plan"]
    if safety:
        reviewed = safety.get("reviewed_on")
        parts.append(
            fill(said["safety_plan"], date=show_date(reviewed))
            if reviewed
            else str(said["safety_plan_undated"])
        )
    return "; ".join(parts) if parts else str(words["text"]["no_risk"])


def _level(name: str, raw: dict[str, Any]) -> str:
    when = f" (assessed {show_date(raw['assessed_on'])})" if raw.get("assessed_on") else ""
    return f"{name}: {str(raw['level']).replace('_', ' ')}{when}"


def _objective(o: dict[str, Any], goal: Any, words: Labels) -> dict[str, str]:
    """An objective's row: its words, its measure from baseline to target, its latest score
    (marked when recorded after signing), its target date and its status."""
    progress = o["progress"]
    latest = ""
    if progress:
        now = progress["latest"]
        band = f" ({progress['band_latest']})" if progress["band_latest"] else ""
        mark = f" {words['text']['after_signing_mark']}" if now["after_signing"] else ""
        when = f", {show_date(now['date'])}" if now["date"] else ""
        latest = f"{show_number(now['score'])}{band}{when}{mark}"
    return {
        "id": str(o["id"]),
        "goal": str(goal),
        "text": o["text"],
        "measure": o["measure_text"],
        "latest": latest,
        "due": o["due_text"],
        "status": o["status_text"],
    }


def payer_properties(plan_properties: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The summary's own Word document properties, over the plan's."""
    plan = context["plan"]["plan"]
    return {
        **plan_properties,
        "title": context["payer"]["title"],
        "subject": f"Summary of treatment plan {plan['id']} version {plan['version']} for client {context['client']['id']}",
        "keywords": "treatment plan; payer summary; authorization",
        "category": "Payer summary",
        "identifier": f"plandoc:payer-summary:{plan['id']}:{plan['version']}",
    }


def appendix(table: dict[str, Any], words: Labels) -> dict[str, Any]:
    """A profile's compliance table (:func:`plandoc.check.compliance.compliance`) as the
    documents' appendix shows it: a heading, the profile's description, a count, and for each
    requirement its status and where the plan meets it (the section named in the document's
    language), or the findings that say what is missing, with their lines in the plan file."""
    said = words["compliance"]
    rows = table["requirements"]
    return {
        "profile": table["profile"],
        "heading": fill(said["heading"], profile=table["title"]),
        "description": table["description"],
        "summary": fill(said["summary"], met=str(table["met"]), count=str(len(rows))),
        "requirements": [_requirement(r, words) for r in rows],
    }


def _requirement(row: dict[str, Any], words: Labels) -> dict[str, Any]:
    said = words["compliance"]
    if row["met"]:
        group, key = row["section"].split(".")
        where = d.join(words[group][key], row["detail"], sep=" — ")
    else:
        line = said["line"]
        where = " ".join(
            f"{f['message'].rstrip('.')} ({line} {f['line']})." for f in row["findings"]
        )
    return {
        "requirement": row["requirement"],
        "met": row["met"],
        "status": said["met" if row["met"] else "not_met"],
        "where": where,
    }
