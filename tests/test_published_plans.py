"""Plans written from published examples (tests/plans/, each naming its source at the top)
are encoded without inventing anything and pass `check --strict`.

Issue 8's six: a CBT plan for generalized anxiety, a family co-parenting plan with two
children in joint custody, a severe DBT case with three diagnoses, a court-referred alcohol
case moving from withdrawal management to intensive outpatient care, an adolescent's
depression plan from a problem library, and a member of a closed grief group."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from plandoc import check_file, load_file
from plandoc.render.context.build import build_context
from plandoc.render.pipeline import render_bytes
from tests.conftest import TODAY

PLANS = sorted((Path(__file__).parent / "plans").glob("*.yaml"))


def data(name: str) -> dict[str, Any]:
    return load_file(Path(__file__).parent / "plans" / f"{name}.yaml").data


def test_the_six_published_plans_are_here() -> None:
    assert [p.stem for p in PLANS] == [
        "adolescent-depression-library",
        "alcohol-court-iop-published",
        "dbt-severe-published",
        "family-coparenting-published",
        "gad-cbt-published",
        "grief-group-published",
    ]


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_a_published_plan_names_its_source_and_passes_strict(path: Path) -> None:
    head = path.read_text(encoding="utf-8").split("\nspec_version:")[0]
    assert re.search(r"^# Sources?\b", head, flags=re.MULTILINE) and "https://" in head
    result = check_file(path, strict=True, today=TODAY)
    assert result.ok, "\n".join(f.format() for f in result.findings)


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_quotation_is_made_up(path: Path) -> None:
    """Goal headings and the presenting problem quote the client only where the plan does."""
    plan = check_file(path, today=TODAY).plan
    assert plan is not None
    markdown = render_bytes(build_context(plan), "md").decode("utf-8")
    headings = re.findall(r"^### Goal [^:]+: (.*)$", markdown, flags=re.MULTILINE)
    quoted = [g for g in plan.data["goals"] if g["client_words"]]
    assert len([h for h in headings if h[:1] in "“\"'"]) == len(quoted)
    has_words = bool(plan.data["assessment"]["presenting_problem"]["client_words"])
    assert ("words:**" in markdown) is has_words


def test_the_gad_plan_has_done_or_not_objectives_and_interventions_per_goal() -> None:
    plan = data("gad-cbt-published")
    objectives = [o for g in plan["goals"] for o in g["objectives"]]
    assert any("criterion" in o and "measure" not in o for o in objectives)
    assert all("uses" in g for g in plan["goals"])
    assert "client_words" not in str(plan)


def test_the_adolescent_has_an_age_two_guardians_and_library_provenance() -> None:
    plan = data("adolescent-depression-library")
    client = plan["participants"][0]
    assert "age" in client and "date_of_birth" not in client and client["age"] < 18
    assert len(plan["guardians"]) == 2 and all(g["legal_authority"] for g in plan["guardians"])
    assert {s["name"] for s in plan["signatures"] if s["role"] == "guardian"} == {
        g["name"] for g in plan["guardians"]
    }
    assert all("library" in p for p in plan["problems"])


def test_the_dbt_case_has_three_diagnoses_risk_by_domain_and_a_team() -> None:
    plan = data("dbt-severe-published")
    assert len(plan["assessment"]["diagnoses"]) == 3
    assert {r["domain"] for r in plan["assessment"]["risks"]} >= {"suicide", "self_harm"}
    assert plan["team"] and any(s["modality"] == "group" for s in plan["services"])


def test_the_alcohol_case_steps_down_from_withdrawal_management_without_a_safety_plan() -> None:
    plan = data("alcohol-court-iop-published")
    levels = [s.get("level_of_care") for s in plan["services"]]
    assert levels[:2] == ["withdrawal_management", "intensive_outpatient"]
    assert plan["services"][0]["per_diem"] and plan["services"][1]["start_date"]
    assert "withdrawal" in {r["domain"] for r in plan["assessment"]["risks"]}
    assert "safety_plan" not in plan and plan["crisis_plans"]
    assert len(plan["substance_use"]["asam_dimensions"]) == 6
    assert plan["substance_use"]["referral"]["mandated"]


def test_the_family_has_two_children_in_joint_custody() -> None:
    plan = data("family-coparenting-published")
    children = [p for p in plan["participants"] if p["role"] in ("child", "client")]
    assert len(children) == 2
    assert all("joint" in g["legal_authority"].lower() for g in plan["guardians"])


def test_the_grief_group_member_is_one_member_of_a_closed_group() -> None:
    plan = data("grief-group-published")
    (group,) = [s for s in plan["services"] if s["modality"] == "group"]
    assert group["code"] == "90853" and group["group"]["closed"] is True
    objectives = [o for g in plan["goals"] for o in g["objectives"]]
    assert any(o.get("within", {}).get("sessions") for o in objectives)
