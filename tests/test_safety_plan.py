"""The safety plan, in the client's voice: first-person headings over first-person items, a
warning for items written about the client, contacts said once, a line saying why a plan has
none, kept together in Word, and the client's own handout (`render -f safety-plan`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.render.context import describe
from plandoc.render.context.build import build_context
from plandoc.render.pdf.libreoffice import soffice
from plandoc.render.pipeline import render_bytes
from tests.conftest import SAMPLES, TODAY, plan_at, variant
from tests.test_render import GOLDEN, W, body_text, docx_parts, squash

Run = Callable[..., Result]
PLANS = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))
PLANS += sorted((Path(__file__).parent / "plans").glob("*.yaml"))
WITH_SAFETY_PLAN = [p for p in PLANS if "\nsafety_plan:" in p.read_text(encoding="utf-8")]
HEADINGS = {
    "warning_signs": "My warning signs",
    "internal_coping": "Things I can do on my own",
    "distraction": "People and places that take my mind off things",
    "help_contacts": "People I can ask for help",
    "professional_contacts": "Professionals and crisis lines I can call",
    "means_safety": "Making my surroundings safe",
    "reasons_for_living": "My reasons for living",
}
DOUBLED = re.compile(r"\)\s*\(|\([^()]*\([^()]*\)[^()]*\)")  # "(a) (b)" or "(a (b))"


def render(run: Run, out: Path, *args: str) -> Result:
    return run("render", *args, "-o", str(out), "--today", TODAY.isoformat(), "--quiet")


def section(markdown: str, title: str) -> str:
    """A ``## title`` section of a Markdown plan, up to the next ``##`` heading."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    return found.group(1) if found else ""


# --- the handout ------------------------------------------------------------------------------


def test_a_handout_is_written_for_every_plan_with_a_safety_plan(run: Run, tmp_path: Path) -> None:
    assert len(WITH_SAFETY_PLAN) >= 10
    done = render(run, tmp_path, *map(str, WITH_SAFETY_PLAN), "-f", "safety-plan")
    assert done.exit_code == 0, done.output
    for path in WITH_SAFETY_PLAN:
        context = build_context(plan_at(path))
        markdown = (tmp_path / f"{path.stem}.safety-plan.md").read_text(encoding="utf-8")
        parts = docx_parts((tmp_path / f"{path.stem}.safety-plan.docx").read_bytes())
        word = squash(body_text(parts))
        styles = [
            (p.find(f"{W}pPr/{W}pStyle").get(f"{W}val"), "".join(p.itertext()))
            for p in parts["word/document.xml"].iter(f"{W}p")
            if p.find(f"{W}pPr/{W}pStyle") is not None
        ]
        assert ("Title", "My safety plan") in styles
        headings = [text for style, text in styles if style == "Heading1"]
        filled = [k for k in HEADINGS if context["plan"]["safety_plan"][k]]
        expected = [f"{i}. {HEADINGS[k]}" for i, k in enumerate(filled, start=1)]
        assert headings == expected, path.name
        assert markdown.startswith("# My safety plan\n")
        assert [f"## {h}" for h in expected] == re.findall(r"^## .*", markdown, re.M)
        for text in (markdown, word):
            assert squash(context["client"]["name"]) in squash(text)
            assert "call or text 988" in text
            for diagnosis in context["diagnoses"]:
                assert diagnosis["code"] not in text, f"{path.name}: {diagnosis['code']}"
                assert squash(diagnosis["description"]) not in squash(text)
            assert "diagnos" not in text.lower() and not DOUBLED.search(text)
        for item in context["plan"]["safety_plan"]["warning_signs"]:
            assert squash(item) in word
        normal = parts["word/styles.xml"].find(f"{W}style[@{W}styleId='Normal']/{W}rPr/{W}sz")
        assert normal is not None and normal.get(f"{W}val") == "28"  # 14 pt: large, readable


def test_the_handout_matches_its_golden_file() -> None:
    context = build_context(plan_at(SAMPLES / "dbt.yaml"))
    text = render_bytes(context, "safety-plan.md").decode("utf-8")
    golden = GOLDEN / "dbt.safety-plan.md"
    if os.environ.get("PLANDOC_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_a_plan_without_a_safety_plan_gets_no_handout_and_says_why(
    run: Run, tmp_path: Path
) -> None:
    """A batch where some plans need no safety plan still succeeds; a run that writes nothing
    at all fails."""
    done = render(run, tmp_path, str(SAMPLES / "act.yaml"), "-f", "md", "-f", "safety-plan")
    assert done.exit_code == 0 and "Traceback" not in done.output
    assert (
        "warning: " in done.output
        and "act.yaml: no safety plan, so no handout written." in done.output
    )
    assert "Not indicated — suicide and self-harm risk low, assessed 29 Sep 2026." in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act.md"]
    again = render(run, tmp_path, str(SAMPLES / "act.yaml"), "-f", "safety-plan")
    assert again.exit_code == 1 and "0 file(s) written" in again.output


def test_the_handout_template_is_in_sync_with_its_build_script(tmp_path: Path) -> None:
    script = SAMPLES.parent / "scripts" / "build_docx_template.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    committed = SAMPLES.parent / "templates" / "safety-plan.docx"
    with zipfile.ZipFile(tmp_path / "safety-plan.docx") as a, zipfile.ZipFile(committed) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []


@pytest.mark.skipif(
    soffice() is None or shutil.which("pdfinfo") is None,
    reason="LibreOffice and pdfinfo are not installed; .ci/run installs them",
)
@pytest.mark.parametrize("name", ["dbt", "cbt"])
def test_the_handout_pdf_is_one_or_two_pages(run: Run, tmp_path: Path, name: str) -> None:
    done = render(run, tmp_path, str(SAMPLES / f"{name}.yaml"), "-f", "safety-plan-pdf")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.safety-plan.pdf"]
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / f"{name}.safety-plan.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    assert 1 <= pages <= 2


# --- the plan's own safety-plan section -------------------------------------------------------


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_plan_has_a_safety_plan_section(path: Path) -> None:
    context = build_context(plan_at(path))
    markdown = render_bytes(context, "md").decode("utf-8")
    shown = section(markdown, "Safety plan")
    word = body_text(docx_parts(render_bytes(context, "docx")))
    assert "\nSafety plan\n" in word
    if context["plan"]["safety_plan"]:
        assert "### My warning signs" in shown and "### Things I can do on my own" in shown
    else:
        assert shown.strip() == context["risk"]["safety_plan_note"]
        assert context["risk"]["safety_plan_note"] in word


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_contact_is_bracketed_twice(path: Path) -> None:
    context = build_context(plan_at(path))
    markdown = render_bytes(context, "md").decode("utf-8")
    shown = section(markdown, "Safety plan")
    shown += "".join(
        section(markdown, f"Crisis plan: {c['domain_label']}") for c in context["crisis_plans"]
    )
    assert shown and DOUBLED.findall(shown) == []


def test_no_risk_says_not_indicated_with_the_date(tmp_path: Path) -> None:
    text = (SAMPLES / "act.yaml").read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(variant(text, "    level: low\n", "    level: none\n"), encoding="utf-8")
    markdown = render_bytes(build_context(plan_at(path)), "md").decode("utf-8")
    assert section(markdown, "Safety plan").strip() == (
        "Not indicated — suicide and self-harm risk none, assessed 29 Sep 2026."
    )


def test_the_safety_plan_keeps_together_in_word() -> None:
    """Its headings and items keep with the next paragraph, up to a closing line that does
    not: the section moves to a new page whole rather than splitting when it fits on one."""
    parts = docx_parts(render_bytes(build_context(plan_at(SAMPLES / "dbt.yaml")), "docx"))
    paragraphs = list(parts["word/document.xml"].iter(f"{W}p"))
    texts = ["".join(p.itertext()) for p in paragraphs]
    closing = "Reviewed with the client on 23 Nov 2026 (recorded after signing)."
    start, end = texts.index("Safety plan"), texts.index(closing)
    items = [
        p
        for p in paragraphs[start:end]
        if p.find(f"{W}pPr/{W}pStyle[@{W}val='ListBullet']") is not None
    ]
    assert len(items) > 15
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in items)
    assert paragraphs[end].find(f"{W}pPr/{W}keepNext") is None


def test_contacts_are_said_once() -> None:
    assert describe.contact("Cara Brennan", "sister", "509-555-0118") == (
        "Cara Brennan, sister: 509-555-0118"
    )
    assert describe.contact("Helena Marsh (clinician)", "therapist", "509-555-0173") == (
        "Helena Marsh (clinician), therapist: 509-555-0173"
    )
    assert describe.contact("988 Suicide & Crisis Lifeline", "call or text", "988") == (
        "988 Suicide & Crisis Lifeline, call or text: 988"
    )
    assert describe.contact("Emergency services (nearest ED)", "emergency", "911") == (
        "Emergency services (nearest ED): 911"
    )
    assert describe.contact("Dana Whitaker", None, None) == "Dana Whitaker"


# --- the third-person warning -----------------------------------------------------------------


def check(run: Run, tmp_path: Path, name: str, old: str, new: str) -> Result:
    path = tmp_path / f"{name}.yaml"
    text = (SAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    path.write_text(variant(text, old, new), encoding="utf-8")
    return run("check", str(path), "--today", TODAY.isoformat())


def test_an_item_about_the_client_is_a_warning_at_its_place(run: Run, tmp_path: Path) -> None:
    old = '"TIPP: cold water on my face, then paced breathing"'
    done = check(run, tmp_path, "dbt", old, '"TIPP: cold water on her face, then paced breathing"')
    line = (SAMPLES / "dbt.yaml").read_text(encoding="utf-8").split(old)[0].count("\n") + 1
    assert done.exit_code == 0, done.output
    assert re.search(
        rf"dbt\.yaml:{line}:7: warning: this safety-plan item speaks of the client as “her”; "
        r"write it in the client's own words, first person: 'I …' \[safety\.third-person\]",
        done.output,
    ), done.output
    named = check(run, tmp_path, "dbt", "I gave the blades", "Leah gave the blades")
    assert "as “Leah”" in named.output and named.output.count("[safety.third-person]") == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"My cat, Biscuit."', '"My sister — I want to see her graduate."'),  # someone else
        ('"My cat, Biscuit."', '"Finn, and his first day at school."'),  # not Leah's pronoun
        ('"My cat, Biscuit."', '"Leahy Park on a Sunday."'),  # not her name
    ],
)
def test_other_peoples_pronouns_are_not_flagged(
    run: Run, tmp_path: Path, old: str, new: str
) -> None:
    done = check(run, tmp_path, "dbt", old, new)
    assert done.exit_code == 0 and "third-person" not in done.output, done.output


def test_the_samples_are_written_in_the_first_person(run: Run) -> None:
    done = run("check", *map(str, WITH_SAFETY_PLAN), "--today", TODAY.isoformat())
    assert "[safety.third-person]" not in done.output


def test_the_handout_of_a_superseded_version_says_it_is_out_of_date(tmp_path: Path) -> None:
    """A client must not take home an out-of-date safety plan as if it were current."""
    old = build_context(plan_at(SAMPLES / "revisions" / "agoraphobia-v1.yaml"))
    banner = "Out of date: this safety plan was replaced on 2 Nov 2026."
    assert banner in render_bytes(old, "safety-plan.md").decode("utf-8")
    word = docx_parts(render_bytes(old, "safety-plan.docx"))["word/document.xml"]
    texts = ["".join(p.itertext()) for p in word.iter(f"{W}p")]
    assert texts[1].startswith(banner)
    current = build_context(plan_at(SAMPLES / "revisions" / "agoraphobia-v2.yaml"))
    assert "Out of date" not in render_bytes(current, "safety-plan.md").decode("utf-8")
