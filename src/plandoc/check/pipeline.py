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
from ..spec.practice import (
    Practice,
    apply,
    missing_sections,
    named_by_id,
    profiles_in_effect,
)
from ..spec.validate import schema_findings
from .characters import character_findings
from .compliance import compliance_for
from .profiles import get_profile, profile_findings
from .report import Reporter
from .rules import semantic_findings
from .smart import smart_findings
from .unrecorded import unrecorded_findings


@dataclass(frozen=True)
class CheckResult(HasFindings):
    """Everything found in one plan file; ``document`` and ``plan`` are None when it could not
    be parsed."""

    path: str
    findings: tuple[Finding, ...]
    document: Document | None
    plan: Plan | None = None
    compliance: tuple[dict[str, Any], ...] = ()  # from check_files, with --profile

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
    practice: Practice | None = None,
) -> CheckResult:
    """Every problem in an already loaded plan, sorted by position. *templates* are a
    practice's folders (its orientations and profiles come with them); *practice* is the
    practice file in effect: its values fill what the plan leaves out, its folder follows
    *templates*, its profiles apply when *profiles* names none."""
    day = today or dt.date.today()
    templates, profiles = _with_practice(templates, profiles, practice)
    known = registry(tuple(Path(t) for t in templates))
    report = Reporter(doc)
    if practice is None:
        report.findings += named_by_id(doc)
    else:
        doc, found = apply(doc, practice)
        report.findings += found + missing_sections(doc, practice)
    orientation = _orientation(report, doc, known)
    report.findings += _unless_by_id(schema_findings(doc, orientation, known), report.findings)
    report.findings += character_findings(doc, orientation)
    plan = build_plan(doc, orientation, lambda name: _quiet(known, name))
    semantic_findings(report, plan, today=day)
    smart_findings(report, plan)
    in_effect = [get_profile(name, templates) for name in profiles]
    for profile in in_effect:
        profile_findings(report, plan, profile, today=day)
    unrecorded_findings(report, plan, in_effect)
    if practice is not None:
        plan = replace(plan, house=practice)
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
    practice: Practice | None = None,
) -> CheckResult:
    """Load and check one plan file. Never raises for a bad plan: problems become findings."""
    folders, named = _with_practice(templates, profiles, practice)
    for name in named:
        get_profile(name, folders)  # an unknown profile is a usage error, raised before any work
    try:
        doc = load_file(path)
    except PlanInvalid as exc:
        return CheckResult(str(path), exc.findings, None)
    return check_document(
        doc, strict=strict, profiles=profiles, today=today, templates=templates, practice=practice
    )


def check_files(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
    practice: Practice | None = None,
    jobs: int = 1,
) -> Iterator[CheckResult]:
    """Check every plan of *paths*, in *jobs* worker processes (see :mod:`plandoc.batch`);
    each result, in the order of *paths*, carries the findings alone (no document or plan
    model), so a caseload's results take no more memory than its messages; with *profiles*,
    each also carries its compliance table (``compliance``), made where the plan was."""
    from ..batch import run_batch

    folders, named = _with_practice(templates, profiles, practice)
    for name in named:
        get_profile(name, folders)  # an unknown profile is a usage error, raised before any work
    check = partial(
        _findings_only, strict=strict, profiles=tuple(profiles), today=today or dt.date.today(),
        templates=tuple(templates), practice=practice, tables=(named, folders),
    )  # fmt: skip
    yield from run_batch(check, list(paths), jobs)


def _findings_only(
    path: str | Path, *, tables: tuple[tuple[str, ...], tuple[Path, ...]], **options: Any
) -> CheckResult:
    """One plan's findings, and its compliance table for each of *tables*' profiles (looked
    up in its folders)."""
    result = check_file(path, **options)
    named, folders = tables
    found = (
        compliance_for(
            result.document, result.plan, named, today=options["today"], templates=folders
        )
        if named
        else []
    )
    return replace(result, document=None, plan=None, compliance=tuple(found))


def _unless_by_id(found: list[Finding], already: list[Finding]) -> list[Finding]:
    """Without a practice file, a clinician named by id lacks a name and credentials: that is
    said once (rule ``practice.missing``), not once more for each field."""
    roles = {f.message.split("`")[0].split()[1] for f in already if f.rule == "practice.missing"}
    prefixes = tuple(f"missing required field `{role}." for role in roles)
    return [f for f in found if not (prefixes and f.message.startswith(prefixes))]


def _with_practice(
    templates: Sequence[Path], profiles: Sequence[str], practice: Practice | None
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """The template folders and profiles in effect: the practice's folder after the ones
    given, its profiles when none are given."""
    if practice is None:
        return tuple(templates), tuple(profiles)
    folders = tuple(dict.fromkeys([*templates, *practice.templates]))
    return folders, profiles_in_effect(profiles, practice)
