"""Orientation knowledge as data: each orientation is a folder with an ``orientation.yaml``.

Adding an orientation is adding a folder under ``templates/orientations/`` — or, for a practice,
under ``orientations/`` in its own template folder (``--templates DIR``); nothing in the code
names one. The file holds:

* ``name``, ``label``, ``summary`` and ``suggested_interventions``;
* ``schema``: the fields of a plan's ``orientation_details``, in a small, safe subset of
  cerberus (types, ``required``, ``allowed``, ranges and lengths, nested ``schema``, the id
  pattern), each with a ``description``; a clinical value a plan may honestly lack says
  ``not_recorded: true`` (:mod:`plandoc.spec.unknowns`); every list says what one of its items is called
  (``item``) and, for a list of mappings without ``id``, which fields identify an item across
  versions (``match_by``);
* ``rules``: the orientation's own checks, of a few kinds (see :mod:`plandoc.check.orientation`);
* ``modules`` (optional): the orientation is built from modules of other orientations, each
  checked and laid out with its own orientation's fields (integrative therapy);
* ``layout``: the sections, lists and tables Markdown and Word both draw.

A practice's folder comes from outside: the file is read with plandoc's own YAML loader and
checked completely, with ``file:line:col`` findings, before it is used. Regular expressions are
limited to the id pattern, so no pattern from outside can take forever.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from ..errors import Finding, PlanInvalid
from ..text import did_you_mean
from .library import library, read_template_bytes, safe_path
from .loader import DocPath, Document, load_bytes
from .schema import ID_PATTERN, Schema, plan_schema

TYPES = ("string", "integer", "number", "boolean", "date", "list", "dict")
FIELD_KEYS = (
    "type", "required", "description", "allowed", "min", "max", "minlength", "maxlength",
    "schema", "regex", "item", "match_by", "empty", "not_recorded",
)  # fmt: skip
REFERENCE_TARGETS = (
    "goals", "objectives", "problems", "participants", "interventions", "services", "instruments",
)  # fmt: skip
SECTIONS = ("safety_plan", "guardian", "supervisor")
# Each kind of rule: the options it needs, and those it may have.
RULE_KINDS: dict[str, tuple[str, ...]] = {
    "refers-to": ("field",),
    "complete-when": ("each", "when", "require"),
    "at-most-count": ("number", "list"),
    "needs-section": ("when", "section"),
    "exact-values": ("each", "list", "field", "values"),
    "sessions-agree": ("field",),
}
RULE_EXTRAS: dict[str, tuple[str, ...]] = {
    "refers-to": ("target", "ids_at", "only_id_like"),
}
RULE_OPTIONAL = ("id", "kind", "message", "description", "at", "severity")
BLOCK_KINDS = ("text", "list", "table", "fields", "each")


class OrientationInvalid(PlanInvalid):
    """An orientation folder's ``orientation.yaml`` has problems (every one is reported)."""


@dataclass(frozen=True)
class Rule:
    """One orientation rule: its id, kind, message and the kind's options (paths are relative
    to the orientation's section of a plan)."""

    id: str
    kind: str
    message: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Modules:
    """Where an orientation made of modules keeps them: the list, each module's field naming its
    orientation, and its field holding that orientation's own details."""

    field: str
    orientation: str
    details: str


@dataclass(frozen=True, eq=False)
class Orientation:
    name: str
    label: str
    summary: str
    suggested_interventions: tuple[str, ...]
    schema: Schema
    folder: Path
    layout: list[dict[str, Any]]
    rules: tuple[Rule, ...] = ()
    modules: Modules | None = None

    @cached_property
    def plan_schema(self) -> Schema:
        """The whole spec with this orientation's section."""
        return plan_schema(self.schema)


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    """The orientations a set of template folders defines: each usable one, and the findings
    of each broken one (reported when a plan names it)."""

    found: dict[str, Orientation]
    broken: dict[str, tuple[Finding, ...]]

    def get(self, name: str) -> Orientation | None:
        if name in self.broken:
            raise OrientationInvalid(self.broken[name])
        return self.found.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self.found)


@cache
def registry(templates: tuple[Path, ...] = ()) -> Registry:
    """Every orientation in the practice's folders and the built-ins (a practice's folder
    holding ``orientations/NAME/orientation.yaml`` defines, or replaces, ``NAME``)."""
    found: dict[str, Orientation] = {}
    broken: dict[str, tuple[Finding, ...]] = {}
    for name, path in _orientation_files(templates):
        if name in found or name in broken:
            continue
        try:
            found[name] = load_orientation(path)
        except OrientationInvalid as exc:
            broken[name] = exc.findings
    return Registry(dict(sorted(found.items())), broken)


def _orientation_files(templates: tuple[Path, ...]) -> Iterator[tuple[str, Path]]:
    for root in library(templates).roots:
        base = safe_path(root, "orientations", folder=True)
        if base is None:
            continue
        for entry in sorted(base.iterdir()):
            if entry.name.startswith("."):
                continue
            path = safe_path(root, f"orientations/{entry.name}/orientation.yaml")
            if path is not None:
                yield entry.name, path


def orientations(templates: Sequence[Path] = ()) -> dict[str, Orientation]:
    return registry(tuple(Path(t) for t in templates)).found


def get_orientation(name: str, templates: Sequence[Path] = ()) -> Orientation | None:
    """The orientation called *name*, None when there is none; a broken practice orientation
    raises :class:`OrientationInvalid` with its findings."""
    return registry(tuple(Path(t) for t in templates)).get(name)


def orientation_names(templates: Sequence[Path] = ()) -> tuple[str, ...]:
    return registry(tuple(Path(t) for t in templates)).names()


# --- loading one --------------------------------------------------------------------------------


def load_orientation(path: Path) -> Orientation:
    """Read and check one ``orientation.yaml``; :class:`OrientationInvalid` lists its problems."""
    doc = load_bytes(read_template_bytes(path), str(path))
    findings = orientation_findings(doc, path.parent.name)
    if findings:
        raise OrientationInvalid(findings)
    data = doc.data
    modules = data.get("modules")
    schema = _field_schema(data["schema"])
    if modules:  # a module's details are checked against its own orientation's fields
        item = schema[modules["field"]]["schema"]["schema"]
        item[modules["details"]] = {**item[modules["details"]], "allow_unknown": True}
    return Orientation(
        name=data["name"],
        label=data["label"],
        summary=" ".join(str(data.get("summary", "")).split()),
        suggested_interventions=tuple(data.get("suggested_interventions", ())),
        schema=schema,
        folder=path.parent,
        layout=list(data.get("layout", [])),
        rules=tuple(_rule_of(r) for r in data.get("rules", [])),
        modules=Modules(modules["field"], modules["orientation"], modules["details"])
        if modules
        else None,
    )


def _rule_of(spec: dict[str, Any]) -> Rule:
    options = {k: v for k, v in spec.items() if k not in ("id", "kind", "message", "description")}
    message = " ".join(str(spec.get("message") or spec.get("description") or spec["id"]).split())
    return Rule(spec["id"], spec["kind"], message, options)


def _rule(rules: dict[str, Any]) -> Schema:
    """One field's rules as cerberus takes them: ``description``, ``item`` and ``match_by`` go
    to ``meta``; text is never empty."""
    out = {
        k: v
        for k, v in rules.items()
        if k not in ("description", "item", "match_by", "not_recorded")
    }
    meta: dict[str, Any] = {k: rules[k] for k in ("item", "match_by") if k in rules}
    if rules.get("not_recorded") is True:  # a clinical value a plan may honestly lack
        meta["unknown"] = True
    if "description" in rules:
        meta["description"] = " ".join(str(rules["description"]).split())
    if meta:
        out["meta"] = meta
    if out.get("type") == "string":
        out.setdefault("empty", False)
    inner = out.get("schema")
    if isinstance(inner, dict):
        # a dict's `schema` maps field names to rules; a list's `schema` is the item's rules
        out["schema"] = _field_schema(inner) if out.get("type") == "dict" else _rule(inner)
    return out


def _field_schema(schema: dict[str, Any]) -> Schema:
    return {name: _rule(rules) for name, rules in schema.items()}


# --- checking an orientation.yaml ------------------------------------------------------------------


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def error(self, path: DocPath, message: str, *, key: bool = False) -> None:
        line, column = self.doc.locate(path, key=key)
        self.findings.append(
            Finding(self.doc.path, line, column, "error", message, "orientation.invalid")
        )


def orientation_findings(doc: Document, folder_name: str) -> list[Finding]:
    """Every problem in a loaded ``orientation.yaml`` (empty when it can be used)."""
    check = _Checker(doc)
    check.findings += doc.problems
    data = doc.data
    for key in data:
        if key not in (
            "name",
            "label",
            "summary",
            "suggested_interventions",
            "schema",
            "rules",
            "modules",
            "layout",
        ):
            check.error(
                (key,),
                f"unknown field `{key}`{did_you_mean(key, ('schema', 'layout', 'rules', 'modules', 'label'))}",
                key=True,
            )
    if data.get("name") != folder_name:
        check.error(("name",), f"`name` must be the folder's name, `{folder_name}`")
    for text in ("label",):
        if not isinstance(data.get(text), str) or not data[text].strip():
            check.error(
                (text,), f"`{text}` is required: the orientation's name as documents show it"
            )
    interventions = data.get("suggested_interventions", [])
    if not isinstance(interventions, list) or not all(isinstance(i, str) for i in interventions):
        check.error(("suggested_interventions",), "`suggested_interventions` is a list of texts")
    schema = data.get("schema")
    if not isinstance(schema, dict) or not schema:
        check.error(("schema",), "`schema` is required: the fields of the orientation's section")
        return check.findings
    _check_fields(check, schema, ("schema",))
    if check.findings:
        return check.findings
    _check_modules(check, data.get("modules"), schema)
    _check_rules(check, data.get("rules", []), schema)
    _check_layout(check, data.get("layout", []), schema)
    return check.findings


def _check_fields(check: _Checker, fields: Any, at: DocPath) -> None:
    if not isinstance(fields, dict):
        check.error(at, "a `schema` of a mapping is a mapping of field names to their rules")
        return
    for name, rules in fields.items():
        _check_field(check, rules, (*at, name), item=False)


def _check_field(check: _Checker, rules: Any, at: DocPath, *, item: bool) -> None:
    if not isinstance(rules, dict):
        check.error(at, "a field's rules are a mapping (`type`, `description` …)")
        return
    for key in rules:
        if key not in FIELD_KEYS:
            check.error(
                (*at, key),
                f"`{key}` is not a rule orientations may use{did_you_mean(key, FIELD_KEYS)}; allowed: {', '.join(FIELD_KEYS)}",
                key=True,
            )
    kind = rules.get("type")
    if kind not in TYPES:
        check.error(
            (*at, "type") if "type" in rules else at, f"`type` must be one of {', '.join(TYPES)}"
        )
        return
    if not item and not isinstance(rules.get("description"), str):
        check.error(
            at, "every field needs a `description` (it becomes the field's documentation)", key=True
        )
    if "regex" in rules and rules["regex"] != ID_PATTERN:
        check.error(
            (*at, "regex"),
            f"only the id pattern `{ID_PATTERN}` may be used as `regex` (a pattern from outside could take forever)",
        )
    for number in ("min", "max"):
        if number in rules and (
            isinstance(rules[number], bool) or not isinstance(rules[number], int | float)
        ):
            check.error((*at, number), f"`{number}` is a number")
    for length in ("minlength", "maxlength"):
        if length in rules and (
            not isinstance(rules[length], int)
            or isinstance(rules[length], bool)
            or rules[length] < 0
        ):
            check.error((*at, length), f"`{length}` is a whole number")
    if "not_recorded" in rules and not isinstance(rules["not_recorded"], bool):
        check.error(
            (*at, "not_recorded"),
            "`not_recorded` is true (the field may be given as `{not_recorded: reason}`) or false",
        )
    allowed = rules.get("allowed")
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(a, str | int) for a in allowed)
    ):
        check.error((*at, "allowed"), "`allowed` is a list of values")
    inner = rules.get("schema")
    if kind == "dict" and inner is not None:
        _check_fields(check, inner, (*at, "schema"))
    elif kind == "list":
        _check_list(check, rules, at)
    elif inner is not None:
        check.error((*at, "schema"), "only a `dict` or a `list` has a `schema`")


def _check_list(check: _Checker, rules: dict[str, Any], at: DocPath) -> None:
    inner = rules.get("schema")
    if not isinstance(inner, dict):
        check.error(at, "a list needs a `schema`: the rules of one item", key=True)
        return
    _check_field(check, inner, (*at, "schema"), item=True)
    if not isinstance(rules.get("item"), str):
        check.error(
            at,
            "a list needs `item`: what one of its items is called (for change summaries)",
            key=True,
        )
    fields = inner.get("schema") if inner.get("type") == "dict" else None
    if not isinstance(fields, dict):
        return
    match_by = rules.get("match_by")
    keys = [match_by] if isinstance(match_by, str) else match_by
    if "id" in fields:
        return
    if not isinstance(keys, list) or not keys:
        check.error(
            at,
            "a list of mappings without `id` needs `match_by`: the field (or fields) that identify an item across versions",
            key=True,
        )
        return
    for key in keys:
        if key not in fields:
            check.error(
                (*at, "match_by"),
                f"`match_by` names `{key}`, which the items do not have{did_you_mean(str(key), fields)}",
            )


def resolve(schema: Schema, dotted: str) -> dict[str, Any] | None:
    """The rules of the field at a path such as ``values[].committed_actions[].objective``
    (``[]``: each item of a list), in a raw orientation schema; None when there is none."""
    rules: dict[str, Any] = {"type": "dict", "schema": schema}
    for part in dotted.split("."):
        name, each = (part[:-2], True) if part.endswith("[]") else (part, False)
        fields = rules.get("schema") if rules.get("type") == "dict" else None
        found = fields.get(name) if isinstance(fields, dict) else None
        if not isinstance(found, dict):
            return None
        rules = found
        if each:
            if rules.get("type") != "list" or not isinstance(rules.get("schema"), dict):
                return None
            rules = rules["schema"]
    return rules


def _check_path(
    check: _Checker, schema: Schema, dotted: Any, at: DocPath, *, list_end: bool = False
) -> None:
    rules = resolve(schema, dotted) if isinstance(dotted, str) else None
    if rules is None:
        check.error(
            at,
            f"`{dotted}` is not a field of this orientation's schema (write a path such as `targets[].status`)",
        )
    elif list_end and rules.get("type") != "list":
        check.error(at, f"`{dotted}` is not a list")


def _check_rules(check: _Checker, rules: Any, schema: Schema) -> None:
    if not isinstance(rules, list):
        check.error(("rules",), "`rules` is a list")
        return
    for index, rule in enumerate(rules):
        at: DocPath = ("rules", index)
        if not isinstance(rule, dict):
            check.error(at, "a rule is a mapping with `id`, `kind` and `message`")
            continue
        kind = rule.get("kind")
        if kind not in RULE_KINDS:
            check.error(
                (*at, "kind"),
                f"`kind` must be one of {', '.join(RULE_KINDS)}{did_you_mean(str(kind), RULE_KINDS)}",
            )
            continue
        if not isinstance(rule.get("id"), str) or "." not in rule["id"]:
            check.error(at, "a rule needs an `id` such as `emdr.target-complete`", key=True)
        if not isinstance(rule.get("message"), str):
            check.error(at, "a rule needs a `message`: what is wrong and how to fix it", key=True)
        options = (*RULE_KINDS[kind], *RULE_EXTRAS.get(kind, ()))
        for key in rule:
            if key not in (*RULE_OPTIONAL, *options):
                check.error(
                    (*at, key),
                    f"`{key}` is not an option of a `{kind}` rule; its options: {', '.join(options)}",
                    key=True,
                )
        if rule.get("severity", "error") not in ("error", "warning"):
            check.error((*at, "severity"), "`severity` is `error` or `warning`")
        for key in RULE_KINDS[kind]:
            if key not in rule:
                check.error(at, f"a `{kind}` rule needs `{key}`", key=True)
        if any(key not in rule for key in RULE_KINDS[kind]):
            continue
        _check_rule_paths(check, rule, schema, at)


def _check_rule_paths(check: _Checker, rule: dict[str, Any], schema: Schema, at: DocPath) -> None:
    kind = rule["kind"]
    if kind == "refers-to":
        _check_path(check, schema, rule["field"], (*at, "field"))
        if ("target" in rule) == ("ids_at" in rule):
            check.error(
                at,
                "a `refers-to` rule names either a `target` in the plan or `ids_at` (paths in this section)",
                key=True,
            )
        elif "target" in rule and rule["target"] not in REFERENCE_TARGETS:
            check.error((*at, "target"), f"`target` must be one of {', '.join(REFERENCE_TARGETS)}")
        for index, path in enumerate(rule.get("ids_at", [])):
            _check_path(check, schema, path, (*at, "ids_at", index))
    elif kind == "sessions-agree":
        _check_path(check, schema, rule["field"], (*at, "field"))
    elif kind in ("complete-when", "exact-values"):
        _check_path(check, schema, rule["each"], (*at, "each"), list_end=True)
        item = resolve(schema, f"{rule['each']}[]") or {}
        fields = item.get("schema", {}) if item.get("type") == "dict" else {}
        names = (
            [*rule.get("when", {}), *rule.get("require", {})]
            if kind == "complete-when"
            else [rule["list"]]
        )
        for name in [*names, *([rule["at"]] if "at" in rule else [])]:
            if name not in fields:
                check.error(
                    at,
                    f"`{name}` is not a field of the items of `{rule['each']}`{did_you_mean(str(name), fields)}",
                )
    elif kind == "at-most-count":
        _check_path(check, schema, rule["number"], (*at, "number"))
        _check_path(check, schema, rule["list"], (*at, "list"), list_end=True)
    elif kind == "needs-section":
        _check_path(check, schema, rule["when"], (*at, "when"))
        if rule["section"] not in SECTIONS:
            check.error((*at, "section"), f"`section` must be one of {', '.join(SECTIONS)}")


def _check_modules(check: _Checker, modules: Any, schema: Schema) -> None:
    if modules is None:
        return
    if not isinstance(modules, dict) or set(modules) != {"field", "orientation", "details"}:
        check.error(
            ("modules",),
            "`modules` names `field` (the list of modules), `orientation` and `details` (fields of each module)",
        )
        return
    _check_path(check, schema, modules["field"], ("modules", "field"), list_end=True)
    item = resolve(schema, f"{modules['field']}[]") or {}
    fields = item.get("schema", {}) if item.get("type") == "dict" else {}
    for key in ("orientation", "details"):
        if modules[key] not in fields:
            check.error(("modules", key), f"`{modules[key]}` is not a field of the modules")


def _check_layout(check: _Checker, layout: Any, schema: Schema) -> None:
    if not isinstance(layout, list):
        check.error(("layout",), "`layout` is a list of sections, each with a `title` and `blocks`")
        return
    for index, section in enumerate(layout):
        at: DocPath = ("layout", index)
        if not isinstance(section, dict) or not isinstance(section.get("title"), str):
            check.error(at, "a section has a `title` and `blocks`")
            continue
        _check_blocks(check, section.get("blocks", []), schema, (*at, "blocks"))


def _check_blocks(check: _Checker, blocks: Any, schema: Schema, at: DocPath) -> None:
    if not isinstance(blocks, list):
        check.error(at, "`blocks` is a list")
        return
    for index, block in enumerate(blocks):
        here: DocPath = (*at, index)
        if not isinstance(block, dict) or block.get("kind") not in BLOCK_KINDS:
            check.error(here, f"a block has a `kind`: one of {', '.join(BLOCK_KINDS)}")
            continue
        if "field" in block:
            _check_path(check, schema, block["field"], (*here, "field"))
        rules = resolve(schema, block["field"]) if isinstance(block.get("field"), str) else None
        if block["kind"] == "each" and rules is not None:
            item = rules.get("schema", {})
            _check_blocks(check, block.get("blocks", []), item.get("schema", {}), (*here, "blocks"))
        if block["kind"] == "table" and rules is not None:
            item = rules.get("schema", {})
            fields = item.get("schema", {}) if isinstance(item, dict) else {}
            for col, column in enumerate(block.get("columns", [])):
                name = column.get("field") if isinstance(column, dict) else None
                if name not in fields:
                    check.error(
                        (*here, "columns", col),
                        f"`{name}` is not a field of the rows of `{block['field']}`{did_you_mean(str(name), fields)}",
                    )
