"""Every Word file plandoc writes is valid Office Open XML: each sample plan, and the change
summary and the redline of each revision pair, and each safety-plan handout pass the `openxml-audit` validator with no error
and no prediction that Word would repair them. No internal marker, stale part or another
program's name is left in them, and no table column is narrower than its longest word."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from openxml_audit import OpenXmlValidator, predict
from openxml_audit.errors import ValidationSeverity
from openxml_audit.verdict import AppPrediction

from plandoc.cli import main
from tests.conftest import SAMPLES, patched_word_template, variant
from tests.test_render import docx_parts

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PLANS = sorted(p.stem for p in SAMPLES.glob("*.yaml"))
PAIRS = sorted(p.name.removesuffix("-v1.yaml") for p in (SAMPLES / "revisions").glob("*-v1.yaml"))
HANDOUTS = sorted(
    p.stem for p in SAMPLES.glob("*.yaml") if re.search(r"^safety_plan:\s*$", p.read_text(), re.M)
)
OUTPUTS = (
    [f"{p}.docx" for p in PLANS]
    + [f"{pair}-v2.{kind}.docx" for pair in PAIRS for kind in ("diff", "redline")]
    + [f"{p}.safety-plan.docx" for p in HANDOUTS]
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every sample rendered to Word, and both Word outputs of each revision pair, once."""
    out = tmp_path_factory.mktemp("word")
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:  # the module's fixture runs before own_home
        for variable in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            patch.setenv(variable, str(home))
        runner = CliRunner()
        plans = [str(SAMPLES / f"{p}.yaml") for p in PLANS]
        result = runner.invoke(main, ["render", *plans, "-f", "docx", "-o", str(out), "--today", "2026-11-26"])  # fmt: skip
        assert result.exit_code == 0, result.output
        handouts = [str(SAMPLES / f"{p}.yaml") for p in HANDOUTS]
        result = runner.invoke(main, ["render", *handouts, "-f", "safety-plan", "-o", str(out), "--today", "2026-11-26"])  # fmt: skip
        assert result.exit_code == 0, result.output
        for pair in PAIRS:
            old, new = (str(SAMPLES / "revisions" / f"{pair}-v{n}.yaml") for n in (1, 2))
            for fmt in ("docx", "redline"):
                result = runner.invoke(main, ["diff", old, new, "-f", fmt, "-o", f"{out}/", "--today", "2026-11-26"])  # fmt: skip
                assert result.exit_code == 0, result.output
    yield out


@pytest.fixture(scope="module")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(max_errors=0)


@pytest.mark.parametrize("name", OUTPUTS)
def test_word_file_passes_openxml_audit(
    written: Path, validator: OpenXmlValidator, name: str
) -> None:
    result = validator.validate(written / name)
    errors = [e for e in result.errors if e.severity == ValidationSeverity.ERROR]
    report = "\n".join(f"{e.description} ({e.part_uri} {e.path})" for e in errors[:20])
    assert not errors, f"{len(errors)} error(s):\n{report}"
    verdict = predict(result)
    assert verdict.prediction == AppPrediction.OPENS_CLEAN, verdict.headline


@pytest.mark.parametrize("name", OUTPUTS)
def test_no_marker_stale_part_or_other_program(written: Path, name: str) -> None:
    with zipfile.ZipFile(written / name) as package:
        names = package.namelist()
        app = etree.fromstring(package.read("docProps/app.xml"))
        document = package.read("word/document.xml").decode()
    assert not [n for n in names if "thumbnail" in n or "stylesWithEffects" in n], names
    assert app.findtext("{*}Application") == "plandoc"
    assert "plandoc:autofit" not in document and "<w:tblCaption" not in document


@pytest.mark.parametrize("pair", PAIRS)
def test_change_summary_properties_come_from_the_plan_and_revision(
    written: Path, pair: str
) -> None:
    core = docx_parts((written / f"{pair}-v2.diff.docx").read_bytes())["docProps/core.xml"]
    new = (SAMPLES / "revisions" / f"{pair}-v2.yaml").read_text(encoding="utf-8")
    revised = re.search(r"- version: 2\n\s+date: (\S+)", new)
    assert revised is not None
    values = {etree.QName(e).localname: e.text or "" for e in core}
    assert values["created"].startswith(revised.group(1))
    assert values["modified"] == values["created"]
    assert values["creator"] and values["creator"] in new.replace('"', "")
    assert values["description"] == "Confidential health information."
    assert values["revision"] == "2" and "version 1 to 2" in values["title"]
    assert "Template" not in " ".join(values.values())


# The estimate the column test checks against: every character of a word counts as 0.42 em
# at the cell text's 10.5 points, plus the cell's left and right margins (0.08 inch each).
# Carlito's (and Calibri's) letters average 0.46 em in lower case and 0.55 em in capitals; real
# words mix in narrow letters (i, l, t, r, f, s) and come to 0.43 to 0.50 em a character, so 0.42
# em is a floor for letters; the narrowest marks (i, l, brackets, stops) count as 0.25 em, below
# their real 0.23 to 0.30, so a word full of them ("(non-clinical") is not overestimated. The
# renderer measures each character exactly (and the PDFs of the samples show no word broken
# inside a cell).
AVERAGE_EM = 0.42
NARROW_EM = 0.25
NARROW = set("il.,:;'|!()[]")
SIZE_PT = 10.5
MARGINS_TWIPS = 216
MIN_TWIPS = 720


def estimate(word: str) -> int:
    ems = sum(NARROW_EM if c in NARROW else AVERAGE_EM for c in word)
    return round(ems * SIZE_PT * 20) + MARGINS_TWIPS


def column_words(table: etree._Element, count: int) -> list[str]:
    """Each column's longest word, from the cells that span one column."""
    longest = [""] * count
    for row in table.findall(f"{W}tr"):
        index = 0
        for tc in row.findall(f"{W}tc"):
            span_element = tc.find(f"{W}tcPr/{W}gridSpan")
            span = int(span_element.get(f"{W}val")) if span_element is not None else 1
            if span == 1 and index < count:
                for p in tc.findall(f"{W}p"):
                    text = "".join(t.text or "" for t in p.iter(f"{W}t"))
                    longest[index] = max([longest[index], *text.split()], key=len)
            index += span
    return longest


@pytest.mark.parametrize("name", [f"{p}.docx" for p in PLANS])
def test_no_column_is_narrower_than_its_longest_word(written: Path, name: str) -> None:
    document = docx_parts((written / name).read_bytes())["word/document.xml"]
    narrow = []
    for number, table in enumerate(document.iter(f"{W}tbl"), 1):
        widths = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
        needs = [estimate(w) for w in column_words(table, len(widths))]
        assert all(w >= MIN_TWIPS for w in widths), (number, widths)
        if sum(max(n, MIN_TWIPS) for n in needs) > sum(widths):
            continue  # the words together are wider than the page: some must wrap
        words = column_words(table, len(widths))
        narrow += [
            f"table {number}: {word!r} needs {need} twips, its column has {width}"
            for word, need, width in zip(words, needs, widths, strict=True)
            if width < need
        ]
    assert not narrow, "\n".join(narrow)


def test_a_fixed_column_widens_for_a_long_word(tmp_path: Path, cbt_text: str) -> None:
    """The Pronouns column of the identification table is 3 cm wide in the template; a word
    longer than that takes room from the other columns, and the table keeps its width."""
    word = "she/her/hers/herself"
    plan = tmp_path / "plan.yaml"
    plan.write_text(variant(cbt_text, "pronouns: she/her", f"pronouns: {word}"))
    result = CliRunner().invoke(main, ["render", str(plan), "-f", "docx", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    document = docx_parts((tmp_path / "plan.docx").read_bytes())["word/document.xml"]
    table = next(t for t in document.iter(f"{W}tbl") if word in "".join(t.itertext()))
    widths = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
    column = column_words(table, len(widths)).index(word)
    assert widths[column] > 1701 and widths[column] >= estimate(word), widths
    assert abs(sum(widths) - 9746) <= 2, widths  # the table keeps its width (to rounding)


def test_a_legacy_autofit_caption_is_honoured_and_removed(tmp_path: Path) -> None:
    """A practice's template exported before the marker went still sizes its data-driven
    tables from content, and the marker does not reach the document."""
    folder = patched_word_template(
        tmp_path / "practice",
        "word/document.xml",
        b"</w:tblPr>",
        b'<w:tblCaption w:val="plandoc:autofit"/></w:tblPr>',
    )
    args = ["render", str(SAMPLES / "dbt.yaml"), "-f", "docx", "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--templates", str(folder)])
    assert result.exit_code == 0, result.output
    data = (tmp_path / "out" / "dbt.docx").read_bytes()
    document = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "plandoc:autofit" not in document and document.count("<w:tblLayout") == document.count(
        "<w:tbl>"
    )
