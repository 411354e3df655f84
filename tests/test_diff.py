"""Revision diffs: the semantic change list, the summaries, the Word redline."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from plandoc import load_file
from plandoc.render.context import build as context
from plandoc.render.word.writer import render_docx
from plandoc.revise import diff, summary
from plandoc.revise.diff import Change, DiffRefused, PlanDiff, word_edits
from plandoc.revise.redline import W
from tests.conftest import ORIENTATIONS, SAMPLES, TODAY, model
from tests.oracle import accept_all, change_counts, paragraph_texts, reject_all


# These tests make plan variants as data; the library takes plan models.
def diff_plans(old: dict[str, Any], new: dict[str, Any], **options: Any) -> PlanDiff:
    return diff.diff_plans(model(old), model(new), **options)


def render_diff(
    old: dict[str, Any], new: dict[str, Any], fmt: str, **options: Any
) -> tuple[bytes, tuple[str, ...]]:
    return summary.render_diff(model(old), model(new), fmt, **options)


def build_context(data: dict[str, Any]) -> dict[str, Any]:
    return context.build_context(model(data))


Run = Callable[..., Result]
PAIRS = ("agoraphobia", "burnout")
GOLDEN = Path(__file__).parent / "golden"


def pair(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = SAMPLES / "revisions"
    return load_file(folder / f"{name}-v1.yaml").data, load_file(folder / f"{name}-v2.yaml").data


def find(changes: tuple[Change, ...], *path: str) -> Change:
    hits = [c for c in changes if c.path == path]
    assert hits, f"no change at {path}"
    return hits[0]


@pytest.mark.parametrize("name", ORIENTATIONS)
def test_a_plan_against_itself_has_no_changes(name: str) -> None:
    data = load_file(SAMPLES / f"{name}.yaml").data
    diff = diff_plans(data, copy.deepcopy(data))
    assert diff.changes == () and diff.empty


def test_progress_review_is_described_by_stable_ids() -> None:
    diff = diff_plans(*pair("agoraphobia"))
    assert diff.revision is not None and diff.revision.reason == "progress"
    assert diff.revision.date == dt.date(2026, 11, 2)
    assert find(diff.changes, "goals", "G1", "objectives", "G1.O1", "status").new == "achieved"
    added = find(diff.changes, "goals", "G2", "objectives", "G2.O3")
    assert added.kind == "added" and added.label == "Objective G2.O3"
    assert (
        find(diff.changes, "goals", "G2", "objectives", "G2.O1", "interventions", "G2.O1.I2").kind
        == "removed"
    )
    target = find(diff.changes, "goals", "G2", "objectives", "G2.O1", "measure", "target")
    assert (target.old, target.new) == (3, 5)
    sessions = find(diff.changes, "services", "S1", "frequency")
    assert (sessions.label, sessions.old, sessions.new) == (
        "Service S1: sessions",
        "once a week",
        "twice a month",
    )
    words = find(diff.changes, "goals", "G2", "objectives", "G2.O1", "description").edits
    assert next(e.text.strip() for e in words if e.op == "insert") == "five"
    gad7 = next(p for p in diff.progress if p.label == "GAD-7")
    assert (gad7.old, gad7.new, gad7.direction) == (15, 8, "better")
    assert not any(c.path == ("plan", "status") for c in diff.changes), (
        "superseded → active is not a change"
    )


def test_life_event_revision_shows_worsening_and_new_items() -> None:
    diff = diff_plans(*pair("burnout"))
    assert diff.revision is not None and diff.revision.reason == "life_event"
    phq9 = next(p for p in diff.progress if p.label == "PHQ-9")
    assert phq9.direction == "worse" and phq9.new > (phq9.old or 0)
    assert find(diff.changes, "assessment", "diagnoses", "Z56.0").kind == "added"
    assert find(diff.changes, "goals", "G1", "status").new == "discontinued"
    assert find(diff.changes, "goals", "G3").kind == "added"


def test_a_dbt_target_moving_down_the_hierarchy_is_a_move() -> None:
    old = load_file(SAMPLES / "dbt.yaml").data
    new = copy.deepcopy(old)
    hierarchy = new["orientation_details"]["target_hierarchy"]
    target = hierarchy["therapy_interfering"].pop(0)
    hierarchy["quality_of_life"].append(target)
    (moved,) = [c for c in diff_plans(old, new).changes if c.kind == "moved"]
    assert moved.path[-1] == target["id"] and "therapy_interfering" in moved.moved_from


def test_word_edits_rebuild_both_texts() -> None:
    edits = word_edits("Visit the park twice a week.", "Visit the big park three times a week.")
    assert "".join(e.text for e in edits if e.op != "insert") == "Visit the park twice a week."
    assert (
        "".join(e.text for e in edits if e.op != "delete")
        == "Visit the big park three times a week."
    )


def test_different_plans_are_refused_without_force() -> None:
    old, _ = pair("agoraphobia")
    other = load_file(SAMPLES / "cbt.yaml").data
    with pytest.raises(DiffRefused, match="different plans"):
        diff_plans(old, other)
    assert diff_plans(old, other, force=True).changes


def test_different_clients_are_refused() -> None:
    old, new = pair("agoraphobia")
    new = copy.deepcopy(new)
    new["participants"][0]["id"] = "CL-99999"
    with pytest.raises(DiffRefused, match="different clients"):
        diff_plans(old, new)


def test_version_not_increasing_and_missing_revision_entry_warn() -> None:
    old, new = pair("agoraphobia")
    assert any("not greater" in w for w in diff_plans(new, old).warnings)
    new = copy.deepcopy(new)
    new["revisions"] = new["revisions"][:1]
    assert any("no revision entry" in w for w in diff_plans(old, new).warnings)


@pytest.mark.parametrize("name", PAIRS)
def test_markdown_summary_matches_golden_file(name: str) -> None:
    text = render_diff(*pair(name), "md")[0].decode()
    assert all(line.count("- **") <= 1 for line in text.splitlines()), "two list items ran together"
    golden = GOLDEN / f"{name}.diff.md"
    if os.environ.get("PLANDOC_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAIRS)
def test_word_summary_is_strict_xml(name: str) -> None:
    data = render_diff(*pair(name), "docx")[0]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = etree.fromstring(package.read("word/document.xml"), etree.XMLParser(recover=False))
    text = "".join(t.text or "" for t in body.iter(f"{W}t"))
    assert "Progress on measures" in text and "Why:" in text and "{{" not in text


@pytest.mark.parametrize("name", PAIRS)
def test_redline_accepts_to_the_new_plan_and_rejects_to_the_old(name: str) -> None:
    old, new = pair(name)
    redline = render_diff(old, new, "redline")[0]
    then = copy.deepcopy(old)
    then["plan"]["status"] = new["plan"]["status"]
    assert accept_all(redline) == paragraph_texts(render_docx(build_context(new)))
    assert reject_all(redline) == paragraph_texts(render_docx(build_context(then)))
    counts = change_counts(redline)
    assert counts["ins"] > 10 and counts["del"] > 5


def test_redline_marks_are_signed_by_the_revision_and_rows_are_tracked_whole() -> None:
    old, new = pair("agoraphobia")
    redline = render_diff(old, new, "redline")[0]
    with zipfile.ZipFile(io.BytesIO(redline)) as package:
        body = etree.fromstring(package.read("word/document.xml"), etree.XMLParser(recover=False))
    marks = list(body.iter(f"{W}ins", f"{W}del"))
    assert {m.get(f"{W}author") for m in marks} == {"Helena Marsh, PsyD"}
    # the revision's date; whole paragraphs and rows two minutes on, so that LibreOffice does
    # not join them with an edit ending the paragraph before (redline._Marks.make)
    assert {m.get(f"{W}date") for m in marks} == {"2026-11-02T00:00:00Z", "2026-11-02T00:02:00Z"}
    ids = [m.get(f"{W}id") for m in marks]
    assert len(ids) == len(set(ids))
    inserted_rows = [tr for tr in body.iter(f"{W}tr") if tr.find(f"{W}trPr/{W}ins") is not None]
    assert any("G2.O3" in "".join(t.text or "" for t in tr.iter(f"{W}t")) for tr in inserted_rows)


def test_redline_is_the_same_bytes_twice() -> None:
    assert (
        render_diff(*pair("burnout"), "redline")[0] == render_diff(*pair("burnout"), "redline")[0]
    )


def test_diff_cli_writes_all_three_outputs(run: Run, tmp_path: Path) -> None:
    old, new = (str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2))
    for fmt in ("md", "docx", "redline"):
        result = run("diff", old, new, "-f", fmt, "-o", str(tmp_path), "--today", TODAY.isoformat())
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "agoraphobia-v2.diff.docx",
        "agoraphobia-v2.diff.md",
        "agoraphobia-v2.redline.docx",
    ]


def test_diff_cli_refuses_and_reports(run: Run, tmp_path: Path) -> None:
    old = str(SAMPLES / "revisions" / "agoraphobia-v1.yaml")
    result = run("diff", old, str(SAMPLES / "cbt.yaml"), "-f", "md", "-o", str(tmp_path / "x.md"))
    assert (
        result.exit_code == 1
        and "pass --force" in result.output
        and not (tmp_path / "x.md").exists()
    )
    forced = run(
        "diff", old, str(SAMPLES / "cbt.yaml"), "-f", "md", "-o", str(tmp_path / "x.md"), "--force"
    )
    assert forced.exit_code == 0
    backwards = run(
        "diff",
        str(SAMPLES / "revisions" / "agoraphobia-v2.yaml"),
        old,
        "-f",
        "md",
        "-o",
        str(tmp_path / "y.md"),
        "--today",
        TODAY.isoformat(),
    )
    assert (
        backwards.exit_code == 0
        and "warning: the new file's version (1) is not greater" in backwards.output
    )


def test_diff_cli_checks_both_files_first(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((SAMPLES / "cbt.yaml").read_text().replace("status: active", "status: activ", 1))
    result = run(
        "diff", str(SAMPLES / "cbt.yaml"), str(bad), "-f", "md", "-o", str(tmp_path / "out.md")
    )
    assert (
        result.exit_code == 1 and f"{bad}:" in result.output and "[schema.allowed]" in result.output
    )


# --- properties over generated plan pairs ---------------------------------------------------

BASE = load_file(SAMPLES / "cbt.yaml").data


def _objectives(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for g in plan["goals"] for o in g["objectives"]]


MUTATIONS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "goal words": lambda p, d: p["goals"][d(st.integers(0, len(p["goals"]) - 1))].__setitem__(
        "client_words",
        d(
            st.sampled_from(
                [
                    "I want my life back.",
                    "To feel at home in town again, café & all.",
                    "Go <out> | more",
                ]
            )
        ),
    ),
    "objective text": lambda p, d: d(st.sampled_from(_objectives(p))).__setitem__(
        "description",
        d(
            st.sampled_from(
                [
                    "Walk to the park twice a week.",
                    "Ride the bus alone, twice, by March.",
                    "Log every attack.",
                ]
            )
        ),
    ),
    "status": lambda p, d: d(st.sampled_from(_objectives(p))).__setitem__(
        "status", d(st.sampled_from(["achieved", "improving", "not_achieved"]))
    ),
    "target": lambda p, d: p["goals"][0]["objectives"][0]["measure"].__setitem__(
        "target", d(st.integers(0, 4))
    ),
    "drop objective": lambda p, d: (
        p["goals"][1]["objectives"].pop(d(st.integers(0, len(p["goals"][1]["objectives"]) - 1)))
        if len(p["goals"][1]["objectives"]) > 1
        else None
    ),
    "add objective": lambda p, d: p["goals"][0]["objectives"].append(
        {
            **copy.deepcopy(p["goals"][0]["objectives"][0]),
            "id": "G1.O9",
            "description": "Sleep seven hours on five nights a week.",
            "interventions": [
                {"id": "G1.O9.I1", "description": "Sleep diary review.", "frequency": "weekly"}
            ],
        }
    ),
    "drop intervention": lambda p, d: p["goals"][0]["objectives"][0]["interventions"].pop(),
    "strength": lambda p, d: p["assessment"]["strengths"].append("Back at choir on Thursdays"),
    "frequency": lambda p, d: p["services"][0]["frequency"].__setitem__(
        "count", d(st.integers(1, 3))
    ),
    "new score": lambda p, d: p["measurements"].append(
        {"instrument": "gad7", "date": dt.date(2026, 11, 25), "score": d(st.integers(0, 21))}
    ),
    "reorder goals": lambda p, d: p["goals"].reverse(),
    "table shape": lambda p, d: [
        step.pop("completed", None) for step in p["orientation_details"]["exposure_hierarchy"]
    ],
    "duplicate strength": lambda p, d: p["assessment"]["strengths"].append(
        p["assessment"]["strengths"][0]
    ),
    "same-day score": lambda p, d: p["measurements"].append(
        {**p["measurements"][-1], "score": d(st.integers(0, 10))}
    ),
}


@st.composite
def plan_pairs(draw: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    new = copy.deepcopy(BASE)
    names = draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4, unique=True))
    for name in names:
        MUTATIONS[name](new, draw)
    return BASE, new, names


def _items_by_id(value: Any, out: dict[str, str]) -> dict[str, str]:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            out[value["id"]] = json.dumps(value, sort_keys=True, default=str)
        for child in value.values():
            _items_by_id(child, out)
    elif isinstance(value, list):
        for child in value:
            _items_by_id(child, out)
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_pairs())
def test_property_every_differing_id_is_named(
    pair_: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    old, new, _ = pair_
    before, after = _items_by_id(old, {}), _items_by_id(new, {})
    differing = {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}
    named = {i for change in diff_plans(old, new).changes for i in change.ids}
    assert differing <= named


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_pairs())
def test_property_redline_accepts_to_new_and_rejects_to_old(
    pair_: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    old, new, _ = pair_
    before, after = render_docx(build_context(old)), render_docx(build_context(new))
    redline = render_diff(old, new, "redline")[0]
    assert accept_all(redline) == paragraph_texts(after)
    assert reject_all(redline) == paragraph_texts(before)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_pairs())
def test_property_a_plan_against_itself_is_empty(
    pair_: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    _, plan, _ = pair_
    assert diff_plans(plan, copy.deepcopy(plan)).changes == ()
    assert change_counts(render_diff(plan, copy.deepcopy(plan), "redline")[0]) == {
        "ins": 0,
        "del": 0,
    }


def test_a_column_appearing_in_a_table_is_tracked() -> None:
    new = load_file(SAMPLES / "cbt.yaml").data
    old = copy.deepcopy(new)
    for step in old["orientation_details"]["exposure_hierarchy"]:
        step.pop("completed", None)
    redline = render_diff(old, new, "redline")[0]
    assert reject_all(redline) == paragraph_texts(render_docx(build_context(old)))
    assert accept_all(redline) == paragraph_texts(render_docx(build_context(new)))


def test_items_sharing_a_key_do_not_overwrite_each_other() -> None:
    old = load_file(SAMPLES / "cbt.yaml").data
    new = copy.deepcopy(old)
    new["measurements"].append({**new["measurements"][-1], "score": 4})
    new["assessment"]["strengths"].append(new["assessment"]["strengths"][0])
    changes = diff_plans(old, new).changes
    assert [c.kind for c in changes if c.section == "measurements"] == ["added"]
    assert [c.kind for c in changes if c.path[:2] == ("assessment", "strengths")] == ["added"]


def test_a_reused_id_is_not_mistaken_for_a_move() -> None:
    old = load_file(SAMPLES / "cbt.yaml").data
    new = copy.deepcopy(old)
    del new["problems"][1]
    new["goals"][1]["problems"] = ["P1"]
    changes = diff_plans(old, new).changes
    assert not [c for c in changes if c.kind == "moved"]
    assert find(changes, "problems", "P2").kind == "removed"


SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
FIELD_PATH = re.compile(r"\b[a-z_]+\.[a-z_]+\b")


def _plan_words(value: Any, pattern: re.Pattern[str]) -> set[str]:
    """The words matching *pattern* in a plan's own text (which the summary may quote)."""
    if isinstance(value, dict):
        return {w for v in value.values() for w in _plan_words(v, pattern)}
    if isinstance(value, list):
        return {w for v in value for w in _plan_words(v, pattern)}
    return set(pattern.findall(value)) if isinstance(value, str) else set()


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return "\n".join("".join(p.itertext()) for p in root.iter(f"{W}p"))


@pytest.mark.parametrize("name", PAIRS)
def test_summaries_speak_in_labels_not_field_names(run: Run, tmp_path: Path, name: str) -> None:
    old, new = (SAMPLES / "revisions" / f"{name}-v{n}.yaml" for n in (1, 2))
    own = [load_file(old).data, load_file(new).data]
    for fmt in ("md", "docx"):
        out = tmp_path / f"summary.{fmt}"
        result = run("diff", str(old), str(new), "-f", fmt, "-o", str(out), "--today", TODAY.isoformat())  # fmt: skip
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8") if fmt == "md" else _docx_text(out)
        text = re.sub(r"<!-- plandoc:summary .* -->", "", text)
        assert "›" not in text
        for pattern in (SNAKE, FIELD_PATH):
            found = set(pattern.findall(text.replace("\\_", "_")))
            assert found <= _plan_words(own, pattern), (fmt, found)


def burnout_summary(run: Run, tmp_path: Path, fmt: str) -> Path:
    """The burnout pair's change summary, written by the command line."""
    old, new = (str(SAMPLES / "revisions" / f"burnout-v{n}.yaml") for n in (1, 2))
    out = tmp_path / f"burnout.diff.{fmt}"
    result = run("diff", old, new, "-f", fmt, "-o", str(out), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    return out


def test_summary_opens_with_key_changes_risk_first(run: Run, tmp_path: Path) -> None:
    out = burnout_summary(run, tmp_path, "md")
    text = out.read_text(encoding="utf-8")
    block = text.split("## Key changes\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block[0] == "- ⚠ **Risk raised: low → moderate**"
    assert "- Objective G1.O1 achieved" in block and "- Goal G1 discontinued" in block
    assert "- Service S1: sessions: twice a month → once a week" in block
    assert text.index("## Key changes") < text.index("## Progress on measures")


def test_whole_items_added_are_shown_whole(run: Run, tmp_path: Path) -> None:
    out = burnout_summary(run, tmp_path, "md")
    lines = out.read_text(encoding="utf-8").splitlines()

    def under(head: str) -> list[str]:
        start = lines.index(head) + 1
        found = []
        while start < len(lines) and lines[start].startswith("    - "):
            found.append(lines[start].removeprefix("    - "))
            start += 1
        return found

    goal = under(next(line for line in lines if line.startswith("- **Goal G3** added")))
    assert [g.split(":")[0] for g in goal] == ["Objective G3.O1", "Objective G3.O2", "Objective G3.O3"]  # fmt: skip
    assert "Job applications and networking messages sent: 1 → 5" in goal[0]
    assert goal[0].endswith("due 14 Dec 2026")
    (service,) = under(next(line for line in lines if line.startswith("- **Service S2** added")))
    assert service.startswith("90853; 90 minutes; once a week; 8 weeks")
    assert under("- **Contact** added: Dana Kim") == ["friend: 303-555-0195"]
    levels = under("- **GAS scale** added: G3")
    assert [level.split(":")[0] for level in levels] == ["−2", "−1", "0", "+1", "+2"]


def test_word_summary_colours_edits_and_flags_risk(run: Run, tmp_path: Path) -> None:
    out = burnout_summary(run, tmp_path, "docx")
    with zipfile.ZipFile(out) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    runs = {"".join(r.itertext()): r for r in root.iter(f"{W}r")}
    flag = runs["⚠ Risk raised: low → moderate"]
    assert flag.find(f"{W}rPr/{W}b") is not None and flag.find(f"{W}rPr/{W}color") is not None
    struck = [r for r in root.iter(f"{W}r") if r.find(f"{W}rPr/{W}strike") is not None]
    assert struck and all(r.find(f"{W}rPr/{W}color") is not None for r in struck)
    underlined = [r for r in root.iter(f"{W}r") if r.find(f"{W}rPr/{W}u") is not None]
    assert underlined and all(r.find(f"{W}rPr/{W}color") is not None for r in underlined)


def test_punctuation_is_its_own_token_in_word_edits() -> None:
    edits = word_edits("before signing it.", "before signing it. At the review he agreed.")
    assert [(e.op, e.text) for e in edits] == [
        ("equal", "before signing it."),
        ("insert", " At the review he agreed."),
    ]


def test_progress_shows_the_course_and_the_change_since_baseline(run: Run, tmp_path: Path) -> None:
    out = burnout_summary(run, tmp_path, "md")
    lines = out.read_text(encoding="utf-8").splitlines()
    course = next(line for line in lines if line.startswith("- PHQ-9: "))
    assert course.startswith("- PHQ-9: 12 (27 May) → ")
    assert course.endswith("6 (21 Sep) → 18 (6 Oct) → 16 (19 Oct)")
    row = next(line for line in lines if line.startswith("| PHQ-9 |"))
    assert "| +4 | +3 (from 13 on 20 May 2026) | worse |" in row
