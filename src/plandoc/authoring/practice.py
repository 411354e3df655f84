"""The practice file in effect for a command, checked through and through: besides its own
schema (:mod:`plandoc.spec.practice`), the payer profiles and the locale it names must exist
— which only the check and render stages know."""

from __future__ import annotations

from pathlib import Path

from ..check.profiles import get_profile
from ..check.rules import npi_valid
from ..errors import Finding, PlandocError
from ..render.context.labels import load_labels
from ..spec.loader import Document
from ..spec.practice import Practice, at, find_practice


def practice_for_command(explicit: Path | None) -> Practice | None:
    """``--practice FILE``, else ``PLANDOC_PRACTICE``, else ``plandoc-practice.yaml`` in the
    current folder or a parent; None when there is none."""
    return find_practice(explicit, verify=references)


def references(doc: Document, templates: tuple[Path, ...]) -> list[Finding]:
    """Each profile the practice applies, and its locale, exist (in its template folder or
    among the built-ins); each NPI passes its check digit, as in a plan."""
    findings = []
    places = [("npi",)] + [
        ("clinicians", i, "npi") for i in range(len(doc.data.get("clinicians") or ()))
    ]
    for place in places:
        npi = _value(doc, place)
        if isinstance(npi, str) and npi.isdigit() and len(npi) == 10 and not npi_valid(npi):
            message = f"NPI {npi} fails its check digit; copy it again from the NPI registry"
            findings.append(at(doc, place, message, "npi.check-digit"))
    for index, name in enumerate(doc.data.get("profiles") or ()):
        try:
            get_profile(name, templates)
        except PlandocError as exc:
            findings.append(at(doc, ("profiles", index), str(exc), "practice.profile"))
    locale = doc.data.get("locale")
    if locale:
        try:
            load_labels(locale, templates)
        except PlandocError as exc:
            message = str(exc).splitlines()[0]
            findings.append(at(doc, ("locale",), message, "practice.locale"))
    return findings


def _value(doc: Document, place: tuple[str | int, ...]) -> object:
    value: object = doc.data
    for part in place:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value
