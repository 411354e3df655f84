"""The loader's fast reading gives the data PyYAML's safe loader gives, and the position of every
key and value that PyYAML's own composer (the same C parser, its own bookkeeping) gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.caseload import write_caseload
from plandoc.errors import PlanInvalid
from plandoc.spec.loader import DocPath, Position, load_file
from tests.conftest import ROOT, SAMPLES

MIXED = """\
spec_version: 1
plan:
  orientation: cbt
  status: active
  review_interval_days: 90
  start_date: 2026-11-02
numbers: [0, -3, +4, 1_000, 0x1F, 017, 1.5, -0.25, 6.02e+3, 1e3]
words: [yes, No, on, OFF, true, False, null, ~, "", '', "yes", '12', "2026-11-02"]
empty:
tilde: ~
nested: {a: [1, [2, [3, {b: c}]]], "quoted key": 'single ''quoted''', plain: Rosa Delgado}
folded: >
  The client reports sleeping
  four to five hours a night.
literal: |
  line one
    # indented, and text
  line three
unicode: "Ñandú café – “quoted” naïve 😀"
after_unicode: {x: 1, y: [a, b]}
list_of_maps:
  - id: G1
    description: Attend every weekly session
  - id: G2
    objectives: []
    extras: {}
"""


def _files(tmp: Path) -> list[Path]:
    mixed = tmp / "mixed.yaml"
    mixed.write_text(MIXED, encoding="utf-8")
    plans = sorted(SAMPLES.glob("*.yaml")) + sorted((ROOT / "tests" / "plans").glob("*.yaml"))
    return [mixed, *plans, *write_caseload(tmp / "caseload", 12)]


def _positions(text: str) -> tuple[dict[DocPath, Position], dict[DocPath, Position]]:
    """Where each value and each key starts, from PyYAML's composed nodes."""
    values: dict[DocPath, Position] = {}
    keys: dict[DocPath, Position] = {}

    def at(node: Any) -> Position:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(node: Any, path: DocPath) -> None:
        values[path] = at(node)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                keys[(*path, key.value)] = at(key)
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(yaml.compose(text, Loader=yaml.CSafeLoader), ())
    return values, keys


def test_data_and_positions_are_pyyaml_s(tmp_path: Path) -> None:
    files = _files(tmp_path)
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = load_file(path)
        assert not [p for p in doc.problems if p.severity == "error"], (path, doc.problems)
        assert doc.data == yaml.load(text, Loader=yaml.SafeLoader), path
        values, keys = _positions(text)
        assert doc.values == values, path
        assert doc.keys == keys, path


def test_the_mixed_document_reads_each_kind_of_scalar(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED, encoding="utf-8")
    doc = load_file(path)
    assert doc.data["numbers"] == [0, -3, 4, 1000, 31, 15, 1.5, -0.25, 6020.0, "1e3"]
    texts = ["", "", "yes", "12", "2026-11-02"]
    assert doc.data["words"] == [True, False, True, False, True, False, None, None, *texts]
    assert doc.data["plan"]["start_date"] == dt.date(2026, 11, 2)
    assert doc.data["empty"] is None
    assert doc.locate(("after_unicode", "y", 1)) == (20, 30)
    warnings = [p for p in doc.problems if p.rule == "yaml.comment-in-text"]
    assert [(w.line, w.column) for w in warnings] == [(17, 5)]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('a: "bell \\x07 rings"\n', "text.control-character"),
        ("a: &x 1\nb: *x\n", "yaml.alias"),
        ("a: !!python/object:os.system 1\n", "yaml.tag"),
        ("a: 1\na: 2\n", "yaml.duplicate-key"),
        ("a: 2026-02-30\n", "yaml.value"),
        ("a: .inf\n", "yaml.value"),
        ("? [a]\n: 1\n", "yaml.key"),
    ],
)
def test_what_the_fast_reading_skips_is_still_reported(
    tmp_path: Path, text: str, rule: str
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        rules = [p.rule for p in load_file(path).problems]
    except PlanInvalid as exc:  # a problem that stops the load is raised with its findings
        rules = [f.rule for f in exc.findings]
    assert rule in rules
