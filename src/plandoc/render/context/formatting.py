"""How values read in documents: dates, numbers, yes/no, and the spec's enum words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...spec.unknowns import is_not_recorded, reason
from ...text import number, words


def show_date(value: Any) -> str:
    """``5 Oct 2026``: unambiguous for every reader, whatever their country's date order."""
    if isinstance(value, dt.date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return "" if value is None else str(value)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""``%b`` in the C locale, without ``strftime`` (a hundred times slower, and following the
process's locale where a caller has set one)."""


def show_number(value: Any) -> str:
    """A number as people write it (no exponent, no trailing ``.0``), negative numbers with
    a true minus sign (U+2212), as typeset documents write them."""
    text = number(value)
    return f"\u2212{text[1:]}" if text.startswith("-") else text


_COMPOUNDS = {"self directed": "self-directed"}
"""Enum words that are one hyphenated word when read."""


def label(value: Any) -> str:
    """An enum word as a label: ``in_progress`` → ``In progress``, ``active`` → ``Active``."""
    text = "" if value is None else str(value).replace("_", " ")
    text = _COMPOUNDS.get(text, text)
    return text[:1].upper() + text[1:]


def show(value: Any, *, enum: bool = False) -> str:
    """Any plan value as a line of text. Free text stays exactly as written (whitespace
    collapsed); only a value from a fixed list (*enum*, such as ``all_or_nothing``) is shown as
    words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return show_date(value)
    if isinstance(value, int | float):
        return show_number(value)
    if isinstance(value, list):
        return ", ".join(show(v, enum=enum) for v in value if v not in (None, ""))
    if is_not_recorded(value):
        return f"Not recorded — {reason(value)}"
    if isinstance(value, dict):
        return "; ".join(
            f"{words(k)}: {show(v)}" for k, v in value.items() if v not in (None, "", [])
        )
    text = " ".join(str(value).split())
    return words(text) if enum else text


def signed_number(value: float) -> str:
    text = show_number(value)
    return f"+{text}" if value > 0 else text
