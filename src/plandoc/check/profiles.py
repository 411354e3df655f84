"""Payer and accreditor rule packs, as data (``templates/profiles/<name>.yaml``).

A profile tightens the spec for one receiver: fields it requires, the longest review interval
it accepts, the longest service authorisation, the oldest plan date. ``check --profile NAME``
adds its findings as errors with rule ids ``profile.<name>.<rule>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import Finding, PlanInvalid, UsageError
from ..spec.library import library, read_template_bytes
from ..spec.loader import DocPath, load_bytes
from ..spec.model import Plan
from ..spec.schema import PLAN_STATUSES, SIGNER_ROLES
from ..spec.unknowns import is_not_recorded, reason
from .orientation import each
from .report import Reporter


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    require: tuple[str, ...] = ()
    review_interval_max_days: int | None = None
    max_service_weeks: int | None = None
    max_plan_age_days: int | None = None
    signed: tuple[str, ...] = ()  # roles whose signature must be signed
    refuse_statuses: tuple[str, ...] = ()  # plan statuses the receiver does not accept
    title: str = ""
    """A short name for headings (``Compliance with <title>``); the profile's name if none."""
    described: tuple[tuple[str, str], ...] = ()
    """The profile's own words for a required field: ``(field, description)`` pairs."""

    @property
    def heading(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class Requirement:
    """One rule of a profile, as a row of the compliance table: what the receiver requires,
    in words, and the rule id its findings carry."""

    rule: str
    """``profile.<name>.<rule>``"""
    kind: str
    """The profile field it comes from: ``require``, ``signed``, ``refuse_statuses``,
    ``review_interval_max_days``, ``max_service_weeks`` or ``max_plan_age_days``."""
    subject: str
    """The required field (``services[].code``), the signer's role, or the limit."""
    description: str


@cache
def available_profiles(templates: tuple[Path, ...] = ()) -> dict[str, Profile]:
    """The payer and accreditor profiles: a practice's ``profiles/*.yaml``, then the built-in."""
    found = {}
    for name, path in library(templates).files("profiles", ".yaml"):
        found[name] = load_profile(name, path)
    return dict(sorted(found.items()))


_NUMBERS = ("review_interval_max_days", "max_service_weeks", "max_plan_age_days")
_FIELDS = ("name", "title", "description", "require", "signed", "refuse_statuses", *_NUMBERS)


def load_profile(name: str, path: Path) -> Profile:
    """A profile file, read as safely as a plan and checked field by field."""
    doc = load_bytes(read_template_bytes(path), str(path))
    problems = list(doc.problems)
    data = doc.data

    def wrong(where: DocPath, message: str) -> None:
        line, column = doc.locate(where, key=len(where) == 1)
        problems.append(Finding(str(path), line, column, "error", message, "profile.invalid"))

    for key in data:
        if key not in _FIELDS:
            wrong((key,), f"unknown field `{key}`; a profile has {', '.join(_FIELDS)}")
    for key, allowed in (("signed", SIGNER_ROLES), ("refuse_statuses", PLAN_STATUSES)):
        given = data.get(key, [])
        if not isinstance(given, list) or any(v not in allowed for v in given):
            wrong((key,), f"`{key}` is a list of: {', '.join(allowed)}")
    if data.get("name") != name:
        wrong(("name",), f"`name` must be the file's name, `{name}`")
    for key in ("title", "description"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            wrong((key,), f"`{key}` is text")
    require = _require(data.get("require", []), wrong)
    for key in _NUMBERS:
        if key in data and (
            not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 1
        ):
            wrong((key,), f"`{key}` is a whole number of days or weeks")
    if problems:
        raise PlanInvalid(problems)
    return Profile(
        name=name,
        description=" ".join(str(data.get("description", "")).split()),
        require=tuple(field for field, _ in require),
        signed=tuple(data.get("signed", [])),
        refuse_statuses=tuple(data.get("refuse_statuses", [])),
        title=" ".join(str(data.get("title", "")).split()),
        described=tuple((field, text) for field, text in require if text),
        **{key: data[key] for key in _NUMBERS if key in data},
    )


_REQUIRE_HINT = (
    "`require` is a list of dotted field paths (`clinician.npi`, `goals[].client_words`), "
    "each a path or `{field: PATH, description: TEXT}`"
)


def _require(given: Any, wrong: Callable[[DocPath, str], None]) -> list[tuple[str, str]]:
    """The required fields, each with the profile's own description of it (or none)."""
    if not isinstance(given, list):
        wrong(("require",), _REQUIRE_HINT)
        return []
    found = []
    for index, item in enumerate(given):
        if isinstance(item, str) and item.strip():
            found.append((item.strip(), ""))
            continue
        if isinstance(item, dict) and set(item) <= {"field", "description"}:
            field, text = item.get("field"), item.get("description", "")
            if isinstance(field, str) and field.strip() and isinstance(text, str):
                found.append((field.strip(), " ".join(text.split())))
                continue
        wrong(("require", index), _REQUIRE_HINT)
    return found


def get_profile(name: str, templates: Sequence[Path] = ()) -> Profile:
    profiles = available_profiles(tuple(Path(t) for t in templates))
    if name not in profiles:
        raise UsageError(f"unknown profile `{name}`; available: {', '.join(profiles)}")
    return profiles[name]


# --- the requirements, one per rule of the profile ----------------------------------------------

FIELD_WORDS = {
    "assessment.presenting_problem.client_words": "The presenting problem in the client's own words",
    "assessment.strengths": "The client's strengths",
    "assessment.needs": "The client's needs",
    "assessment.abilities": "The client's abilities",
    "assessment.preferences": "The client's preferences",
    "assessment.diagnoses": "Diagnoses",
    "goals[].client_words": "Every goal in the client's own words",
    "plan.participation": "How the client took part in making the plan",
    "plan.review_interval_days": "A review interval",
    "clinician.credentials": "The treating clinician's credentials",
    "clinician.npi": "The treating clinician's NPI",
    "clinician.license": "The treating clinician's license",
    "services[].code": "A CPT or HCPCS code for every service",
    "discharge.transition": "Conditions and process for transition, referral or discharge",
    "discharge.aftercare": "Aftercare",
    "coverage": "The member's coverage: payer and member ID",
    "coverage[].authorization": "An authorization for every coverage",
    "supervisor": "A supervising clinician",
    "safety_plan": "A safety plan",
}
"""Built-in descriptions of the fields profiles commonly require; a profile may give its own."""


def requirements(profile: Profile) -> list[Requirement]:
    """Each rule of *profile* as a requirement, in the order a reviewer reads a plan: the
    plan's state and dates, the required fields, the services' length, the signatures."""
    rule = f"profile.{profile.name}"
    own = dict(profile.described)
    found = []
    if profile.refuse_statuses:
        refused = " or ".join(profile.refuse_statuses)
        found.append(
            Requirement(
                f"{rule}.status",
                "refuse_statuses",
                refused,
                f"A plan whose status is not {refused}",
            )
        )
    if profile.max_plan_age_days:
        days = profile.max_plan_age_days
        text = f"A plan dated no more than {days} days ago"
        found.append(Requirement(f"{rule}.plan-age", "max_plan_age_days", str(days), text))
    if profile.review_interval_max_days:
        days = profile.review_interval_max_days
        text = f"A review at least every {days} days"
        found.append(
            Requirement(f"{rule}.review-interval", "review_interval_max_days", str(days), text)
        )
    for dotted in profile.require:
        text = own.get(dotted) or FIELD_WORDS.get(dotted) or f"The plan gives `{dotted}`"
        found.append(Requirement(f"{rule}.required", "require", dotted, text))
    if profile.max_service_weeks:
        weeks = profile.max_service_weeks
        text = f"Each service planned for at most {weeks} weeks at a time"
        found.append(Requirement(f"{rule}.service-duration", "max_service_weeks", str(weeks), text))
    for role in profile.signed:
        text = f"The {role}'s signature, signed and dated" + (
            ", by the treating clinician" if role == "clinician" else ""
        )
        found.append(Requirement(f"{rule}.signed", "signed", role, text))
    return found


def profile_findings(report: Reporter, plan: Plan, profile: Profile, *, today: dt.date) -> None:
    """The profile's findings on *plan*, as errors added to *report*."""
    for requirement in requirements(profile):
        requirement_findings(report, plan, profile, requirement, today=today)


def requirement_findings(
    report: Reporter, plan: Plan, profile: Profile, requirement: Requirement, *, today: dt.date
) -> None:
    """The findings of one requirement of *profile* on *plan*, as errors added to *report*."""
    check = {
        "require": lambda: _required(report, plan, profile, requirement.subject),
        "signed": lambda: _signed(report, plan, profile, requirement.subject),
        "refuse_statuses": lambda: _status(report, plan, profile),
        "review_interval_max_days": lambda: _review(report, plan, profile),
        "max_service_weeks": lambda: _weeks(report, plan, profile),
        "max_plan_age_days": lambda: _age(report, plan, profile, today),
    }
    check[requirement.kind]()


def _status(report: Reporter, plan: Plan, profile: Profile) -> None:
    rule, info = f"profile.{profile.name}", plan.info
    if info.status in profile.refuse_statuses:
        msg = (
            f"{profile.name} does not accept a plan that is {info.status}; finish and sign it first"
        )
        report.error((*info.at, "status"), msg, f"{rule}.status")


def _review(report: Reporter, plan: Plan, profile: Profile) -> None:
    rule, info, limit = f"profile.{profile.name}", plan.info, profile.review_interval_max_days
    if limit and info.start_date and info.review_anchor and info.next_review:
        anchor, due = info.review_anchor, info.next_review
        if (due - anchor).days > limit:
            msg = f"{profile.name} requires a review at least every {limit} days; the next review is {(due - anchor).days} days after {anchor}"
            report.error(info.at, msg, f"{rule}.review-interval")


def _weeks(report: Reporter, plan: Plan, profile: Profile) -> None:
    rule, most = f"profile.{profile.name}", profile.max_service_weeks
    for service in plan.services:
        weeks = service.duration_weeks
        if most and weeks is not None and weeks > most:
            msg = f"{profile.name} authorizes at most {most} weeks at a time"
            report.error((*service.at, "duration_weeks"), msg, f"{rule}.service-duration")


def _age(report: Reporter, plan: Plan, profile: Profile, today: dt.date) -> None:
    rule, info = f"profile.{profile.name}", plan.info
    start, oldest = info.start_date, profile.max_plan_age_days
    if oldest and start and (today - start).days > oldest:
        msg = f"{profile.name} does not accept a plan dated more than {oldest} days ago; write a new plan"
        report.error((*info.at, "start_date"), msg, f"{rule}.plan-age")


def _required(report: Reporter, plan: Plan, profile: Profile, dotted: str) -> None:
    """A field the receiver requires, in every item of a list (`goals[].client_words`)."""
    rule = f"profile.{profile.name}"
    holder, _, field = dotted.rpartition(".")
    places: list[tuple[DocPath, Any]] = (
        list(each(plan.data, holder, ())) if holder else [((), plan.data)]
    )
    if not places and "[]" not in holder:  # the whole part is missing
        places = [(tuple(holder.split(".")), {})]
    for where, item in places:
        if not _present(item, (field,)):
            msg = f"{profile.name} requires `{dotted}`; add it"
            if isinstance(item, dict) and is_not_recorded(item.get(field)):
                why = reason(item[field])
                msg = (
                    f"{profile.name} requires `{dotted}`, which is not recorded ({why}); record it"
                )
            report.error((*where, field), msg, f"{rule}.required")


def _signed(report: Reporter, plan: Plan, profile: Profile, role: str) -> None:
    """A signature the receiver requires, signed and dated; the clinician's by the plan's
    treating clinician (or a team member), not by anyone."""
    rule = f"profile.{profile.name}"
    own = [s for s in plan.signatures if s.role == role and s.signed]
    if role == "clinician":
        own = [s for s in own if plan.is_clinician(s)]
    if not own:
        msg = f"{profile.name} requires the {role}'s signature, signed and dated"
        where = ("signatures",) if plan.signatures else (*plan.info.at, "status")
        report.error(where, msg, f"{rule}.signed")


def _present(data: dict[str, Any], path: DocPath) -> bool:
    value: Any = data
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value not in (None, "", [], {}) and not is_not_recorded(value)
