"""Text for people, shared by every stage: numbers as people write them, the closest name to a
misspelt one, and text made safe to print on a terminal."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any


def number(value: Any) -> str:
    """``3``, ``2.5``, ``1234567.25`` — never ``1.23457e+06``; whole floats without ``.0``."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


_ENUM = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")


def words(value: Any) -> str:
    """An enum word inside running text: ``all_or_nothing`` → ``all or nothing``."""
    text = "" if value is None else str(value)
    return text.replace("_", " ") if _ENUM.match(text) else text


# Several people's words in one quotation: `Lucía: "…" Marisol: "…"` (a name is one to three
# capitalised words, then a colon and an opening quotation mark).
_SPEAKERS = re.compile(r"[^\W\d_a-z][\w'-]*(?: [^\W\d_a-z][\w'-]*){0,2}:\s*[\"“]")


def names_speakers(quotation: str) -> bool:
    """Whether a quotation opens by naming who speaks (``Lucía: "…"``)."""
    return bool(_SPEAKERS.match(" ".join(quotation.split())))


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """ " — did you mean `x`?" for the closest option, or nothing when none is close."""
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f" — did you mean `{close[0]}`?" if close else ""


# C0 and C1 controls (tab kept), DEL, and the bidirectional overrides that reorder what a
# terminal shows ("Trojan source").
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """*text* with every control character written as an escape (``\\x1b``), so text echoed from
    a plan can never move the cursor, clear the screen or recolour the terminal."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group(0)), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


OPENS_AFTER = " \t\n([{—–-/“‘"
"""The characters after which a quotation mark opens (and at the start of a text)."""


def typographic(text: str) -> str:
    """Straight quotation marks as the curly ones typeset text uses, so a document has one
    quote style: double quotes become U+201C and U+201D, an apostrophe U+2019. A mark opens at
    the start or after a space, a bracket or a dash (:data:`OPENS_AFTER`) — a single one only
    before a character that is not a space — and closes (or is an apostrophe) anywhere else.
    Two passes of C: the opening marks, found in the text as it was, then every mark left."""
    if '"' not in text and "'" not in text:
        return text
    text = _OPENING.sub(lambda m: "“" if m.group() == '"' else "‘", text)
    return text.replace('"', "”").replace("'", "’")


_OPENING = re.compile(f"(?:^|(?<=[{re.escape(OPENS_AFTER)}]))(?:\"|'(?=\\S))")
