"""The output formats ``render -f`` takes: a module of its own, so the command line can list
them without importing the renderer."""

from __future__ import annotations

FORMATS = (
    "md",
    "docx",
    "pdf",
    "safety-plan",
    "safety-plan-pdf",
    "payer-summary",
    "payer-summary-pdf",
    "fhir",
)
