"""``plandoc import``: a FHIR R4 Bundle back into a plan file.

A bundle plandoc wrote carries the whole plan in its CarePlan's source extension, and the plan
is rebuilt from that, exactly (:func:`plandoc_plan`). A bundle from another system is mapped
from its standard resources as far as they go (:mod:`.foreign`), every required field they
cannot fill left as a ``TODO`` for ``check`` to point at, and everything skipped named in a
warning.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..check.pipeline import CheckResult, check_document
from ..errors import PlandocError, PlanInvalid, UsageError
from ..spec.loader import load_bytes
from ..text import printable
from . import require
from . import terms as t
from .export import build_bundle, plan_source
from .foreign import foreign_plan

MAX_BYTES = 20 * 1024 * 1024


class BundleError(PlandocError):
    """The file is not a FHIR Bundle plandoc can read."""


@dataclass(frozen=True)
class Imported:
    text: str
    warnings: tuple[str, ...]
    result: CheckResult


def read_bundle(path: Path) -> dict[str, Any]:
    """The bundle in *path* as JSON data, or a :class:`BundleError` that names the file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BundleError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not a plan's bundle")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise BundleError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not a plan's bundle")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BundleError(f"{path}: not UTF-8 text, so not a FHIR JSON bundle") from None
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg}); plandoc imports FHIR JSON bundles"
        ) from None
    except RecursionError:
        raise BundleError(f"{path}: nested too deeply to be a FHIR bundle") from None
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind != "Bundle":
        found = f"a {kind}" if isinstance(kind, str) else "JSON without a resourceType"
        raise BundleError(f"{path}: {found}, not a FHIR Bundle")
    return dict(data)


def r4_entries(path: Path, bundle: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """*bundle* without the entries whose resource type R4 does not know (a bundle from an R5
    system may hold a ``Transport``), and a warning for each; an entry whose ``resourceType`` is
    not text is refused, naming it."""
    models = require()
    kept, skipped = [], []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        url = entry.get("fullUrl") if isinstance(entry, dict) else None
        where = f"entry {index}" + (f" ({printable(url)[:80]})" if isinstance(url, str) else "")
        if isinstance(resource, dict) and not isinstance(kind, str):
            raise BundleError(
                f"{path}: {where}: its resourceType is not text; every FHIR resource names its type"
            )
        if isinstance(kind, str) and not _r4_type(models, kind):
            skipped.append(
                f"{where}: {printable(kind)[:60]}: not an R4 resource type; not imported"
            )
            continue
        kept.append(entry)
    if not skipped:
        return bundle, []
    return {**bundle, "entry": kept}, skipped


def _r4_type(models: Any, kind: str) -> bool:
    try:
        models.get_fhir_model_class(kind)
    except (ValueError, KeyError, AttributeError, ImportError):
        return False
    return True


def validate(path: Path, bundle: dict[str, Any]) -> None:
    """Check the bundle against the R4B models; name the first problems if it fails."""
    models = require()
    try:
        models.get_fhir_model_class("Bundle").model_validate(bundle)
    except ValueError as exc:
        errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
        said = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:3]
        )
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise BundleError(f"{path}: not a valid FHIR R4 Bundle: {said or exc}{more}") from None
    except RecursionError:
        raise BundleError(f"{path}: nested too deeply to be a FHIR bundle") from None


def import_bundle(
    path: Path,
    output: Path,
    *,
    orientation: str | None = None,
    templates: Sequence[Path] = (),
    today: dt.date | None = None,
) -> Imported:
    """The plan file *path*'s bundle becomes (its text, what was not mapped, its check)."""
    bundle, skipped = r4_entries(path, read_bundle(path))
    validate(path, bundle)
    careplans = [
        e["resource"]
        for e in bundle.get("entry") or []
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "CarePlan"
    ]  # fmt: skip
    if not careplans:
        raise BundleError(f"{path}: the bundle holds no CarePlan, so there is no plan to import")
    source = _source(careplans[0])
    if source is not None:
        text = f"# Imported by `plandoc import` from {path.name}.\n{source}"
        warnings: list[str] = []
    else:
        data, warnings = foreign_plan(
            bundle, careplans[0], orientation=orientation, today=today, templates=templates
        )
        text = _header(path, warnings) + plan_source(data)
    warnings = skipped + warnings
    if len(careplans) > 1:
        warnings.append(f"the bundle holds {len(careplans)} CarePlans; only the first is imported")
    try:
        doc = load_bytes(text.encode("utf-8"), str(output))
    except PlanInvalid as exc:
        raise BundleError(f"{path}: the plan it carries cannot be read: {exc}") from None
    result = check_document(doc, today=today, templates=templates)
    if source is not None and result.plan is not None:
        warnings += _edited(
            bundle,
            build_bundle(result.plan, doc.data, transaction=bundle.get("type") == "transaction"),
        )
    return Imported(text, tuple(warnings), result)


def _source(careplan: dict[str, Any]) -> str | None:
    """The plan data plandoc embedded in the CarePlan, as YAML text, if it is there."""
    for extension in careplan.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == t.SOURCE_EXTENSION:
            try:
                return base64.b64decode(
                    str(extension.get("valueBase64Binary")), validate=True
                ).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise UsageError("the CarePlan's plandoc source extension is damaged") from None
    return None


def _edited(bundle: dict[str, Any], rebuilt: dict[str, Any]) -> list[str]:
    """A warning when the bundle's resources are not those its embedded plan gives (edited
    after export): the embedded plan wins, and the edits are not imported."""
    ours = {e["fullUrl"]: e["resource"] for e in rebuilt["entry"]}
    theirs = {
        e.get("fullUrl"): e.get("resource")
        for e in bundle.get("entry") or []
        if isinstance(e, dict)
    }
    changed = sorted(
        f"{(r or {}).get('resourceType', '?')}/{(r or {}).get('id', url)}"
        for url, r in theirs.items()
        if ours.get(str(url)) != r
    )
    if not changed and ours.keys() == theirs.keys():
        return []
    named = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return [
        "the bundle's resources differ from the plan plandoc embedded in it (edited after export?"
        f"{' ' + named if named else ''}); the plan is rebuilt from the embedded data and those edits are not imported"
    ]


def _header(path: Path, warnings: list[str]) -> str:
    lines = [f"Imported by `plandoc import` from {path.name}, a FHIR bundle from another system."]
    if warnings:
        lines += ["What it could not map (fill in by hand):"] + [
            f"  - {' '.join(w.split())}" for w in warnings
        ]
    lines.append(
        "Every TODO marks a required field the bundle did not hold; `plandoc check` lists them."
    )
    return "".join(f"# {line}\n" for line in lines)
