"""`plandoc templates`: the catalogue, exporting a copy to customise, linting a folder."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from plandoc.authoring.template_tools import DIFF_VARIABLES, PLAN_VARIABLES
from plandoc.render.context.build import build_context
from plandoc.revise.diff import diff_plans
from plandoc.revise.summary import summary_context
from tests.conftest import SAMPLES, plan_at

Run = Callable[..., Result]


def test_the_linter_knows_exactly_the_variables_templates_get() -> None:
    assert set(build_context(plan_at(SAMPLES / "cbt.yaml"))) == PLAN_VARIABLES
    old, new = (plan_at(SAMPLES / "revisions" / f"burnout-v{n}.yaml") for n in (1, 2))
    assert set(summary_context(diff_plans(old, new), old, new)) == DIFF_VARIABLES


def test_export_then_check_then_render_with_it(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    assert run("templates", "export", "plan", str(folder)).exit_code == 0
    assert run("templates", "export", "emdr", str(folder)).exit_code == 0
    assert (folder / "plan.md.j2").is_file() and (
        folder / "orientations" / "emdr" / "plan.docx"
    ).is_file()
    checked = run("templates", "check", str(folder))
    assert checked.exit_code == 0 and "0 error(s), 0 warning(s)" in checked.output
    listed = run("templates", "list", "--templates", str(folder))
    assert re.search(
        rf"^emdr .*{re.escape(str(folder / 'orientations' / 'emdr' / 'plan.md.j2'))}",
        listed.output,
        re.M,
    )
    rendered = run(
        "render",
        str(SAMPLES / "emdr.yaml"),
        "-f",
        "md",
        "-o",
        str(tmp_path / "out"),
        "--templates",
        str(folder),
        "--today",
        "2026-11-26",
    )
    assert rendered.exit_code == 0, rendered.output


def test_export_does_not_overwrite_without_force(run: Run, tmp_path: Path) -> None:
    assert run("templates", "export", "diff", str(tmp_path)).exit_code == 0
    (tmp_path / "diff.md.j2").write_text("mine")
    again = run("templates", "export", "diff", str(tmp_path))
    assert again.exit_code == 2 and "--force" in again.output
    assert (tmp_path / "diff.md.j2").read_text() == "mine"
    assert run("templates", "export", "diff", str(tmp_path), "--force").exit_code == 0
    assert run("templates", "export", "nope", str(tmp_path)).exit_code == 2


def test_check_reports_syntax_and_unknown_variables_by_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "plan.md.j2").write_text("# {{ title }}\n{{ plan.clinician.name }}\n{{ titel }}\n")
    (tmp_path / "diff.md.j2").write_text("{% for x in sections %}\n")
    result = run("templates", "check", str(tmp_path))
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'plan.md.j2'}:3:1: error: `titel` is not a template variable — did you mean `title`?"
        in result.output
    )
    assert f"{tmp_path / 'diff.md.j2'}:" in result.output and "[template.syntax]" in result.output


def test_check_warns_about_a_tag_word_split_across_runs(run: Run, tmp_path: Path) -> None:
    source = SAMPLES.parent / "templates" / "plan.docx"
    target = tmp_path / "plan.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "word/document.xml":
                data = data.replace(b"{{ title }}", b"{{ ti</w:t></w:r><w:r><w:t>tle }}", 1)
            zout.writestr(name, data)
    result = run("templates", "check", str(tmp_path))
    assert "[template.split-tag]" in result.output and "type it again in one go" in result.output


def test_check_rejects_a_file_that_is_not_word(run: Run, tmp_path: Path) -> None:
    shutil.copyfile(SAMPLES / "cbt.yaml", tmp_path / "plan.docx")
    result = run("templates", "check", str(tmp_path))
    assert result.exit_code == 1 and "not a Word (.docx) file" in result.output


def test_check_reports_unreadable_templates(run: Run, tmp_path: Path) -> None:
    (tmp_path / "plan.md.j2").write_bytes(b"caf\xe9 {{ title }}")
    with zipfile.ZipFile(tmp_path / "plan.docx", "w") as package:
        package.writestr("word/document.xml", "<w:document/>")  # a zip, but not a Word package
    result = run("templates", "check", str(tmp_path))
    assert result.exit_code == 1
    assert "[template.encoding]" in result.output and "not a Word (.docx) file" in result.output
