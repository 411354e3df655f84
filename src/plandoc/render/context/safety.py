"""Risk, the safety plan and crisis plans, as both documents and the client's handout show them.

The safety plan is in the client's voice: each Stanley-Brown step under a first-person heading,
contacts composed once ("Name, role: phone"). A plan without one says what stands in its place —
the suicide and self-harm risk as assessed — and a superseded or draft version's handout says so
at its top, so an out-of-date plan never passes for the current one.
"""

from __future__ import annotations

from typing import Any

from ...spec.model import Plan
from . import describe as d
from .formatting import label, show_date
from .labels import Labels, fill, load_labels, respell
from .progress import after_signing


def risk(assessment: dict[str, Any], words: Labels) -> dict[str, Any]:
    """Risk overall and by domain; what stands in for a safety plan the plan does not need."""
    overall = assessment["risk"]
    rows = [
        {
            **r,
            "domain_label": respell(label(r["domain"]), words),
            "level_label": label(r["level"]),
        }
        for r in assessment["risks"]
    ]
    return {
        "overall": _overall(overall) if overall else "",
        "by_domain": rows,
        "recorded": bool(overall or rows),
        "safety_plan_note": safety_plan_note(assessment),
    }


def _overall(overall: dict[str, Any]) -> str:
    """``Low — what informs it (assessed 28 Sep 2026).``: the date inside the sentence."""
    text = d.join(label(overall["level"]), overall["summary"], sep=" — ")
    if not overall["assessed_on"]:
        return text
    stop = "." if text.endswith(".") else ""
    return f"{text.removesuffix('.')} (assessed {show_date(overall['assessed_on'])}){stop}"


def safety_plan_note(assessment: dict[str, Any]) -> str:
    """What the plan records in place of a safety plan, from its suicide and self-harm risk."""
    overall = assessment["risk"]
    assessed = [("suicide and self-harm", overall)] if overall else []
    named = {"suicide": "suicide", "self_harm": "self-harm"}
    assessed += [(named[r["domain"]], r) for r in assessment["risks"] if r["domain"] in named]
    return _safety_plan_note(assessed, bool(assessment["risks"]))


def _safety_plan_note(assessed: list[tuple[str, dict[str, Any]]], other_risks: bool) -> str:
    """What the plan records in place of a safety plan it does not have: the suicide and
    self-harm risk as assessed, with its date (a safety plan is not indicated at none or low),
    and no more."""
    if not assessed:
        if other_risks:
            return "None. This plan records no assessment of suicide or self-harm risk."
        return "None. This plan records no risk assessment."
    found = "; ".join(
        f"{what} risk {r['level']}"
        + (f", assessed {show_date(r['assessed_on'])}" if r["assessed_on"] else "")
        for what, r in assessed
    )
    if any(r["level"] in ("moderate", "high") for _, r in assessed):
        return f"None recorded — {found}: a safety plan is needed."
    if any(r["level"] not in ("none", "low") for _, r in assessed):  # a level not recorded
        return f"None recorded — {found.replace(' risk Not recorded', ' risk: not recorded')}."
    return f"Not indicated — {found}."


def safety_plan(plan: Plan, labels: Labels | None = None) -> dict[str, Any]:
    """The safety plan in the client's voice, for the plan and the client's handout alike:
    each Stanley-Brown step with its first-person heading and its items (contacts composed
    once, ``Name, role: phone``); or, when the plan has none, what stands in its place."""
    raw = plan.data["safety_plan"]
    client = (plan.client.name or plan.client.display_name) if plan.client else ""
    labels = labels if labels is not None else load_labels()
    words, after = labels["safety_plan"], labels["text"]["after_signing"]
    steps = []
    for key in d.SAFETY_STEPS:
        heading, hint = words["steps"][key], words["hints"][key]
        values = (raw or {}).get(key) or []
        contacts = [_contact(c) for c in values] if key.endswith("_contacts") else []
        entries = [c["text"] for c in contacts] if contacts else [str(v) for v in values]
        if entries:
            steps.append(
                {
                    "key": key,
                    "heading": heading,
                    "hint": hint,
                    "entries": entries,
                    "contacts": contacts,
                }
            )
    reviewed = raw["reviewed_on"] if raw else None
    return {
        "present": bool(raw),
        "client_name": client,
        "steps": steps,
        "reviewed_on": reviewed,
        "reviewed_text": fill(words["reviewed"], date=show_date(reviewed))
        + (f" ({after})." if after_signing(reviewed, plan.signed_on) else ".")
        if reviewed
        else "",
        "reviewed_line": fill(
            words["reviewed_line"], date=show_date(reviewed), clinician=plan.clinician.name
        )
        if reviewed and plan.clinician
        else "",
        "note": "" if raw else safety_plan_note(plan.data["assessment"]),
        "crisis_line": words["crisis_line"],
        "banner": _handout_banner(plan, words),
    }


def _handout_banner(plan: Plan, words: dict[str, Any]) -> str:
    """What the client's copy of a superseded or draft version says at its top, in words for
    the client: an out-of-date safety plan must not pass for the current one."""
    info = plan.info
    if info.status == "superseded":
        on = show_date(info.superseded_on) if info.superseded_on else ""
        return fill(words["replaced_on" if on else "replaced"], date=on)
    return str(words["draft"]) if info.status == "draft" else ""


def _contact(raw: dict[str, Any]) -> dict[str, Any]:
    role = raw.get("role") or raw.get("relationship") or ""
    return {
        "name": raw["name"],
        "role": role,
        "phone": raw.get("phone") or "",
        "label": d.contact(raw["name"], role, None),
        "text": d.contact(raw["name"], role, raw.get("phone")),
    }


def crisis_plan(raw: dict[str, Any], words: Labels) -> dict[str, Any]:
    return {
        **raw,
        "domain_label": respell(label(raw["domain"]), words),
        "contacts": [{**c, "text": _contact(c)["text"]} for c in raw["contacts"]],
    }
