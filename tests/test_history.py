"""`plandoc history`: a plan's versions in order, and the chain checked, through the CLI with
real files — the sample pairs, and versions written from them that break the chain one way
at a time. `diff` takes any two versions of a chain, adjacent or not."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT, SAMPLES, TODAY, variant

Run = Callable[..., Result]
REVISIONS = SAMPLES / "revisions"
AGO = "agoraphobia"
V2_HEAD = "  version: 2\n  status: active\n"
V3_ENTRY = (
    "  - version: 3\n"
    "    date: 2026-11-20\n"
    "    reason: clinician_observation\n"
    "    summary: >-\n"
    "      Colm reported avoiding the freeway again after a near-miss on 14 November; exposure\n"
    "      step X5 moves back to practice with his partner for two weeks.\n"
    "    author: Helena Marsh, PsyD\n"
)
LAST_ENTRY = "    author: Helena Marsh, PsyD\n\nsignatures:"


def sample(name: str, version: int) -> str:
    return (REVISIONS / f"{name}-v{version}.yaml").read_text(encoding="utf-8")


def superseded(text: str, by: int) -> str:
    """Version 2 of the agoraphobia plan, kept for the record once version *by* was written."""
    return variant(
        text,
        V2_HEAD,
        f"  version: 2\n  status: superseded\n  superseded_by: {by}\n  superseded_on: 2026-11-20\n",
    )


def version_three(v2: str) -> str:
    """Version 2 with a further revision entry: version 3."""
    text = variant(v2, V2_HEAD, "  version: 3\n  status: active\n")
    return variant(text, LAST_ENTRY, LAST_ENTRY.replace("\n\n", "\n" + V3_ENTRY + "\n"))


@pytest.fixture()
def chain(tmp_path: Path) -> Path:
    """A folder with versions 1, 2 and 3 of the agoraphobia plan, a sound chain."""
    folder = tmp_path / "chain"
    folder.mkdir()
    v2 = sample(AGO, 2)
    (folder / "ago-v1.yaml").write_text(sample(AGO, 1), encoding="utf-8")
    (folder / "ago-v2.yaml").write_text(superseded(v2, 3), encoding="utf-8")
    (folder / "ago-v3.yaml").write_text(version_three(v2), encoding="utf-8")
    return folder


def history(run: Run, *args: str | Path) -> Result:
    result = run("history", *map(str, args), "--today", TODAY.isoformat())
    assert "Traceback" not in result.output, result.output
    return result


def rows(output: str) -> list[list[str]]:
    """The table rows (version, date, status …) of the output, split on runs of spaces."""
    return [
        re.split(r"\s{2,}", line)
        for line in output.splitlines()
        if re.match(r"\d+ +\d{4}-\d\d-\d\d ", line)
    ]


def rules(output: str) -> list[tuple[str, str, str]]:
    """(file name, severity, rule) of every finding printed."""
    found = re.findall(r"^(\S+):\d+:\d+: (error|warning): .* \[([a-z.-]+)\]$", output, re.M)
    return [(Path(path).name, severity, rule) for path, severity, rule in found]


@pytest.mark.parametrize(
    ("name", "reason"), [(AGO, "progress"), ("burnout", "life event")], ids=[AGO, "burnout"]
)
def test_a_sample_pair_is_one_sound_chain(run: Run, name: str, reason: str) -> None:
    result = history(run, REVISIONS / f"{name}-v2.yaml", REVISIONS / f"{name}-v1.yaml")
    assert result.exit_code == 0, result.output
    first, second = rows(result.output)
    assert first[:4] == ["1", first[1], "superseded", "initial"]
    assert second[2:4] == ["active", reason]
    assert first[5] == second[5] == "client, clinician" and first[4] == second[4] != ""
    assert rules(result.output) == []
    assert "1 plan(s) in 2 file(s): 0 error(s), 0 warning(s)" in result.output


def test_the_table_has_dates_authors_and_signatures(run: Run) -> None:
    result = history(run, REVISIONS / f"{AGO}-v1.yaml", REVISIONS / f"{AGO}-v2.yaml")
    by, signed = "Helena Marsh, PsyD", "client, clinician"
    assert rows(result.output) == [
        ["1", "2026-05-04", "superseded", "initial", by, signed, str(REVISIONS / f"{AGO}-v1.yaml")],
        ["2", "2026-11-02", "active", "progress", by, signed, str(REVISIONS / f"{AGO}-v2.yaml")],
    ]
    assert "PLAN-AGO-0007 (client CL-31207): 2 versions" in result.output


def test_a_folder_of_three_versions_in_order(run: Run, chain: Path) -> None:
    result = history(run, chain)
    assert result.exit_code == 0, result.output
    assert [(r[0], r[2], r[3]) for r in rows(result.output)] == [
        ("1", "superseded", "initial"),
        ("2", "superseded", "progress"),
        ("3", "active", "clinician observation"),
    ]


def test_json_lists_the_chain_and_the_findings(run: Run, chain: Path) -> None:
    (chain / "ago-v2.yaml").unlink()
    result = history(run, chain, "--format", "json")
    payload = json.loads(result.output)
    (only,) = payload["chains"]
    assert only["plan_id"] == "PLAN-AGO-0007" and only["clients"] == ["CL-31207"]
    assert [v["version"] for v in only["versions"]] == [1, 3]
    assert payload["errors"] >= 1 and {f["rule"] for f in payload["findings"]} >= {"history.gap"}
    assert result.exit_code == 1


def test_a_missing_version_is_a_gap(run: Run, chain: Path) -> None:
    (chain / "ago-v2.yaml").unlink()
    result = history(run, chain)
    assert result.exit_code == 1
    assert ("ago-v3.yaml", "error", "history.gap") in rules(result.output)
    assert "version 2 of PLAN-AGO-0007 is missing between version 1" in result.output


def test_a_version_given_twice(run: Run, chain: Path) -> None:
    (chain / "copy-v3.yaml").write_text((chain / "ago-v3.yaml").read_text("utf-8"), "utf-8")
    result = history(run, chain)
    assert result.exit_code == 1
    assert rules(result.output) == [("copy-v3.yaml", "error", "history.duplicate")]
    assert "version 3 of PLAN-AGO-0007 is also in" in result.output


def test_two_current_versions(run: Run, tmp_path: Path) -> None:
    old = tmp_path / "v1.yaml"
    old.write_text(
        variant(
            sample(AGO, 1),
            "  status: superseded  # by agoraphobia-v2.yaml; active from 4 May 2026 until version 2\n"
            "  superseded_by: 2\n  superseded_on: 2026-11-02\n",
            "  status: active\n",
        ),
        encoding="utf-8",
    )
    result = history(run, old, REVISIONS / f"{AGO}-v2.yaml")
    assert result.exit_code == 1
    assert rules(result.output) == [("v1.yaml", "error", "history.current")]
    assert "version 1 is active, but version 2" in result.output


def test_every_version_superseded_and_no_own_entry_warn(run: Run, tmp_path: Path) -> None:
    v2 = tmp_path / "v2.yaml"
    v2.write_text(superseded(sample(AGO, 2), 3), encoding="utf-8")
    v1 = tmp_path / "v1.yaml"
    v1.write_text(variant(sample(AGO, 1), "  superseded_by: 2\n", ""), encoding="utf-8")
    result = history(run, v1, v2)
    assert result.exit_code == 0, result.output
    assert rules(result.output) == [
        ("v1.yaml", "warning", "history.superseded-by"),
        ("v2.yaml", "warning", "history.current"),
    ]
    assert "add `superseded_by: 2`" in result.output


def test_a_version_without_its_own_revision_entry(run: Run, tmp_path: Path) -> None:
    v2 = tmp_path / "v2.yaml"
    v2.write_text(variant(sample(AGO, 2), "  - version: 2\n", "  - version: 1\n"), "utf-8")
    result = history(run, REVISIONS / f"{AGO}-v1.yaml", v2)
    assert ("v2.yaml", "warning", "history.revisions") in rules(result.output)
    assert "version 2 has no revision entry of its own" in result.output


def test_superseded_by_naming_the_wrong_version(run: Run, chain: Path) -> None:
    v2 = chain / "ago-v2.yaml"
    v2.write_text(superseded(sample(AGO, 2), 4), encoding="utf-8")
    result = history(run, chain)
    assert result.exit_code == 1
    assert ("ago-v2.yaml", "error", "history.superseded-by") in rules(result.output)
    assert "superseded by version 4, but the next version is 3" in result.output


def test_an_earlier_revision_entry_rewritten(run: Run, tmp_path: Path) -> None:
    v2 = tmp_path / "v2.yaml"
    v2.write_text(
        variant(
            sample(AGO, 2),
            "    reason: initial\n",
            "    reason: clinician_observation\n",
        ),
        encoding="utf-8",
    )
    result = history(run, REVISIONS / f"{AGO}-v1.yaml", v2)
    assert result.exit_code == 1
    assert rules(result.output) == [("v2.yaml", "error", "history.revisions")]
    assert "revision entry for version 1 differs" in result.output and "(reason)" in result.output


def test_mixed_plans_are_listed_as_chains_of_their_own(run: Run) -> None:
    result = history(run, REVISIONS)
    assert result.exit_code == 0, result.output
    assert "PLAN-AGO-0007 (client CL-31207): 2 versions" in result.output
    assert "PLAN-BRN-0142 (client CL-07731): 2 versions" in result.output
    assert len(rows(result.output)) == 4
    assert rules(result.output) == [("agoraphobia-v1.yaml", "warning", "history.mixed")]


def test_one_plan_id_for_two_clients(run: Run, tmp_path: Path) -> None:
    v2 = tmp_path / "v2.yaml"
    v2.write_text(variant(sample(AGO, 2), "CL-31207", "CL-99999"), encoding="utf-8")
    result = history(run, REVISIONS / f"{AGO}-v1.yaml", v2)
    assert result.exit_code == 1
    assert ("v2.yaml", "error", "history.client") in rules(result.output)


def test_a_broken_file_is_reported_and_the_others_listed(run: Run, chain: Path) -> None:
    (chain / "broken.yaml").write_text("plan: [unclosed\n", encoding="utf-8")
    result = history(run, chain)
    assert result.exit_code == 1
    found = rules(result.output)
    assert ("broken.yaml", "error", "yaml.syntax") in found
    assert ("broken.yaml", "error", "history.unreadable") in found
    assert len(rows(result.output)) == 3


def test_a_missing_file_is_reported(run: Run) -> None:
    result = history(run, REVISIONS / f"{AGO}-v1.yaml", "no-such-plan.yaml")
    assert result.exit_code == 1
    assert ("no-such-plan.yaml", "error", "file.missing") in rules(result.output)


def test_every_history_rule_is_documented_and_triggered() -> None:
    """The history rules run on a chain, not on one file, so `test_rules.py` (which runs
    `check`) cannot trigger them; this file does, and docs/checks.md lists them."""
    source = (ROOT / "src" / "plandoc" / "revise" / "history.py").read_text(encoding="utf-8")
    in_code = set(re.findall(r'"(history\.[a-z-]+)"', source))
    docs = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert in_code == set(re.findall(r"`(history\.[a-z-]+)`", docs))
    tests = Path(__file__).read_text(encoding="utf-8")
    assert {r for r in in_code if f'"{r}"' not in tests} == set()


def test_diff_takes_adjacent_and_non_adjacent_versions(
    run: Run, chain: Path, tmp_path: Path
) -> None:
    for old, new in (("ago-v1", "ago-v2"), ("ago-v2", "ago-v3"), ("ago-v1", "ago-v3")):
        out = tmp_path / f"{old}-{new}.md"
        result = run(
            "diff",
            str(chain / f"{old}.yaml"),
            str(chain / f"{new}.yaml"),
            "-f",
            "md",
            "-o",
            str(out),
            "--today",
            TODAY.isoformat(),
        )
        assert result.exit_code == 0, result.output
        assert "warning" not in result.output
        text = out.read_text(encoding="utf-8")
        versions = re.search(r"\*\*Versions:\*\* (\d+) .*→ (\d+)", text)
        assert versions and versions.groups() == (old[-1], new[-1])
    summary = (tmp_path / "ago-v1-ago-v3.md").read_text(encoding="utf-8")
    assert "Clinician observation" in summary and "near-miss" in summary
