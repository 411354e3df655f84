"""The shipped ICD-10-CM index: generated from the pinned simple-icd-10-cm, read without a cache,
and refused loudly when damaged."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from plandoc.spec import icd
from tests.conftest import ROOT, SAMPLES


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_icd_index", ROOT / "scripts" / "build_icd_index.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_index_matches_the_pinned_package() -> None:
    shipped = gzip.decompress(icd.INDEX.read_bytes()).decode("utf-8")
    assert shipped == _builder().index_text(), "run: python scripts/build_icd_index.py"


def test_lookups_and_suggestions() -> None:
    assert icd.lookup("F41.0") == icd.Code(
        "F41.0", True, "Panic disorder [episodic paroxysmal anxiety]"
    )
    assert icd.lookup("f410") == icd.lookup("F41.0")
    category = icd.lookup("F41")
    assert category is not None and not category.billable
    assert icd.billable_children("F41") == ["F41.0", "F41.1", "F41.3", "F41.8"]
    assert icd.lookup("F41.999Q") is None and icd.lookup("") is None
    assert icd.release() == "April 2026 (FY2026)"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",  # empty
        lambda data: gzip.compress(b"F41.0\t1\tPanic disorder\n"),  # no header
        lambda data: gzip.compress(gzip.decompress(data)[:-5000]),  # lines missing
    ],
    ids=["truncated", "empty", "no-header", "lines-missing"],
)
def test_a_damaged_index_is_an_error_not_unknown_codes(damage, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "icd10cm.tsv.gz"
    broken.write_bytes(damage(icd.INDEX.read_bytes()))
    monkeypatch.setattr(icd, "INDEX", broken)
    icd._index.cache_clear()
    try:
        with pytest.raises(icd.IndexDamaged, match="reinstall plandoc"):
            icd.lookup("F41.0")
    finally:
        icd._index.cache_clear()


def test_check_on_a_fresh_machine_in_a_subprocess(tmp_path: Path) -> None:
    """An empty home and cache, every warning an error: the first check is clean and writes
    nothing outside its folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "plandoc", "check", "--today", "2026-11-26", str(SAMPLES / "cbt.yaml")],
        capture_output=True, text=True, env=env, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 plan(s) checked, ok" in done.stdout
    assert list(home.iterdir()) == []
