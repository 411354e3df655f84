"""Every text in the spec has a length limit suited to its kind, so a plan that passes `check`
can be rendered: a 200,000-character title or defence name is refused by `check` itself, with
the field, its length and the limit."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from plandoc.check.characters import kind_at
from plandoc.check.pipeline import check_file
from plandoc.spec import validate
from plandoc.spec.orientations import registry
from plandoc.spec.practice import SCHEMA as PRACTICE_SCHEMA
from plandoc.spec.schema import LENGTHS, Schema, bounded, plan_schema
from tests.conftest import ROOT, SAMPLES, TODAY, line_of, variant

PLANS = sorted(SAMPLES.glob("**/*.yaml")) + sorted((ROOT / "tests" / "plans").glob("**/*.yaml"))
PLANS = [p for p in PLANS if p.name != "plandoc-practice.yaml"]
PRACTICE = SAMPLES / "practice" / "plandoc-practice.yaml"


def _texts(schema: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
    """Every text field's rules in *schema*, with its dotted path."""
    for name, rules in schema.items():
        yield from _texts_in(rules, f"{path}.{name}" if path else name)


def _texts_in(rules: Schema, path: str) -> Iterator[tuple[str, Schema]]:
    inner = rules.get("schema")
    if rules.get("type") == "string":
        yield path, rules
    elif rules.get("type") == "dict" and isinstance(inner, dict):
        yield from _texts(inner, path)
    elif rules.get("type") == "list" and isinstance(inner, dict):
        yield from _texts_in(inner, f"{path}[]")


def _schemas() -> Iterator[tuple[str, Schema]]:
    yield "plan", plan_schema(None)
    for name, orientation in sorted(registry(()).found.items()):
        yield name, orientation.plan_schema
    yield "practice", bounded(PRACTICE_SCHEMA)


@pytest.mark.parametrize(("name", "schema"), list(_schemas()), ids=lambda v: str(v)[:20])
def test_every_text_field_has_a_limit(name: str, schema: Schema) -> None:
    unbounded = [
        path
        for path, rules in _texts(schema)
        if "maxlength" not in rules and "allowed" not in rules
    ]
    assert not unbounded, f"{name}: texts without a length limit: {unbounded}"
    assert len(list(_texts(schema))) > 10


def _strings(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, (*path, index))


def test_the_limits_leave_headroom_over_every_sample_and_published_plan() -> None:
    """The longest text of each kind in the samples and published plans is at most a third of
    its kind's limit: the limits refuse only what no plan holds."""
    longest = dict.fromkeys(LENGTHS, 0)
    for path in PLANS:
        result = check_file(path, today=TODAY)
        schema = plan_schema(None)
        name = (
            (result.document.data.get("plan") or {}).get("orientation") if result.document else None
        )
        if name in registry(()).found:
            schema = registry(()).found[name].plan_schema
        assert result.document is not None
        for where, text in _strings(result.document.data):
            kind = kind_at(schema, where)
            if kind in longest:
                longest[kind] = max(longest[kind], len(text))
    for kind, length in longest.items():
        assert length * 3 <= LENGTHS[kind] or kind == "id", (kind, length)
    assert longest["prose"] > 500 and longest["name"] > 50  # the walk saw the plans' texts


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_no_sample_or_published_plan_meets_a_limit(path: Path) -> None:
    result = check_file(path, today=TODAY, practice=None)
    assert not [f for f in result.findings if f.rule == "schema.length"]


def test_a_title_of_200000_characters_is_refused_by_check_and_render(
    run: Callable[..., Result], write: Callable[..., Path], cbt_text: str, tmp_path: Path
) -> None:
    title = "  title: CBT treatment plan — panic and agoraphobia\n"
    long = "Panic and avoidance " * 10_000
    plan = write(variant(cbt_text, title, f"  title: {long}\n"))
    result = run("check", "--today", str(TODAY), str(plan))
    assert result.exit_code == 1
    line = line_of(cbt_text, title)
    assert (
        f"{plan}:{line}:10: error: `plan.title` is 199,999 characters long; a one-line text "
        "(a title, an address) holds at most 500: shorten it"
    ) in result.output
    assert "Traceback" not in result.output
    out = tmp_path / "out"
    rendered = run("render", "--today", str(TODAY), "-o", str(out), "--format", "md", str(plan))
    assert rendered.exit_code == 1
    assert not list(out.rglob("*.md")) if out.exists() else True


def test_a_name_in_an_orientation_s_section_is_bounded_as_a_name(
    run: Callable[..., Result], write: Callable[..., Path]
) -> None:
    text = (SAMPLES / "psychodynamic.yaml").read_text(encoding="utf-8")
    plan = write(variant(text, "- name: Turning against the self", "- name: " + "x" * 200_000))
    result = run("check", "--today", str(TODAY), str(plan))
    assert result.exit_code == 1
    assert (
        "`orientation_details.defences[0].name` is 200,000 characters long; a name holds at "
        "most 300: shorten it (put any detail in a note) [schema.length]"
    ) in result.output


def test_a_text_at_its_limit_passes_and_one_over_it_does_not(
    write: Callable[..., Path], cbt_text: str
) -> None:
    old = "    name: Maya Okafor\n"
    at_limit = write(variant(cbt_text, old, f"    name: {'M' * 300}\n"), "at.yaml")
    over = write(variant(cbt_text, old, f"    name: {'M' * 301}\n"), "over.yaml")
    assert not [f for f in check_file(at_limit, today=TODAY).findings if f.rule == "schema.length"]
    found = [f for f in check_file(over, today=TODAY).findings if f.rule == "schema.length"]
    assert [f.message for f in found] == [
        "`participants[0].name` is 301 characters long; a name holds at most 300: shorten it "
        "(put any detail in a note)"
    ]


def test_a_practice_file_s_texts_are_bounded(run: Callable[..., Result], tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    shutil.copytree(SAMPLES / "practice", folder)
    practice = folder / "plandoc-practice.yaml"
    text = practice.read_text(encoding="utf-8")
    practice.write_text(
        variant(text, "name: Riverside Counselling Collective", "name: " + "R" * 5_000),
        encoding="utf-8",
    )
    result = run(
        "check", "--today", str(TODAY), "--practice", str(practice), str(folder / "cbt-by-id.yaml")
    )
    assert result.exit_code == 1
    assert "`name` is 5,000 characters long; a name holds at most 300" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "schema"), list(_schemas()), ids=lambda v: str(v)[:20])
def test_the_compiled_check_agrees_with_cerberus_on_lengths(name: str, schema: Schema) -> None:
    """For each text field, a value at its limit and one over it: the compiled check answers
    as cerberus does (the differential tests in test_compiled_validator cover the rest)."""
    validator = validate.ready_validator(schema)
    for path, rules in _texts(schema):
        if "maxlength" not in rules or "regex" in rules:
            continue
        for length in (rules["maxlength"], rules["maxlength"] + 1):
            data = _document_with(path, "a" * length)
            validator.validate(data, update=True, normalize=False)
            assert validate.compiled_check(schema, update=True)(data) is (not validator._errors), (
                name,
                path,
                length,
            )


def _document_with(dotted: str, value: str) -> dict[str, Any]:
    """A partial document holding *value* at *dotted* (``a.b[].c``), lists of one item."""
    out: Any = value
    for part in reversed(dotted.split(".")):
        key, lists = part.rstrip("[]"), part.count("[]")
        for _ in range(lists):
            out = [out]
        out = {key: out}
    assert yaml.safe_dump(out)  # plain data, as a YAML file gives
    return dict(out)
