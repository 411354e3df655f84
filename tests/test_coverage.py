"""Coverage: the payer, the member's identifiers and the authorization, checked through the CLI
(every finding at its line and column) and handed to templates as display text."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import Result

from plandoc.render.context.build import build_context
from tests.conftest import SAMPLES, TODAY, line_of, plan_at, variant

Run = Callable[..., Result]
Write = Callable[..., Path]

DBT = (SAMPLES / "dbt.yaml").read_text(encoding="utf-8")
AUTH = """    authorization:
      number: PA-26-0911-5530
      start_date: 2026-09-14
      end_date: 2027-03-14
      sessions: 50
      services: [S1, S2]
"""


class Found(NamedTuple):
    line: int
    col: int
    severity: str
    message: str
    rule: str


def findings(result: Result, path: Path) -> list[Found]:
    pattern = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): (error|warning): (.*) \[(.+)\]$")
    return [
        Found(int(m[1]), int(m[2]), m[3], m[4], m[5])
        for line in result.output.splitlines()
        if (m := pattern.match(line))
    ]


def check(run: Run, write: Write, text: str, *extra: str) -> tuple[Result, list[Found]]:
    path = write(text)
    result = run("check", str(path), "--today", TODAY.isoformat(), *extra)
    assert "Traceback" not in result.output
    return result, findings(result, path)


def dbt_with(authorization: str) -> str:
    return variant(DBT, AUTH, authorization)


def at(text: str, line_text: str, value: str) -> tuple[int, int]:
    """Line and column (1-based) of *value* on the line that holds *line_text*."""
    line = line_of(text, line_text)
    return line, text.splitlines()[line - 1].index(value) + 1


def one(found: list[Found], rule: str) -> Found:
    hits = [f for f in found if f.rule == rule]
    assert len(hits) == 1, found
    return hits[0]


# --- the schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "rule", "words"),
    [
        pytest.param(
            "      sessions: 50\n",
            "      sessions: fifty\n",
            "fifty",
            "schema.type",
            "`coverage[0].authorization.sessions` must be a whole number, not `fifty`",
            id="sessions-not-a-number",
        ),
        pytest.param(
            "      sessions: 50\n",
            "      sessions: 0\n",
            "0",
            "schema.range",
            "`coverage[0].authorization.sessions` is `0` but must be at least 1",
            id="no-sessions",
        ),
        pytest.param(
            "      start_date: 2026-09-14\n",
            '      start_date: "14 September 2026"\n',
            '"14 September',
            "schema.type",
            "write dates as YYYY-MM-DD",
            id="date-as-text",
        ),
        pytest.param(
            "    authorization:\n",
            "    authorisation:\n",
            "authorisation",
            "schema.unknown",
            "did you mean `authorization`",
            id="uk-spelling",
        ),
        pytest.param(
            "      services: [S1, S2]\n",
            "      services: S1\n",
            "S1",
            "schema.type",
            "must be a list",
            id="services-not-a-list",
        ),
    ],
)
def test_schema_errors_point_at_the_value(
    run: Run, write: Write, old: str, new: str, needle: str, rule: str, words: str
) -> None:
    text = variant(DBT, old, new)
    result, found = check(run, write, text)
    assert result.exit_code == 1
    hit = one(found, rule)
    assert (hit.line, hit.col) == at(text, new, needle)
    assert words in hit.message


def test_payer_and_member_id_are_required(run: Run, write: Write) -> None:
    text = variant(DBT, "    member_id: ESH-551-30482-03\n", "")
    result, found = check(run, write, text)
    hit = one(found, "schema.required")
    assert result.exit_code == 1
    assert hit.line == line_of(text, "  - payer: Evergreen Sound Health Plan")
    assert "missing required field `coverage[0].member_id`" in hit.message


def test_an_authorization_names_its_period(run: Run, write: Write) -> None:
    text = dbt_with(AUTH.replace("      end_date: 2027-03-14\n", ""))
    result, found = check(run, write, text)
    assert result.exit_code == 1
    assert "`coverage[0].authorization.end_date`" in one(found, "schema.required").message


# --- the rules -----------------------------------------------------------------------------------


def test_an_unknown_service_is_an_error_at_its_place_in_the_list(run: Run, write: Write) -> None:
    text = dbt_with(AUTH.replace("[S1, S2]", "[S1, S3]"))
    result, found = check(run, write, text)
    hit = one(found, "ids.unresolved")
    assert result.exit_code == 1
    assert (hit.line, hit.col) == at(text, "[S1, S3]", "S3")
    assert hit.message.startswith("authorization covers service `S3`, which is not in `services`")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("      sessions: 50\n", "      sessions: 50\n      units: 50\n"), "units: 50"),
        (("      sessions: 50\n", ""), "authorization:"),
    ],
    ids=["both", "neither"],
)
def test_an_authorization_counts_sessions_or_units(
    run: Run, write: Write, change: tuple[str, str], field: str
) -> None:
    text = dbt_with(AUTH.replace(*change))
    result, found = check(run, write, text)
    hit = one(found, "coverage.authorization")
    assert result.exit_code == 1 and hit.severity == "error"
    assert hit.line == line_of(text, field)


@pytest.mark.parametrize(
    ("start", "end", "severity", "field", "words"),
    [
        ("2026-09-14", "2026-09-01", "error", "end_date", "ends 2026-09-01, before it starts"),
        ("2027-10-01", "2027-12-31", "error", "start_date", "after the plan expires (2027-09-13)"),
        ("2026-03-01", "2026-08-31", "error", "end_date", "before the plan starts (2026-09-14)"),
        ("2026-09-01", "2027-03-14", "warning", "start_date", "before the plan starts"),
        ("2026-09-14", "2027-10-31", "warning", "end_date", "renew the plan before then"),
    ],
    ids=["backwards", "after-expiry", "before-start", "starts-early", "outlasts-plan"],
)
def test_authorization_dates_against_the_plan(
    run: Run, write: Write, start: str, end: str, severity: str, field: str, words: str
) -> None:
    text = dbt_with(
        AUTH.replace("2026-09-14", start).replace("2027-03-14", end).replace("50", "60")
    )
    _, found = check(run, write, text)
    hits = [f for f in found if f.rule == "coverage.dates"]
    assert len(hits) == 1, found
    assert hits[0].severity == severity and words in hits[0].message
    value = start if field == "start_date" else end
    assert (hits[0].line, hits[0].col) == at(text, f"{field}: {value}", value)


def test_a_one_day_authorization_is_not_backwards(run: Run, write: Write) -> None:
    """The end date is the last day covered, so an authorization may start and end on one day
    (a crisis session, a test)."""
    text = dbt_with(AUTH.replace("2027-03-14", "2026-09-14"))
    _, found = check(run, write, text)
    assert [f for f in found if f.rule == "coverage.dates" and f.severity == "error"] == []


def test_a_covered_service_outside_the_period_is_a_warning(run: Run, write: Write) -> None:
    text = dbt_with(AUTH.replace("2027-03-14", "2027-01-31"))
    result, found = check(run, write, text)
    assert result.exit_code == 0
    periods = [f for f in found if f.rule == "coverage.period"]
    assert {f.severity for f in periods} == {"warning"}
    assert [f.message.split(" runs to ")[0] for f in periods] == ["S1", "S2"]
    assert "S1 runs to 2027-03-14, after the authorization ends (2027-01-31)" in periods[0].message


def test_authorized_sessions_that_disagree_with_the_plan_are_a_warning_naming_both(
    run: Run, write: Write
) -> None:
    text = dbt_with(AUTH.replace("sessions: 50", "sessions: 30"))
    result, found = check(run, write, text)
    hit = one(found, "coverage.amount")
    assert result.exit_code == 0 and hit.severity == "warning"
    assert hit.message.startswith(
        "30 sessions authorized from 2026-09-14 to 2027-03-14, but 50 are planned in that period (S1, S2)"
    )
    assert (hit.line, hit.col) == at(text, "sessions: 30", "30")


def test_a_shorter_authorization_counts_the_sessions_in_its_own_period(
    run: Run, write: Write
) -> None:
    """13 weeks of S1 (weekly, 26 weeks): 13 sessions in the period, so 12 authorized agree
    and 8 do not."""
    short = AUTH.replace("2027-03-14", "2026-12-13").replace("[S1, S2]", "[S1]")
    _, found = check(run, write, dbt_with(short.replace("sessions: 50", "sessions: 12")))
    assert [f.rule for f in found if f.rule.startswith("coverage.")] == ["coverage.period"]
    _, found = check(run, write, dbt_with(short.replace("sessions: 50", "sessions: 8")))
    assert "but 13 are planned in that period (S1)" in one(found, "coverage.amount").message


def test_units_count_days_of_per_diem_care_and_minutes_of_unit_codes(
    run: Run, write: Write
) -> None:
    """24 program days of H0015 are 24 units; H0004 (per 15 minutes) at 53 minutes a week
    for 8 weeks is 4 units a session, 32 more: 56 in all."""
    text = (SAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
    assert check(run, write, text)[1] == []
    counselling = variant(text, "    code: H0006\n", "    code: H0004\n")
    counselling = variant(counselling, "    session_minutes: 30\n", "    session_minutes: 53\n")
    counselling = variant(counselling, "{count: 1, per: fortnight}", "{count: 1, per: week}")
    both = variant(
        counselling,
        "      units: 24\n      services: [S1]",
        "      units: 56\n      services: [S1, S3]",
    )
    assert [f for f in check(run, write, both)[1] if f.rule.startswith("coverage.")] == []
    fewer = both.replace("units: 56", "units: 40")
    hit = one(check(run, write, fewer)[1], "coverage.amount")
    assert "40 units authorized" in hit.message and "but 56 are planned" in hit.message


def test_the_samples_with_coverage_are_clean(run: Run) -> None:
    paths = [str(SAMPLES / f"{name}.yaml") for name in ("cbt", "dbt", "substance-use-iop")]
    result = run("check", *paths, "--today", TODAY.isoformat(), "--strict")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


# --- the profile ---------------------------------------------------------------------------------


def test_medicaid_90_requires_the_members_coverage(run: Run, write: Write) -> None:
    text = (SAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
    _, found = check(run, write, text, "--profile", "medicaid-90")
    assert found == []
    start = text.index("\ncoverage:\n")
    without = text[:start] + text[text.index("\nteam:\n") :]
    result, found = check(run, write, without, "--profile", "medicaid-90")
    assert result.exit_code == 1
    hit = one(found, "profile.medicaid-90.required")
    assert hit.message == "medicaid-90 requires `coverage`; add it"


# --- the model and the template context ----------------------------------------------------------


def test_the_model_knows_what_each_authorization_covers_allows_and_plans() -> None:
    plan = plan_at(SAMPLES / "dbt.yaml")
    (coverage,) = plan.coverage
    auth = coverage.authorization
    assert auth is not None
    assert [s.id for s in plan.covered_services(auth)] == ["S1", "S2"]
    assert (auth.measure, auth.amount, plan.planned_for(auth)) == ("sessions", 50, 50)
    iop = plan_at(SAMPLES / "substance-use-iop.yaml")
    (medicaid,) = iop.coverage
    assert medicaid.authorization is not None
    assert iop.planned_for(medicaid.authorization) == 24


def test_templates_see_coverage_as_display_text() -> None:
    (dbt,) = build_context(plan_at(SAMPLES / "dbt.yaml"))["coverage"]
    assert dbt["payer"] == "Evergreen Sound Health Plan"
    assert dbt["member_id"] == "ESH-551-30482-03"
    assert dbt["authorization_number"] == "PA-26-0911-5530"
    assert dbt["period_text"] == "14 Sep 2026 – 14 Mar 2027"
    assert dbt["authorized_text"] == "50 sessions (90837 and 90853)"
    assert dbt["planned_text"] == "50 sessions planned in this period"
    (iop,) = build_context(plan_at(SAMPLES / "substance-use-iop.yaml"))["coverage"]
    assert (iop["authorized_text"], iop["group_number"]) == ("24 units (H0015)", "")
    (cbt,) = build_context(plan_at(SAMPLES / "cbt.yaml"))["coverage"]
    assert cbt["authorized"] is False and cbt["period_text"] == cbt["authorized_text"] == ""
    assert cbt["group_number"] == "40217-OR"
    assert build_context(plan_at(SAMPLES / "act.yaml"))["coverage"] == []


def test_a_changed_member_id_and_authorization_show_in_the_change_summary(
    run: Run, write: Write, tmp_path: Path
) -> None:
    new = variant(DBT, "ESH-551-30482-03", "ESH-551-30482-04")
    new = variant(new, "      sessions: 50\n", "      sessions: 48\n")
    new = variant(new, "  version: 1\n", "  version: 2\n")
    out = tmp_path / "summary.md"
    result = run("diff", str(SAMPLES / "dbt.yaml"), str(write(new)), "-f", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    summary = out.read_text(encoding="utf-8")
    assert "## Coverage and authorization" in summary
    assert "member id:** ESH-551-30482-03 → ESH-551-30482-04" in summary
    assert "authorization sessions:** 50 → 48" in summary
