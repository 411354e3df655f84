"""The compiled schema check says "valid" exactly when cerberus finds no error.

`check` skips cerberus when the compiled check passes a document, so a document the check
wrongly passed would lose its findings, and one it wrongly failed would only cost time. The
differential tests below take every sample plan (each orientation, modules included) and the
practice file, mutate each of their fields in every way a person gets a plan wrong, and
compare the two answers for each variant.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from benchmarks.caseload import write_caseload
from plandoc.check.pipeline import check_file
from plandoc.spec import validate
from plandoc.spec.compiled import compile_schema
from plandoc.spec.loader import DocPath, load_file
from plandoc.spec.orientations import registry
from plandoc.spec.practice import SCHEMA as PRACTICE_SCHEMA
from plandoc.spec.schema import Schema, plan_schema
from tests.conftest import ROOT, SAMPLES, TODAY

PLANS = sorted(SAMPLES.glob("*.yaml")) + sorted((ROOT / "tests" / "plans").glob("*.yaml"))
PRACTICE_FILES = sorted(SAMPLES.glob("**/plandoc-practice.yaml"))
REMOVED = object()

Variant = tuple[str, Any]


CERBERUS: dict[int, tuple[Schema, Any]] = {}  # one validator per schema, as `check` keeps them


def cerberus_passes(schema: Schema, data: dict[str, Any], *, update: bool = False) -> bool:
    """What cerberus says, through the validator `check` uses when the compiled check fails."""
    if id(schema) not in CERBERUS:
        CERBERUS[id(schema)] = (schema, validate.ready_validator(schema))
    validator = CERBERUS[id(schema)][1]
    validator.validate(data, update=update, normalize=False)
    return not validator._errors


def compiled_passes(schema: Schema, data: dict[str, Any], *, update: bool = False) -> bool:
    answer = validate.compiled_check(schema, update=update)(data)
    assert answer is not None, "a loaded plan holds only plain values: the check must decide"
    return answer


def wrong_values(value: Any) -> Iterator[Variant]:
    """The ways a field goes wrong: missing, empty, blank, of another type, out of range,
    misspelled, malformed, a list emptied, a mapping with a field too many."""
    yield "removed", REMOVED
    yield "null", None
    yield "empty text", ""
    yield "blank text", "   "
    yield "true", True
    if isinstance(value, str):
        yield "number for text", 42
        yield "misspelled", value + "x"
        yield "capitals", value.upper()
        yield "malformed id", "1 bad id"
        yield "newline", value + "\n"
        yield "list for text", [value]
    elif isinstance(value, bool):
        yield "text for true/false", "yes"
        yield "number for true/false", 1
    elif isinstance(value, int | float):
        yield "text for number", "seven"
        yield "false for number", False
        yield "negative", -1
        yield "zero", 0
        yield "fraction", value + 0.5
        yield "far below", value - 1000
        yield "far above", value + 100_000
    elif isinstance(value, dt.date):
        yield "quoted date", value.isoformat()
        yield "number for date", 20261126
    elif isinstance(value, list):
        yield "emptied", []
        yield "text for list", "first, second"
        yield "null item", [*value, None]
        yield "number item", [*value, 7]
        yield "mapping item", [*value, {"unknown_field": 1}]
        yield "blank item", [*value, "  "]
        yield "first only", value[:1]
    elif isinstance(value, dict):
        yield "emptied", {}
        yield "list for mapping", [value]
        yield "text for mapping", "some text"
        yield "unknown field", {**value, "unknown_field": "text"}
        yield "misspelled field", {f"{k}x": v for k, v in value.items()}


def places(value: Any, path: DocPath = ()) -> Iterator[tuple[DocPath, Any]]:
    """Every value below the document's root, with its path."""
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        yield (*path, key), child
        if isinstance(child, dict | list):
            yield from places(child, (*path, key))


def mutated(data: dict[str, Any], path: DocPath, new: Any) -> dict[str, Any]:
    """A copy of *data* with *new* at *path* (copied only along the path)."""
    out = dict(data)
    holder: Any = out
    for part in path[:-1]:
        child = holder[part]
        holder[part] = child = dict(child) if isinstance(child, dict) else list(child)
        holder = child
    if new is REMOVED:
        del holder[path[-1]]
    else:
        holder[path[-1]] = new
    return out


def shape(path: DocPath) -> tuple[str | int, ...]:
    """A path with its list indexes blurred: the same field of another item is the same test."""
    return tuple("#" if isinstance(part, int) else part for part in path)


def variants(data: dict[str, Any], seen: set[Any], scope: str) -> Iterator[dict[str, Any]]:
    """Each field of *data* made wrong in each way, once per field of the schema (*seen*
    remembers what was tried; *scope* keeps an orientation's own section apart)."""
    yield data
    yield {**data, "unknown_field": "text"}
    for path, value in places(data):
        for kind, new in wrong_values(value):
            key = (scope if path[0] == "orientation_details" else "", shape(path), kind)
            if key not in seen:
                seen.add(key)
                yield mutated(data, path, new)


def schema_of(path: Path) -> Schema:
    orientation = registry().get(load_file(path).data["plan"]["orientation"])
    return orientation.plan_schema if orientation is not None else plan_schema(None)


def test_the_samples_cover_every_orientation_and_modules() -> None:
    names = {load_file(p).data["plan"]["orientation"] for p in PLANS}
    assert names == set(registry().found)
    assert any(o.modules for o in registry().found.values())
    assert PRACTICE_FILES


SEEN: set[Any] = set()  # shared by the plan tests: a field common to all plans is tried once


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_a_plan_and_each_of_its_mutations(path: Path) -> None:
    data = load_file(path).data
    schema = schema_of(path)
    outcomes = []
    for variant in variants(data, SEEN, data["plan"]["orientation"]):
        expected = cerberus_passes(schema, variant)
        assert compiled_passes(schema, variant) is expected, _differs(variant, data)
        outcomes.append(expected)
    assert outcomes[0], f"{path.name} itself passes the schema"
    assert outcomes.count(False) > 0


@pytest.mark.parametrize(
    "name", sorted(n for n, o in registry().found.items() if o.modules is not None)
)
def test_module_details_are_checked_in_update_mode(name: str) -> None:
    """A module's details, checked against the orientation it draws on with nothing required
    (cerberus's `update` mode), mutated in every way."""
    modules = registry().found[name].modules
    assert modules is not None
    tried = 0
    for path in PLANS:
        plan = load_file(path).data
        if plan["plan"]["orientation"] != name:
            continue
        for module in plan["orientation_details"][modules.field]:
            inner = registry().found[module[modules.orientation]].schema
            for variant in variants(module[modules.details], set(), "module"):
                for update in (True, False):
                    expected = cerberus_passes(inner, variant, update=update)
                    assert compiled_passes(inner, variant, update=update) is expected, variant
                    tried += 1
    assert tried > 50


@pytest.mark.parametrize("path", PRACTICE_FILES, ids=lambda p: p.stem)
def test_the_practice_file_and_each_of_its_mutations(path: Path) -> None:
    data = load_file(path).data
    results = []
    for variant in variants(data, set(), "practice"):
        expected = cerberus_passes(PRACTICE_SCHEMA, variant)
        assert compiled_passes(PRACTICE_SCHEMA, variant) is expected, _differs(variant, data)
        results.append(expected)
    assert results[0] and results.count(False) > 10


def test_random_combinations_of_mistakes() -> None:
    """Two to four mistakes at once, in random places of random plans (a fixed seed)."""
    rng = random.Random(12)
    samples = [(load_file(p).data, schema_of(p)) for p in PLANS]
    answers = []
    for _ in range(200):
        data, schema = rng.choice(samples)
        variant = data
        for _ in range(rng.randint(2, 4)):
            found = list(places(variant))
            path, value = rng.choice(found)
            _, new = rng.choice(list(wrong_values(value)))
            variant = mutated(variant, path, new)
        expected = cerberus_passes(schema, variant)
        assert compiled_passes(schema, variant) is expected, variant
        answers.append(expected)
    assert answers.count(False) > 100


def _differs(variant: dict[str, Any], original: dict[str, Any]) -> str:
    changed = [path for path, value in places(variant) if _at(original, path) != value]
    return f"the compiled check and cerberus disagree; changed near {changed[:3]}"


def _at(data: Any, path: DocPath) -> Any:
    try:
        for part in path:
            data = data[part]
    except (KeyError, IndexError, TypeError):
        return REMOVED
    return data


# --- rules the built-in schemas do not use, and schemas the compiler leaves to cerberus -----

TYPES = validate._Validator.types_mapping


@pytest.mark.parametrize(
    ("rules", "values"),
    [
        ({"type": "string", "nullable": True}, [None, "", "a", 3]),
        ({"type": "string", "nullable": False, "empty": True}, [None, "", "  ", "a"]),
        ({"type": "list", "empty": True, "minlength": 2}, [[], [1], [1, 2], None]),
        ({"type": "list", "empty": False, "maxlength": 1}, [[], [1], [1, 2], "ab"]),
        ({"type": "string", "empty": True, "regex": "[a-z]+"}, ["", "  ", "ab", "a1"]),
        ({"type": "string", "allowed": ["a", "b"], "empty": True}, ["", "a", "c", " "]),
        ({"type": "list", "allowed": ["a", "b"]}, [[], ["a"], ["a", "c"], ["a", ["b"]]]),
        ({"type": "integer", "min": 1, "max": 3}, [0, 1, 3, 4, True, 2.0, "2"]),
        ({"type": "number", "min": 0.5}, [0, 0.5, 1, False, "1"]),
        ({"type": ["string", "integer"], "min": 2}, ["a", 1, 2, True, None, []]),
        ({"min": 2}, ["a", 1, 2, True, None, [], dt.date(2026, 1, 1)]),
        ({"allowed": [1, "x"]}, [1, True, "x", ["x", 1], {"x": 1}, {"y": 1}, 2.0, None]),
        ({"minlength": 2, "maxlength": 3}, ["a", "abcd", [1, 2], {"a": 1}, 5, None]),
        ({"empty": False}, ["", " ", [], {}, 0, None, "a"]),
        ({"type": "date"}, [dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), "2026-01-01"]),
        ({"type": "boolean", "allowed": [True]}, [True, False, 1, None]),
        ({"type": "dict", "empty": True, "schema": {"a": {"required": True}}}, [{}, {"a": 1}]),
        ({"type": "dict", "schema": {"a": {"type": "integer"}}, "allow_unknown": True}, [{"b": 1}, {"a": "x"}]),
        ({"type": "list", "schema": {"type": "dict", "schema": {"a": {}}}}, [[{"b": 1}], [{"a": None}], [{}]]),
        ({"type": "list", "schema": {"type": "string", "regex": "[0-9]+"}}, [["1", "22"], ["1", "2x"], [None]]),
    ],
)  # fmt: skip
def test_each_rule_as_cerberus_applies_it(rules: Schema, values: list[Any]) -> None:
    for allow_unknown in (False, True):
        schema: Schema = {"field": rules, "other": {"type": "string", "required": True}}
        for value in values:
            for data in (
                {"field": value, "other": "x"},
                {"field": value},
                {"field": value, "x": 1},
            ):
                validator = validate.ready_validator(schema)
                validator.allow_unknown = allow_unknown
                validator.validate(data, normalize=False)
                check = compile_schema(validator.schema, TYPES, allow_unknown=allow_unknown)
                assert check is not None
                assert check(data) is (not validator._errors), (rules, data, allow_unknown)


@pytest.mark.parametrize(
    "rules",
    [
        {"type": "string", "coerce": int},
        {"type": "string", "forbidden": ["x"]},
        {"type": "dict", "schema": "a registered schema"},
        {"type": "dict", "schema": {"a": {"type": "string"}}, "allow_unknown": {"type": "string"}},
        {"schema": {"type": "string"}},
        {"type": "string", "allowed": {"a", "b"}},
        {"type": "custom"},
    ],
)
def test_a_schema_using_other_rules_is_left_to_cerberus(rules: Schema) -> None:
    assert compile_schema({"field": rules}, TYPES) is None


def test_the_findings_are_cerberus_s_with_or_without_the_compiled_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`check` reports the same for valid and broken plans whether the compiled check is
    there or cerberus is asked every time."""
    paths = []
    for path in [*PLANS, *write_caseload(tmp_path / "caseload", 10)]:
        text = path.read_text(encoding="utf-8")
        broken = text.replace("status: active", "status: activ").replace(
            "version: 1", "version: one"
        )
        paths += [path, tmp_path / f"{path.stem}-broken.yaml"]
        paths[-1].write_text(broken, encoding="utf-8")
    first = [check_file(p, today=TODAY).findings for p in paths]
    assert any(f.rule == "schema.allowed" for found in first for f in found)
    monkeypatch.setattr(validate, "compiled_check", lambda schema, update=False: _ask)
    second = [check_file(p, today=TODAY).findings for p in paths]
    assert first == second


def _ask(data: dict[str, Any]) -> None:
    return None


class _Both(dict[str, Any]):
    """A mapping that also says it is a sequence: no YAML file makes one."""


Sequence.register(_Both)


def test_a_value_no_yaml_file_holds_is_left_to_cerberus() -> None:
    """A value that is both a mapping and a sequence: cerberus would read the fields as rules
    for items, so the check does not guess."""
    schema: Schema = {"field": {"type": "dict", "schema": {"a": {"type": "integer"}}}}
    check = compile_schema(schema, TYPES)
    assert check is not None
    assert check({"field": {"a": 1}}) is True
    assert check({"field": _Both(a=1)}) is None
