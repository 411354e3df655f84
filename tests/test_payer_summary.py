"""The payer summary (`render -f payer-summary`): the minimum necessary to authorize care —
identifiers and coverage, diagnoses, measurable objectives, services, dates, risk level and
signatures — on one or two pages, and nothing of the formulation, the client's quotations or
the orientation section."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from plandoc.render.context.build import build_context
from plandoc.render.context.labels import load_labels
from plandoc.render.pdf.libreoffice import soffice
from plandoc.render.pipeline import render_bytes
from tests.conftest import SAMPLES, TODAY, plan_at, variant
from tests.test_render import GOLDEN, W, body_text, docx_parts, squash

Run = Callable[..., Result]
ALL_SAMPLES = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))
TITLE = "Treatment plan summary for authorization"
NARRATIVE_MIN = 24
"""Narrative strings this long or longer are looked for (shorter ones, such as a one-word
strength, may honestly appear in an objective)."""


def render(run: Run, out: Path, *args: str) -> Result:
    return run("render", *args, "-o", str(out), "--today", TODAY.isoformat(), "--quiet")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def narrative(context: dict[str, Any]) -> list[str]:
    """What a payer summary must leave out, taken from the plan itself: the orientation's
    details (the formulation), the client's own words, the clinician's narrative summary and
    what informs the risk level."""
    data = context["plan"]
    found = list(strings(data["orientation_details"]))
    found += list(strings(data["assessment"]["presenting_problem"]))
    found += [g["client_words"] for g in data["goals"] if g["client_words"]]
    risk = data["assessment"]["risk"]
    found += [risk["summary"]] if risk and risk.get("summary") else []
    found += [r["summary"] for r in data["assessment"]["risks"] if r.get("summary")]
    return [squash(s) for s in found if len(s) >= NARRATIVE_MIN]


def word_paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style, text) of each paragraph of a Word file's body."""
    document = docx_parts(data)["word/document.xml"]
    found = []
    for p in document.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        found.append(("" if style is None else style.get(f"{W}val"), "".join(p.itertext())))
    return found


def test_every_sample_gets_a_summary_with_what_a_payer_needs(run: Run, tmp_path: Path) -> None:
    done = render(run, tmp_path, *map(str, ALL_SAMPLES), "-f", "payer-summary")
    assert done.exit_code == 0, done.output
    for path in ALL_SAMPLES:
        context = build_context(plan_at(path))
        markdown = (tmp_path / f"{path.stem}.payer-summary.md").read_text(encoding="utf-8")
        word_file = (tmp_path / f"{path.stem}.payer-summary.docx").read_bytes()
        word = squash(body_text(docx_parts(word_file)))
        assert markdown.startswith(f"# {TITLE}\n")
        assert ("Title", TITLE) in word_paragraphs(word_file)
        for text in (squash(markdown), word):
            assert squash(context["client"]["name"]) in text, path.name
            assert context["client"]["id"] in text
            for diagnosis in context["diagnoses"]:
                assert diagnosis["code"] in text, f"{path.name}: {diagnosis['code']}"
            for service in context["services"]:
                assert squash(service["code_text"]) in text and squash(service["planned"]) in text
            for coverage in context["coverage"]:
                assert coverage["member_id"] in text
                assert coverage["authorization_number"] in text
            for goal in context["goals"]:
                for objective in goal["objectives"]:
                    assert objective["id"] in text and squash(objective["text"]) in text
            assert "next review" in text.lower()
            for signature in context["signatures"]:
                assert squash(signature["printed"]) in text


def test_the_summary_leaves_out_the_formulation_quotations_and_orientation(
    run: Run, tmp_path: Path
) -> None:
    done = render(run, tmp_path, *map(str, ALL_SAMPLES), "-f", "payer-summary")
    assert done.exit_code == 0, done.output
    looked_for = 0
    for path in ALL_SAMPLES:
        context = build_context(plan_at(path))
        raw = (tmp_path / f"{path.stem}.payer-summary.md").read_text("utf-8")
        markdown = squash(raw)
        word_file = (tmp_path / f"{path.stem}.payer-summary.docx").read_bytes()
        word = squash(body_text(docx_parts(word_file)))
        left_out = narrative(context)
        looked_for += len(left_out)
        for text in (markdown, word):
            shown = [s for s in left_out if s in text]
            assert shown == [], f"{path.name}: {shown}"
        headings = {t for s, t in word_paragraphs(word_file) if s.startswith("Heading")}
        sections = {s["title"] for s in context["orientation"]["sections"]}
        sections.add(context["orientation"]["label"])
        assert headings & sections == set(), path.name
        md_headings = set(re.findall(r"^#+ (.*)$", raw, re.M))  # lines: before squashing
        assert len(md_headings) > 3 and md_headings & sections == set(), path.name
    assert looked_for > 100  # the test looks for real text from every sample


def test_the_cbt_formulation_and_quotes_are_in_the_plan_but_not_the_summary(
    run: Run, tmp_path: Path
) -> None:
    """The same strings, named: the test above would pass vacuously if nothing were found."""
    done = render(run, tmp_path, str(SAMPLES / "cbt.yaml"), "-f", "md", "-f", "payer-summary")
    assert done.exit_code == 0, done.output
    plan = squash((tmp_path / "cbt.md").read_text("utf-8"))
    summary = squash((tmp_path / "cbt.payer-summary.md").read_text("utf-8"))
    context = build_context(plan_at(SAMPLES / "cbt.yaml"))
    quote = squash(context["plan"]["goals"][0]["client_words"])
    formulation = [s for s in narrative(context) if s in plan]
    assert quote in plan and quote not in summary
    assert len(formulation) > 5 and not [s for s in formulation if s in summary]
    assert "## Case conceptualization" in (tmp_path / "cbt.md").read_text("utf-8")
    assert "Case conceptualization" not in summary


@pytest.mark.parametrize("name", ["cbt", "substance-use-iop"])
def test_the_summary_matches_its_golden_file(name: str) -> None:
    context = build_context(plan_at(SAMPLES / f"{name}.yaml"))
    text = render_bytes(context, "payer-summary.md").decode("utf-8")
    golden = GOLDEN / f"{name}.payer-summary.md"
    if os.environ.get("PLANDOC_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"run PLANDOC_UPDATE_GOLDEN=1 pytest to accept a change to {golden.name}"
    )


def test_the_risk_level_is_shown_without_what_informs_it() -> None:
    context = build_context(plan_at(SAMPLES / "substance-use-iop.yaml"))
    rows = {f["label"]: f["value"] for f in context["payer"]["facts"]}
    risk = rows["Risk level"]
    assert "Substance use: moderate (assessed 9 Nov 2026)" in risk
    for domain in context["plan"]["assessment"]["risks"]:
        if domain["summary"]:
            assert squash(domain["summary"]) not in squash(risk)
    assert rows["Level of care"].startswith("ASAM 2.1")
    assert list(rows)[-1] == "Data as of"


def test_a_superseded_or_draft_version_says_so(run: Run, tmp_path: Path) -> None:
    old = SAMPLES / "revisions" / "agoraphobia-v1.yaml"
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    draft.write_text(variant(text, "  status: active", "  status: draft"), encoding="utf-8")
    done = render(run, tmp_path, str(old), str(draft), "-f", "payer-summary")
    assert done.exit_code == 0, done.output
    for stem, banner, mark in (
        ("agoraphobia-v1", "SUPERSEDED — replaced by version 2 on 2 Nov 2026", "SUPERSEDED"),
        ("draft", "DRAFT — not signed", "DRAFT"),
    ):
        markdown = (tmp_path / f"{stem}.payer-summary.md").read_text(encoding="utf-8")
        assert f"**{banner}" in markdown.split("\n## ")[0]
        parts = docx_parts((tmp_path / f"{stem}.payer-summary.docx").read_bytes())
        assert banner in body_text(parts)
        header = next(n for n in parts if n.startswith("word/header"))
        assert mark in body_text(parts, header)


def test_british_spelling_and_the_same_bytes_twice(run: Run, tmp_path: Path) -> None:
    context = build_context(plan_at(SAMPLES / "dbt.yaml"), load_labels("en-GB"))
    text = render_bytes(context, "payer-summary.md").decode("utf-8")
    assert text.startswith("# Treatment plan summary for authorisation\n")
    assert "- **Authorisation:**" in text
    first = render_bytes(context, "payer-summary.docx")
    assert first == render_bytes(context, "payer-summary.docx")
    props = docx_parts(first)["docProps/core.xml"]
    assert "Payer summary" in "".join(props.itertext())


def test_the_template_is_in_sync_with_its_build_script(tmp_path: Path) -> None:
    import sys

    script = SAMPLES.parent / "scripts" / "build_docx_template.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    import zipfile

    committed = SAMPLES.parent / "templates" / "payer-summary.docx"
    with zipfile.ZipFile(tmp_path / "payer-summary.docx") as a, zipfile.ZipFile(committed) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []


@pytest.mark.skipif(
    soffice() is None or shutil.which("pdfinfo") is None,
    reason="LibreOffice and pdfinfo are not installed; .ci/run installs them",
)
def test_every_summary_is_one_or_two_pages(run: Run, tmp_path: Path) -> None:
    done = render(run, tmp_path, *map(str, ALL_SAMPLES), "-f", "payer-summary-pdf")
    assert done.exit_code == 0, done.output
    pages = {}
    for path in ALL_SAMPLES:
        pdf = tmp_path / f"{path.stem}.payer-summary.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        pages[path.stem] = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert {stem: n for stem, n in pages.items() if n not in (1, 2)} == {}
    assert pages["cbt"] == 1


def test_every_summary_and_its_appendix_is_valid_word(run: Run, tmp_path: Path) -> None:
    """The payer summary with a compliance appendix, and the plan with one, pass the strict
    OOXML validator and would open in Word without a repair prompt."""
    from openxml_audit import OpenXmlValidator, predict
    from openxml_audit.errors import ValidationSeverity
    from openxml_audit.verdict import AppPrediction

    args = [*map(str, ALL_SAMPLES), "-f", "payer-summary", "--profile", "medicare"]
    done = render(run, tmp_path, *args, "--profile", "medicaid-90")
    assert done.exit_code == 0, done.output
    assert (
        render(
            run, tmp_path, str(SAMPLES / "dbt.yaml"), "-f", "docx", "--profile", "carf"
        ).exit_code
        == 0
    )
    validator = OpenXmlValidator(max_errors=0)
    for path in [*sorted(tmp_path.glob("*.payer-summary.docx")), tmp_path / "dbt.docx"]:
        result = validator.validate(path)
        errors = [e for e in result.errors if e.severity == ValidationSeverity.ERROR]
        assert errors == [], f"{path.name}: {errors[:5]}"
        assert predict(result).prediction == AppPrediction.OPENS_CLEAN, path.name


def test_the_primary_diagnosis_comes_first_and_a_rule_out_never_leads(tmp_path: Path) -> None:
    """Listed last in the plan, the primary diagnosis leads the payer summary and page 1's
    facts, in both spellings; a diagnosis to rule out marked primary stays where it is."""
    text = variant(
        (SAMPLES / "cbt.yaml").read_text(encoding="utf-8"),
        "  diagnoses:\n    - code: F40.01\n",
        "  diagnoses:\n    - code: F41.1\n      rule_out: true\n      primary: true\n"
        "    - code: F32.0\n    - code: F40.01\n",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    for locale in ("en-US", "en-GB"):
        context = build_context(plan_at(path), load_labels(locale))
        assert [x["code_text"] for x in context["payer"]["diagnoses"]] == [
            "F40.01",
            "F41.1",
            "F32.0",
        ]
        facts = " ".join(str(f["value"]) for f in context["facts"])
        assert facts.index("F40.01") < facts.index("F41.1") < facts.index("F32.0")
