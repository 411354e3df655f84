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

Block = dict[str, Any]
Section = dict[str, Any]


def resolve_sections(
    layout: list[dict[str, Any]], details: dict[str, Any], schema: dict[str, Any]
) -> list[Section]:
    """The sections of an orientation's *layout* filled from *details*; *schema* (the
    orientation's fields) says which values come from a fixed list and read as words."""
    sections = []
    for section in layout:
        blocks = list(_blocks(section.get("blocks", []), details, schema))
        if blocks:
            sections.append({"title": str(section["title"]), "blocks": blocks})
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


def _blocks(specs: list[dict[str, Any]], data: Any, schema: dict[str, Any]) -> Iterator[Block]:
    for spec in specs:
        kind = spec["kind"]
        value = lookup(data, spec.get("field"))
        rules = _rules(schema, spec.get("field"))
        label = str(spec.get("label", ""))
        if not _present(value):
            continue
        if kind == "text":
            text = (
                _title(str(spec["text"]), value)
                if "text" in spec and isinstance(value, dict)
                else _cell(value, spec, rules=rules)
            )
            yield {"kind": "text", "label": label, "text": text}
        elif kind == "list":
            items = [_cell(v, spec, rules=rules) for v in value if _present(v)]
            yield {
                "kind": "list",
                "label": label,
                "items": items,
                "numbered": bool(spec.get("numbered")),
            }
        elif kind == "table":
            yield _table(spec, label, value, _item_fields(rules))
        elif kind == "fields":
            fields = rules.get("schema", {}) if rules.get("type") == "dict" else {}
            rows = [
                [
                    str(r["label"]),
                    _cell(value.get(r["field"]), r, value, rules=fields.get(r["field"], {})),
                ]
                for r in spec["rows"]
                if _present(value.get(r["field"]))
            ]
            if rows:
                yield {"kind": "fields", "label": label, "rows": rows}
        elif kind == "each":
            for item in value:
                yield {"kind": "heading", "text": _title(str(spec.get("title", "")), item)}
                yield from _blocks(spec.get("blocks", []), item, _item_fields(rules))


def _table(spec: dict[str, Any], label: str, value: list[Any], fields: dict[str, Any]) -> Block:
    columns = [c for c in spec["columns"] if any(_present(item.get(c["field"])) for item in value)]
    labels = [str(c["label"]) for c in columns]
    rows = [
        [_cell(item.get(c["field"]), c, item, rules=fields.get(c["field"], {})) for c in columns]
        for item in value
    ]
    if spec.get("numbered"):
        labels = ["No.", *labels]
        rows = [[str(n), *row] for n, row in enumerate(rows, 1)]
    return {"kind": "table", "label": label, "columns": labels, "rows": rows}


def _cell(
    value: Any,
    spec: dict[str, Any],
    item: dict[str, Any] | None = None,
    *,
    rules: dict[str, Any],
) -> str:
    """One value as shown, following the layout's ``values``, ``format`` and ``then`` options;
    a value from a fixed list (the schema's ``allowed``) reads as words."""
    values = spec.get("values")
    if isinstance(values, dict) and str(value) in values:
        text = str(values[str(value)])
    elif spec.get("format") == "label":
        text = label(value)
    elif (
        spec.get("format") == "signed"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        text = signed_number(value)
    else:
        text = show(value, enum=_enum(rules))
    later = item.get(spec["then"]) if item and spec.get("then") else None
    return f"{text} → {show(later, enum=_enum(rules))}" if _present(later) else text


def _title(template: str, item: dict[str, Any]) -> str:
    """Fill ``{field}`` slots from the item. Deliberately not ``str.format``: a practice's
    layout must not be able to reach attributes (``{0.__class__}``)."""
    return re.sub(r"\{(\w+)\}", lambda m: show(item.get(m.group(1))), template)
