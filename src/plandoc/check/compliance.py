"""Where a plan meets each requirement of a payer or accreditor profile, and where it does not.

Each rule of a profile (:func:`~plandoc.check.profiles.requirements`) is one row: the
requirement in words, whether the plan meets it, and where a reviewer finds it — the section
and the field (``Services — S1 code 90837``) — or, when it is not met, the findings that say
why. ``render --profile NAME`` prints the table as the plan's compliance appendix and
``check --profile NAME --format json`` gives it as data; both come from here, and a row is
met exactly when ``check --profile`` reports nothing for its rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..spec.loader import DocPath, Document
from ..spec.model import Plan
from .orientation import each
from .profiles import Profile, Requirement, get_profile, requirement_findings, requirements
from .report import Reporter

SECTIONS = {
    "assessment.presenting_problem": "heading.presenting_problem",
    "assessment.strengths": "heading.strengths",
    "assessment.needs": "heading.needs",
    "assessment.abilities": "heading.abilities",
    "assessment.preferences": "heading.preferences",
    "assessment.barriers": "heading.barriers",
    "assessment.diagnoses": "heading.diagnoses",
    "assessment.risk": "heading.risk",
    "assessment.risks": "heading.risk",
    "assessment": "heading.presenting_problem",
    "plan.participation": "heading.identification",
    "plan": "facts.plan_dates",
    "participants": "heading.identification",
    "guardian": "heading.identification",
    "guardians": "heading.identification",
    "clinician": "heading.identification",
    "supervisor": "heading.identification",
    "practice": "heading.identification",
    "team": "heading.treatment_team",
    "problems": "heading.problems",
    "goals": "heading.goals",
    "interventions": "heading.shared_interventions",
    "instruments": "heading.measures",
    "measurements": "heading.progress",
    "services": "heading.services",
    "coverage": "facts.coverage",
    "substance_use": "heading.substance_use",
    "safety_plan": "heading.safety_plan",
    "crisis_plans": "heading.safety_plan",
    "discharge": "heading.discharge",
    "revisions": "heading.revisions",
    "signatures": "heading.signatures",
    "extensions": "heading.extensions",
}
"""The section of the plan document a field is printed in, as a label key (the document
words it in its language); the longest matching prefix of the field's path wins."""

SECTION_WORDS = {
    "heading.presenting_problem": "Presenting problem",
    "heading.strengths": "Strengths",
    "heading.needs": "Needs",
    "heading.abilities": "Abilities",
    "heading.preferences": "Preferences",
    "heading.barriers": "Barriers",
    "heading.diagnoses": "Diagnoses",
    "heading.risk": "Risk",
    "heading.identification": "Identification",
    "heading.treatment_team": "Treatment team",
    "heading.problems": "Problems",
    "heading.goals": "Goals and objectives",
    "heading.shared_interventions": "Shared interventions",
    "heading.measures": "Measures",
    "heading.progress": "Progress on measures",
    "heading.services": "Services",
    "heading.substance_use": "Substance use",
    "heading.safety_plan": "Safety plan",
    "heading.discharge": "Discharge and aftercare",
    "heading.revisions": "Revision history",
    "heading.signatures": "Signatures",
    "heading.extensions": "Appendix: the practice's own fields",
    "facts.plan_dates": "Plan dates",
    "facts.status": "Status",
    "facts.coverage": "Coverage",
}
"""The sections' names in US English (``labels/en-US.yaml``), for ``check``'s JSON."""

SHORT = 40
"""A value up to this many characters is quoted in the table; a longer one is named."""


def compliance(doc: Document, plan: Plan, profile: Profile, *, today: dt.date) -> dict[str, Any]:
    """The compliance table of *plan* against *profile*, as plain data: each requirement with
    ``met``, where it is met (``section`` — a label key, ``section_name`` in US English — and
    ``detail``; ``where`` joins them) and the ``findings`` of a requirement not met."""
    rows = []
    for requirement in requirements(profile):
        report = Reporter(doc)
        requirement_findings(report, plan, profile, requirement, today=today)
        met = not report.findings
        section, detail = _where(requirement, plan, today) if met else ("", "")
        name = SECTION_WORDS.get(section, "")
        rows.append(
            {
                "rule": requirement.rule,
                "field": requirement.kind,
                "subject": requirement.subject,
                "requirement": requirement.description,
                "met": met,
                "section": section,
                "section_name": name,
                "detail": detail,
                "where": f"{name} — {detail}" if met else "",
                "findings": [f.as_dict() for f in report.findings],
            }
        )
    return {
        "profile": profile.name,
        "title": profile.heading,
        "description": profile.description,
        "met": sum(r["met"] for r in rows),
        "requirements": rows,
    }


def compliance_for(
    doc: Document | None,
    plan: Plan | None,
    names: Sequence[str],
    *,
    today: dt.date,
    templates: Sequence[Path] = (),
) -> list[dict[str, Any]]:
    """The table for each profile *names* (none for a plan that could not be read)."""
    if doc is None or plan is None:
        return []
    return [compliance(doc, plan, get_profile(name, templates), today=today) for name in names]


# --- where a requirement is met ---------------------------------------------------------------


def _where(requirement: Requirement, plan: Plan, today: dt.date) -> tuple[str, str]:
    """The section (a label key) and what in it meets *requirement*."""
    kind, subject, info = requirement.kind, requirement.subject, plan.info
    if kind == "require":
        return _field(plan, subject)
    if kind == "signed":
        return "heading.signatures", _signatures(plan, subject)
    if kind == "refuse_statuses":
        return "facts.status", str(info.status or "").replace("_", " ").capitalize()
    if kind == "review_interval_max_days" and info.review_anchor and info.next_review:
        gap = (info.next_review - info.review_anchor).days
        anchor = _day(info.review_anchor)
        return (
            "facts.plan_dates",
            f"next review {_day(info.next_review)}, {gap} days after {anchor}",
        )
    if kind == "max_plan_age_days" and info.start_date:
        age = (today - info.start_date).days
        return (
            "facts.plan_dates",
            f"started {_day(info.start_date)}, {age} days before {_day(today)}",
        )
    if kind == "max_service_weeks":
        weeks = [f"{s.id} {s.duration_weeks} weeks" for s in plan.services if s.duration_weeks]
        return "heading.services", "; ".join(weeks) or "no service is planned by weeks"
    return "facts.plan_dates", ""


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _section(dotted: str) -> str:
    path = dotted.replace("[]", "")
    for prefix in sorted(SECTIONS, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "."):
            return SECTIONS[prefix]
    return "facts.plan_dates"


def _field(plan: Plan, dotted: str) -> tuple[str, str]:
    """The section, then each place the field is given (``S1 code 90837; S2 code 90853``),
    with its value when it is short (``client words given for G1, G2`` when it is not)."""
    holder, _, field = dotted.rpartition(".")
    places: list[tuple[DocPath, Any]] = (
        list(each(plan.data, holder, ())) if holder else [((), plan.data)]
    )
    section = _section(dotted)
    owner = holder.replace("[]", "").rpartition(".")[2] if "[]" not in holder else ""
    known = SECTION_WORDS.get(section, "").lower()
    named = " ".join(
        _word(w)
        for w in (owner, field)
        if w and w not in ("assessment", "plan") and _word(w).lower() not in known
    )
    values = [
        (_name(item), _value(item.get(field))) for _, item in places if isinstance(item, dict)
    ]
    if "[]" in holder and all(v == GIVEN for _, v in values):
        return section, f"{named} {GIVEN} for {', '.join(n for n, _ in values)}"
    shown = [" ".join(p for p in (n if "[]" in holder else "", named, v) if p) for n, v in values]
    return section, "; ".join(dict.fromkeys(shown))


GIVEN = "given"
_WORDS = {"npi": "NPI", "id": "ID"}


def _word(name: str) -> str:
    return _WORDS.get(name, name.replace("_", " "))


def _name(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    return str(item.get("id") or item.get("payer") or item.get("name") or "")


def _value(value: Any) -> str:
    """A short value as written; a list of records by their names, any other list or a long
    text by its size."""
    if isinstance(value, list):
        names = [_name(v) for v in value]
        return ", ".join(names) if all(names) and names else f"{len(value)} listed"
    if isinstance(value, dict):
        return ""
    if isinstance(value, dt.date):
        return _day(value)
    text = " ".join(str(value).split())
    return text if len(text) <= SHORT else GIVEN


def _signatures(plan: Plan, role: str) -> str:
    signed = [
        f"{s.name}{', ' + s.credentials if s.credentials else ''}: signed {_day(s.date)}"
        for s in plan.signatures
        if s.role == role and s.signed and s.date
    ]
    return "; ".join(signed)
