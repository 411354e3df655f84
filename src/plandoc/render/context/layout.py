"""Turn an orientation's ``layout`` (data in its orientation.yaml) into document blocks.

The result is a flat list of sections, each a flat list of blocks of five kinds — ``heading``,
``text``, ``list``, ``table`` and ``fields`` — with every value already formatted as text, so
that the Markdown and the Word templates render any orientation with the same few loops.
Blocks with no data are dropped, and a section left with no blocks is dropped too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .formatting import label, show, signed_number
from .labels import Labels, fill, load_labels, respell

Block = dict[str, Any]
Section = dict[str, Any]


Current = dict[tuple[str, str], tuple[float, str]]
"""The latest score on an instrument for a goal: ``{("gas", "G1"): (0, "23 Nov 2026")}``."""


def resolve_sections(
    layout: list[dict[str, Any]],
    details: dict[str, Any],
    schema: dict[str, Any],
    current: Current | None = None,
    *,
    labels: Labels | None = None,
) -> list[Section]:
    """The sections of an orientation's *layout* filled from *details*; *schema* (the
    orientation's fields) says which values come from a fixed list and read as words;
    *current* holds the latest scores a table may mark (``current:``). The layout's own
    wording — titles, labels, column headers — and the fixed values are respelled for the
    locale of *labels* (:func:`~plandoc.render.context.labels.respell`); the client's text is not."""
    sections = []
    scope = _Scope(details, current or {}, labels=labels if labels is not None else load_labels())
    for section in layout:
        blocks = list(_blocks(section.get("blocks", []), details, schema, scope))
        if blocks:
            title = respell(str(section["title"]), scope.labels)
            sections.append({"title": title, "blocks": blocks})
    return sections


def lookup(data: Any, dotted: str | None) -> Any:
    """The value at a dotted path (``conceptualisation.summary``); the data itself for no path."""
    value = data
    for part in (dotted or "").split(".") if dotted else ():
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _rules(schema: dict[str, Any], dotted: str | None) -> dict[str, Any]:
    """The schema rules of the field at a dotted path (empty when unknown)."""
    rules: dict[str, Any] = {"type": "dict", "schema": schema}
    for part in (dotted or "").split(".") if dotted else ():
        fields = rules.get("schema") if rules.get("type") == "dict" else None
        rules = fields.get(part, {}) if isinstance(fields, dict) else {}
    return rules


def _item_fields(rules: dict[str, Any]) -> dict[str, Any]:
    """The fields of one item of a list of mappings."""
    item = rules.get("schema") if rules.get("type") == "list" else None
    fields = item.get("schema") if isinstance(item, dict) and item.get("type") == "dict" else None
    return fields if isinstance(fields, dict) else {}


def _enum(rules: dict[str, Any]) -> bool:
    item = rules.get("schema") if rules.get("type") == "list" else None
    return "allowed" in rules or (isinstance(item, dict) and "allowed" in item)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


class _Scope:
    """What a block may look beyond its own data for: the whole of the details (``names``),
    the latest scores (``current``), and the item an ``each`` block is drawing."""

    def __init__(
        self, root: dict[str, Any], current: Current, item: Any = None, *, labels: Labels
    ) -> None:
        self.root, self.current, self.item, self.labels = root, current, item, labels

    def inside(self, item: Any) -> _Scope:
        return _Scope(self.root, self.current, item, labels=self.labels)

    def words(self, text: str) -> str:
        return respell(text, self.labels)


def _blocks(
    specs: list[dict[str, Any]], data: Any, schema: dict[str, Any], scope: _Scope
) -> Iterator[Block]:
    for spec in specs:
        kind = spec["kind"]
        value = lookup(data, spec.get("field"))
        rules = _rules(schema, spec.get("field"))
        label = scope.words(str(spec.get("label", "")))
        if not _present(value):
            continue
        if isinstance(value, str) and kind in ("table", "each", "fields"):
            # a list or mapping the plan gives as not recorded: its words, where it would stand
            yield {"kind": "text", "label": label, "text": value}
        elif kind == "text":
            text = (
                _title(str(spec["text"]), value)
                if "text" in spec and isinstance(value, dict)
                else _cell(value, spec, rules=rules, scope=scope)
            )
            yield {"kind": "text", "label": label, "text": text}
        elif kind == "list":
            items = [_cell(v, spec, rules=rules, scope=scope) for v in value if _present(v)]
            yield {
                "kind": "list",
                "label": label,
                "items": items,
                "numbered": bool(spec.get("numbered")),
            }
        elif kind == "table":
            yield _table(spec, label, value, _item_fields(rules), scope)
        elif kind == "fields":
            fields = rules.get("schema", {}) if rules.get("type") == "dict" else {}
            rows = [
                [
                    scope.words(str(r["label"])),
                    _cell(
                        value.get(r["field"]),
                        r,
                        value,
                        rules=fields.get(r["field"], {}),
                        scope=scope,
                    ),
                ]
                for r in spec["rows"]
                if _present(value.get(r["field"]))
            ]
            if rows:
                yield {"kind": "fields", "label": label, "rows": rows}
        elif kind == "each":
            for item in value:
                title = _title(scope.words(str(spec.get("title", ""))), item)
                yield {"kind": "heading", "text": title}
                yield from _blocks(
                    spec.get("blocks", []), item, _item_fields(rules), scope.inside(item)
                )


def _table(
    spec: dict[str, Any], label: str, value: list[Any], fields: dict[str, Any], scope: _Scope
) -> Block:
    columns = [c for c in spec["columns"] if any(_present(item.get(c["field"])) for item in value)]
    labels = [scope.words(str(c["label"])) for c in columns]
    rows = [
        [
            _named(item.get(c["field"]), c, scope)
            or _cell(item.get(c["field"]), c, item, rules=fields.get(c["field"], {}), scope=scope)
            for c in columns
        ]
        for item in value
    ]
    fixed = scope.labels["column"]
    if spec.get("numbered"):
        labels, rows = _numbered(labels, rows, value, fixed)
    marks = _marks(spec.get("current"), value, scope)
    if any(marks):
        labels.append(fixed["now"])
        rows = [[*row, mark] for row, mark in zip(rows, marks, strict=True)]
    return {"kind": "table", "label": label, "columns": labels, "rows": rows}


def _numbered(
    labels: list[str], rows: list[list[str]], value: list[Any], fixed: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """A numbered table's first column: each item's id when every item has one (the name
    notes and reviews use, which stays with the item when steps are inserted or reordered),
    else its position."""
    ids = [item.get("id") if isinstance(item, dict) else None for item in value]
    if all(isinstance(i, str) and i for i in ids):
        return [fixed["id"], *labels], [[str(i), *row] for i, row in zip(ids, rows, strict=True)]
    return [fixed["number"], *labels], [[str(n), *row] for n, row in enumerate(rows, 1)]


def _named(value: Any, column: dict[str, Any], scope: _Scope) -> str:
    """A column with ``names: {in: [lists…], show: "{behaviour} ({id})"}`` shows an id as the
    item of those lists it names (a diary card's target as its behaviour); anything else, or
    a name that is not an id there, is shown as written."""
    names = column.get("names")
    if not isinstance(names, dict) or not isinstance(value, str):
        return ""
    for path in names.get("in", []):
        for item in lookup(scope.root, str(path)) or []:
            if isinstance(item, dict) and item.get("id") == value:
                return _title(str(names.get("show", "{id}")), item)
    return ""


def _marks(spec: Any, rows: list[Any], scope: _Scope) -> list[str]:
    """``current: {instrument: gas, goal: goal, value: score}`` marks the row whose *value*
    is the latest score on the instrument for the goal the drawn item names: where the client
    is now on a Goal Attainment Scale."""
    if not isinstance(spec, dict) or not isinstance(scope.item, dict):
        return [""] * len(rows)
    goal = scope.item.get(str(spec.get("goal", "goal")))
    found = scope.current.get((str(spec.get("instrument")), str(goal)))
    if found is None:
        return [""] * len(rows)
    score, day = found
    field = str(spec.get("value", "score"))
    mark = fill(scope.labels["label"]["current_level"], date=day)
    return [mark if isinstance(r, dict) and r.get(field) == score else "" for r in rows]


def _cell(
    value: Any,
    spec: dict[str, Any],
    item: dict[str, Any] | None = None,
    *,
    rules: dict[str, Any],
    scope: _Scope,
) -> str:
    """One value as shown, following the layout's ``values``, ``format`` and ``then`` options;
    a value from a fixed list (the schema's ``allowed``) reads as words, in the locale's
    spelling."""
    values = spec.get("values")
    enum = _enum(rules)
    if isinstance(values, dict) and str(value) in values:
        text = scope.words(str(values[str(value)]))
    elif spec.get("format") == "label":
        text = scope.words(label(value))
    elif (
        spec.get("format") == "signed"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        text = signed_number(value)
    else:
        text = scope.words(show(value, enum=True)) if enum else show(value)
    later = item.get(spec["then"]) if item and spec.get("then") else None
    if not _present(later):
        return text
    return f"{text} → {scope.words(show(later, enum=True)) if enum else show(later)}"


def _title(template: str, item: dict[str, Any]) -> str:
    """Fill ``{field}`` slots from the item. Deliberately not ``str.format``: a practice's
    layout must not be able to reach attributes (``{0.__class__}``)."""
    return re.sub(r"\{(\w+)\}", lambda m: show(item.get(m.group(1))), template)
