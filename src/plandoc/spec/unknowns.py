"""Honest unknowns: a clinical value the clinician could not record, said so with a reason.

A published plan, an imported bundle or a first session often lacks a value the spec requires
(a target's SUD the client declined to rate, a frequency the source does not state, a diagnosis
still to be confirmed). Rather than a filler that reads as a fact, such a field takes::

    sud: {not_recorded: "client declined to rate"}

The fields that may take it say so in their rules (``meta.unknown``, set by
:func:`plandoc.spec.schema.may_be_unrecorded`, and on every required field of an orientation's
section except ids and true/false). The schema then accepts the mapping in place of the value;
``check`` warns about each one (an error under ``--strict``); the plan model reads the field as
absent, so nothing downstream treats it as a number; and the documents print "Not recorded —
reason" where the value would stand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .loader import DocPath

KEY = "not_recorded"
SPELLING = '{not_recorded: "the reason"}'


@dataclass(frozen=True)
class NotRecorded:
    """A value given as not recorded: where, why, whether the spec requires the field, and the
    kind of value it stands for (``records`` for a list of mappings, ``list`` for a list of
    text, else the field's type)."""

    at: DocPath
    reason: str
    required: bool
    kind: str = "string"


def is_not_recorded(value: Any) -> bool:
    """Whether *value* is the not-recorded mapping: its one key, with a reason in words."""
    return (
        type(value) is dict
        and len(value) == 1
        and isinstance(value.get(KEY), str)
        and bool(value[KEY].strip())
    )


def reason(value: dict[str, str]) -> str:
    return " ".join(value[KEY].split())


def accepts(rules: Any) -> bool:
    """Whether a field with *rules* may be given as not recorded."""
    meta = rules.get("meta") if isinstance(rules, dict) else None
    return isinstance(meta, dict) and meta.get("unknown") is True


def find(data: Any, schema: dict[str, Any], at: DocPath = ()) -> Iterator[NotRecorded]:
    """Every value of *data* given as not recorded where *schema* accepts it, in document
    order."""
    if not isinstance(data, dict):
        return
    for name, value in data.items():
        rules = schema.get(name) if isinstance(name, str) else None
        if not isinstance(rules, dict):
            continue
        path = (*at, name)
        if is_not_recorded(value):
            if accepts(rules):
                yield NotRecorded(path, reason(value), rules.get("required") is True, _kind(rules))
            continue
        yield from _inside(value, rules, path)


def _inside(value: Any, rules: dict[str, Any], at: DocPath) -> Iterator[NotRecorded]:
    inner = rules.get("schema")
    if not isinstance(inner, dict):
        return
    if rules.get("type") == "dict":
        yield from find(value, inner, at)
    elif rules.get("type") == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            path = (*at, index)
            if is_not_recorded(item):
                if accepts(inner):
                    yield NotRecorded(path, reason(item), True, _kind(inner))
            else:
                yield from _inside(item, inner, path)


def _kind(rules: dict[str, Any]) -> str:
    kind = str(rules.get("type", "string"))
    if kind == "list":
        item = rules.get("schema")
        return "records" if isinstance(item, dict) and item.get("type") == "dict" else "list"
    return kind
