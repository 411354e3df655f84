"""Stage 2a, after the schema — characters a reader cannot see: bidirectional controls and zero-width characters
(the Trojan Source class, CVE-2021-42574), and words too long to break on a page.

``Maya \\u202eakafO\\u202c`` is stored as one name and shown as another; a zero-width space
makes two ids, codes or member numbers look alike and differ. They are errors in an id, a name,
a code or a date — where the value must be exactly what it looks like — and warnings in prose,
where a zero-width joiner belongs in an emoji sequence and a zero-width non-joiner in Persian.
A letter-joining zero-width character between two letters of a script that joins them (Arabic,
the Indic scripts) is a warning in a name too. Control characters (U+0000 …) are refused when
the plan is read (:mod:`plandoc.spec.loader`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from ..errors import Finding, Severity
from ..spec.loader import DocPath, Document, dotted
from ..spec.orientations import Orientation
from ..spec.schema import Schema, plan_schema

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
JOINERS = "\u200c\u200d"
_SUSPECT = re.compile(f"[{BIDI}{ZERO_WIDTH}]")
STRICT_KINDS = frozenset({"id", "code", "name", "date"})
"""Where an invisible character is an error: the value must be exactly what it looks like."""

LONG_WORD = 60
"""A word longer than this, with no place to break it, runs off a page or a table cell."""
_BREAKS = (
    r"\s\-/\u2010-\u2014"  # spaces, hyphens, dashes and slashes: a line may break there
    r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer: broken by dictionary
    r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"  # CJK: a break between any two
)
_WORD = re.compile(f"[^{_BREAKS}]{{{LONG_WORD + 1},}}")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)", re.IGNORECASE)


def character_findings(doc: Document, orientation: Orientation | None) -> list[Finding]:
    """Every invisible character and unbreakable word in *doc*'s texts."""
    schema = orientation.plan_schema if orientation is not None else plan_schema(None)
    return [
        Finding(doc.path, *doc.locate(path), severity, message, rule)
        for path, text in _texts(doc.data, ())
        for severity, message, rule in _problems(text, path, schema)
    ]


def _texts(value: Any, path: DocPath) -> Iterator[tuple[DocPath, str]]:
    """Every text in *value* worth a closer look, with its path."""
    if isinstance(value, str):
        if _SUSPECT.search(value) or (len(value) > LONG_WORD and _WORD.search(value)):
            yield path, value
        return
    children: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        if isinstance(child, str | dict | list):
            yield from _texts(child, (*path, key))


def _problems(text: str, path: DocPath, schema: Schema) -> Iterator[tuple[Severity, str, str]]:
    kind = kind_at(schema, path)
    where = dotted(path)
    for match in _SUSPECT.finditer(text):
        index, char = match.start(), match.group()
        strict = kind in STRICT_KINDS and not _joins_letters(text, index)
        yield ("error" if strict else "warning"), _invisible(where, char, index, kind), _rule(char)
    if kind not in ("id", "code"):
        for match in _WORD.finditer(text):
            if not _in_url(text, match.start()):
                yield "warning", _long_word(where, match.group()), "text.long-word"


def _rule(char: str) -> str:
    return "text.bidi-control" if char in BIDI else "text.invisible-character"


def _invisible(where: str, char: str, index: int, kind: str) -> str:
    name = unicodedata.name(char, "ZERO WIDTH NO-BREAK SPACE")
    if char in BIDI:
        effect = "it makes the text display in another order than it is stored (Trojan Source), so a reader sees something else than what is written"
    else:
        effect = (
            "it cannot be seen, so the text looks the same as one without it but does not match it"
        )
    where_char = f"`{where}` holds U+{ord(char):04X} {name} (character {index + 1})"
    if kind in STRICT_KINDS:
        return f"{where_char}: {effect}; delete it (it may be invisible in your editor)"
    return f"{where_char}: {effect}; delete it unless it is meant (an emoji sequence, Persian or Indic text)"


def _joins_letters(text: str, index: int) -> bool:
    """A zero-width (non-)joiner between two letters of a script that joins or shapes them."""
    if text[index] not in JOINERS or index == 0 or index + 1 >= len(text):
        return False
    return all(_joining_letter(text[i]) for i in (index - 1, index + 1))


def _joining_letter(char: str) -> bool:
    return unicodedata.category(char).startswith(("L", "M")) and "\u0600" <= char <= "\u0dff"


def _in_url(text: str, start: int) -> bool:
    """Whether the word at *start* belongs to a web address (which must not be altered)."""
    begin = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    return _URL.match(text, begin) is not None or _URL.search(text, begin, start + 1) is not None


def _long_word(where: str, word: str) -> str:
    shown = f"{word[:30]}…" if len(word) > 30 else word
    return (
        f"`{where}` has a word of {len(word):,} characters with no place to break it "
        f"(`{shown}`): it runs off the page or its table cell; add spaces or hyphens"
    )


def kind_at(schema: Schema, path: DocPath) -> str:
    """The kind of text at *path* (:data:`plandoc.spec.schema.LENGTHS`' kinds, or ``date``);
    ``prose`` where the schema says nothing (an open mapping such as ``extensions``)."""
    rules: Schema = {"type": "dict", "schema": schema}
    for part in path:
        inner = rules.get("schema")
        if not isinstance(inner, dict):
            return "prose"
        if isinstance(part, int) != (rules.get("type") == "list"):
            return "prose"
        rules = inner if isinstance(part, int) else inner.get(part, {})
        if not isinstance(rules, dict):
            return "prose"
    if rules.get("type") == "date":
        return "date"
    meta = rules.get("meta")
    return str(meta.get("bound", "prose")) if isinstance(meta, dict) else "prose"
