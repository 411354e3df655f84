"""Orientation knowledge as data: each orientation is a folder with an ``orientation.yaml``.

Adding an orientation is adding a folder under ``templates/orientations/``; nothing here names
one. The YAML's ``schema`` is a cerberus schema for a plan's ``orientation_details``, written
with a short ``description`` per field that becomes ``meta.description``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .library import builtin_root
from .schema import Schema


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
    for folder in sorted((builtin_root() / "orientations").iterdir()):
        if (folder / "orientation.yaml").is_file():
            orientation = load_orientation(folder)
            found[orientation.name] = orientation
    return found


def orientation_names() -> tuple[str, ...]:
    return tuple(builtin_orientations())


def get_orientation(name: str) -> Orientation | None:
    return builtin_orientations().get(name)
