"""Payer and accreditor rule packs, as data (``templates/profiles/<name>.yaml``).

A profile tightens the spec for one receiver: fields it requires, the longest review interval
it accepts, the longest service authorisation, the oldest plan date. ``check --profile NAME``
adds its findings as errors with rule ids ``profile.<name>.<rule>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import Finding, PlanInvalid, UsageError
from ..spec.library import library, read_template_bytes
from ..spec.loader import DocPath, load_bytes
from ..spec.model import Plan
from ..spec.schema import PLAN_STATUSES, SIGNER_ROLES
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


@cache
def available_profiles(templates: tuple[Path, ...] = ()) -> dict[str, Profile]:
    """The payer and accreditor profiles: a practice's ``profiles/*.yaml``, then the built-in."""
    found = {}
    for name, path in library(templates).files("profiles", ".yaml"):
        found[name] = load_profile(name, path)
    return dict(sorted(found.items()))


_NUMBERS = ("review_interval_max_days", "max_service_weeks", "max_plan_age_days")


def load_profile(name: str, path: Path) -> Profile:
    """A profile file, read as safely as a plan and checked field by field."""
    doc = load_bytes(read_template_bytes(path), str(path))
    problems = list(doc.problems)
    data = doc.data

    def wrong(key: str, message: str) -> None:
        line, column = doc.locate((key,), key=True)
        problems.append(Finding(str(path), line, column, "error", message, "profile.invalid"))

    for key in data:
        if key not in ("name", "description", "require", "signed", "refuse_statuses", *_NUMBERS):
            wrong(
                key,
                f"unknown field `{key}`; a profile has name, description, require, signed, refuse_statuses, {', '.join(_NUMBERS)}",
            )
    for key, allowed in (("signed", SIGNER_ROLES), ("refuse_statuses", PLAN_STATUSES)):
        given = data.get(key, [])
        if not isinstance(given, list) or any(v not in allowed for v in given):
            wrong(key, f"`{key}` is a list of: {', '.join(allowed)}")
    if data.get("name") != name:
        wrong("name", f"`name` must be the file's name, `{name}`")
    require = data.get("require", [])
    if not isinstance(require, list) or not all(isinstance(r, str) for r in require):
        wrong(
            "require",
            "`require` is a list of dotted field paths (`clinician.npi`, `goals[].client_words`)",
        )
    for key in _NUMBERS:
        if key in data and (
            not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 1
        ):
            wrong(key, f"`{key}` is a whole number of days or weeks")
    if problems:
        raise PlanInvalid(problems)
    return Profile(
        name=name,
        description=" ".join(str(data.get("description", "")).split()),
        require=tuple(require),
        signed=tuple(data.get("signed", [])),
        refuse_statuses=tuple(data.get("refuse_statuses", [])),
        **{key: data[key] for key in _NUMBERS if key in data},
    )


def get_profile(name: str, templates: Sequence[Path] = ()) -> Profile:
    profiles = available_profiles(tuple(Path(t) for t in templates))
    if name not in profiles:
        raise UsageError(f"unknown profile `{name}`; available: {', '.join(profiles)}")
    return profiles[name]


def profile_findings(report: Reporter, plan: Plan, profile: Profile, *, today: dt.date) -> None:
    """The profile's findings on *plan*, as errors added to *report*."""
    _required(report, plan, profile)
    _signed(report, plan, profile)
    rule = f"profile.{profile.name}"
    info = plan.info
    if info.status in profile.refuse_statuses:
        msg = (
            f"{profile.name} does not accept a plan that is {info.status}; finish and sign it first"
        )
        report.error((*info.at, "status"), msg, f"{rule}.status")
    limit = profile.review_interval_max_days
    if limit and info.start_date and info.review_anchor and info.next_review:
        anchor, due = info.review_anchor, info.next_review
        if (due - anchor).days > limit:
            msg = f"{profile.name} requires a review at least every {limit} days; the next review is {(due - anchor).days} days after {anchor}"
            report.error(info.at, msg, f"{rule}.review-interval")
    most = profile.max_service_weeks
    for service in plan.services:
        weeks = service.duration_weeks
        if most and weeks is not None and weeks > most:
            msg = f"{profile.name} authorises at most {most} weeks at a time"
            report.error((*service.at, "duration_weeks"), msg, f"{rule}.service-duration")
    start, oldest = info.start_date, profile.max_plan_age_days
    if oldest and start and (today - start).days > oldest:
        msg = f"{profile.name} does not accept a plan dated more than {oldest} days ago; write a new plan"
        report.error((*info.at, "start_date"), msg, f"{rule}.plan-age")


def _required(report: Reporter, plan: Plan, profile: Profile) -> None:
    """Each field the receiver requires, in every item of a list (`goals[].client_words`)."""
    rule = f"profile.{profile.name}"
    for dotted in profile.require:
        holder, _, field = dotted.rpartition(".")
        places: list[tuple[DocPath, Any]] = (
            list(each(plan.data, holder, ())) if holder else [((), plan.data)]
        )
        if not places and "[]" not in holder:  # the whole part is missing
            places = [(tuple(holder.split(".")), {})]
        for where, item in places:
            if not _present(item, (field,)):
                msg = f"{profile.name} requires `{dotted}`; add it"
                report.error((*where, field), msg, f"{rule}.required")


def _signed(report: Reporter, plan: Plan, profile: Profile) -> None:
    """The signatures the receiver requires, signed and dated; the clinician's by the plan's
    treating clinician (or a team member), not by anyone."""
    rule = f"profile.{profile.name}"
    for role in profile.signed:
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
    return value not in (None, "", [], {})
