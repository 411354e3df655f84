"""Loading is safe (no code runs, no expansion bombs) and keeps every position."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from plandoc import PlanInvalid, load_file
from plandoc.spec.loader import MAX_BYTES, load_bytes


def findings_of(raw: bytes) -> list[tuple[int, int, str]]:
    """Every problem loading reports: fatal ones raise, the others ride on the document."""
    try:
        found = load_bytes(raw, "p.yaml").problems
    except PlanInvalid as exc:
        found = list(exc.findings)
    assert found, "expected the loader to report a problem"
    return [(f.line, f.column, f.rule) for f in found]


def test_positions_of_keys_and_values_are_kept() -> None:
    doc = load_bytes(b"plan:\n  id: X\n  version: 2\nlist:\n  - a\n  - {b: 1}\n", "p.yaml")
    assert doc.data == {"plan": {"id": "X", "version": 2}, "list": ["a", {"b": 1}]}
    assert doc.locate(("plan", "version")) == (3, 12)
    assert doc.locate(("plan", "version"), key=True) == (3, 3)
    assert doc.locate(("list", 1, "b")) == (6, 9)
    assert doc.locate(("plan", "missing")) == (2, 3)  # falls back to the parent mapping


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    raw = f'spec_version: !!python/object/apply:os.system ["touch {marker}"]\n'.encode()
    doc = load_bytes(raw, "p.yaml")
    assert [(f.line, f.column, f.rule) for f in doc.problems] == [(1, 15, "yaml.tag")]
    assert "not allowed" in doc.problems[0].message
    assert not marker.exists()
    assert doc.data == {"spec_version": [f"touch {marker}"]}  # plain data, nothing constructed


def test_duplicate_keys_are_errors_with_both_places() -> None:
    doc = load_bytes(b"plan:\n  id: A\n  id: B\n", "p.yaml")
    (finding,) = doc.problems
    assert doc.data == {"plan": {"id": "A"}}
    assert (finding.line, finding.column, finding.rule) == (3, 3, "yaml.duplicate-key")
    assert "first at line 2" in finding.message


def test_billion_laughs_fails_fast_in_small_memory() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join('*' + prev for _ in range(9))}]")
    raw = ("\n".join(lines) + "\n").encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rules = {rule for _, _, rule in findings_of(raw)}
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert rules <= {"yaml.alias", "yaml.anchor", "yaml.limits"}
    assert "yaml.alias" in rules
    assert grown_kib < 50_000


def test_anchor_alone_is_refused() -> None:
    assert findings_of(b"a: &x 1\nb: 2\n") == [(1, 4, "yaml.anchor")]


def test_syntax_error_points_at_the_problem() -> None:
    ((line, _, rule),) = findings_of(b"plan:\n  id: [unclosed\n  version: 1\n")
    assert rule == "yaml.syntax"
    assert line >= 2


def test_bad_indentation_is_a_syntax_error() -> None:
    ((line, _, rule),) = findings_of(b"plan:\n  id: A\n version: 1\n")
    assert (line, rule) == (3, "yaml.syntax")


def test_impossible_date_is_reported_where_it_stands() -> None:
    doc = load_bytes(b"plan:\n  start_date: 2026-02-30\n", "p.yaml")
    assert [(f.line, f.column, f.rule) for f in doc.problems] == [(2, 15, "yaml.value")]


def test_empty_and_comment_only_files() -> None:
    assert findings_of(b"") == [(1, 1, "file.empty")]
    assert findings_of(b"# nothing here\n") == [(1, 1, "file.empty")]


def test_non_utf8_reports_the_byte_position() -> None:
    ((line, col, rule),) = findings_of(b"plan:\n  id: caf" + b"\xe9\n")
    assert (line, col, rule) == (2, 10, "file.encoding")


def test_utf8_bom_is_accepted() -> None:
    assert load_bytes(b"\xef\xbb\xbfa: 1\n", "p.yaml").data == {"a": 1}


def test_size_cap() -> None:
    assert findings_of(b"a: " + b"x" * MAX_BYTES + b"\n") == [(1, 1, "file.too-large")]


def test_root_must_be_a_mapping() -> None:
    assert findings_of(b"- a\n- b\n") == [(1, 1, "yaml.root")]


def test_second_document_is_refused() -> None:
    assert findings_of(b"a: 1\n---\nb: 2\n") == [(2, 1, "yaml.multiple-documents")]


def test_deep_nesting_is_bounded() -> None:
    raw = b"a: " + b"[" * 500 + b"]" * 500 + b"\n"
    assert findings_of(raw)[-1][2] == "yaml.limits"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanInvalid) as caught:
        load_file(tmp_path / "nope.yaml")
    assert caught.value.findings[0].rule == "file.missing"


def test_an_unquoted_comma_in_braces_says_to_quote_the_value() -> None:
    doc = load_bytes(b"clinician: {name: Rosa Delgado, PsyD, npi: '1457382913'}\n", "p.yaml")
    (finding,) = doc.problems
    assert (finding.line, finding.column, finding.rule) == (1, 33, "yaml.flow-comma")
    assert "quote a value that contains a comma" in finding.message
    assert '`name: "Rosa Delgado, PsyD"`' in finding.message
    assert doc.data == {"clinician": {"name": "Rosa Delgado", "npi": "1457382913"}}


def test_commas_that_yaml_reads_as_intended_are_not_flagged() -> None:
    raw = b"a: {name: x, empty: }\nb: Rosa Delgado, PsyD\nc: [Rosa Delgado, Sam Lee]\nd: {n: 'x, y'}\n"
    doc = load_bytes(raw, "p.yaml")
    assert doc.problems == []
    assert doc.data["b"] == "Rosa Delgado, PsyD"


def test_a_hash_line_inside_a_folded_block_is_a_warning_not_a_comment() -> None:
    raw = b"summary: >\n  She sleeps five hours.\n  # ask about naps\n  Works nights.\nnote: a # not a block\n"
    doc = load_bytes(raw, "p.yaml")
    (finding,) = doc.problems
    assert (finding.line, finding.column, finding.severity) == (3, 3, "warning")
    assert finding.rule == "yaml.comment-in-text"
    assert "# ask about naps" in doc.data["summary"]  # YAML keeps it as text: hence the warning


def test_a_name_and_its_credentials_split_by_a_list_comma_is_a_warning() -> None:
    doc = load_bytes(b"f: [Andre Castellanos, LCSW, Hannah Osei, LPC]\ng: [PhD, MD]\n", "p.yaml")
    assert [(f.line, f.column, f.severity, f.rule) for f in doc.problems] == [
        (1, 24, "warning", "yaml.flow-comma"),
        (1, 43, "warning", "yaml.flow-comma"),
    ]
    assert '("Andre Castellanos, LCSW")' in doc.problems[0].message
