"""One error hierarchy for plandoc. Each class owns its exit code; the CLI catches the base once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in a plan file, pointing at the line and column (1-based) it is about."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str
    rule: str

    def format(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "rule": self.rule,
        }


class HasFindings:
    """A result holding findings (``self.findings``), split by severity."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


class PlandocError(Exception):
    """Base of every error plandoc reports to a user. Never shown as a traceback."""

    exit_code = 1

    def format(self) -> str:
        return f"error: {self}"


class UsageError(PlandocError):
    """The command was called wrongly (a missing file argument, an unknown format)."""

    exit_code = 2


class PlanInvalid(PlandocError):
    """A plan has errors; carries every finding so all are reported at once."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        first = self.findings[0].format() if self.findings else "invalid plan"
        super().__init__(first)

    def format(self) -> str:
        return "\n".join(f.format() for f in self.findings)


class TemplateError(PlandocError):
    """A template is broken or tried something the sandbox forbids."""


class RenderError(PlandocError):
    """A document could not be produced (for example LibreOffice failed to convert it)."""


class OutputError(PlandocError):
    """An output file could not be written (a missing folder, no permission, a full disk)."""


class MissingFeature(PlandocError):
    """An optional part (LibreOffice for PDF, fhir.resources for FHIR) is not installed."""
