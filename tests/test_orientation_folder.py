"""An orientation is a folder: a practice adds one through --templates alone, with no code, and
every command works with it; a broken one is reported at its own file:line:col."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.render.pdf.libreoffice import soffice
from tests.conftest import ROOT, SAMPLES, TODAY

Run = Callable[..., Result]

ORIENTATION = """\
# Solution-focused brief therapy, written by a practice.
name: solution-focused
label: Solution-Focused Brief Therapy
summary: Builds on what already works, through exceptions and scaling.
suggested_interventions:
  - The miracle question
  - Scaling questions each session
schema:
  miracle_picture: {type: string, required: true, description: What the client says will be different the morning after the miracle.}
  exceptions:
    type: list
    item: Exception
    description: Times the problem was absent or smaller.
    schema:
      type: dict
      schema:
        id: {type: string, required: true, regex: '[A-Za-z][A-Za-z0-9._-]{0,39}', description: Stable identifier.}
        when: {type: string, required: true, description: When it happened.}
        what_helped: {type: string, description: What the client did differently.}
  scaling:
    type: list
    item: Scale
    match_by: topic
    description: Scales from 0 to 10.
    schema:
      type: dict
      schema:
        topic: {type: string, required: true, description: What is scaled.}
        now: {type: integer, required: true, min: 0, max: 10, description: Where the client puts it today.}
        goal: {type: string, description: The goal the scale belongs to.}
rules:
  - id: solution-focused.scale-goal
    kind: refers-to
    field: scaling[].goal
    target: goals
    message: the scale belongs to a goal that is not in the plan
layout:
  - title: The miracle picture
    blocks:
      - {kind: text, field: miracle_picture}
  - title: Exceptions
    blocks:
      - kind: table
        field: exceptions
        columns: [{field: when, label: When}, {field: what_helped, label: What helped}]
  - title: Scaling
    blocks:
      - kind: table
        field: scaling
        columns: [{field: topic, label: Topic}, {field: now, label: Now (0–10)}]
"""

DETAILS = """orientation_details:
  miracle_picture: "I'd wake up and go for a walk without checking the door three times."
  exceptions:
    - {id: E1, when: The Saturday market with her sister, what_helped: Going early before the crowds}
  scaling:
    - {topic: Confidence going out alone, now: 3, goal: G1}
"""


def practice(tmp_path: Path) -> Path:
    folder = tmp_path / "practice"
    (folder / "orientations" / "solution-focused").mkdir(parents=True)
    (folder / "orientations" / "solution-focused" / "orientation.yaml").write_text(ORIENTATION)
    return folder


def plan_text(version: int = 1) -> str:
    """The CBT sample, made a solution-focused plan (version 2 adds a revision entry)."""
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = text.replace("orientation: cbt", "orientation: solution-focused", 1)
    start, end = text.index("orientation_details:"), text.index("\nsafety_plan:")
    text = text[:start] + DETAILS + text[end:]
    if version == 2:
        text = text.replace("\n  version: 1\n", "\n  version: 2\n", 1)
        entry = "  - {version: 2, date: 2026-11-20, reason: progress, summary: A second exception noted., author: 'Daniel Reyes, LCSW'}\n"
        text = text.replace("\nsignatures:", entry + "\nsignatures:", 1)
    return text


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    v1 = tmp_path / "sf-v1.yaml"
    v1.write_text(plan_text())
    v2 = tmp_path / "sf-v2.yaml"
    second = "    - {id: E2, when: Her niece's birthday party, what_helped: Having a job to do}\n"
    v2.write_text(
        plan_text(2).replace(
            DETAILS, DETAILS.replace("  scaling:", second.rstrip("\n") + "\n  scaling:", 1)
        )
    )
    return {"v1": v1, "v2": v2, "folder": practice(tmp_path)}


def test_a_practice_orientation_works_in_every_command(
    run: Run, files: dict[str, Path], tmp_path: Path
) -> None:
    folder, v1, v2 = str(files["folder"]), str(files["v1"]), str(files["v2"])
    today = ("--today", TODAY.isoformat())

    unknown = run("check", v1, *today)
    assert unknown.exit_code == 1 and "unknown orientation `solution-focused`" in unknown.output

    checked = run("check", v1, v2, "--templates", folder, *today)
    assert checked.exit_code == 0, checked.output

    starter = tmp_path / "new.yaml"
    made = run(
        "new", "--orientation", "solution-focused", "-o", str(starter), "--templates", folder
    )
    assert made.exit_code == 0, made.output
    assert run("check", str(starter), "--templates", folder).exit_code == 0

    out = tmp_path / "out"
    formats = ["-f", "md", "-f", "docx"] + (["-f", "pdf"] if soffice() else [])
    rendered = run("render", v1, *formats, "-o", str(out), "--templates", folder, *today)
    assert rendered.exit_code == 0, rendered.output
    markdown = (out / "sf-v1.md").read_text()
    assert "## Solution-Focused Brief Therapy" in markdown and "### The miracle picture" in markdown
    assert "Going early before the crowds" in markdown
    with zipfile.ZipFile(out / "sf-v1.docx") as package:
        assert "Saturday market" in package.read("word/document.xml").decode()

    for fmt, name in (
        ("md", "sf-v2.diff.md"),
        ("docx", "sf-v2.diff.docx"),
        ("redline", "sf-v2.redline.docx"),
    ):
        done = run("diff", v1, v2, "-f", fmt, "-o", f"{out}/", "--templates", folder, *today)
        assert done.exit_code == 0, done.output
        assert (out / name).stat().st_size > 0
    summary = (out / "sf-v2.diff.md").read_text()
    assert "**Exception E2** added: Her niece’s birthday party" in summary
    assert "## Solution-Focused Brief Therapy" in summary

    listed = run("templates", "list", "--templates", folder)
    assert "solution-focused" in listed.output and "Solution-Focused Brief Therapy" in listed.output
    assert run("templates", "check", folder).exit_code == 0


def test_a_practice_orientations_rules_run(
    run: Run, files: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(files["v1"].read_text().replace("goal: G1}", "goal: G7}"))
    result = run(
        "check", str(bad), "--templates", str(files["folder"]), "--today", TODAY.isoformat()
    )
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1) if "goal: G7" in t)
    assert result.exit_code == 1
    assert f"{bad}:{line}:" in result.output
    assert "the scale belongs to a goal that is not in the plan: `G7`" in result.output
    assert "[solution-focused.scale-goal]" in result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    item: Scale\n", "", "a list needs `item`"),
        ("    match_by: topic\n", "", "needs `match_by`"),
        ("regex: '[A-Za-z][A-Za-z0-9._-]{0,39}'", "regex: '(a+)+$'", "only the id pattern"),
        ("    target: goals\n", "    target: goalz\n", "`target` must be one of"),
        (
            "      - {kind: text, field: miracle_picture}",
            "      - {kind: text, field: miracle_pictur}",
            "`miracle_pictur` is not a field",
        ),
        ("name: solution-focused", "name: solution", "must be the folder's name"),
        (
            "  miracle_picture: {type: string,",
            "  miracle_picture: {type: text,",
            "`type` must be one of",
        ),
    ],
    ids=["no-item", "no-match-by", "regex", "target", "layout-field", "name", "type"],
)
def test_a_broken_practice_orientation_is_reported_in_its_own_file(
    run: Run, files: dict[str, Path], old: str, new: str, message: str
) -> None:
    path = files["folder"] / "orientations" / "solution-focused" / "orientation.yaml"
    assert old in ORIENTATION
    path.write_text(ORIENTATION.replace(old, new, 1))
    result = run("check", str(files["v1"]), "--templates", str(files["folder"]))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(
        rf"{re.escape(str(path))}:\d+:\d+: error: .*{re.escape(message)}", result.output
    ), result.output
    linted = run("templates", "check", str(files["folder"]))
    assert linted.exit_code == 1 and message in linted.output


def test_a_practice_can_replace_a_built_in_orientation(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "practice" / "orientations" / "cbt"
    folder.mkdir(parents=True)
    text = (ROOT / "templates" / "orientations" / "cbt" / "orientation.yaml").read_text()
    (folder / "orientation.yaml").write_text(
        text.replace("label: Cognitive Behavioral Therapy", "label: CBT (Riverside house style)")
    )
    out = tmp_path / "out"
    result = run(
        "render",
        str(SAMPLES / "cbt.yaml"),
        "-f",
        "md",
        "-o",
        str(out),
        "--templates",
        str(tmp_path / "practice"),
        "--today",
        TODAY.isoformat(),
    )
    assert result.exit_code == 0, result.output
    assert "## CBT (Riverside house style)" in (out / "cbt.md").read_text()


def test_the_built_in_orientations_are_folders_the_code_does_not_name() -> None:
    """No Python file names an orientation: the folders are the only list."""
    names = sorted(
        p.name
        for p in (ROOT / "templates" / "orientations").iterdir()
        if (p / "orientation.yaml").is_file()
    )
    assert len(names) >= 7
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "plandoc").rglob("*.py"))
    named = [n for n in names if re.search(rf"[\"'`]{re.escape(n)}[\"'`]", source)]
    assert named == [], f"orientation names in the code: {named}"
    assert shutil.which("python3")
