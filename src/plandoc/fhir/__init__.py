"""FHIR R4 for payers and EHRs: a plan as a ``Bundle`` (:mod:`.export`) and back (:mod:`.reimport`).

The bundle is built as plain JSON data and checked against the R4B models of the optional
``fhir.resources`` package before it is written; without that package, FHIR output and import
say what to install.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import MissingFeature

INSTALL = "pip install 'plandoc[fhir]'"


def require() -> ModuleType:
    """The ``fhir.resources`` R4B models, or a clear message naming what to install."""
    try:
        import fhir.resources.R4B as models
    except ImportError:
        raise MissingFeature(
            f"FHIR needs the fhir.resources package, which is not installed; install it with: {INSTALL}"
        ) from None
    return models
