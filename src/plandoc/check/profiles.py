"""Payer and accreditor rule packs, as data (``templates/profiles/<name>.yaml``).

A profile tightens the spec for one receiver: fields it requires, the longest review interval
it accepts, the longest service authorisation, the oldest plan date. ``check --profile NAME``
adds its findings as errors with rule ids ``profile.<name>.<rule>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ..errors import Finding, UsageError
from ..spec import _walk as w
from ..spec.library import builtin_root
from ..spec.loader import DocPath, Document
from ..spec.model import DEFAULT_REVIEW_DAYS, next_review
from .report import Reporter


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    require: tuple[str, ...] = ()
    review_interval_max_days: int | None = None
    max_service_weeks: int | None = None
    max_plan_age_days: int | None = None


@cache
def available_profiles() -> dict[str, Profile]:
    found = {}
    for path in sorted((builtin_root() / "profiles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["description"] = " ".join(str(data.get("description", "")).split())
        data["require"] = tuple(data.get("require", ()))
        found[data["name"]] = Profile(**data)
    return found


def get_profile(name: str) -> Profile:
    profiles = available_profiles()
    if name not in profiles:
        raise UsageError(f"unknown profile `{name}`; available: {', '.join(profiles)}")
    return profiles[name]


def profile_findings(doc: Document, profile: Profile, *, today: dt.date) -> list[Finding]:
    report = Reporter(doc)
    data = doc.data
    rule = f"profile.{profile.name}"
    for dotted in profile.require:
        path: DocPath = tuple(dotted.split("."))
        if not _present(data, path):
            report.error(path, f"{profile.name} requires `{dotted}`; add it", f"{rule}.required")
    plan = w.mapping(data.get("plan"))
    start = w.as_date(plan.get("start_date"))
    limit = profile.review_interval_max_days
    if limit and start:
        anchor = w.as_date(plan.get("last_review_date")) or start
        due = next_review(plan) or anchor + dt.timedelta(days=DEFAULT_REVIEW_DAYS)
        if (due - anchor).days > limit:
            report.error(
                ("plan",),
                f"{profile.name} requires a review at least every {limit} days; the next review is {(due - anchor).days} days after {anchor}",
                f"{rule}.review-interval",
            )
    if profile.max_service_weeks:
        for spath, service in w.items(data.get("services"), ("services",)):
            weeks = service.get("duration_weeks")
            if isinstance(weeks, int) and weeks > profile.max_service_weeks:
                report.error(
                    (*spath, "duration_weeks"),
                    f"{profile.name} authorises at most {profile.max_service_weeks} weeks at a time",
                    f"{rule}.service-duration",
                )
    if profile.max_plan_age_days and start and (today - start).days > profile.max_plan_age_days:
        report.error(
            ("plan", "start_date"),
            f"{profile.name} does not accept a plan dated more than {profile.max_plan_age_days} days ago; write a new plan",
            f"{rule}.plan-age",
        )
    return report.findings


def _present(data: dict[str, Any], path: DocPath) -> bool:
    value: Any = data
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value not in (None, "", [], {})
