"""Measures: the built-in instruments (``instruments.yaml`` beside this module) and a plan's own.

Each instrument knows its range, which way is better, whether it is scored in whole numbers,
its severity bands and its LOINC code, so every stage judges a score the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml


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
    path = Path(__file__).with_name("instruments.yaml")
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


def custom_instrument(item: dict[str, Any]) -> Instrument:
    """A plan's own measure (an ``instruments`` entry that passed the schema)."""
    return Instrument(
        id=str(item["id"]),
        name=str(item.get("name") or item["id"]),
        min=float(item["min"]) if isinstance(item.get("min"), int | float) else 0.0,
        max=float(item["max"]) if isinstance(item.get("max"), int | float) else None,
        lower_is_better=item.get("lower_is_better") is not False,
        unit=str(item.get("unit") or ""),
    )
