"""The ``check`` pipeline: load → orientation → schema → plan model → semantic checks → SMART
lint → profiles. Every problem is reported at once, sorted by its place in the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import Finding, HasFindings, PlanInvalid
from ..spec.loader import Document, load_file
from ..spec.model import Plan, build_plan
from ..spec.orientations import Orientation, Registry, registry
from ..spec.validate import schema_findings
from .profiles import get_profile, profile_findings
from .report import Reporter
from .rules import semantic_findings
from .smart import smart_findings


@dataclass(frozen=True)
class CheckResult(HasFindings):
    """Everything found in one plan file; ``document`` and ``plan`` are None when it could not
    be parsed."""

    path: str
    findings: tuple[Finding, ...]
    document: Document | None
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_document(
    doc: Document,
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
) -> CheckResult:
    """Every problem in an already loaded plan, sorted by position. *templates* are a
    practice's folders (its orientations and profiles come with them)."""
    day = today or dt.date.today()
    known = registry(tuple(Path(t) for t in templates))
    report = Reporter(doc)
    orientation = _orientation(report, doc, known)
    report.findings += schema_findings(doc, orientation, known)
    plan = build_plan(doc, orientation, lambda name: _quiet(known, name))
    semantic_findings(report, plan, today=day)
    smart_findings(report, plan)
    for name in profiles:
        profile_findings(report, plan, get_profile(name, templates), today=day)
    loaded_at = {(f.line, f.column) for f in doc.problems}
    findings = list(doc.problems) + [
        f for f in report.findings if (f.line, f.column) not in loaded_at or f.path != doc.path
    ]
    if strict:
        findings = [replace(f, severity="error") for f in findings]
    unique = sorted(
        set(findings),
        key=lambda f: (f.path != doc.path, f.path, f.line, f.column, f.rule, f.message),
    )
    return CheckResult(doc.path, tuple(unique), doc, plan)


def _orientation(report: Reporter, doc: Document, known: Registry) -> Orientation | None:
    """The orientation the plan names; a broken practice orientation adds its own findings
    (in its own file) and is treated as unknown."""
    plan = doc.data.get("plan")
    name = plan.get("orientation") if isinstance(plan, dict) else None
    if not isinstance(name, str):
        return None
    try:
        return known.get(name)
    except PlanInvalid as exc:
        report.findings += exc.findings
        return None


def _quiet(known: Registry, name: str) -> Orientation | None:
    """The orientation a module names, or None (a broken one is reported where it is used)."""
    try:
        return known.get(name)
    except PlanInvalid:
        return None


def check_file(
    path: str | Path,
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
) -> CheckResult:
    """Load and check one plan file. Never raises for a bad plan: problems become findings."""
    for name in profiles:
        get_profile(name, templates)  # an unknown profile is a usage error, raised before any work
    try:
        doc = load_file(path)
    except PlanInvalid as exc:
        return CheckResult(str(path), exc.findings, None)
    return check_document(doc, strict=strict, profiles=profiles, today=today, templates=templates)


def check_files(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
    jobs: int = 1,
) -> Iterator[CheckResult]:
    """Check every plan of *paths*, in *jobs* worker processes (see :mod:`plandoc.batch`);
    each result, in the order of *paths*, carries the findings alone (no document or plan
    model), so a caseload's results take no more memory than its messages."""
    from ..batch import run_batch

    for name in profiles:
        get_profile(name, templates)  # an unknown profile is a usage error, raised before any work
    check = partial(
        _findings_only, strict=strict, profiles=tuple(profiles), today=today or dt.date.today(),
        templates=tuple(templates),
    )  # fmt: skip
    yield from run_batch(check, list(paths), jobs)


def _findings_only(path: str | Path, **options: Any) -> CheckResult:
    return replace(check_file(path, **options), document=None, plan=None)
