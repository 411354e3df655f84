"""`render -f pdf` warns when LibreOffice would lay the document out in a font of other widths
than the one it asks for (neither it nor its metric-compatible twin is installed)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.render.pdf.libreoffice import soffice
from plandoc.render.word.fonts import installed_families
from tests.conftest import SAMPLES, patched_word_template

Run = Callable[..., Result]
pytestmark = pytest.mark.skipif(
    soffice() is None or shutil.which("fc-list") is None,
    reason="LibreOffice and fontconfig are not installed; .ci/run installs them",
)


def template_asking_for(folder: Path, font: str) -> Path:
    """A practice folder whose plan.docx is the built-in one with Calibri replaced by *font*."""
    return patched_word_template(folder, "word/styles.xml", b'"Calibri"', f'"{font}"'.encode())


def test_pdf_warns_about_a_font_that_would_be_substituted(run: Run, tmp_path: Path) -> None:
    folder = template_asking_for(tmp_path / "practice", "Nonexistent Grotesk")
    plans = [str(SAMPLES / "cbt.yaml"), str(SAMPLES / "act.yaml")]
    result = run("render", *plans, "-f", "pdf", "-o", str(tmp_path / "out"), "--templates", str(folder))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "cbt.pdf").exists() and (tmp_path / "out" / "act.pdf").exists()
    warnings = [line for line in result.stderr.splitlines() if "Nonexistent Grotesk" in line]
    assert len(warnings) == 1, result.stderr  # said once for the batch, not once per plan
    assert warnings[0].startswith(f"warning: {SAMPLES / 'cbt.yaml'}: PDF: the document asks for")
    assert "not installed" in warnings[0] and "break differently" in warnings[0]


@pytest.mark.skipif(
    "carlito" not in (installed_families() or ()),
    reason="Carlito is not installed (apt-get install fonts-crosextra-carlito)",
)
def test_the_builtin_template_asks_only_for_fonts_with_an_installed_twin(
    run: Run, tmp_path: Path
) -> None:
    result = run("render", str(SAMPLES / "cbt.yaml"), "-f", "pdf", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "font" not in result.stderr and (tmp_path / "cbt.pdf").exists()
