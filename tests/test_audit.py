"""``plandoc audit`` over a generated caseload: each kind of problem is found at its file and
line; a goal copied across two clients is found, word for word and nearly; two versions of one
client's plan sharing their goals are not."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import SAMPLES, variant

Run = Callable[..., Result]
CBT = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
SIGNATURES = CBT[CBT.index("signatures:") :]
CLIENT = "CL-20418"


def line_of(text: str, needle: str) -> int:
    return 1 + text[: text.index(needle)].count("\n")


def other_client(text: str, client: str, plan: str) -> str:
    """The plan as another client's: their own id, name and plan id."""
    text = text.replace(CLIENT, client).replace("PLAN-CBT-0001", plan)
    return text.replace("Maya Okafor", "Rosa Lindqvist").replace("Maya", "Rosa")


CASELOAD = {
    "clean.yaml": CBT,
    "overdue.yaml": variant(CBT, "next_review_date: 2027-01-03", "next_review_date: 2026-11-20"),
    "due.yaml": variant(CBT, "next_review_date: 2027-01-03", "next_review_date: 2026-12-01"),
    "expired.yaml": variant(CBT, "expiry_date: 2027-10-04", "expiry_date: 2026-11-20"),
    "expiring.yaml": variant(CBT, "expiry_date: 2027-10-04", "expiry_date: 2026-12-04"),
    "unsigned.yaml": CBT.replace(SIGNATURES, ""),
    "partly.yaml": variant(
        CBT,
        "{role: client, name: Maya Okafor, status: signed, date: 2026-10-05}",
        "{role: client, name: Maya Okafor, status: pending}",
    ),
    "draft.yaml": variant(CBT, "status: active", "status: draft").replace(SIGNATURES, ""),
    "unscored.yaml": CBT.replace("date: 2026-11-23", "date: 2026-10-20").replace(
        "date: 2026-10-26", "date: 2026-10-20"
    ),
    "late.yaml": variant(CBT, "target_date: 2026-12-07", "target_date: 2026-11-16"),
    "broken.yaml": "spec_version: 1\nplan: [not, a, mapping\n",
    "clients/rosa.yaml": other_client(CBT, "CL-55102", "PLAN-CBT-0002"),
}


@pytest.fixture()
def caseload(tmp_path: Path) -> Path:
    root = tmp_path / "caseload"
    for name, text in CASELOAD.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    versions = root / "versions"  # one client's two versions share their goals
    versions.mkdir()
    for name in ("burnout-v1.yaml", "burnout-v2.yaml"):
        shutil.copy(SAMPLES / "revisions" / name, versions / name)
    return root


def audit_rows(run: Run, *args: str) -> tuple[Result, list[dict[str, object]]]:
    result = run("audit", *args, "--today", "2026-11-26", "--format", "json")
    return result, json.loads(result.stdout)["rows"]


def kinds_of(rows: list[dict[str, object]], name: str) -> set[str]:
    return {str(r["kind"]) for r in rows if str(r["path"]).endswith(name)}


def test_each_kind_of_problem_is_found_at_its_line(run: Run, caseload: Path) -> None:
    result, rows = audit_rows(run, str(caseload), "--measure-days", "30")
    assert result.exit_code == 1
    expected = {
        "overdue.yaml": "review-overdue",
        "due.yaml": "review-due",
        "expired.yaml": "expired",
        "expiring.yaml": "expiring",
        "unsigned.yaml": "unsigned",
        "partly.yaml": "partly-signed",
        "draft.yaml": "old-draft",
        "unscored.yaml": "no-measurement",
        "late.yaml": "objective-overdue",
        "broken.yaml": "unreadable",
    }
    for name, kind in expected.items():
        assert kind in kinds_of(rows, name), (name, kinds_of(rows, name))
    assert kinds_of(rows, "clean.yaml") <= {"cloned"}  # a plan in order has nothing else
    place = {(str(r["path"]).split("/")[-1], r["kind"]): r["line"] for r in rows}
    assert place["overdue.yaml", "review-overdue"] == line_of(CBT, "next_review_date")
    assert place["expired.yaml", "expired"] == line_of(CBT, "expiry_date")
    assert place["late.yaml", "objective-overdue"] == line_of(CBT, "- id: G2.O1")
    partly = CASELOAD["partly.yaml"]
    assert place["partly.yaml", "partly-signed"] == line_of(partly, "{role: client")
    late = next(r for r in rows if r["kind"] == "objective-overdue")
    assert late["message"] == "objective G2.O1 was due 2026-11-16 and is in progress"
    assert late["plan"] == "PLAN-CBT-0001" and late["client"] == CLIENT


def test_a_goal_cloned_across_two_clients_is_found(run: Run, caseload: Path) -> None:
    _, rows = audit_rows(run, str(caseload))
    cloned = [r for r in rows if r["kind"] == "cloned"]
    rosa = [r for r in cloned if str(r["path"]).endswith("clients/rosa.yaml")]
    goal = line_of(CBT, "description: Reduce the frequency of panic attacks")
    row = next(r for r in rosa if r["line"] == goal)
    assert str(row["message"]).startswith("goal G1 is the same text, word for word, as goal G1 in ")
    assert f"(client {CLIENT})" in str(row["message"])
    # and the other side names Rosa's plan
    assert any("clients/rosa.yaml" in str(r["message"]) and r["client"] == CLIENT for r in cloned)


def test_versions_of_one_clients_plan_are_not_cloned(run: Run, caseload: Path) -> None:
    v2 = (SAMPLES / "revisions" / "burnout-v2.yaml").read_text(encoding="utf-8")
    found = re.search(r"- id: (CL-\d+)", v2)
    assert found is not None
    client = found.group(1)
    (caseload / "copied.yaml").write_text(v2.replace(client, "CL-99001"), encoding="utf-8")
    _, rows = audit_rows(run, str(caseload))
    v1_rows = [r for r in rows if r["kind"] == "cloned" and "burnout-v1" in str(r["path"])]
    assert v1_rows, "the shared goals are found once another client holds them"
    for row in rows:
        if row["kind"] == "cloned" and "burnout-v" in str(row["path"]):
            assert "burnout-v" not in str(row["message"]), row
            assert "copied.yaml" in str(row["message"])
    # plans of the same client in different files are not clones of each other either
    same = [r for r in rows if r["kind"] == "cloned" and r["client"] == CLIENT]
    assert all("rosa.yaml" in str(r["message"]) for r in same)


def test_a_near_copy_is_found_above_the_threshold_only(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "near"
    folder.mkdir()
    (folder / "maya.yaml").write_text(CBT, encoding="utf-8")
    words = "description: Return to the public places she values, step by step."
    near = variant(other_client(CBT, "CL-61000", "PLAN-CBT-0003"), words,
                   "description: Return to the public places she values, one step at a time.")  # fmt: skip
    near = near.replace("description: Reduce the frequency of panic attacks and the fear",
                        "description: Lessen how often panic comes, and the dread")  # fmt: skip
    (folder / "ines.yaml").write_text(near, encoding="utf-8")
    _, rows = audit_rows(run, str(folder), "--similarity", "0.8")
    mine = {r["line"]: str(r["message"]) for r in rows if r["kind"] == "cloned"
            and str(r["path"]).endswith("ines.yaml")}  # fmt: skip
    assert "nearly (" in mine[line_of(near, "one step at a time")]
    assert line_of(near, "Lessen how often") not in mine  # reworded: not a copy
    _, rows = audit_rows(run, str(folder), "--similarity", "1.0")
    exact = {
        r["line"] for r in rows if r["kind"] == "cloned" and str(r["path"]).endswith("ines.yaml")
    }
    assert line_of(near, "one step at a time") not in exact


def test_profiles_come_from_the_option_or_the_practice(run: Run, caseload: Path) -> None:
    _, rows = audit_rows(run, str(caseload / "clean.yaml"), "--profile", "medicaid-90")
    assert any(r["kind"] == "profile" and "medicaid-90" in str(r["message"]) for r in rows)
    settings = caseload.parent / "plandoc-practice.yaml"
    settings.write_text(
        "practice_version: 1\nname: Riverside Counselling Collective\nprofiles: [medicaid-90]\n",
        encoding="utf-8",
    )
    result = run("audit", str(caseload / "clean.yaml"), "--practice", str(settings),
                 "--today", "2026-11-26", "--format", "json")  # fmt: skip
    assert any(r["kind"] == "profile" for r in json.loads(result.stdout)["rows"])


def test_a_clean_caseload_exits_0_and_warnings_do_not_fail_it(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "fine"
    folder.mkdir()
    (folder / "clean.yaml").write_text(CBT, encoding="utf-8")
    result = run("audit", str(folder), "--today", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("1 plan(s) audited: 0 row(s), nothing to act on")
    (folder / "due.yaml").write_text(CASELOAD["due.yaml"], encoding="utf-8")
    result = run("audit", str(folder), "--today", "2026-11-26")
    assert result.exit_code == 0
    assert "review-due" in result.output and "review due 2026-12-01 (in 5 days)" in result.output


def test_table_and_csv(run: Run, caseload: Path) -> None:
    table = run("audit", str(caseload), "--today", "2026-11-26")
    lines = table.output.splitlines()
    overdue = next(line for line in lines if "review-overdue" in line)
    assert overdue.startswith(f"{caseload / 'overdue.yaml'}:{line_of(CBT, 'next_review_date')} ")
    assert "PLAN-CBT-0001 / CL-20418: review was due 2026-11-20 (6 days ago)" in overdue
    assert lines[-1].startswith("14 plan(s) audited: ")
    result = run("audit", str(caseload), "--today", "2026-11-26", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and set(rows[0]) == {
        "path",
        "line",
        "kind",
        "severity",
        "plan",
        "client",
        "message",
    }
    assert {"review-overdue", "cloned", "unreadable"} <= {r["kind"] for r in rows}


def test_bad_options_are_usage_errors(run: Run, caseload: Path) -> None:
    assert run("audit", str(caseload), "--profile", "nowhere").exit_code == 2
    assert run("audit", str(caseload), "--similarity", "0.1").exit_code == 2


def test_csv_cells_never_run_as_formulas(run: Run, tmp_path: Path) -> None:
    """A client id (or a file name) written like a spreadsheet formula is written as text."""
    root = tmp_path / "caseload"
    root.mkdir()
    hostile = """'=HYPERLINK("http://example.invalid","x")'"""
    (root / "=1+1.yaml").write_text(
        variant(CASELOAD["overdue.yaml"], "id: CL-20418", f"id: {hostile}"), encoding="utf-8"
    )
    result = run("audit", str(root), "--today", "2026-11-26", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    for row in rows:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values()), row
    assert any(str(row["client"]).startswith("'=HYPERLINK") for row in rows)


def test_jobs_give_the_same_rows_as_one_process(run: Run, caseload: Path) -> None:
    """Enough plans for two worker processes: the rows, their order and the exit status are
    those of --jobs 1."""
    for copy in ("a", "b", "c"):
        for name, text in CASELOAD.items():
            target = caseload / copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(other_client(text, f"CL-7{copy}{len(name)}", "PLAN-X"), "utf-8")
    one = run("audit", str(caseload), "--today", "2026-11-26", "--format", "json", "--jobs", "1")
    two = run("audit", str(caseload), "--today", "2026-11-26", "--format", "json", "--jobs", "2")
    assert json.loads(one.stdout)["plans"] == 4 * len(CASELOAD) + 2
    assert (two.exit_code, two.stdout) == (one.exit_code, one.stdout)
    assert one.exit_code == 1


def test_similarity_is_the_longest_common_subsequence_over_both_lengths() -> None:
    from plandoc.check.audit import similarity

    assert similarity("abcd", "abed") == pytest.approx(2 * 3 / 8)
    assert similarity("walk daily", "walk daily") == 1.0
    assert similarity("abcd", "wxyz") == 0.0
    assert similarity("abcd", "abed", cutoff=0.8) == 0.0  # below the cutoff: not worth the rest


def test_progress_counts_as_failed_only_the_plans_that_cannot_be_checked(caseload: Path) -> None:
    """A plan fails when it cannot be read or has errors `check` reports; an overdue review or
    a missing signature is an error row, not a failed plan."""
    import datetime as dt

    from plandoc.check.audit import AuditOptions, audit_files, caseload_files

    files = caseload_files([caseload])
    heard: list[bool] = []
    found = audit_files(files, AuditOptions(today=dt.date(2026, 11, 26)), on_plan=heard.append)
    failed = {str(f) for f, ok in zip(files, heard, strict=True) if not ok}
    assert failed == {r.path for r in found.rows if r.kind in ("unreadable", "invalid")}
    assert str(caseload / "broken.yaml") in failed
    overdue = {r.path for r in found.rows if r.kind in ("review-overdue", "unsigned")}
    assert overdue and not overdue & failed
