"""`plandoc check`: every kind of bad input gets `file:line:col`, a rule id and exit 1."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc import check_file
from tests.conftest import ORIENTATIONS, SAMPLES, TODAY, line_of, variant

Run = Callable[..., Result]
Write = Callable[..., Path]


def check_variant(run: Run, write: Write, text: str, *extra: str) -> tuple[Result, Path]:
    path = write(text)
    return run("check", str(path), "--today", TODAY.isoformat(), *extra), path


def assert_reported(result: Result, path: Path, line: int, rule: str, *words: str) -> str:
    """The finding for *rule* at *line* is printed as `path:line:col: error: … [rule]`."""
    assert result.exit_code == 1, result.output
    hits = [
        out
        for out in result.output.splitlines()
        if out.startswith(f"{path}:{line}:") and out.endswith(f"[{rule}]")
    ]
    assert hits, f"no [{rule}] at line {line} in:\n{result.output}"
    assert all(w in hits[0] for w in words), hits[0]
    assert "Traceback" not in result.output
    return hits[0]


CASES = [
    pytest.param(
        "status: active",
        "status: activ",
        "status: activ",
        "schema.allowed",
        ("did you mean `active`",),
        id="bad-choice",
    ),
    pytest.param(
        "  version: 1\n",
        "  version: one\n",
        "version: one",
        "schema.type",
        ("whole number",),
        id="wrong-type",
    ),
    pytest.param(
        "  pronouns: she/her",
        "  pronuns: she/her",
        "pronuns",
        "schema.unknown",
        ("did you mean `pronouns`",),
        id="unknown-field",
    ),
    pytest.param(
        "  start_date: 2026-10-05\n",
        "  start_date: 2026-13-05\n",
        "start_date",
        "yaml.value",
        ("not a valid date",),
        id="bad-date",
    ),
    pytest.param(
        "    - code: F40.01",
        "    - code: F40.019",
        "F40.019",
        "icd.unknown",
        ("not an ICD-10-CM code",),
        id="unknown-icd",
    ),
    pytest.param(
        "    - code: F40.01",
        "    - code: F40",
        "code: F40",
        "icd.not-billable",
        ("F40.0",),
        id="category-icd",
    ),
    pytest.param(
        "    - code: F40.01",
        "    - code: banana",
        "banana",
        "schema.format",
        ("ICD-10-CM",),
        id="malformed-icd",
    ),
    pytest.param(
        "problems: [P2]",
        "problems: [P3]",
        "problems: [P3]",
        "ids.unresolved",
        ("`P3`", "not defined"),
        id="unresolved-problem",
    ),
    pytest.param(
        "id: G1.O2\n",
        'id: "G1.O1"\n',
        'id: "G1.O1"',
        "ids.duplicate",
        ("already used",),
        id="duplicate-id",
    ),
    pytest.param(
        "baseline: 14, target: 7,",
        "baseline: 14, target: 17,",
        "target: 17",
        "measures.direction",
        ("lower",),
        id="wrong-direction",
    ),
    pytest.param(
        "date: 2026-11-23, score: 10}",
        "date: 2026-11-23, score: 30}",
        "score: 30",
        "measures.range",
        ("0–21",),
        id="out-of-range",
    ),
    pytest.param(
        "instrument: gad7, baseline: 14",
        "instrument: gad8, baseline: 14",
        "gad8",
        "ids.unresolved",
        ("did you mean `gad7`",),
        id="unknown-instrument",
    ),
    pytest.param(
        "        target_date: 2026-12-07",
        "        target_date: 2026-09-07",
        "2026-09-07",
        "dates.order",
        ("not after",),
        id="target-before-start",
    ),
    pytest.param(
        "  next_review_date: 2027-01-03",
        "  next_review_date: 2027-06-03",
        "next_review_date",
        "dates.review-schedule",
        ("90 days",),
        id="review-off-schedule",
    ),
    pytest.param(
        "  expiry_date: 2027-10-04",
        "  expiry_date: 2027-02-01",
        "2027-03-29",
        "dates.after-expiry",
        ("expires",),
        id="target-after-expiry",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "rule", "words"), CASES)
def test_bad_input_is_reported_at_its_place(
    run: Run,
    write: Write,
    cbt_text: str,
    old: str,
    new: str,
    needle: str,
    rule: str,
    words: tuple[str, ...],
) -> None:
    text = variant(cbt_text, old, new)
    result, path = check_variant(run, write, text)
    assert_reported(result, path, line_of(text, needle), rule, *words)


def test_missing_required_field_points_at_its_parent(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, "  start_date: 2026-10-05\n", "")
    result, path = check_variant(run, write, text)
    assert_reported(
        result, path, line_of(text, "  id: PLAN-CBT-0001"), "schema.required", "plan.start_date"
    )


def test_every_problem_is_reported_at_once(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, "status: active", "status: activ")
    text = variant(text, "    - code: F40.01", "    - code: F40.019")
    text = variant(text, "  pronouns: she/her", "  pronuns: she/her")
    result, _ = check_variant(run, write, text)
    assert result.exit_code == 1
    assert {"[schema.allowed]", "[icd.unknown]", "[schema.unknown]"} <= {
        line.split()[-1] for line in result.output.splitlines()
    }
    assert "3 error(s)" in result.output.splitlines()[-1]


def test_hostile_yaml_exits_1_without_running_anything(
    run: Run, write: Write, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    path = write(f'spec_version: 1\nplan: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:2:7: error:" in result.output and "[yaml.tag]" in result.output
    assert not marker.exists()


def test_syntax_error_exits_1_with_position(run: Run, write: Write) -> None:
    path = write("spec_version: 1\nplan:\n  id: [oops\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}:") and "[yaml.syntax]" in result.output


def test_risk_without_safety_plan(run: Run, write: Write, cbt_text: str) -> None:
    start, end = cbt_text.index("safety_plan:"), cbt_text.index("discharge:")
    text = variant(cbt_text[:start] + cbt_text[end:], "    level: low", "    level: high")
    result, path = check_variant(run, write, text)
    assert_reported(result, path, line_of(text, "level: high"), "safety.missing")


def test_active_plan_needs_signatures(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(
        cbt_text, "  - {role: client, name: Maya Okafor, status: signed, date: 2026-10-05}\n", ""
    )
    text = variant(text, "credentials: LCSW, status: signed", "credentials: LCSW, status: pending")
    result, path = check_variant(run, write, text)
    line = line_of(text, "signatures:")
    assert_reported(result, path, line, "signatures.client")
    assert_reported(result, path, line, "signatures.clinician")


def test_draft_plan_needs_no_signatures(cbt_text: str, tmp_path: Path) -> None:
    text = variant(cbt_text, "  status: active", "  status: draft")
    text = text[: text.index("signatures:")]
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    assert check_file(path, today=TODAY).ok


def test_overdue_review_is_a_warning_and_strict_makes_it_an_error(run: Run) -> None:
    sample = str(SAMPLES / "cbt.yaml")
    late = run("check", sample, "--today", "2027-02-01")
    assert late.exit_code == 0
    assert (
        "warning: the plan was due for review on 2027-01-03" in late.output
        and "[dates.review-overdue]" in late.output
    )
    strict = run("check", sample, "--today", "2027-02-01", "--strict")
    assert strict.exit_code == 1 and "error: the plan was due for review" in strict.output


SMART_CASES = [
    pytest.param(
        "        measure: {instrument: bus_trips, baseline: 0, target: 2}\n",
        "",
        "id: G2.O2",
        "smart.no-measure",
        id="no-measure",
    ),
    pytest.param(
        "measure: {instrument: bus_trips, baseline: 0, target: 2}",
        "measure: {instrument: bus_trips, target: 2}",
        "instrument: bus_trips, target: 2",
        "smart.no-baseline",
        id="no-baseline",
    ),
    pytest.param(
        "measure: {instrument: bus_trips, baseline: 0, target: 2}",
        "measure: {instrument: bus_trips, baseline: 0}",
        "instrument: bus_trips, baseline: 0}",
        "smart.no-target",
        id="no-target",
    ),
    pytest.param(
        "        target_date: 2027-03-29\n        status: not_started",
        "        status: not_started",
        "id: G2.O2",
        "smart.no-target-date",
        id="no-target-date",
    ),
    pytest.param("    problems: [P2]\n", "", "id: G2\n", "smart.unlinked-goal", id="unlinked-goal"),
    pytest.param(
        "duration_weeks: 26",
        "duration_weeks: 20",
        "target_date: 2027-03-29",
        "smart.beyond-plan",
        id="beyond-plan",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "rule"), SMART_CASES)
def test_smart_lint_warns_and_strict_fails(
    run: Run, write: Write, cbt_text: str, old: str, new: str, needle: str, rule: str
) -> None:
    text = variant(cbt_text, old, new)
    result, path = check_variant(run, write, text)
    assert result.exit_code == 0, result.output
    assert any(
        out.startswith(f"{path}:{line_of(text, needle)}:")
        and "warning:" in out
        and out.endswith(f"[{rule}]")
        for out in result.output.splitlines()
    ), result.output
    strict, _ = check_variant(run, write, text, "--strict")
    assert_reported(strict, path, line_of(text, needle), rule)


def test_vague_objective_without_measure(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(
        cbt_text,
        "        description: Take the bus alone at least twice a week, including one trip to Salem to spend an afternoon with her friend Ines.\n        measure: {instrument: bus_trips, baseline: 0, target: 2}\n",
        "        description: Feel better about travelling.\n",
    )
    result, path = check_variant(run, write, text, "--strict")
    assert_reported(result, path, line_of(text, "Feel better"), "smart.vague", "“Feel better”")


def test_goal_without_objectives(run: Run, write: Write, cbt_text: str) -> None:
    start = cbt_text.index("    objectives:\n      - id: G2.O1")
    end = cbt_text.index("measurements:")
    text = cbt_text[:start] + "\n" + cbt_text[end:]
    result, path = check_variant(run, write, text, "--strict")
    assert_reported(result, path, line_of(text, "id: G2\n"), "smart.no-objectives")


def test_repeated_wording(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(
        cbt_text,
        "Return to the public places she values, step by step.",
        "Reduce the frequency of panic attacks and the fear of bodily sensations.",
    )
    result, path = check_variant(run, write, text, "--strict")
    second = [
        n for n, line in enumerate(text.splitlines(), 1) if "Reduce the frequency of panic" in line
    ][1]
    assert_reported(result, path, second, "smart.repeated", "line")


def test_profile_adds_payer_rules(run: Run) -> None:
    sample = str(SAMPLES / "cbt.yaml")
    result = run("check", sample, "--today", TODAY.isoformat(), "--profile", "medicaid-90")
    assert result.exit_code == 1
    assert "[profile.medicaid-90.service-duration]" in result.output
    assert run("check", sample, "--today", TODAY.isoformat(), "--profile", "carf").exit_code == 0


def test_unknown_profile_is_a_usage_error(run: Run) -> None:
    result = run("check", str(SAMPLES / "cbt.yaml"), "--profile", "nope")
    assert result.exit_code == 2
    assert "unknown profile `nope`" in result.output


def test_json_output(run: Run, write: Write, cbt_text: str) -> None:
    path = write(variant(cbt_text, "status: active", "status: activ"))
    result = run(
        "check",
        str(path),
        str(SAMPLES / "cbt.yaml"),
        "--format",
        "json",
        "--today",
        TODAY.isoformat(),
    )
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["errors"] == 1
    bad, good = payload["files"]
    assert good["ok"] and not bad["ok"]
    assert bad["findings"][0]["rule"] == "schema.allowed"
    assert bad["findings"][0]["line"] == line_of(cbt_text, "status: active")


def test_a_missing_file_is_a_finding_and_the_batch_goes_on(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run("check", str(missing), str(SAMPLES / "cbt.yaml"), "--today", TODAY.isoformat())
    assert result.exit_code == 1
    assert f"{missing}:1:1: error: file not found [file.missing]" in result.output
    assert "2 plan(s) checked, 1 with errors" in result.output


def test_directory_means_every_yaml_in_it(run: Run) -> None:
    result = run("check", str(SAMPLES), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith(
        f"{len(list(SAMPLES.glob('*.yaml')))} plan(s) checked, ok"
    )


def test_check_does_not_import_the_word_stack(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys, plandoc.cli; sys.argv=['plandoc','check','samples/cbt.yaml']\ntry:\n  plandoc.cli.main()\nexcept SystemExit: pass\nprint('docxtpl' in sys.modules, 'simple_icd_10_cm' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=SAMPLES.parent, check=True
    )
    assert out.stdout.strip().endswith("False False")


def sample_text(name: str) -> str:
    return (SAMPLES / f"{name}.yaml").read_text(encoding="utf-8")


def test_npi_check_digit(run: Run, write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, 'npi: "1457382913"', 'npi: "1457382910"')
    result, path = check_variant(run, write, text)
    assert_reported(result, path, line_of(text, "1457382910"), "npi.check-digit", "check digit")


def test_every_adult_in_a_couple_consents(run: Run, write: Write) -> None:
    text = variant(
        sample_text("integrative"),
        "  - {role: client, name: Samuel Whitfield, participant: CP-40212, status: signed, date: 2026-10-19}\n",
        "",
    )
    result, path = check_variant(run, write, text)
    assert_reported(
        result, path, line_of(text, "id: CP-40212"), "signatures.participant", "Samuel Whitfield"
    )


def test_a_score_tied_to_an_objective_must_use_its_instrument(run: Run, write: Write) -> None:
    text = variant(
        sample_text("strengths-based"),
        "  - {instrument: gas, objective: G1.O2, date: 2026-10-12, score: -1}",
        "  - {instrument: gad7, objective: G1.O2, date: 2026-10-12, score: 1}",
    )
    result, path = check_variant(run, write, text)
    assert_reported(
        result,
        path,
        line_of(text, "instrument: gad7, objective: G1.O2"),
        "measures.mismatch",
        "`gas`",
    )


def test_measure_names_a_real_participant(run: Run, write: Write) -> None:
    text = variant(
        sample_text("integrative"),
        "measure: {instrument: ors, participant: CP-40212,",
        "measure: {instrument: ors, participant: CP-40213,",
    )
    result, path = check_variant(run, write, text)
    assert_reported(
        result, path, line_of(text, "CP-40213"), "ids.unresolved", "did you mean `CP-40212`"
    )


def test_guardian_signature_needs_a_guardian(run: Run, write: Write, cbt_text: str) -> None:
    text = cbt_text + "  - {role: guardian, name: Ada Okafor, status: signed, date: 2026-10-05}\n"
    result, path = check_variant(run, write, text)
    assert_reported(result, path, line_of(text, "role: guardian"), "signatures.guardian")


def test_a_minor_needs_a_guardian(run: Run, write: Write) -> None:
    text = sample_text("narrative")
    start = text.index("\nguardian:")
    end = text.index("\n\n", start + 1)
    text = text[:start] + text[end:]
    result, path = check_variant(run, write, text)
    assert_reported(result, path, line_of(text, "participants:"), "participants.guardian", "minor")


def test_superseded_version_is_not_overdue(run: Run) -> None:
    old = SAMPLES / "revisions" / "agoraphobia-v1.yaml"
    result = run("check", str(old), "--strict", "--today", "2030-01-01")
    assert result.exit_code == 0, result.output


def test_emdr_target_complete_needs_sud_0_voc_7(run: Run, write: Write) -> None:
    text = sample_text("emdr")
    assert "current_voc: 7" in text
    text = text.replace("current_voc: 7", "current_voc: 6", 1)
    result, _ = check_variant(run, write, text)
    assert result.exit_code == 1 and "[emdr.target-complete]" in result.output


def test_dbt_life_threatening_targets_need_a_safety_plan(run: Run, write: Write) -> None:
    text = sample_text("dbt")
    start, end = text.index("\nsafety_plan:"), text.index("\ndischarge:")
    text = text[:start] + text[end:]
    result, _ = check_variant(run, write, text)
    assert result.exit_code == 1 and "[safety.missing]" in result.output


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_new_starter_passes_check_and_lists_its_todos(
    run: Run, tmp_path: Path, orientation: str
) -> None:
    path = tmp_path / "new.yaml"
    made = run("new", "--orientation", orientation, "-o", str(path))
    assert made.exit_code == 0, made.output
    checked = run("check", str(path))
    assert checked.exit_code == 0, checked.output
    todos = [line for line in checked.output.splitlines() if line.endswith("[starter.todo]")]
    assert len(todos) >= 10 and all(
        ": warning: placeholder to fill in: TODO" in line for line in todos
    )
    gaps = [line for line in checked.output.splitlines() if line.endswith("[schema.not_recorded]")]
    assert gaps and all("is not recorded: TODO: " in line for line in gaps)  # no value made up
    findings = [line for line in checked.output.splitlines() if ": warning: " in line]
    # the starter itself breaks no rule: it has its placeholders, and values not yet recorded
    assert sorted(findings) == sorted(todos + gaps)
    assert run("check", str(path), "--strict").exit_code == 1


def test_new_does_not_overwrite(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("mine\n")
    result = run("new", "--orientation", "cbt", "-o", str(path))
    assert result.exit_code == 2 and "already exists" in result.output
    assert path.read_text() == "mine\n"
    assert run("new", "--orientation", "cbtt", "-o", str(tmp_path / "x.yaml")).exit_code == 2


STRUCTURE_CASES = [
    pytest.param(
        "instruments:\n  - id: panic_attacks",
        "instruments: 5\nx_instruments:\n  - id: panic_attacks",
        id="instruments-int",
    ),
    pytest.param("    min: 0\n    max: 50", '    min: "zero"\n    max: 50', id="min-text"),
    pytest.param("    - code: F40.01", "    - code: [F40.01]", id="code-list"),
    pytest.param(
        "  review_interval_days: 90", "  review_interval_days: 1000000000000", id="huge-interval"
    ),
    pytest.param("  start_date: 2026-10-05", "  start_date: 9999-12-01", id="far-future"),
    pytest.param("  version: 1\n", "  version: yes\n", id="bool-version"),
    pytest.param(
        "{instrument: gad7, date: 2026-10-26, score: 12}",
        "{instrument: gad7, date: 2026-10-26 10:30:00, score: 12}",
        id="datetime",
    ),
    pytest.param(
        "{instrument: gad7, date: 2026-10-26, score: 12}",
        "{instrument: gad7, date: 2026-10-26, score: .inf}",
        id="infinity",
    ),
    pytest.param(
        "{instrument: gad7, date: 2026-10-26, score: 12}",
        "{instrument: gad7, date: 2026-10-26, score: 10.5}",
        id="fraction",
    ),
    pytest.param("    problems: [P1]", "    problems: P1", id="problems-text"),
    pytest.param("goals:\n  - id: G1", 'goals: "text"\nx:\n  - id: G1', id="goals-text"),
    pytest.param("  - id: panic_attacks", "  - id: phq9", id="shadow-builtin"),
]


@pytest.mark.parametrize(("old", "new"), STRUCTURE_CASES)
def test_wrong_shapes_are_errors_not_crashes(
    run: Run, write: Write, cbt_text: str, old: str, new: str
) -> None:
    result, path = check_variant(run, write, variant(cbt_text, old, new))
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: error: ", result.output, re.M)


def test_problems_given_as_text_is_one_clear_error(run: Run, write: Write, cbt_text: str) -> None:
    result, _ = check_variant(
        run, write, variant(cbt_text, "    problems: [P1]", "    problems: P1")
    )
    assert "must be a list" in result.output and "problem `P`" not in result.output


def test_a_folder_without_plans_is_a_finding(run: Run, tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert (
        f"{tmp_path}:1:1: error: is a folder holding no plan files (*.yaml) [file.read]"
        in result.output
    )
