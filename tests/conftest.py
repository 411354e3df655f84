"""Shared fixtures: the CLI runner, the sample plans, and a way to write variants of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from plandoc.check.pipeline import check_document, check_file
from plandoc.cli import main
from plandoc.spec.loader import Document
from plandoc.spec.model import Plan

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TODAY = dt.date(2026, 11, 26)
# The orientations are the folders: adding one needs no change here.
ORIENTATIONS = tuple(
    sorted(p.parent.name for p in (ROOT / "templates" / "orientations").glob("*/orientation.yaml"))
)


def model(data: dict[str, Any], path: str = "plan.yaml") -> Plan:
    """The plan model of plan data made in a test (checked, whatever it finds)."""
    result = check_document(Document(path, data), today=TODAY)
    assert result.plan is not None
    return result.plan


def plan_at(path: Path, templates: tuple[Path, ...] = ()) -> Plan:
    """The plan model of a plan file."""
    result = check_file(path, today=TODAY, templates=templates)
    assert result.plan is not None, result.findings
    return result.plan


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with an empty home and cache of its own, as on a fresh machine: nothing
    a test does may read or write the user's real ~/.cache or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("PLANDOC_PRACTICE", raising=False)  # no practice file but a test's own


@pytest.fixture()
def cbt_text() -> str:
    return (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")


@pytest.fixture()
def run() -> Callable[..., Result]:
    """Invoke the CLI in-process, as a user would from a shell."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture()
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def make(text: str, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def variant(text: str, old: str, new: str) -> str:
    """The sample with one exact passage replaced (it must occur once)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based number of the line that holds *needle*."""
    whole_line_end = needle.endswith("\n")
    for number, line in enumerate(text.splitlines(), 1):
        if line.endswith(needle[:-1]) if whole_line_end else needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def patched_word_template(folder: Path, part: str, old: bytes, new: bytes) -> Path:
    """A practice's template folder holding the built-in plan.docx with *old* replaced by *new*
    in one of its parts: a template as a practice might have edited it."""
    import zipfile

    folder.mkdir(exist_ok=True)
    source = ROOT / "templates" / "plan.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(folder / "plan.docx", "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, data.replace(old, new) if name == part else data)
    return folder
