"""A wheel built from this tree carries everything plandoc needs at run time.

The test builds a real wheel, installs it into a folder of its own and runs plandoc from
another folder, so an editable install (which reads the source tree) cannot hide a missing
file: every template, orientation, profile and data file must be inside the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a clean copy of the tree (setuptools reuses a ``build/`` folder it finds, and
    stale files there would hide a file the packaging no longer includes), with the installed
    setuptools, so the test needs no network."""
    source = tmp_path_factory.mktemp("source") / "plandoc"
    junk = shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "out"
    )
    shutil.copytree(ROOT, source, ignore=junk)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    return next(out.glob("plandoc-*.whl"))


def test_wheel_has_every_template_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        f"plandoc/templates/{p.relative_to(ROOT / 'templates')}"
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    wanted |= {
        f"plandoc/{p.relative_to(ROOT / 'src' / 'plandoc')}"
        for p in (ROOT / "src" / "plandoc").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(wanted - names) == []


def test_installed_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    script = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import plandoc, plandoc.spec.library as l; "
        "assert plandoc.__file__.startswith(sys.argv[1]), plandoc.__file__; "
        "assert str(l.builtin_root()).startswith(sys.argv.pop(1)); "
        "from plandoc.cli import main; main()"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (
        [
            "check",
            "--strict",
            "--today",
            "2026-11-26",
            str(SAMPLES / "dbt.yaml"),
            "--profile",
            "medicare",
        ],
        [
            "render",
            str(SAMPLES / "emdr.yaml"),
            "-f",
            "md",
            "-f",
            "docx",
            "-o",
            str(elsewhere / "out"),
        ],
        ["templates", "list"],
    ):
        done = subprocess.run(
            [sys.executable, "-c", script, str(target), str(target), *args],
            capture_output=True, text=True, cwd=elsewhere, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    assert (elsewhere / "out" / "emdr.docx").stat().st_size > 10_000
