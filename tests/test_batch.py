"""Caseloads in parallel: ``--jobs 2`` writes what ``--jobs 1`` writes, says the same, ends with
each failed plan's first error, and shows progress only on a terminal."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from lxml import etree

from benchmarks.caseload import write_caseload
from plandoc.batch import Progress, run_batch
from plandoc.errors import PlandocError
from tests.conftest import ROOT, TODAY

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sixteen plans across the orientations, one of them broken."""
    folder = tmp_path_factory.mktemp("caseload")
    plans = write_caseload(folder, 16)
    broken = plans[5].read_text(encoding="utf-8").replace("orientation: ", "orientation: x-", 1)
    plans[5].write_text(broken, encoding="utf-8")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_render_jobs_2_writes_the_bytes_of_jobs_1(run: Run, caseload: Path, tmp_path: Path) -> None:
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        result = run("render", str(caseload), "-f", "md", "-f", "docx", "-o", str(out),
                     "--today", TODAY.isoformat(), "--jobs", jobs)  # fmt: skip
        assert result.exit_code == 1  # one plan failed; the others are written
        outputs[jobs] = (_files(out), result.output.replace(str(out), "OUT"))
    files, said = outputs["2"]
    assert files == outputs["1"][0]
    assert said == outputs["1"][1]
    assert len(files) == 2 * 15
    document = zipfile.ZipFile(io.BytesIO(files["plan-000000.docx"])).read("word/document.xml")
    text = "".join(etree.fromstring(document).itertext())
    assert "Amara Abernathy" in text
    assert "30 file(s) written for 15 of 16 plan(s)" in said


def test_a_batch_ends_with_each_failed_plan_and_its_first_error(run: Run, caseload: Path) -> None:
    result = run("check", str(caseload), "--today", TODAY.isoformat(), "--jobs", "2")
    assert result.exit_code == 1
    summary = result.output[result.output.index("1 plan(s) with errors:") :].splitlines()
    assert len(summary) == 2
    assert re.fullmatch(
        r"  .*plan-000005\.yaml:\d+:\d+: error: unknown orientation `x-\S+`.*\[schema\.allowed\]",
        summary[1],
    )
    assert "16 plan(s) checked, 1 with errors" in result.output


def test_check_jobs_2_says_what_jobs_1_says(run: Run, caseload: Path) -> None:
    said = [
        run("check", str(caseload), "--today", TODAY.isoformat(), "--format", "json", "-j", jobs)
        for jobs in ("1", "2")
    ]
    assert said[0].output == said[1].output
    assert '"errors": 1' in said[0].output


def test_no_progress_line_when_not_on_a_terminal(caseload: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "plandoc", "render", str(caseload), "-f", "md", "-o", str(tmp_path),
         "--today", TODAY.isoformat(), "--jobs", "2"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "\r" not in done.stderr and "\033[" not in done.stderr
    assert "1 plan(s) failed:" in done.stderr
    assert done.stdout.count("wrote ") == 15


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_counts_done_and_failed_and_time_left() -> None:
    screen = _Terminal()
    progress = Progress(4, "Rendering", stream=screen)
    for ok in (True, False, True, True):
        progress.update(ok)
    last = screen.getvalue().split("\r")[-1]
    assert re.search(r"Rendering \[#+\] 4/4 plans, 1 failed, about \d+ s left", last)
    progress.clear()
    assert screen.getvalue().endswith("\r\033[K")
    quiet = _Terminal()
    silent = Progress(4, "Rendering", stream=quiet, quiet=True)
    silent.update(True)
    assert quiet.getvalue() == ""


def test_results_come_back_in_order_from_worker_processes() -> None:
    items = list(range(40))
    assert list(run_batch(abs, [-i for i in items], jobs=2)) == items


def _dies_on_seven(item: int) -> int:
    if item == 7:
        os._exit(9)  # as a process killed for its memory would
    return item * 2


def test_a_worker_process_that_dies_is_an_error_naming_its_plans_not_a_wait() -> None:
    """Which plan a dead process held cannot be known: every plan not finished is named."""
    with pytest.raises(
        PlandocError, match=r"ended unexpectedly .* of 16 plan\(s\) not finished: "
    ) as raised:
        list(run_batch(_dies_on_seven, list(range(16)), 2))
    unfinished = str(raised.value).split("not finished: ")[1].split(";")[0].split(", ")
    assert "7" in unfinished
    assert list(run_batch(_dies_on_seven, [1, 2, 3], 2)) == [2, 4, 6]  # fewer: in this process
