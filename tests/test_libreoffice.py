"""Every sample opens in a real client: LibreOffice converts the Word file to PDF, and the
PDF's text holds the client, every goal and every objective."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from plandoc.render.context.formatting import show_date
from plandoc.render.pdf.libreoffice import docx_to_pdf, soffice
from plandoc.render.pipeline import render_bytes
from tests.conftest import ORIENTATIONS, SAMPLES, plan_at
from tests.test_render import context_of, hostile_plan, squash

pytestmark = pytest.mark.skipif(
    soffice() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext are not installed; .ci/run installs them",
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return unhyphenate(done.stdout)


def unhyphenate(text: str) -> str:
    """pdftotext joins a word broken at a hyphen ("I-" / "25" → "I25"): compare without them."""
    return squash(text.replace("\u00ad", "").replace("-", ""))


def fragments(text: str) -> list[str]:
    """Pieces of a sentence that survive line-wrapping inside table cells."""
    words = unhyphenate(text).split()
    return [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)]


ALL_SAMPLES = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """The PDF's pages as laid-out text (pdftotext separates them with a form feed)."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split("\f")[:-1]


@pytest.fixture(scope="module")
def sample_pdfs() -> dict[str, tuple[dict[str, Any], bytes]]:
    """Every sample's Word plan, converted by LibreOffice once for the page tests."""
    found = {}
    for path in ALL_SAMPLES:
        context = context_of(path)
        found[path.stem] = (context, docx_to_pdf(render_bytes(context, "docx")))
    return found


@pytest.mark.parametrize("stem", [p.stem for p in ALL_SAMPLES])
def test_page_one_is_the_payers_page(stem: str, sample_pdfs: Any, tmp_path: Path) -> None:
    """A reviewer finds the primary diagnosis, every service code, the next review and the
    signature status without turning the page."""
    context, pdf = sample_pdfs[stem]
    first = " ".join(pages_of(pdf, tmp_path)[0].split())
    primary = next(d for d in context["diagnoses"] if d["kind"].startswith("Primary"))
    assert primary["code"] in first
    for service in context["services"]:
        assert service["code"] in first, service["id"]
    assert f"next review {show_date(context['next_review'])}" in first
    for payer in context["coverage"]:
        assert payer["member_id"] in first
    assert "Signatures" in first
    if context["status_banner"]:
        assert context["status_banner"].split(" — ")[0] in first


@pytest.mark.parametrize("stem", [p.stem for p in ALL_SAMPLES])
def test_no_goal_heading_ends_a_page(stem: str, sample_pdfs: Any, tmp_path: Path) -> None:
    """A goal's heading is on the page of its status line and the first rows of its
    objectives: the last goal heading on each page has them below it on that page."""
    context, pdf = sample_pdfs[stem]
    with_objectives = {g["id"] for g in context["goals"] if g["objectives"]}
    for number, page in enumerate(pages_of(pdf, tmp_path), start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        headings = [i for i, line in enumerate(lines) if re.match(r"Goal G\d+: ", line)]
        if not headings:
            continue
        goal = lines[headings[-1]].split(":")[0].removeprefix("Goal ")
        rest = " ".join(lines[headings[-1] + 1 :])
        assert "Status:" in rest, f"page {number}: goal {goal}'s heading ends the page"
        if goal in with_objectives:
            assert "Objective" in rest and "Measure" in rest, (
                f"page {number}: goal {goal}'s objectives start on the next page"
            )


@pytest.mark.parametrize("name", ORIENTATIONS)
def test_each_sample_converts_and_reads_completely(name: str, tmp_path: Path) -> None:
    context = context_of(SAMPLES / f"{name}.yaml")
    pdf = docx_to_pdf(render_bytes(context, "docx"))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert unhyphenate(context["client"]["name"]) in text
    assert unhyphenate(context["orientation"]["label"]) in text
    for goal in context["goals"]:
        for piece in fragments(goal["client_words"]):
            assert piece in text, f"goal {goal['id']}: {piece!r} missing"
        for objective in goal["objectives"]:
            for piece in fragments(objective["description"]):
                assert piece in text, f"objective {objective['id']}: {piece!r} missing"
    assert "Page 1 of" in text


def test_hostile_text_converts(tmp_path: Path, cbt_text: str) -> None:
    context = context_of(hostile_plan(tmp_path, cbt_text))
    text = pdf_text(docx_to_pdf(render_bytes(context, "docx")), tmp_path)
    assert "Tom & Jerry <script>alert(‘x’)</script>" in text
    assert "café" in text


def test_render_pdf_through_the_cli(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = run("render", str(SAMPLES / "cbt.yaml"), "-f", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "cbt.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["agoraphobia", "burnout"])
def test_redline_and_summary_convert(name: str, tmp_path: Path) -> None:
    from plandoc.revise.summary import render_diff

    old, new = (plan_at(SAMPLES / "revisions" / f"{name}-v{n}.yaml") for n in (1, 2))
    redline = docx_to_pdf(render_diff(old, new, "redline")[0])
    text = pdf_text(redline, tmp_path)
    assert unhyphenate(new.goals[0].client_words or "").split()[0] in text
    summary = pdf_text(docx_to_pdf(render_diff(old, new, "docx")[0]), tmp_path)
    assert "Progress on measures" in summary and "What changed" in summary


def test_pdf_bytes_are_the_same_every_time() -> None:
    """LibreOffice stamps the time and a random ID; plandoc fixes both, offsets unchanged."""
    context = context_of(SAMPLES / "cbt.yaml")
    first, second = (render_bytes(context, "pdf") for _ in range(2))
    assert first == second
    assert b"/CreationDate(D:20261005000000" in first  # the plan's own date
    assert first.rstrip().endswith(b"%%EOF")
