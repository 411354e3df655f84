"""Stage 2a — schema validation: cerberus, with every error mapped back to a line and column.

Cerberus reports a ``document_path`` (keys and list indexes) for each error; the loader kept the
position of every key and value, so each error points at the exact place to fix.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any, ClassVar

import cerberus
from cerberus import errors as cerrors
from cerberus.schema import DefinitionSchema
from cerberus.utils import TypeDefinition

from ..errors import Finding
from ..text import did_you_mean, printable
from . import unknowns
from .compiled import compile_schema
from .loader import DocPath, Document, dotted
from .orientations import Modules, Orientation, Registry
from .schema import KIND_WORDS, Schema, bounded, plan_schema
from .unknowns import accepts, is_not_recorded

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "list": "a list (lines starting with `- `)",
    "dict": "a mapping of fields",
}


def schema_findings(
    doc: Document, orientation: Orientation | None, known: Registry
) -> list[Finding]:
    """Validate *doc* against the spec and its orientation's section (and, for an orientation
    made of modules, each module against its own orientation); return every error."""
    findings = list(_unknown_orientation(doc, orientation, known))
    schema = orientation.plan_schema if orientation else plan_schema(None)
    findings += _run(doc, schema, doc.data, ())
    if orientation is not None and orientation.modules is not None:
        findings += _modules(doc, orientation.modules, known)
    return findings


def _unknown_orientation(
    doc: Document, orientation: Orientation | None, known: Registry
) -> Iterator[Finding]:
    plan = doc.data.get("plan")
    name = plan.get("orientation") if isinstance(plan, dict) else None
    if orientation is not None or not isinstance(name, str) or name in known.broken:
        return
    names = known.names()
    msg = f"unknown orientation `{name}`{did_you_mean(name, names)}; one of: {', '.join(names)}"
    line, col = doc.locate(("plan", "orientation"))
    yield Finding(doc.path, line, col, "error", msg, "schema.allowed")


def _modules(doc: Document, spec: Modules, known: Registry) -> Iterator[Finding]:
    """Each module names an orientation that is not itself made of modules, and its details
    are checked against that orientation's fields."""
    allowed = [name for name, o in known.found.items() if o.modules is None]
    details = doc.data.get("orientation_details")
    modules = details.get(spec.field) if isinstance(details, dict) else None
    for index, module in enumerate(modules if isinstance(modules, list) else []):
        if not isinstance(module, dict):
            continue
        base: DocPath = ("orientation_details", spec.field, index)
        name = module.get(spec.orientation)
        if not isinstance(name, str):
            continue
        if name not in allowed:
            line, col = doc.locate((*base, spec.orientation))
            msg = f"`{name}` is not an orientation a module can draw on{did_you_mean(name, allowed)}; one of: {', '.join(allowed)}"
            yield Finding(doc.path, line, col, "error", msg, "schema.allowed")
            continue
        inner = module.get(spec.details)
        if isinstance(inner, dict):
            yield from _run(
                doc, known.found[name].schema, inner, (*base, spec.details), update=True
            )


def findings_for(doc: Document, schema: Schema) -> list[Finding]:
    """Validate a whole document that is not a plan (a practice file) against *schema*."""
    return _run(doc, schema, doc.data, ())


def _run(
    doc: Document, schema: Schema, data: dict[str, Any], base: DocPath, *, update: bool = False
) -> list[Finding]:
    schema = bounded(schema)  # every text has a length limit, in any schema (a practice file's)
    if compiled_check(schema, update=update)(data):
        return []  # valid: cerberus would find nothing, so it is not asked
    validator = _validator(id(schema), schema)
    # No rule of the spec normalises (no defaults, coercion or renaming): normalising would
    # copy the whole plan and walk it once more for nothing (a third of the validation)
    validator.validate(data, update=update, normalize=False)
    findings = [_to_finding(doc, schema, error, base) for error in _leaves(validator._errors)]
    return sorted(set(findings))


_VALIDATORS: dict[int, tuple[Schema, cerberus.Validator]] = {}
_CHECKS: dict[tuple[int, bool], tuple[Schema, Callable[[dict[str, Any]], bool | None]]] = {}


def compiled_check(
    schema: Schema, *, update: bool = False
) -> Callable[[dict[str, Any]], bool | None]:
    """Whether a document passes *schema* (True), fails it (False) or cerberus must be asked
    (None): compiled once per schema object and mode from the schema cerberus holds
    (:mod:`plandoc.spec.compiled`); a schema the compiler does not mirror always asks."""
    key = (id(schema), update)
    if key not in _CHECKS:
        validator = _validator(id(schema), schema)
        check = None
        if not validator.ignore_none_values:  # a setting the compiler does not mirror
            check = compile_schema(
                validator.schema,
                validator.types_mapping,
                allow_unknown=validator.allow_unknown,
                require_all=validator.require_all,
                update=update,
            )
        _CHECKS[key] = (schema, check or _ask_cerberus)
    return _CHECKS[key][1]


def _ask_cerberus(data: dict[str, Any]) -> None:
    return None


class _Validator(cerberus.Validator):  # type: ignore[misc]
    """cerberus, except that true/false is not a number (YAML reads `yes` as true), a pattern
    must match the whole value (cerberus's `$` lets `G1\n` pass as an id), and text of only
    spaces is as empty as no text. :mod:`plandoc.spec.compiled` mirrors these rules: change
    both together (``tests/test_compiled_validator.py`` compares them)."""

    types_mapping: ClassVar[dict[str, TypeDefinition]] = {
        **cerberus.Validator.types_mapping,
        "integer": TypeDefinition("integer", (int,), (bool,)),
        "number": TypeDefinition("number", (int, float), (bool,)),
    }

    def _validate_nullable(self, nullable: bool, field: str, value: Any) -> None:
        """{'type': 'boolean'}"""
        # A field that may be not recorded (meta.unknown) takes {not_recorded: reason} in place
        # of its value, and no other rule applies to it (cerberus asks every field this first).
        if is_not_recorded(value) and accepts(self.schema.get(field)):
            self._drop_remaining_rules()
            return
        super()._validate_nullable(nullable, field, value)

    def _validate_regex(self, pattern: str, field: str, value: Any) -> None:
        """{'type': 'string'}"""
        if isinstance(value, str) and _pattern(pattern).fullmatch(value) is None:
            self._error(field, cerrors.REGEX_MISMATCH)

    def _validate_empty(self, empty: bool, field: str, value: Any) -> None:
        """{'type': 'boolean'}"""
        blank = isinstance(value, str) and value and not value.strip()
        if blank and not empty:
            self._error(field, cerrors.EMPTY_NOT_ALLOWED)
            self._drop_remaining_rules("allowed", "regex", "minlength", "maxlength")
            return
        super()._validate_empty(empty, field, value)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _validator(key: int, schema: Schema) -> cerberus.Validator:
    """One validator per schema object, made once per process."""
    if key not in _VALIDATORS:
        _VALIDATORS[key] = (schema, ready_validator(schema))
    return _VALIDATORS[key][1]


def ready_validator(schema: Schema) -> cerberus.Validator:
    """A validator holding *schema* expanded as cerberus expands it, as a plain mapping.

    Cerberus would also validate the schema itself against its rules — a third of a second,
    at every start of ``plandoc check`` — and, kept as its schema object, copy, hash and
    validate it again, whole, at every call and each field's rules on assignment: most of a
    check's time. Neither is needed: the built-in schema is validated by cerberus in the tests,
    and an orientation from a practice's folder is checked field by field before it becomes a
    schema (:mod:`plandoc.spec.orientations`), in a subset of cerberus's rules."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validator = _Validator()
        validator._schema = dict(DefinitionSchema.expand(schema))
    return validator


def _leaves(errors: Iterable[Any]) -> Iterator[Any]:
    for error in errors:
        if error.is_group_error or error.is_logic_error:
            yield from _leaves(error.child_errors or ())
        else:
            yield error


def _rules_at(schema: Schema, path: DocPath) -> tuple[Schema, Schema | None]:
    """The field schema for *path*, and the mapping schema that holds it."""
    holder: Schema | None = schema
    rules: Schema = {"type": "dict", "schema": schema}
    for part in path:
        if isinstance(part, int):
            rules = rules.get("schema", {}) if rules.get("type") == "list" else {}
            continue
        holder = rules.get("schema") if rules.get("type") == "dict" else None
        rules = holder.get(part, {}) if isinstance(holder, dict) else {}
    return rules, holder


def _dotted(path: DocPath) -> str:
    return dotted(path) or "the plan"


def _describe(rules: Schema) -> str:
    meta = rules.get("meta")
    return str(meta.get("description", "")) if isinstance(meta, dict) else ""


def _to_finding(doc: Document, schema: Schema, error: Any, base: DocPath) -> Finding:
    path: DocPath = (*base, *error.document_path)
    rel: DocPath = tuple(error.document_path)
    rules, holder = _rules_at(schema, rel)
    name = _dotted(path)
    code = error.code
    value = error.value
    on_key = False
    if code == cerrors.REQUIRED_FIELD.code:
        what = _describe(rules)
        msg = (
            f"missing required field `{name}`"
            + (f" ({what.rstrip('.')})" if what else "")
            + "; add it"
        )
        rule = "schema.required"
    elif code == cerrors.UNKNOWN_FIELD.code:
        field = str(path[-1]).split("\0")[0]
        known = tuple(holder) if isinstance(holder, dict) else ()
        hint = did_you_mean(field, known)
        msg = f"unknown field `{field}`{hint}"
        if " " in field:
            msg += "; if this is part of a text, quote the whole text (a comma inside `{…}` starts a new field)"
        elif not hint and known:
            msg += f"; allowed here: {', '.join(known)}"
        rule, on_key = "schema.unknown", True
    elif code == cerrors.BAD_TYPE.code and isinstance(value, dict) and unknowns.KEY in value:
        msg, rule = _misused_not_recorded(name, rules, value), "schema.not_recorded"
    elif code == cerrors.BAD_TYPE.code:
        wanted = _TYPE_WORDS.get(str(error.constraint), str(error.constraint))
        msg = f"`{name}` must be {wanted}, not {_show(value)}"
        if error.constraint == "string" and isinstance(value, bool):
            msg += "; YAML reads yes/no/on/off as true/false — put the text in quotes"
        elif error.constraint == "date" and isinstance(value, str):
            msg += "; write dates as YYYY-MM-DD without quotes"
        rule = "schema.type"
    elif code in (cerrors.UNALLOWED_VALUE.code, cerrors.UNALLOWED_VALUES.code):
        options = [str(o) for o in error.constraint]
        shown = ", ".join(f"`{o}`" for o in options)
        msg = f"`{name}` is {_show(value)}{did_you_mean(str(value), options)}; allowed: {shown}"
        rule = "schema.allowed"
    elif code == cerrors.EMPTY_NOT_ALLOWED.code:
        msg = f"`{name}` is empty; write something or remove the field"
        rule = "schema.empty"
    elif code == cerrors.NOT_NULLABLE.code:
        msg = f"`{name}` has no value; " + (
            "it is required: write it" if rules.get("required") else "write one or remove the field"
        )
        rule = "schema.empty"
    elif code == cerrors.MIN_LENGTH.code:
        msg = f"`{name}` needs at least {error.constraint} item(s), has {len(value)}"
        rule = "schema.length"
    elif code == cerrors.MAX_LENGTH.code and isinstance(value, str):
        msg = _too_long(name, value, error.constraint, rules)
        rule = "schema.length"
    elif code == cerrors.MAX_LENGTH.code:
        msg = f"`{name}` takes at most {error.constraint} item(s), has {len(value)}"
        rule = "schema.length"
    elif code == cerrors.MIN_VALUE.code:
        msg = f"`{name}` is {_show(value)} but must be at least {error.constraint}"
        rule = "schema.range"
    elif code == cerrors.MAX_VALUE.code:
        msg = f"`{name}` is {_show(value)} but must be at most {error.constraint}"
        rule = "schema.range"
    elif code == cerrors.REGEX_MISMATCH.code:
        msg = f"`{name}` is {_show(value)}, which is not in the expected form"
        what = _describe(rules)
        msg += f" ({what.rstrip('.')})" if what else f" (pattern `{error.constraint}`)"
        rule = "schema.format"
    else:  # pragma: no cover - rules the spec does not use
        msg = f"`{name}`: {error}"
        rule = f"schema.{error.rule or 'invalid'}"
    line, col = doc.locate(path, key=on_key or code == cerrors.REQUIRED_FIELD.code)
    return Finding(doc.path, line, col, "error", msg, rule)


def _misused_not_recorded(name: str, rules: Schema, value: dict[str, Any]) -> str:
    """The message for a ``not_recorded`` mapping the field does not take as written."""
    if not unknowns.accepts(rules):
        return (
            f"`{name}` cannot be given as not recorded: it is not a clinical value a plan may "
            "lack; write its value"
        )
    if len(value) > 1:
        others = ", ".join(f"`{k}`" for k in value if k != unknowns.KEY)
        return f"`{name}`: a value not recorded holds only its reason; remove {others}"
    return f"`{name}` is not recorded but says no reason; write why: `{unknowns.SPELLING}`"


def _too_long(name: str, value: str, limit: int, rules: Schema) -> str:
    meta = rules.get("meta")
    kind = meta.get("bound") if isinstance(meta, dict) else None
    what = KIND_WORDS.get(str(kind), "this field")
    detail = "" if kind in (None, "prose") else " (put any detail in a note)"
    return f"`{name}` is {len(value):,} characters long; {what} holds at most {limit:,}: shorten it{detail}"


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = printable(str(value))
    return f"`{text[:60]}…`" if len(text) > 60 else f"`{text}`"
