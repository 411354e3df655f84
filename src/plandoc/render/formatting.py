"""How values read in documents: dates, numbers, yes/no, and the spec's enum words."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_ENUM = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")


def show_date(value: Any) -> str:
    """``5 Oct 2026``: unambiguous for every reader, whatever their country's date order."""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return "" if value is None else str(value)


def show_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def label(value: Any) -> str:
    """An enum word as a label: ``in_progress`` → ``In progress``, ``active`` → ``Active``."""
    text = "" if value is None else str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def words(value: Any) -> str:
    """An enum word inside running text: ``all_or_nothing`` → ``all or nothing``."""
    text = "" if value is None else str(value)
    return text.replace("_", " ") if _ENUM.match(text) else text


def show(value: Any) -> str:
    """Any plan value as a line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return show_date(value)
    if isinstance(value, int | float):
        return show_number(value)
    if isinstance(value, list):
        return ", ".join(show(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        return "; ".join(
            f"{words(k)}: {show(v)}" for k, v in value.items() if v not in (None, "", [])
        )
    return words(" ".join(str(value).split()))


def signed_number(value: float) -> str:
    text = show_number(value)
    return f"+{text}" if value > 0 else text.replace("-", "−")
