"""Measure the redline and the change summary on large plans, side by side in one run.

    python benchmarks/redline.py [--goals N]

Builds two versions of one plan with N goals (default 500; the agoraphobia sample's three
goals repeated under new ids, each with its objectives and interventions), the second with
the edits of a real review spread through it: one word changed in every fiftieth goal, a goal
removed, a goal added, an exposure step inserted mid-table, a new score. Then runs, each as a
whole command from a cold start, as a user would:

* ``render docx``   the new version alone to Word (the baseline: a redline renders both)
* ``diff md``       the change summary in Markdown
* ``redline``       the Word redline

and prints wall time and the peak memory of the largest process (the bounded worker
included). The numbers depend on the machine; compare the rows of one run.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from benchmarks.caseload import renamed  # noqa: E402

BASE = ROOT / "samples" / "revisions" / "agoraphobia-v2.yaml"
TODAY = "2026-11-26"


def big_plan(goals: int) -> dict[str, Any]:
    """Version 2 of the agoraphobia plan with *goals* goals."""
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    pattern = data["goals"]
    data["goals"] = [
        renamed(
            copy.deepcopy(pattern[n % len(pattern)]), pattern[n % len(pattern)]["id"], f"G{n + 1}"
        )
        for n in range(goals)
    ]
    for n, goal in enumerate(data["goals"], 1):
        goal["description"] = f"{goal['description'].rstrip('.')} (part {n} of the plan)."
    return data


def revised(data: dict[str, Any]) -> dict[str, Any]:
    """The edits of one review, spread through the plan, as version 3."""
    data = copy.deepcopy(data)
    for goal in data["goals"][::50]:
        goal["description"] = goal["description"].replace("Fewer", "Far fewer", 1)
    removed = data["goals"].pop(len(data["goals"]) // 2)
    data["goals"].append(renamed(removed, removed["id"], f"G{len(data['goals']) + 2}"))
    steps = data["orientation_details"]["exposure_hierarchy"]
    steps.insert(
        4, {"id": "X9", "step": "Drive over the bridge at dusk with the radio off", "suds": 60}
    )
    data["measurements"].append({"instrument": "gad7", "date": dt.date(2026, 11, 16), "score": 7})
    data["plan"]["version"] = 3
    data["plan"]["last_review_date"] = dt.date(2026, 11, 20)
    data["revisions"].append(
        {"version": 3, "date": dt.date(2026, 11, 20), "reason": "progress",
         "summary": "Review of a long plan.", "author": "Helena Marsh, PsyD"}
    )  # fmt: skip
    return data


_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
sys.stderr.write(done.stdout + done.stderr)
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


def run(label: str, argv: list[str]) -> None:
    """One command from a cold start, measured from a process of its own: wall time, and the
    peak memory of the largest process it ran (the bounded worker included)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, env=env
    )
    wall, peak, status = done.stdout.split()
    if status != "0":
        sys.exit(f"{label} failed:\n{done.stderr}")
    print(f"{label:<12} {float(wall):6.2f} s   peak {int(peak) / 1024:5.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--goals", type=int, default=500, help="goals in each version (500)")
    goals = parser.parse_args().goals
    folder = Path(tempfile.mkdtemp(prefix="plandoc-bench-"))
    old, new = folder / "big-v2.yaml", folder / "big-v3.yaml"
    data = big_plan(goals)
    for path, plan in ((old, data), (new, revised(data))):
        path.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), "utf-8")
    plandoc = [sys.executable, "-m", "plandoc"]
    print(f"two versions of a plan with {goals} goals, Python {sys.version.split()[0]}")
    run("render docx", [*plandoc, "render", str(new), "-f", "docx", "-o", str(folder), "--today", TODAY])  # fmt: skip
    run("diff md", [*plandoc, "diff", str(old), str(new), "-f", "md", "-o", f"{folder}/", "--today", TODAY])  # fmt: skip
    run("redline", [*plandoc, "diff", str(old), str(new), "-f", "redline", "-o", f"{folder}/", "--today", TODAY])  # fmt: skip


if __name__ == "__main__":
    main()
