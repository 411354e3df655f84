"""What issue 8 found wrongly accepted (or wrongly computed), each now caught — at the line
it is about, with the rule that catches it — and the cases that must still pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc import check_file
from tests.conftest import SAMPLES, TODAY, line_of, variant

Run = Callable[..., Result]
Write = Callable[[str, str], Path]

CLINICIAN_SIGNED = (
    "{role: clinician, name: Daniel Reyes, credentials: LCSW, status: signed, date: 2026-10-05}"
)
GROUP_90832 = (
    "  - id: S1\n    modality: group\n    description: Group psychotherapy\n"
    '    code: "90832"\n    session_minutes: 50\n'
)


def findings(path: Path, *profiles: str) -> list[tuple[int, str, str, str]]:
    result = check_file(path, today=TODAY, profiles=profiles)
    return [(f.line, f.severity, f.rule, f.message) for f in result.findings]


def rules_at(path: Path, line: int, *profiles: str) -> set[str]:
    return {rule for at, _, rule, _ in findings(path, *profiles) if at == line}


def test_a_group_service_billed_with_an_individual_30_minute_code(
    write: Write, cbt_text: str
) -> None:
    text = variant(
        cbt_text,
        '  - id: S1\n    modality: individual\n    description: Individual psychotherapy, 53 minutes\n    code: "90837"\n    session_minutes: 53\n',
        GROUP_90832,
    )
    path = write(text)
    found = [m for at, _, rule, m in findings(path) if rule == "services.code-mismatch"]
    assert at_line(path, text, 'code: "90832"') == {"services.code-mismatch"}
    assert any("not group" in m for m in found) and any("16–37 minutes, not 50" in m for m in found)


def at_line(path: Path, text: str, needle: str) -> set[str]:
    return rules_at(path, line_of(text, needle))


def test_a_minor_known_only_by_age_needs_a_guardian(write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, "date_of_birth: 1991-03-14", "age: 15")
    path = write(text)
    assert "participants.guardian" in {rule for _, _, rule, _ in findings(path)}
    with_guardian = variant(
        text, "\nclinician:", "\nguardian: {name: Ada Okafor, relationship: mother}\n\nclinician:"
    )
    assert "participants.guardian" not in {rule for _, _, rule, _ in findings(write(with_guardian))}


def test_a_guardian_signature_by_someone_who_is_not_the_guardian(write: Write) -> None:
    text = (SAMPLES / "narrative.yaml").read_text(encoding="utf-8")
    text = variant(
        text, "{role: guardian, name: Carla Ramos,", "{role: guardian, name: Erik Ramos,"
    )
    path = write(text)
    assert at_line(path, text, "{role: guardian, name: Erik Ramos,") == {"signatures.guardian"}
    (message,) = [m for _, _, r, m in findings(path) if r == "signatures.guardian"]
    assert (
        "Erik Ramos signs as guardian but is not one of the plan's guardians (Carla Ramos)"
        in message
    )


def test_a_dbt_diary_card_target_that_resolves_to_nothing(write: Write) -> None:
    text = (SAMPLES / "dbt.yaml").read_text(encoding="utf-8")
    text = variant(text, "{target: LT3, rating: urge_0_5}", "{target: T9, rating: urge_0_5}")
    path = write(text)
    assert "dbt.diary-card-target" in at_line(path, text, "{target: T9,")
    # a free-text row of the card (not an id) is not a reference
    assert "Skills used" in text


def test_medicare_refuses_a_draft_unsigned_plan_and_does_not_ask_for_an_npi(
    write: Write, cbt_text: str
) -> None:
    text = variant(cbt_text, "status: active", "status: draft")
    text = variant(
        text, CLINICIAN_SIGNED, CLINICIAN_SIGNED.replace("signed, date: 2026-10-05", "pending")
    )
    text = variant(text, '  npi: "1457382913"\n', "")
    rules = {rule for _, _, rule, _ in findings(write(text), "medicare")}
    assert {"profile.medicare.status", "profile.medicare.signed"} <= rules
    assert not any("npi" in m.lower() for *_, m in findings(write(text), "medicare"))
    assert check_file(SAMPLES / "cbt.yaml", today=TODAY, profiles=("medicare",)).ok


def test_medicare_passes_a_signed_plan_with_no_npi_at_all(write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, '  npi: "1457382913"\n', "")
    text = variant(text, '  npi: "1982736450"\n', "")
    assert "npi" not in text
    assert check_file(write(text), today=TODAY, profiles=("medicare",)).ok


def test_planned_sessions_that_disagree_with_the_services(write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, "planned_sessions: 26", "planned_sessions: 16")
    path = write(text)
    assert "cbt.planned-sessions" in at_line(path, text, "planned_sessions: 16")
    text = variant(
        cbt_text, "    duration_weeks: 26\n", "    duration_weeks: 26\n    sessions: 16\n"
    )
    path = write(text)
    (message,) = [m for _, _, r, m in findings(path) if r == "services.sessions"]
    assert message == "16 sessions planned, but the frequency over 26 weeks makes 26"


def test_an_evaluation_code_once_a_week(write: Write, cbt_text: str) -> None:
    text = variant(cbt_text, 'code: "90837"', 'code: "90791"')
    path = write(text)
    assert "services.evaluation" in at_line(path, text, 'code: "90791"')


def test_beyond_plan_counts_from_the_services_own_start(write: Write, cbt_text: str) -> None:
    """A 16-week programme starting 30 Nov 2026 runs to 21 Mar 2027 (the last day of its 16th
    week), not to 12 Mar (16 weeks from the plan's start): an objective due 20 Mar, or the day
    after its last, is within it."""
    text = variant(
        cbt_text,
        "    duration_weeks: 26\n",
        "    duration_weeks: 16\n    start_date: 2026-11-30\n",
    )
    text = variant(
        text,
        "target_date: 2027-03-29\n        status: in_progress",
        "target_date: 2027-03-20\n        status: in_progress",
    )
    text = variant(
        text,
        "target_date: 2027-03-29\n        status: not_started",
        "target_date: 2027-03-22\n        status: not_started",
    )
    text = variant(text, "planned_sessions: 26", "planned_sessions: 16")
    text = variant(text, "target_date: 2027-01-03", "target_date: 2027-03-23")
    path = write(text)
    beyond = [(at, m) for at, _, r, m in findings(path) if r == "smart.beyond-plan"]
    assert beyond == [
        (
            line_of(text, "target_date: 2027-03-23"),
            "objective `G1.O1` is due 2027-03-23, beyond the plan's services (the last of them runs to 2027-03-21); shorten it or extend the services",
        )
    ]


def test_a_time_frame_in_sessions_is_the_day_of_the_last_of_them(
    write: Write, cbt_text: str
) -> None:
    """Weekly sessions from 5 Oct 2026: session 1 is on the start day (not an error), session 4
    on 26 Oct. With a second service, which one must be said."""
    text = variant(cbt_text, "        target_date: 2026-12-07\n", "        within: {sessions: 1}\n")
    assert check_file(write(text), today=TODAY).ok
    plan = check_file(write(variant(text, "{sessions: 1}", "{sessions: 4}")), today=TODAY).plan
    assert plan is not None
    (objective,) = [o for o in plan.objectives if o.id == "G2.O1"]
    assert str(plan.due(objective)) == "2026-10-26"
    second = variant(
        text,
        "    duration_weeks: 26\n",
        '    duration_weeks: 26\n  - {id: S2, modality: individual, code: "99214", session_minutes: 25, frequency: {count: 1, per: month}, duration_weeks: 26}\n',
    )
    assert "dates.time-frame" in {r for _, _, r, _ in findings(write(second))}


BEFORE = sorted((Path(__file__).parent / "plans" / "before-issue-8").glob("*.yaml"))


@pytest.mark.parametrize("path", BEFORE, ids=lambda p: p.stem)
def test_a_plan_that_passed_before_still_passes(path: Path) -> None:
    """The samples this change edited, as they were before it: they still pass `check` (new
    warnings may appear; no error). The samples it left alone are checked as they are."""
    result = check_file(path, today=TODAY)
    assert result.ok, "\n".join(f.format() for f in result.errors)


def test_older_forms_still_pass(write: Write, cbt_text: str) -> None:
    """A local HCPCS code (W to Z) and a key without a value in free-form extensions."""
    text = variant(cbt_text, 'code: "90837"', 'code: "W1234"')
    text += "\nextensions: {units: 20, authorised}\n"
    found = findings(write(text))
    assert [r for _, sev, r, _ in found if sev == "error"] == []
    assert ("warning", "yaml.flow-comma") in {(sev, r) for _, sev, r, _ in found}


def test_codes_are_checked_only_against_the_table_of_their_system(
    write: Write, cbt_text: str
) -> None:
    """F43.1 is a WHO ICD-10 code (PTSD) but only a category in ICD-10-CM."""
    cm = variant(cbt_text, "- code: F40.01", "- code: F43.1")
    assert "icd.not-billable" in {rule for _, _, rule, _ in findings(write(cm))}
    who = variant(cm, "- code: F43.1\n", "- code: F43.1\n      system: icd10\n")
    assert not {"icd.not-billable", "icd.unknown"} & {r for _, _, r, _ in findings(write(who))}
    dsm = variant(cm, "- code: F43.1\n", "- code: F43.1\n      system: dsm5\n")
    assert "icd.not-billable" in {rule for _, _, rule, _ in findings(write(dsm))}


def test_the_same_code_for_two_family_members_is_not_a_duplicate(write: Write) -> None:
    text = (SAMPLES / "family-systems.yaml").read_text(encoding="utf-8")
    text = variant(
        text,
        "  diagnoses:\n",
        "  diagnoses:\n    - {code: Z63.0, participant: PT-64410-S, notes: Stefan's side of it.}\n",
    )
    assert check_file(write(text), today=TODAY).ok


def test_an_objective_due_after_its_goal_is_a_warning(write: Write, cbt_text: str) -> None:
    text = variant(
        cbt_text,
        "    status: in_progress\n    objectives:\n      - id: G2.O1",
        "    status: in_progress\n    target_date: 2027-01-31\n    objectives:\n      - id: G2.O1",
    )
    found = [(at, sev) for at, sev, r, m in findings(write(text)) if "after its goal" in m]
    lines = text.splitlines()
    g2o2 = lines.index("      - id: G2.O2")
    due = next(n for n in range(g2o2, len(lines)) if "target_date: 2027-03-29" in lines[n])
    assert found == [(due + 1, "warning")]  # G2.O1 (due 7 Dec) is within the goal's date


def test_medicare_needs_service_codes_and_the_treating_clinicians_signature(
    write: Write, cbt_text: str
) -> None:
    uncoded = variant(cbt_text, '    code: "90837"\n', "    code_system: none\n")
    assert "profile.medicare.required" in {r for _, _, r, _ in findings(write(uncoded), "medicare")}
    other = variant(
        cbt_text, CLINICIAN_SIGNED, CLINICIAN_SIGNED.replace("Daniel Reyes", "Dana Ruiz")
    )
    assert "profile.medicare.signed" in {r for _, _, r, _ in findings(write(other), "medicare")}


def test_planned_cbt_sessions_count_therapy_not_medication_visits(
    write: Write, cbt_text: str
) -> None:
    text = variant(
        cbt_text,
        "    duration_weeks: 26\n",
        '    duration_weeks: 26\n  - {id: S2, modality: individual, code: "99214", session_minutes: 25, frequency: {count: 1, per: month}, duration_weeks: 26}\n',
    )
    assert "cbt.planned-sessions" not in {r for _, _, r, _ in findings(write(text))}
