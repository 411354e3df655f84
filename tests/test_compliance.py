"""The compliance appendix (`render --profile NAME`), the same table in `check --profile NAME
--format json`, and rule packs a practice adds as data (`--templates DIR`, profiles/NAME.yaml)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from plandoc.check.profiles import available_profiles
from tests.conftest import SAMPLES, TODAY, line_of, variant
from tests.test_render import W, body_text, docx_parts

Run = Callable[..., Result]
BUILT_IN = SAMPLES.parent / "templates" / "profiles"
MEDICARE = "Compliance with Medicare outpatient psychotherapy plan of care"
PRACTICE_PROFILE = """\
name: lakeside-eap
title: Lakeside Employee Assistance Program
description: >-
  Lakeside EAP authorizes up to eight sessions for each referral; it needs the clinician's NPI,
  the client's preferences, and a review every 60 days.
review_interval_max_days: 60
signed: [client, clinician]
require:
  - clinician.npi
  - field: assessment.preferences
    description: The client's preferences for how care is given
  - field: goals[].target_date
    description: A target date for every goal
"""


def render(run: Run, out: Path, *args: str) -> Result:
    return run("render", *args, "-o", str(out), "--today", TODAY.isoformat(), "--quiet")


def check_json(run: Run, *args: str) -> dict:
    result = run("check", *args, "--format", "json", "--today", TODAY.isoformat())
    return json.loads(result.output)


def rule_count(path: Path) -> int:
    """How many rules a profile file holds: one requirement row each."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    numbers = ("review_interval_max_days", "max_service_weeks", "max_plan_age_days")
    return (
        len(data.get("require", []))
        + len(data.get("signed", []))
        + bool(data.get("refuse_statuses"))
        + sum(key in data for key in numbers)
    )


def practice_folder(tmp_path: Path, text: str = PRACTICE_PROFILE) -> Path:
    folder = tmp_path / "practice"
    (folder / "profiles").mkdir(parents=True)
    (folder / "profiles" / "lakeside-eap.yaml").write_text(text, encoding="utf-8")
    return folder


# --- the appendix -------------------------------------------------------------------------------


def test_render_profile_adds_the_appendix_to_markdown_and_word(run: Run, tmp_path: Path) -> None:
    done = render(
        run, tmp_path, str(SAMPLES / "cbt.yaml"), "-f", "md", "-f", "docx", "--profile", "medicare"
    )
    assert done.exit_code == 0, done.output
    markdown = (tmp_path / "cbt.md").read_text(encoding="utf-8")
    appendix = markdown.split(f"## {MEDICARE}\n", 1)[1]
    assert "6 of 6 requirements met." in appendix
    rows = re.findall(r"^\| (.+?) \| (Met|\*\*Not met\*\*) \| (.*) \|$", appendix, re.M)
    assert len(rows) == rule_count(BUILT_IN / "medicare.yaml") == 6
    where = {requirement: place for requirement, _, place in rows}
    assert where["A CPT or HCPCS code for every service"] == "Services — S1 code 90837"
    assert (
        where["The treating clinician’s credentials"]
        == "Identification — clinician credentials LCSW"
    )
    assert where["A plan whose status is not draft"] == "Status — Active"
    assert markdown.index(MEDICARE) > markdown.index("## Signatures")

    document = docx_parts((tmp_path / "cbt.docx").read_bytes())["word/document.xml"]
    heading = next(p for p in document.iter(f"{W}p") if "".join(p.itertext()) == MEDICARE)
    assert heading.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Heading1"
    assert heading.find(f"{W}pPr/{W}pageBreakBefore") is not None  # a page of its own
    table = heading.getnext()
    while table.tag != f"{W}tbl":
        table = table.getnext()
    cells = [["".join(tc.itertext()) for tc in tr.iter(f"{W}tc")] for tr in table.iter(f"{W}tr")]
    assert cells[0] == ["Requirement", "Status", "Where the plan meets it, or what is missing"]
    assert ["A CPT or HCPCS code for every service", "Met", "Services — S1 code 90837"] in cells


def test_without_a_profile_there_is_no_appendix(run: Run, tmp_path: Path) -> None:
    done = render(run, tmp_path, str(SAMPLES / "cbt.yaml"), "-f", "md", "-f", "docx")
    assert done.exit_code == 0, done.output
    assert "Compliance with" not in (tmp_path / "cbt.md").read_text(encoding="utf-8")
    assert "Compliance with" not in body_text(docx_parts((tmp_path / "cbt.docx").read_bytes()))


def test_a_requirement_not_met_is_shown_with_its_finding_and_the_plan_still_renders(
    run: Run, tmp_path: Path
) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    done = render(
        run,
        tmp_path,
        str(SAMPLES / "cbt.yaml"),
        "-f",
        "md",
        "-f",
        "payer-summary",
        "--profile",
        "medicaid-90",
    )
    assert done.exit_code == 0, done.output
    assert "medicaid-90: 1 of 5 requirement(s) not met" in done.output
    line = line_of(text, "duration_weeks: 26")
    for name in ("cbt.md", "cbt.payer-summary.md"):
        markdown = (tmp_path / name).read_text(encoding="utf-8")
        assert "4 of 5 requirements met." in markdown
        assert (
            "| Each service planned for at most 13 weeks at a time | **Not met** | "
            f"medicaid-90 authorizes at most 13 weeks at a time (line {line}). |"
        ) in markdown
    word = docx_parts((tmp_path / "cbt.payer-summary.docx").read_bytes())
    assert "Not met" in body_text(word)


def test_an_unknown_profile_stops_render_before_any_work(run: Run, tmp_path: Path) -> None:
    done = render(run, tmp_path, str(SAMPLES / "cbt.yaml"), "-f", "md", "--profile", "nope")
    assert done.exit_code == 2
    assert "unknown profile `nope`" in done.output
    assert not list(tmp_path.glob("*.md"))


def test_every_built_in_profile_gives_one_row_per_rule(run: Run) -> None:
    names = [p.stem for p in sorted(BUILT_IN.glob("*.yaml"))]
    assert names == list(available_profiles())
    args = [a for name in names for a in ("--profile", name)]
    payload = check_json(run, str(SAMPLES / "dbt.yaml"), *args)
    tables = payload["files"][0]["compliance"]
    assert [t["profile"] for t in tables] == names
    for table in tables:
        assert len(table["requirements"]) == rule_count(BUILT_IN / f"{table['profile']}.yaml")
        assert all(
            r["requirement"] and not r["requirement"].startswith("The plan gives")
            for r in table["requirements"]
        )


# --- check --format json --------------------------------------------------------------------------


def test_check_json_gives_the_same_table_and_keeps_its_shape(run: Run, tmp_path: Path) -> None:
    plain = check_json(run, str(SAMPLES / "cbt.yaml"))
    assert set(plain) == {"files", "errors", "warnings"}
    assert set(plain["files"][0]) == {"path", "ok", "findings"}  # no profile: as before

    payload = check_json(run, str(SAMPLES / "cbt.yaml"), "--profile", "medicaid-90")
    entry = payload["files"][0]
    assert {"path", "ok", "findings"} <= set(entry) and not entry["ok"]
    (table,) = entry["compliance"]
    assert table["profile"] == "medicaid-90" and table["met"] == 4
    rows = {r["rule"].split(".")[-1] + ":" + r["subject"]: r for r in table["requirements"]}
    npi = rows["required:clinician.npi"]
    assert npi["met"] and npi["section"] == "heading.identification"
    assert npi["where"] == "Identification — clinician NPI 1457382913" and npi["findings"] == []
    weeks = rows["service-duration:13"]
    assert not weeks["met"] and weeks["where"] == ""
    # a row not met carries exactly the findings check reports for its rule
    reported = [f for f in entry["findings"] if f["rule"] == "profile.medicaid-90.service-duration"]
    assert weeks["findings"] == reported and len(reported) == 1


def test_check_json_for_an_unreadable_plan_has_an_empty_table(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    payload = check_json(run, str(missing), "--profile", "medicare")
    assert payload["files"][0]["compliance"] == []


# --- a practice's own profile -------------------------------------------------------------------


def test_a_practice_profile_is_found_by_check_and_render(run: Run, tmp_path: Path) -> None:
    folder = practice_folder(tmp_path)
    sample = str(SAMPLES / "dbt.yaml")
    found = run(
        "check",
        sample,
        "--templates",
        str(folder),
        "--profile",
        "lakeside-eap",
        "--today",
        TODAY.isoformat(),
    )
    assert (
        found.exit_code == 1
    )  # the DBT sample reviews every 90 days; its goals' dates are its objectives'
    assert "[profile.lakeside-eap.review-interval]" in found.output
    assert (
        "lakeside-eap requires `goals[].target_date`; add it [profile.lakeside-eap.required]"
        in found.output
    )

    out = tmp_path / "out"
    done = render(
        run,
        out,
        sample,
        "-f",
        "md",
        "-f",
        "docx",
        "--templates",
        str(folder),
        "--profile",
        "lakeside-eap",
    )
    assert done.exit_code == 0, done.output
    markdown = (out / "dbt.md").read_text(encoding="utf-8")
    appendix = markdown.split("## Compliance with Lakeside Employee Assistance Program\n", 1)[1]
    assert "Lakeside EAP authorizes up to eight sessions" in appendix
    assert "4 of 6 requirements met." in appendix
    assert (
        "| The client’s preferences for how care is given | Met | Preferences — 3 listed |"
        in appendix
    )
    assert "| A target date for every goal | **Not met** |" in appendix
    assert (
        "| The client’s signature, signed and dated | Met | Signatures — Leah Brennan: signed 14 Sep 2026 |"
        in appendix
    )
    word = body_text(docx_parts((out / "dbt.docx").read_bytes()))
    assert "Compliance with Lakeside Employee Assistance Program" in word


def test_a_bad_practice_profile_is_reported_at_its_line_and_column(
    run: Run, tmp_path: Path
) -> None:
    text = variant(
        PRACTICE_PROFILE, "  - field: goals[].target_date\n", "  - field: [goals, target_date]\n"
    )
    text = variant(text, "review_interval_max_days: 60", "review_interval_max_days: sixty")
    folder = practice_folder(tmp_path, text)
    path = folder / "profiles" / "lakeside-eap.yaml"
    result = run(
        "check", str(SAMPLES / "cbt.yaml"), "--templates", str(folder), "--profile", "lakeside-eap"
    )
    assert result.exit_code == 1
    assert (
        f"{path}:{line_of(text, '[goals, target_date]')}:5: error: `require` is a list"
        in result.output
    )
    assert (
        f"{path}:{line_of(text, 'sixty')}:1: error: `review_interval_max_days` is a whole number"
        in result.output
    )
    assert "Traceback" not in result.output
    rendered = render(
        run,
        tmp_path / "out",
        str(SAMPLES / "cbt.yaml"),
        "-f",
        "md",
        "--templates",
        str(folder),
        "--profile",
        "lakeside-eap",
    )
    assert rendered.exit_code == 1 and f"{path}:" in rendered.output


def test_a_practice_s_default_profile_makes_the_appendix_and_does_not_block_render(
    run: Run, tmp_path: Path
) -> None:
    """The practice file's `profiles` act as `--profile` would: `check` fails the plan that
    does not meet them; `render` still writes it, with the appendix saying what is missing."""
    practice = tmp_path / "plandoc-practice.yaml"
    text = (SAMPLES / "practice" / "plandoc-practice.yaml").read_text(encoding="utf-8")
    practice.write_text(text.replace("profiles: []", "profiles: [medicaid-90]"), encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((SAMPLES / "practice" / "logo.png").read_bytes())
    plan = str(SAMPLES / "cbt.yaml")
    done = run("check", plan, "--practice", str(practice), "--today", TODAY.isoformat())
    assert done.exit_code == 1 and "medicaid-90" in done.output
    out = tmp_path / "out"
    done = render(run, out, plan, "-f", "md", "--practice", str(practice))
    assert done.exit_code == 0, done.output
    assert "4 of 5 requirements met." in (out / "cbt.md").read_text(encoding="utf-8")
