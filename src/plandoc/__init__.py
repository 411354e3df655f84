"""plandoc: validated YAML treatment plans to Word and Markdown documents and revision diffs.

The public API is small; everything else is private to its pipeline stage.
"""

from __future__ import annotations

from .check.pipeline import CheckResult, check_document, check_file
from .errors import Finding, PlandocError, PlanInvalid, UsageError
from .spec.loader import Document, load_file
from .spec.model import Plan

__all__ = [
    "CheckResult",
    "Document",
    "Finding",
    "Plan",
    "PlanInvalid",
    "PlandocError",
    "UsageError",
    "check_document",
    "check_file",
    "load_file",
]
__version__ = "0.1.0"
