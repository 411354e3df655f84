"""Rendering: Markdown against golden files, Word parsed as strict XML, same bytes twice,
hostile text, untrusted templates, atomic writes."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from lxml import etree

from plandoc.render.context.build import build_context
from plandoc.render.pipeline import render_bytes
from plandoc.text import typographic
from tests.conftest import ORIENTATIONS, SAMPLES, TODAY, line_of, plan_at, variant

Run = Callable[..., Result]
GOLDEN = Path(__file__).parent / "golden"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def context_of(path: Path) -> dict:
    return build_context(plan_at(path))


def docx_parts(data: bytes) -> dict[str, etree._Element]:
    """Every XML part of a .docx, parsed strictly (no recovery): malformed XML fails here."""
    parser = etree.XMLParser(recover=False, resolve_entities=False)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: etree.fromstring(package.read(name), parser)
            for name in package.namelist()
            if name.endswith((".xml", ".rels"))
        }


def body_text(parts: dict[str, etree._Element], name: str = "word/document.xml") -> str:
    paragraphs = ("".join(t.text or "" for t in p.iter(f"{W}t")) for p in parts[name].iter(f"{W}p"))
    return "\n".join(paragraphs)


def squash(text: str) -> str:
    """Text as read: spacing and quotation marks as typeset."""
    return " ".join(typographic(text).split())


@pytest.mark.parametrize("name", ORIENTATIONS)
def test_markdown_matches_golden_file(name: str) -> None:
    text = render_bytes(context_of(SAMPLES / f"{name}.yaml"), "md").decode()
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("PLANDOC_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"run PLANDOC_UPDATE_GOLDEN=1 pytest to accept a change to {golden.name}"
    )


@pytest.mark.parametrize("name", ORIENTATIONS)
def test_word_is_strict_xml_with_real_structure(name: str) -> None:
    source = SAMPLES / f"{name}.yaml"
    context = context_of(source)
    parts = docx_parts(render_bytes(context, "docx"))
    document = parts["word/document.xml"]
    styles = {s.get(f"{W}val") for s in document.iter(f"{W}pStyle")}
    assert {"Title", "Heading1", "Heading2", "ListBullet", "ListNumber"} <= styles
    assert len(list(document.iter(f"{W}tbl"))) >= 6
    assert not re.search(r"\{[{%]|[}%]\}", body_text(parts)), (
        "a template tag was left in the document"
    )
    text = squash(body_text(parts))
    assert context["client"]["name"] in text
    for goal in context["goals"]:
        assert squash(goal["client_words"]) in text
        for objective in goal["objectives"]:
            assert squash(objective["description"]) in text
    header = squash(body_text(parts, "word/header1.xml"))
    assert context["plan"]["practice"]["name"] in header and context["client"]["id"] in header
    footer = parts["word/footer1.xml"]
    instructions = {f.get(f"{W}instr").strip() for f in footer.iter(f"{W}fldSimple")}
    assert instructions == {"PAGE", "NUMPAGES"}
    assert "Confidential" in body_text(parts, "word/footer1.xml")
    core = etree.tostring(parts["docProps/core.xml"], encoding="unicode")
    assert context["title"] in core and context["plan"]["clinician"]["name"] in core


def test_orientation_sections_are_in_the_word_output() -> None:
    text = squash(body_text(docx_parts(render_bytes(context_of(SAMPLES / "dbt.yaml"), "docx"))))
    for heading in (
        "Target hierarchy",
        "Life-threatening behaviors (first priority)",
        "Skills and modes",
        "Diary card",
        "Safety plan",
    ):
        assert heading in text
    text = squash(body_text(docx_parts(render_bytes(context_of(SAMPLES / "emdr.yaml"), "docx"))))
    assert "Target plan" in text and "Negative cognition" in text


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_same_input_gives_same_bytes(fmt: str) -> None:
    context = context_of(SAMPLES / "integrative.yaml")
    assert render_bytes(context, fmt) == render_bytes(context_of(SAMPLES / "integrative.yaml"), fmt)


HOSTILE = (
    "Tom & Jerry <script>alert('x')</script> \"quoted\" | pipe * star _under_ # hash `tick` [link](x) 😀 café ناصر שלום "
    + "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6
)


def hostile_plan(tmp_path: Path, cbt_text: str) -> Path:
    text = cbt_text.replace(
        'client_words: "I want to stop being scared of my own heartbeat."',
        "client_words: " + repr(HOSTILE).replace("\\'", "''"),
    )
    text = text.replace(
        "  - id: P1\n    title: Panic attacks",
        '  - id: P1\n    title: "| broken | table |\\n# not a heading\\n- not a list"',
    )
    text = text.replace("name: Maya Okafor\n", 'name: "Maya & <Okafor>\\u0007"\n')
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hostile_text_renders_safely(tmp_path: Path, cbt_text: str) -> None:
    context = context_of(hostile_plan(tmp_path, cbt_text))
    markdown = render_bytes(context, "md").decode()
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    for line in markdown.splitlines():
        if line.startswith("| **P1** ") or line.startswith("# not"):
            pytest.fail(f"text escaped its cell: {line}")
    table_rows = [line for line in markdown.splitlines() if line.startswith("| **G1.O1**")]
    assert table_rows and all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in table_rows)
    assert "### P1. \\| broken \\| table \\| # not a heading - not a list\n" in markdown
    assert "\x07" not in markdown
    parts = docx_parts(render_bytes(context, "docx"))
    text = body_text(parts)
    assert (
        typographic(HOSTILE.replace('"', "'")) in text and "Maya & <Okafor>" in text
    )  # the bell character is dropped, quotation marks typeset, the rest kept


def test_markdown_escaping_round_trips_every_special_character() -> None:
    from plandoc.render.sandbox.templating import md_escape

    assert md_escape("a|b*c_d[e]f<g>h`i~j\\k") == "a\\|b\\*c\\_d\\[e\\]f\\<g\\>h\\`i\\~j\\\\k"
    assert (
        md_escape("# title") == "\\# title"
        and md_escape("1. item") == "1\\. item"
        and md_escape("- x") == "\\- x"
    )
    assert md_escape("line\nbreak") == "line break" and md_escape("&amp;") == "\\&amp;"
    assert md_escape("") == ""


EXTENSIONS = "I feel :smile: at 5:30:00, owe $5 and $10, 2^10^, ask @smith or jo@example.org"


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("reader", ["gfm", "markdown", "commonmark_x"])
def test_markdown_extensions_read_as_plain_text_in_pandoc(reader: str) -> None:
    """Emoji shortcodes, math, superscripts and citations stay the client's words in pandoc's
    GitHub, pandoc and CommonMark-with-extensions readers."""
    from plandoc.render.sandbox.templating import md_escape

    done = subprocess.run(
        ["pandoc", "-f", reader, "-t", "plain", "--wrap=none"],
        input=md_escape(EXTENSIONS),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == EXTENSIONS


def test_markdown_extensions_read_as_plain_text_in_markdown_it() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    from plandoc.render.sandbox.templating import md_escape

    reader = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    html = reader.render(md_escape(EXTENSIONS))
    assert html == f"<p>{EXTENSIONS}</p>\n"


def render_with(run: Run, folder: Path, out: Path, *formats: str) -> Result:
    """`plandoc render` of the CBT sample with a practice's template folder."""
    flags = [arg for fmt in formats or ("md",) for arg in ("-f", fmt)]
    return run(
        "render",
        str(SAMPLES / "cbt.yaml"),
        *flags,
        "-o",
        str(out),
        "--templates",
        str(folder),
        "--today",
        TODAY.isoformat(),
    )


def practice_templates(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "plan.md.j2").write_text(body, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ plan.__class__ }}{% set x = plan.update({'a': 1}) %}",
        "{{ self._TemplateReference__context }}",
    ],
    ids=["mro", "globals", "mutation", "context"],
)
def test_untrusted_templates_cannot_reach_python(run: Run, tmp_path: Path, body: str) -> None:
    folder = practice_templates(tmp_path, body)
    out = tmp_path / "out"
    result = render_with(run, folder, out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert re.search(
        r"template (tried something templates may not do|failed)|undefined|has no attribute",
        result.output,
    ), result.output
    assert not out.exists() or not any(out.iterdir())


def test_misspelt_variable_fails_loudly(run: Run, tmp_path: Path) -> None:
    folder = practice_templates(tmp_path, "{{ plan.clinican.name }}")
    result = render_with(run, folder, tmp_path / "out")
    assert (
        result.exit_code == 1
        and "clinican" in result.output
        and "docs/templates.md" in result.output
    )


def test_practice_template_wins_over_the_builtin(run: Run, tmp_path: Path) -> None:
    folder = practice_templates(tmp_path, "# {{ plan.practice.name }} — {{ client.name }}\n")
    out = tmp_path / "out"
    result = render_with(run, folder, out)
    assert result.exit_code == 0, result.output
    assert (out / "cbt.md").read_text() == "# Riverside Counselling Collective — Maya Okafor\n"


def test_failed_render_keeps_the_existing_file(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "cbt.md").write_text("the previous version\n")
    folder = practice_templates(tmp_path, "{{ no_such_variable }}")
    result = render_with(run, folder, out, "md", "docx")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["cbt.md"]
    assert (out / "cbt.md").read_text() == "the previous version\n"


def test_batch_renders_the_good_plans_and_reports_the_bad(
    run: Run, tmp_path: Path, cbt_text: str
) -> None:
    bad = tmp_path / "in" / "broken.yaml"
    bad.parent.mkdir()
    bad.write_text(cbt_text.replace("status: active", "status: activ", 1))
    (tmp_path / "in" / "good.yaml").write_text(cbt_text)
    out = tmp_path / "out"
    result = run(
        "render",
        str(tmp_path / "in"),
        "-f",
        "md",
        "-f",
        "docx",
        "-o",
        str(out),
        "--today",
        TODAY.isoformat(),
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["good.docx", "good.md"]
    assert (
        f"{bad}:{line_of(cbt_text, 'status: active')}:11: error:" in result.output
        and "not rendered" in result.output
    )


def test_render_writes_every_plan_and_format(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "render",
        *(str(SAMPLES / f"{n}.yaml") for n in ORIENTATIONS),
        "-f",
        "md",
        "-f",
        "docx",
        "-o",
        str(out),
        "--today",
        TODAY.isoformat(),
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{ext}" for n in ORIENTATIONS for ext in ("md", "docx")
    )
    assert not list(out.glob(".*")), "temporary files were left behind"


def test_pdf_without_libreoffice_says_what_to_install(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLANDOC_SOFFICE", "soffice")
    result = run("render", str(SAMPLES / "cbt.yaml"), "-f", "pdf", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert (
        "needs LibreOffice" in result.output
        and "apt-get install libreoffice-writer-nogui" in result.output
    )


def test_word_template_is_in_sync_with_its_build_script(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = SAMPLES.parent / "scripts" / "build_docx_template.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for template in ("plan.docx", "diff.docx"):
        committed = SAMPLES.parent / "templates" / template
        with zipfile.ZipFile(tmp_path / template) as a, zipfile.ZipFile(committed) as b:
            assert a.namelist() == b.namelist()
            for name in a.namelist():
                assert a.read(name) == b.read(name), (
                    f"{template}: {name} differs: run python scripts/build_docx_template.py"
                )


def test_progress_has_a_trend_chart_in_word() -> None:
    data = render_bytes(context_of(SAMPLES / "cbt.yaml"), "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        document = package.read("word/document.xml").decode()
        assert all(package.read(n).startswith(b"\x89PNG") for n in media)
    assert len(media) == 3  # three measures with two scores or more
    assert document.count("<w:drawing>") == 3 and "&lt;w:drawing" not in document


WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
EMU_PER_MM = 36000


def png_pixels(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """Width, height and the colour of every pixel of a palette PNG whose rows are unfiltered
    (the kind plandoc writes): enough to look at a chart without an imaging library."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + size]
        at += 12 + size
    width, height = (
        int.from_bytes(chunks[b"IHDR"][:4], "big"),
        int.from_bytes(chunks[b"IHDR"][4:8], "big"),
    )
    assert chunks[b"IHDR"][8:10] == bytes([8, 3])  # 8-bit palette
    palette = [tuple(chunks[b"PLTE"][i : i + 3]) for i in range(0, len(chunks[b"PLTE"]), 3)]
    raw = zlib.decompress(chunks[b"IDAT"])
    rows = [raw[y * (width + 1) : (y + 1) * (width + 1)] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [[palette[i] for i in row[1:]] for row in rows]  # type: ignore[misc]


def charts_of(data: bytes) -> list[tuple[etree._Element, bytes]]:
    """Each picture in a Word file: its ``wp:inline`` element and its image bytes."""
    parts = docx_parts(data)
    rels = {
        r.get("Id"): r.get("Target")
        for r in parts["word/_rels/document.xml.rels"]
        if r.get("Target", "").startswith("media/")
    }
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        found = []
        for inline in parts["word/document.xml"].iter(f"{WP}inline"):
            blip = next(inline.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"))
            rid = blip.get(
                "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
            )
            found.append((inline, package.read(f"word/{rels[rid]}")))
    return found


def test_word_charts_say_in_words_what_they_show() -> None:
    """Alternative text on each picture names the measure, its first and latest values with
    their dates, the trend and the target."""
    charts = charts_of(render_bytes(context_of(SAMPLES / "cbt.yaml"), "docx"))
    alts = [inline.find(f"{WP}docPr").get("descr") for inline, _ in charts]
    assert alts == [
        "GAD-7 fell from 14 on 28 September 2026 to 10 on 23 November 2026 (improving); target 7 or less.",
        "Panic attacks per week fell from 5 on 28 September 2026 to 2 on 23 November 2026 (improving); target 1 or less.",
        "Park visits of 30 minutes or more per week rose from 0 on 28 September 2026 to 2 on 23 November 2026 (improving); target 2 or more.",
    ]


def test_word_charts_are_large_enough_to_read_and_sharp_enough_to_print() -> None:
    for inline, png in charts_of(render_bytes(context_of(SAMPLES / "emdr.yaml"), "docx")):
        extent = inline.find(f"{WP}extent")
        width_mm, height_mm = int(extent.get("cx")) / EMU_PER_MM, int(extent.get("cy")) / EMU_PER_MM
        assert (round(width_mm), round(height_mm)) == (45, 14)
        pixels_wide, _, _ = png_pixels(png)
        assert pixels_wide / (width_mm / 25.4) >= 300  # dots per inch
        assert all(inline.get(side) == "0" for side in ("distL", "distR", "distT", "distB"))


def test_word_charts_fit_inside_their_cell() -> None:
    """Each chart is narrower than its cell less the cell's margins, so it never crosses the
    table's rules, and stands in a paragraph of its own with space above it."""
    data = render_bytes(context_of(SAMPLES / "emdr.yaml"), "docx")
    for inline, _ in charts_of(data):
        cell = next(inline.iterancestors(f"{W}tc"))
        room = int(cell.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) - 2 * 108  # twips
        assert int(inline.find(f"{WP}extent").get("cx")) <= room * 635  # EMU
        paragraph = next(inline.iterancestors(f"{W}p"))
        assert "".join(t.text or "" for t in paragraph.iter(f"{W}t")) == ""
        assert int(paragraph.find(f"{W}pPr/{W}spacing").get(f"{W}before")) > 0


def series_rows(png: bytes, colour: tuple[int, int, int]) -> list[int]:
    _, _, pixels = png_pixels(png)
    return [y for y, row in enumerate(pixels) if colour in row]


def test_a_chart_is_scaled_to_its_scores_and_target() -> None:
    """5 → 3 → 2 panic attacks a week, target 1, on a scale of 0 to 50: the line falls across most of
    the chart's height (it would be flat on the whole scale), and the dashed target line sits
    below the scores, inside the picture."""
    from plandoc.render.word.chart import BETTER, PALETTE, TARGET

    charts = charts_of(render_bytes(context_of(SAMPLES / "cbt.yaml"), "docx"))
    png = next(p for i, p in charts if "Panic" in i.find(f"{WP}docPr").get("descr"))
    _, height, _ = png_pixels(png)
    line = series_rows(png, PALETTE[BETTER])
    target = series_rows(png, PALETTE[TARGET])
    assert max(line) - min(line) > height / 2
    assert target and min(target) > max(line)  # below every score and marker
    assert min(line) > 0 and max(target) < height - 1  # nothing touches the picture's edge


def test_word_keeps_the_score_list_and_writes_the_chart_values_as_text() -> None:
    raw = body_text(docx_parts(render_bytes(context_of(SAMPLES / "cbt.yaml"), "docx")))
    text = squash(raw)
    assert "Scores Trend" in text  # the table's headers
    assert "14, 12, 10" in text and "5, 3, 2" in text
    assert "14 (28 Sep) → 10 (23 Nov) better ↓; target ≤ 7" in text
    assert "0 (28 Sep) → 2 (23 Nov) better ↑; target ≥ 2" in text
    assert "0 (23 Nov) one score so far; target ≥ 2" in text  # one score: no chart
    assert "target\u00a0≤\u00a07" in raw  # kept on one line


def test_a_worsening_measure_reads_as_worsening_and_a_percent_target_is_worked_out(
    tmp_path: Path, cbt_text: str
) -> None:
    text = variant(cbt_text, "score: 10}", "score: 17}")
    text = variant(
        text,
        "measure: {instrument: gad7, baseline: 14, target: 7, baseline_date: 2026-09-28}",
        "measure: {instrument: gad7, baseline: 14, target_change_percent: -50, baseline_date: 2026-09-28}",
    )
    path = tmp_path / "worse.yaml"
    path.write_text(text, encoding="utf-8")
    row = next(r for r in build_context(plan_at(path))["progress"] if r["label"] == "GAD-7")
    assert row["trend_text"] == "worse ↑"
    assert row["target"] == 7 and row["target_text"] == "≤\u00a07 (−50 % from baseline)"
    assert row["chart_alt"] == (
        "GAD-7 rose from 14 on 28 September 2026 to 17 on 23 November 2026 (worsening); "
        "target 7 or less."
    )
    assert [p["score"] for p in row["chart_points"]] == [14, 12, 17]
    markdown = render_bytes(build_context(plan_at(path)), "md").decode()
    assert "| +3 (worse) | ≤ 7 (−50 % from baseline) | 14, 12, 17 |" in markdown


def test_a_chart_starts_at_the_objectives_baseline() -> None:
    """Park visits: baseline 0 on 28 Sep, scores 1 and 2 after it — the chart draws all three,
    so its first point is the First column's value."""
    row = next(r for r in context_of(SAMPLES / "cbt.yaml")["progress"] if "Park" in r["label"])
    assert [p["score"] for p in row["chart_points"]] == [0, 1, 2]
    assert row["first_text"] == "0 (28 Sep)" and row["last_text"] == "2 (23 Nov)"


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x' * 10**10 }}",
        "{{ 2 ** 10000000 }}",
        "{% set s = 'xxxxxxxxxx' %}{{ s.replace('x', s).replace('x', s).replace('x', s).replace('x', s).replace('x', s).replace('x', s) }}",
        "{{ ('ab' | replace('a', 'aaaaaaaaaa' * 99999)) | replace('a', 'aaaaaaaaaa') }}",
        "{% for i in range(99999) %}{{ plan.assessment.presenting_problem.client_words * 999 }}{% endfor %}",
        "{% include 'plan.docx' %}",
        "{{ lipsum() }}",
    ],
    ids=[
        "multiply",
        "power",
        "replace-chain",
        "replace-filter",
        "output",
        "include-binary",
        "lipsum",
    ],
)
def test_templates_cannot_exhaust_memory_or_break_determinism(
    run: Run, tmp_path: Path, body: str
) -> None:
    folder = practice_templates(tmp_path, body)
    result = render_with(run, folder, tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "plan.md.j2" in result.output


def test_a_broken_word_template_is_a_template_error(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "plan.docx").write_bytes(b"not a zip")
    result = render_with(run, folder, tmp_path / "out", "docx")
    assert result.exit_code == 1 and "not a Word (.docx) file" in result.output


def _tables(node: object) -> list[list]:
    """Every pandoc JSON ``Table`` element under *node*."""
    found = []
    if isinstance(node, dict):
        if node.get("t") == "Table":
            found.append(node["c"])
        for value in node.values():
            found += _tables(value)
    elif isinstance(node, list):
        for value in node:
            found += _tables(value)
    return found


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_markdown_table_has_an_empty_header_row(path: Path) -> None:
    """pandoc reads every table's first row as its header: each has one worth reading."""
    import json

    markdown = render_bytes(context_of(path), "md").decode("utf-8")
    done = subprocess.run(
        ["pandoc", "-f", "gfm", "-t", "json"], input=markdown, capture_output=True, text=True
    )
    tables = _tables(json.loads(done.stdout))
    assert tables
    for table in tables:
        head_rows = table[3][1]
        for row in head_rows:
            texts = [json.dumps(cell[4]) for cell in row[1]]
            assert any(text != "[]" for text in texts), "a table with an empty header row"


def test_chart_alt_text_drops_characters_xml_forbids(tmp_path: Path, cbt_text: str) -> None:
    text = variant(
        cbt_text, "name: Panic attacks per week", 'name: "Panic\\x07 attacks \\ue000per week"'
    )
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    charts = charts_of(render_bytes(build_context(plan_at(path)), "docx"))
    alts = [inline.find(f"{WP}docPr").get("descr") for inline, _ in charts]
    assert any(a.startswith("Panic attacks per week fell from 5") for a in alts)


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize("pair", ["agoraphobia", "burnout"])
def test_no_change_summary_table_has_an_empty_header_row(pair: str) -> None:
    import json

    from tests.test_diff import pair as versions
    from tests.test_diff import render_diff

    markdown = render_diff(*versions(pair), "md")[0].decode()
    done = subprocess.run(
        ["pandoc", "-f", "gfm", "-t", "json"], input=markdown, capture_output=True, text=True
    )
    for table in _tables(json.loads(done.stdout)):
        for row in table[3][1]:
            assert all(json.dumps(cell[4]) != "[]" for cell in row[1]), "an empty header cell"


def test_quotation_marks_are_typeset_one_way() -> None:
    """Straight quotes in a plan's text are printed as curly ones, in Markdown and Word alike;
    quotes inside a quotation become single quotes."""
    from plandoc.text import typographic

    assert typographic("\"I can't\", she said. 'Fine'") == "“I can’t”, she said. ‘Fine’"
    assert typographic('("x") — "y"') == "(“x”) — “y”"
    context = context_of(SAMPLES / "family-systems.yaml")
    markdown = render_bytes(context, "md").decode("utf-8")
    word = body_text(docx_parts(render_bytes(context, "docx")))
    for text in (markdown, word):
        prose = re.sub(r"<!--.*?-->", "", text)
        assert '"' not in prose and "'" not in prose
