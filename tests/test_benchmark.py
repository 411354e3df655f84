"""The README's benchmark command runs, on a caseload small enough for the suite, and its
table names every target of the issue with a figure and a verdict."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

TARGETS = (
    "Word ≥ 20× the plain docxtpl loop, per core",
    "check ≥ 300 plans/s per core",
    "Markdown ≥ 1,000 plans/s per core",
    "render --jobs 2 ≥ 1.6× --jobs 1",
    "10,000 plans checked + md + docx < 30 s on 2 cores",
    "… in < 300 MB",
    "audit over 10,000 plans < 10 s",
    "check one plan from a cold start < 0.3 s",
)


def test_the_benchmark_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    argv = [sys.executable, "benchmarks/run.py", "--plans", "8", "--sample", "2", "--out", str(out)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    for row in ("check", "markdown", "word", "plain docxtpl", "audit --jobs 2"):
        assert re.search(rf"^\| {re.escape(row)} \| \d", table, re.MULTILINE), row
    for target in TARGETS:
        assert re.search(
            rf"^\| {re.escape(target)} \| [\d.,]+ ?\S* \| .+ \| (yes|\*\*no\*\*) \|$",
            table,
            re.MULTILINE,
        ), target
