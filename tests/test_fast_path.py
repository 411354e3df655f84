"""The fast Word path writes the same bytes as the straightforward one.

The straightforward path lets python-docx save the package, rewrites it with stable bytes and
reads it back to inspect it; the fast one writes the zip straight from the parts (unchanged
parts copied already compressed) and inspects the parts it holds in memory. Every Word file
plandoc writes for the samples — plan, safety-plan handout, change summary, redline — is
rendered both ways through the real bounded worker and compared byte for byte."""

from __future__ import annotations

import copy
import io
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cerberus
import pytest
from lxml import etree

from plandoc.render.output.write import stable_zip, stable_zip_of
from plandoc.render.pipeline import RenderOptions, render_file
from plandoc.render.sandbox import worker
from plandoc.render.word import writer as word
from plandoc.revise.summary import diff_files
from plandoc.spec.orientations import FIELD_KEYS, registry
from plandoc.spec.practice import load_practice
from plandoc.spec.validate import ready_validator
from tests.conftest import SAMPLES, TODAY, patched_word_template

REVISIONS = SAMPLES / "revisions"
W_MAIN = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def both_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bytes, bytes]]]:
    """Every Word render made twice in the worker, the reference path first."""
    pairs: list[tuple[str, bytes, bytes]] = []
    real = worker.run

    def run(function: Any, payload: dict[str, Any], **how: Any) -> bytes:
        if function is not word.run_job:
            return real(function, payload, **how)
        reference = real(function, {**payload, "fast": False}, **how)
        fast = real(function, payload, **how)
        pairs.append((str(payload["what"]), reference, fast))
        return fast

    monkeypatch.setattr(worker, "run", run)
    yield pairs


def _assert_same(pairs: list[tuple[str, bytes, bytes]]) -> None:
    assert pairs
    for what, reference, fast in pairs:
        assert fast == reference, f"{what}: the fast path wrote other bytes"
        package = zipfile.ZipFile(io.BytesIO(fast))
        assert package.testzip() is None
        assert package.namelist()[0] == "[Content_Types].xml"
        body = etree.fromstring(package.read("word/document.xml")).find(f"{W_MAIN}body")
        assert body is not None and len(body)


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_plan_and_handout_same_bytes_both_ways(
    sample: Path, tmp_path: Path, both_ways: list[tuple[str, bytes, bytes]]
) -> None:
    options = RenderOptions(formats=("docx", "safety-plan"), outdir=tmp_path, today=TODAY)
    result = render_file(sample, options)
    assert result.ok, result.error
    _assert_same(both_ways)
    assert (tmp_path / f"{sample.stem}.docx").read_bytes() == both_ways[0][2]


@pytest.mark.parametrize("name", sorted({p.stem[:-3] for p in REVISIONS.glob("*-v1.yaml")}))
@pytest.mark.parametrize("fmt", ["docx", "redline"])
def test_revisions_same_bytes_both_ways(
    name: str, fmt: str, tmp_path: Path, both_ways: list[tuple[str, bytes, bytes]]
) -> None:
    for version in ("v1", "v2"):  # each version alone, as a plan
        render_file(
            REVISIONS / f"{name}-{version}.yaml",
            RenderOptions(formats=("docx",), outdir=tmp_path, today=TODAY),
        )
    written, _ = diff_files(
        REVISIONS / f"{name}-v1.yaml", REVISIONS / f"{name}-v2.yaml", fmt, f"{tmp_path}/",
        today=TODAY,
    )  # fmt: skip
    _assert_same(both_ways)
    if fmt == "docx":  # the change summary is the last Word render; a redline is built from two
        assert written.read_bytes() == both_ways[-1][2]


def test_a_practice_logo_in_the_headers_same_bytes_both_ways(
    tmp_path: Path, both_ways: list[tuple[str, bytes, bytes]]
) -> None:
    """The sample practice's logo goes in every header of the plan and in the handout's body:
    pictures in header parts as well as in the document."""
    practice = load_practice(SAMPLES / "practice" / "plandoc-practice.yaml")
    options = RenderOptions(
        formats=("docx", "safety-plan"), outdir=tmp_path, today=TODAY, practice=practice
    )
    result = render_file(SAMPLES / "practice" / "cbt-by-id.yaml", options)
    assert result.ok, result.error
    _assert_same(both_ways)
    header = zipfile.ZipFile(io.BytesIO(both_ways[0][2])).read("word/header1.xml")
    assert b"<pic:pic" in header


EDITS = {
    # tabs and line breaks in a value: docxtpl's listing turns them into Word's
    "listing": ("word/document.xml", b"<w:t>{{ title }}</w:t>", b"<w:t>{{ title ~ '\\tA\\nB' }}</w:t>"),
    # a header that says more, from the plan
    "header": ("word/header1.xml", b"<w:t>{{ plan.practice.name }}</w:t>",
               b"<w:t>{{ plan.practice.name }} ({{ client.id }})</w:t>"),
    # a body that is no longer well-formed XML: the fast path leaves it to the reference path
    "broken": ("word/document.xml", b"<w:t>{{ title }}</w:t>", b"<w:t>{{ '&lt;w:p&gt;' | safe }}</w:t>"),
}  # fmt: skip


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_templates_same_bytes_both_ways(
    edit: str, tmp_path: Path, both_ways: list[tuple[str, bytes, bytes]]
) -> None:
    part, old, new = EDITS[edit]
    folder = patched_word_template(tmp_path / "templates", part, old, new)
    options = RenderOptions(
        formats=("docx",), outdir=tmp_path / "out", templates=(folder,), today=TODAY
    )
    result = render_file(SAMPLES / "cbt.yaml", options)
    assert result.ok, result.error
    _assert_same(both_ways)
    if edit == "broken":  # docxtpl's parser recovers what it can of it; so does the fast path
        return
    xml = zipfile.ZipFile(io.BytesIO(both_ways[0][2])).read(part)
    assert b"<w:tab/>A</w:t>" not in xml  # a tab, not a tab character
    assert (b"<w:br/>" in xml) if edit == "listing" else (b"(CL-" in xml)


def test_the_direct_zip_is_the_stable_zip_of_the_same_parts() -> None:
    parts = [
        ("_rels/.rels", b"<Relationships/>"),
        ("[Content_Types].xml", b"<Types/>" * 50),
        ("word/document.xml", "<w:document>é</w:document>".encode()),
        ("word/media/image1.png", bytes(range(256)) * 4),
    ]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts:
            package.writestr(name, data)
    assert stable_zip_of(parts) == stable_zip(plain.getvalue())
    assert stable_zip_of(parts) == stable_zip_of(parts)  # the second time from the cache


def test_the_schema_check_validates_with_is_the_one_cerberus_accepts() -> None:
    """plandoc skips cerberus's validation of its own schema at each start; here cerberus
    validates every built-in orientation's plan schema (and each module orientation's own),
    and expands it to exactly the mapping plandoc's validator holds."""
    known = registry(())
    for name in known.names():
        orientation = known.get(name)
        assert orientation is not None
        for schema in (orientation.plan_schema, orientation.schema):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                checked = cerberus.Validator(copy.deepcopy(schema)).schema.schema
            assert ready_validator(copy.deepcopy(schema)).schema == checked, name


NORMALISING = {"default", "default_setter", "coerce", "rename", "rename_handler", "purge_unknown"}


def _rules(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        return set(schema) | {rule for value in schema.values() for rule in _rules(value)}
    if isinstance(schema, list | tuple):
        return {rule for value in schema for rule in _rules(value)}
    return set()


def test_no_schema_normalises_so_validation_may_skip_it() -> None:
    """check validates without cerberus's normalisation pass; that holds only while no rule
    of the spec, a built-in orientation or a practice's orientation normalises."""
    known = registry(())
    for name in known.names():
        orientation = known.get(name)
        assert orientation is not None
        assert not _rules(orientation.plan_schema) & NORMALISING, name
    assert not set(FIELD_KEYS) & NORMALISING
