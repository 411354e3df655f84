"""Findings at their place: a check names a path in the plan; the reporter turns it into the
line and column the loader recorded, so every message points where the fix has to be made."""

from __future__ import annotations

from typing import Any

from ..errors import Finding, Severity
from ..spec.loader import DocPath, Document


class Reporter:
    """Collects findings for one document, turning paths into positions."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def add(
        self, severity: Severity, path: DocPath, message: str, rule: str, *, key: bool = False
    ) -> None:
        """Record a finding; one about a whole list or mapping points at its key."""
        line, col = self.doc.locate(path, key=key or isinstance(self._value(path), list | dict))
        self.findings.append(Finding(self.doc.path, line, col, severity, message, rule))

    def _value(self, path: DocPath) -> Any:
        value: Any = self.doc.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def error(self, path: DocPath, message: str, rule: str, *, key: bool = False) -> None:
        self.add("error", path, message, rule, key=key)

    def warning(self, path: DocPath, message: str, rule: str, *, key: bool = False) -> None:
        self.add("warning", path, message, rule, key=key)
