"""The redline pairs items by id, as the change summary does, so the two cannot disagree: an
item inserted mid-table or mid-list is one tracked insertion, and the ids whose blocks carry
tracked changes are exactly the ids the summary reports (among those the document shows).
LibreOffice's verdict on the same pairs is in test_redline_client.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from benchmarks.redline import big_plan, revised
from plandoc import load_file
from plandoc.cli import main
from plandoc.revise import align, summary
from plandoc.revise.diff import diff_plans
from plandoc.revise.redline import DOCUMENT, W, row_text, text_of
from tests.conftest import TODAY, model
from tests.revision_pairs import EDITS, harder_pair

Element = Any
VERSION_FIELDS = ("version 2 3 of", "last reviewed", "This version was signed", "20 Nov 2026")
"""Page 1's version, review and as-of lines and the revision history's new row: what every
revision changes."""


def _tracked(container: Element) -> list[tuple[str, str]]:
    """(what, text) of each tracked row and paragraph: "row+"/"row-" for whole rows, "p+"/"p-"
    for whole paragraphs, "edit" for words changed inside one."""
    found: list[tuple[str, str]] = []
    for child in container:
        if child.tag == f"{W}tbl":
            for row in child.findall(f"{W}tr"):
                mark = row.find(f"{W}trPr/{W}ins"), row.find(f"{W}trPr/{W}del")
                if mark[0] is not None or mark[1] is not None:
                    found.append(("row+" if mark[0] is not None else "row-", row_text(row)))
                    continue
                for cell in row.findall(f"{W}tc"):
                    found += _tracked(cell)
        elif child.tag == f"{W}p":
            end = child.find(f"{W}pPr/{W}rPr")
            inserted = end is not None and end.find(f"{W}ins") is not None
            deleted = end is not None and end.find(f"{W}del") is not None
            if inserted or deleted:
                found.append(("p+" if inserted else "p-", text_of(child)))
            elif child.find(f"{W}ins") is not None or child.find(f"{W}del") is not None:
                found.append(("edit", text_of(child)))
    return found


def _body(path: Path) -> Element:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        return etree.fromstring(package.read(DOCUMENT)).find(f"{W}body")


def _anchors(container: Element) -> set[str]:
    """The ids a document shows at the start of its paragraphs and rows."""
    texts = [text_of(p) for p in container.iter(f"{W}p")]
    texts += [row_text(r) for r in container.iter(f"{W}tr")]
    return {a for a in (align.unit("", t).anchor for t in texts) if a}


@pytest.fixture(scope="module")
def redlined(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    """A pair's tracked rows and paragraphs (version fields aside), the ids both versions'
    documents show, and the ids the change summary reports; made once per pair."""
    made: dict[str, dict] = {}

    def make(name: str) -> dict:
        if name not in made:
            made[name] = _redline(name, tmp_path_factory.mktemp(name))
        return made[name]

    return make


def _redline(name: str, folder: Path) -> dict:
    old, new = harder_pair(name, folder)
    day = TODAY.isoformat()
    runner = CliRunner()
    done = runner.invoke(main, ["diff", str(old), str(new), "-f", "redline", "-o", f"{folder}/", "--today", day])  # fmt: skip
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["render", str(old), str(new), "-f", "docx", "-o", str(folder), "--today", day])  # fmt: skip
    assert done.exit_code == 0, done.output
    changes = diff_plans(model(load_file(old).data), model(load_file(new).data)).changes
    return {
        "redline": folder / f"{new.stem}.redline.docx",
        "tracked": [
            t
            for t in _tracked(_body(folder / f"{new.stem}.redline.docx"))
            if not any(field in t[1] for field in VERSION_FIELDS)
        ],
        "shown": _anchors(_body(folder / f"{old.stem}.docx"))
        | _anchors(_body(folder / f"{new.stem}.docx")),
        "reported": {i for change in changes for i in change.ids},
    }


def test_a_row_inserted_mid_table_is_one_tracked_insertion(redlined: Callable[[str], dict]) -> None:
    assert redlined("row-mid-table")["tracked"] == [
        ("row+", "X9\u241fDrive over the bridge at dusk with the radio off\u241f60\u241f")
    ]


def test_an_item_inserted_mid_list_is_one_tracked_insertion(
    redlined: Callable[[str], dict],
) -> None:
    assert redlined("item-mid-list")["tracked"] == [
        ("p+", "What a panic attack can and cannot do to his heart")
    ]


# A new score changes its objective's progress cell, which the summary reports by measure.
@pytest.mark.parametrize("name", [n for n in EDITS if n not in ("measurement", "all")])
def test_the_tracked_ids_are_the_ids_the_summary_reports(
    name: str, redlined: Callable[[str], dict]
) -> None:
    found = redlined(name)
    tracked = {align.unit("", text).anchor for _, text in found["tracked"]} - {None}
    assert tracked == found["reported"] & found["shown"]


def _changed_words(xml: bytes) -> tuple[list[str], list[str]]:
    root = etree.fromstring(xml)
    deleted = ["".join(t.text or "" for t in d.iter(f"{W}delText")) for d in root.iter(f"{W}del")]
    inserted = ["".join(t.text or "" for t in i.iter(f"{W}t")) for i in root.iter(f"{W}ins")]
    return [d.strip() for d in deleted if d.strip()], [i.strip() for i in inserted if i.strip()]


def test_headers_footers_and_properties_follow_the_new_version(
    redlined: Callable[[str], dict],
) -> None:
    with zipfile.ZipFile(redlined("date")["redline"]) as package:
        header, footer = package.read("word/header1.xml"), package.read("word/footer1.xml")
        core = package.read("docProps/core.xml").decode()
    assert _changed_words(header) == (["v2"], ["v3"])
    assert _changed_words(footer) == (["2"], ["3"])
    fields = [f.get(f"{W}instr") for f in etree.fromstring(footer).iter(f"{W}fldSimple")]
    assert fields == ["PAGE", "NUMPAGES"]  # the page numbers kept, once each
    assert "Version 3 with its changes from version 2 tracked" in core


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from("abcdefghij"), max_size=40),
    st.lists(st.sampled_from("abcdefghij"), max_size=40),
    st.sampled_from([0, 4, 10_000]),
)
def test_alignment_of_long_documents_turns_one_sequence_into_the_other(
    a: list[str], b: list[str], limit: int
) -> None:
    """However it splits the work (item by item, or at unique items first when a stretch is
    too large), the alignment covers both sides in order and equal stretches are equal."""
    codes = align.opcodes(a, b, limit=limit, out_of_time=lambda: False)
    rebuilt: list[str] = []
    i = j = 0
    for op, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        if op == "equal":
            assert a[i1:i2] == b[j1:j2]
        rebuilt += b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))
    assert rebuilt == b


def test_a_long_document_with_changes_all_through_it_keeps_its_unchanged_items() -> None:
    """Patience splitting: with the middle too large to align item by item, every unchanged
    item is still matched, so only the changed ones are tracked."""
    a = [f"item {n}" for n in range(2000)]
    b = [f"item {n}" + (" edited" if n % 100 == 50 else "") for n in range(2000)]
    codes = align.opcodes(a, b, limit=1000, out_of_time=lambda: False)
    changed = sum(i2 - i1 for op, i1, i2, _, _ in codes if op != "equal")
    assert changed == 20


def test_two_large_versions_are_checked_at_once_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above PARALLEL_BYTES the old version is checked in a forked process while the new one
    is checked here: the summary is the same as checking them one after the other, and an
    error in the old version is still reported with its line."""
    data = big_plan(120)
    old, new = tmp_path / "big-v2.yaml", tmp_path / "big-v3.yaml"
    old.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    new.write_text(yaml.safe_dump(revised(data), sort_keys=False, allow_unicode=True), "utf-8")
    assert min(old.stat().st_size, new.stat().st_size) >= summary.PARALLEL_BYTES
    runner, day = CliRunner(), TODAY.isoformat()
    at_once = runner.invoke(main, ["diff", str(old), str(new), "-f", "md", "-o", str(tmp_path / "a.md"), "--today", day])  # fmt: skip
    monkeypatch.setattr(summary, "PARALLEL_BYTES", 10**12)
    in_turn = runner.invoke(main, ["diff", str(old), str(new), "-f", "md", "-o", str(tmp_path / "b.md"), "--today", day])  # fmt: skip
    assert at_once.exit_code == in_turn.exit_code == 0, at_once.output + in_turn.output
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()
    monkeypatch.undo()
    old.write_text(old.read_text(encoding="utf-8").replace("status: active", "status: shiny", 1), "utf-8")  # fmt: skip
    failed = runner.invoke(main, ["diff", str(old), str(new), "-f", "md", "-o", str(tmp_path / "c.md"), "--today", day])  # fmt: skip
    assert failed.exit_code == 1 and f"{old}:" in failed.output and "shiny" in failed.output
    assert not (tmp_path / "c.md").exists()
