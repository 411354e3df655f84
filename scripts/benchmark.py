"""Measure rendering speed, side by side in one run.

    python scripts/benchmark.py [--plans N]

Renders the seven sample plans round-robin N times each way and prints plans per second:

* ``check``       load + validate + semantic checks + SMART lint (no rendering)
* ``markdown``    Markdown from a ready context (in the bounded template worker)
* ``docx plain``  docxtpl as its documentation shows it: a new DocxTemplate per plan, its
                  XML parts compiled by Jinja on every render
* ``docx plandoc`` plandoc's path: template bytes read once, compiled Jinja kept per part

The numbers depend on the machine; compare the rows of one run, not runs on different days.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import (
    DocxTemplate,
    InlineImage,
)

from plandoc import check_file
from plandoc.render.context import build_context
from plandoc.render.markdown import render_markdown
from plandoc.render.templating import make_env
from plandoc.render.word import CHART_WIDTH_MM, _chart, render_docx
from plandoc.spec.library import library
from plandoc.spec.model import Plan

ROOT = Path(__file__).resolve().parent.parent

SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))


def _plan(path: Path) -> Plan:
    plan = check_file(path).plan
    assert plan is not None
    return plan


def plain_docxtpl(context: dict[str, Any]) -> bytes:
    template = DocxTemplate(str(library().find("plan.docx")))
    charts = [_chart(m) for m in context["progress"]]
    progress = [
        {**m, "chart": InlineImage(template, io.BytesIO(c), width=Mm(CHART_WIDTH_MM)) if c else ""}
        for m, c in zip(context["progress"], charts, strict=True)
    ]
    context = {**context, "progress": progress}
    template.render(context, jinja_env=make_env(markdown=False))
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def timed(label: str, plans: int, work: Callable[[int], object]) -> None:
    work(0)  # warm up: imports, caches
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(plans):
            work(i)
        rounds.append(time.perf_counter() - start)
    best = min(rounds)
    print(
        f"{label:<15} {plans / best:8.1f} plans/s   {1000 * best / plans:7.1f} ms/plan   (best of 3, median {1000 * statistics.median(rounds) / plans:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plans", type=int, default=70, help="renders per row (default 70)")
    plans = parser.parse_args().plans
    contexts = [build_context(_plan(p)) for p in SAMPLES]
    print(f"{len(SAMPLES)} sample plans, {plans} renders per row, Python {sys.version.split()[0]}")
    timed("check", plans, lambda i: check_file(SAMPLES[i % len(SAMPLES)]))
    timed(
        "markdown",
        plans,
        lambda i: render_markdown(contexts[i % len(contexts)]),
    )
    timed("docx plain", plans, lambda i: plain_docxtpl(contexts[i % len(contexts)]))
    timed("docx plandoc", plans, lambda i: render_docx(contexts[i % len(contexts)]))


if __name__ == "__main__":
    main()
