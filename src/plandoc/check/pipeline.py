"""The ``check`` pipeline: load → schema → semantic checks → SMART lint → profiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Finding, PlanInvalid
from ..spec.loader import Document, load_file
from ..spec.validate import schema_findings
from .profiles import get_profile, profile_findings
from .rules import semantic_findings
from .smart import smart_findings


@dataclass(frozen=True)
class CheckResult:
    """Everything found in one plan file; ``document`` is None when it could not be parsed."""

    path: str
    findings: tuple[Finding, ...]
    document: Document | None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


def check_document(
    doc: Document,
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
) -> CheckResult:
    """Every problem in an already loaded plan, sorted by position."""
    day = today or dt.date.today()
    schema = schema_findings(doc)
    tolerant = bool(schema or doc.problems)
    findings = (
        schema
        + semantic_findings(doc, today=day, tolerant=tolerant)
        + smart_findings(doc, tolerant=tolerant)
    )
    loaded_at = {(f.line, f.column) for f in doc.problems}
    findings = list(doc.problems) + [f for f in findings if (f.line, f.column) not in loaded_at]
    for name in profiles:
        findings += profile_findings(doc, get_profile(name), today=day)
    if strict:
        findings = [replace(f, severity="error") for f in findings]
    unique = sorted(set(findings), key=lambda f: (f.line, f.column, f.rule, f.message))
    return CheckResult(doc.path, tuple(unique), doc)


def check_file(
    path: str | Path,
    *,
    strict: bool = False,
    profiles: Sequence[str] = (),
    today: dt.date | None = None,
) -> CheckResult:
    """Load and check one plan file. Never raises for a bad plan: problems become findings."""
    for name in profiles:
        get_profile(name)  # an unknown profile is a usage error, raised before any work
    try:
        doc = load_file(path)
    except PlanInvalid as exc:
        return CheckResult(str(path), exc.findings, None)
    return check_document(doc, strict=strict, profiles=profiles, today=today)
