"""Defensive accessors over a loaded plan: semantic checks run even when the schema found
errors, so they must never assume a field has the right type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .loader import DocPath


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any, base: DocPath) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """(path, item) for each mapping in the list *value* found at *base*."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield (*base, index), item


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def primary_participant(data: dict[str, Any]) -> dict[str, Any]:
    """The identified client: the participant marked ``primary``, else the first one."""
    people = [p for _, p in items(data.get("participants"), ("participants",))]
    return next((p for p in people if p.get("primary") is True), people[0] if people else {})


def goals(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    return items(data.get("goals"), ("goals",))


def objectives(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    for path, goal in goals(data):
        yield from items(goal.get("objectives"), (*path, "objectives"))


def interventions(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    for path, objective in objectives(data):
        yield from items(objective.get("interventions"), (*path, "interventions"))
