"""Orientation knowledge as data: each orientation is a folder with an ``orientation.yaml``.

Adding an orientation is adding a folder under ``templates/orientations/``; nothing here names
one. The YAML's ``schema`` is a cerberus schema for a plan's ``orientation_details``, written
with a short ``description`` per field that becomes ``meta.description``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .schema import Schema

BUILTIN_ROOT = Path(str(resources.files("plandoc") / "templates"))
ORIENTATIONS_DIR = BUILTIN_ROOT / "orientations"


@dataclass(frozen=True)
class Orientation:
    name: str
    label: str
    summary: str
    suggested_interventions: tuple[str, ...]
    schema: Schema
    folder: Path
    layout: list[dict[str, Any]]


def _rule(rules: dict[str, Any]) -> Schema:
    """One field's rules from the YAML shorthand: ``description`` → ``meta``, strings never empty."""
    out = {k: v for k, v in rules.items() if k != "description"}
    if "description" in rules:
        out["meta"] = {"description": " ".join(str(rules["description"]).split())}
    if out.get("type") == "string":
        out.setdefault("empty", False)
    inner = out.get("schema")
    if isinstance(inner, dict):
        # a dict's `schema` maps field names to rules; a list's `schema` is the item's rules
        out["schema"] = _field_schema(inner) if out.get("type") == "dict" else _rule(inner)
    return out


def _field_schema(schema: dict[str, Any]) -> Schema:
    return {field: _rule(rules) for field, rules in schema.items()}


@cache
def load_orientation(folder: Path) -> Orientation:
    data = yaml.safe_load((folder / "orientation.yaml").read_text(encoding="utf-8"))
    return Orientation(
        name=data["name"],
        label=data["label"],
        summary=" ".join(str(data.get("summary", "")).split()),
        suggested_interventions=tuple(data.get("suggested_interventions", ())),
        schema=_field_schema(data["schema"]),
        folder=folder,
        layout=list(data.get("layout", [])),
    )


@cache
def builtin_orientations() -> dict[str, Orientation]:
    """The built-in orientations by name, in a stable order."""
    found = {}
    for folder in sorted(ORIENTATIONS_DIR.iterdir()):
        if (folder / "orientation.yaml").is_file():
            orientation = load_orientation(folder)
            found[orientation.name] = orientation
    return found


def orientation_names() -> tuple[str, ...]:
    return tuple(builtin_orientations())


def get_orientation(name: str) -> Orientation | None:
    return builtin_orientations().get(name)


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    min: float
    max: float | None
    lower_is_better: bool
    title: str = ""
    unit: str = ""
    loinc: str = ""
    bands: tuple[tuple[float, str], ...] = ()
    whole: bool = False  # scored in whole numbers only

    def in_range(self, score: float) -> bool:
        return score >= self.min and (self.max is None or score <= self.max)

    def band(self, score: float) -> str:
        """The severity band *score* falls in, or "" when the instrument has none."""
        label = ""
        for start, name in self.bands:
            if score >= start:
                label = name
        return label

    def improvement(self, old: float, new: float) -> float:
        """Positive when *new* is better than *old* on this instrument."""
        return old - new if self.lower_is_better else new - old


@cache
def builtin_instruments() -> dict[str, Instrument]:
    path = Path(str(resources.files("plandoc") / "data" / "instruments.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        key: Instrument(
            id=key,
            name=item["name"],
            title=item.get("title", ""),
            min=item["min"],
            max=item.get("max"),
            lower_is_better=item["lower_is_better"],
            loinc=item.get("loinc", ""),
            bands=tuple((b["from"], b["label"]) for b in item.get("bands", ())),
            whole=bool(item.get("whole", False)),
        )
        for key, item in data.items()
    }


def plan_instruments(custom: list[Any]) -> dict[str, Instrument]:
    """Built-in instruments plus a plan's own ``instruments`` entries (which may not shadow them)."""
    found = dict(builtin_instruments())
    for item in custom:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in found:
            found[item["id"]] = Instrument(
                id=item["id"],
                name=str(item.get("name", item["id"])),
                min=item.get("min", 0),
                max=item.get("max"),
                lower_is_better=bool(item.get("lower_is_better", True)),
                unit=str(item.get("unit", "")),
            )
    return found
