"""Every rule `check` and `templates check` document is triggered here, once at least: one row
per rule, a plan (or a template folder) that breaks it, and the rule id in the output. A rule
that is documented but has no row fails the last test."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ROOT, SAMPLES, TODAY

Run = Callable[..., Result]
BASE = "cbt"


@dataclass(frozen=True)
class Case:
    rule: str
    sample: str = BASE
    edits: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()
    raw: bytes | None = None  # the plan file's bytes, instead of an edited sample
    folder: dict[str, bytes | str] = field(default_factory=dict)  # a practice's template folder
    lint: bool = False  # `templates check` on the folder instead of `check`


def edit(*pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple(zip(pairs[::2], pairs[1::2], strict=True))


SECOND_PERSON = (
    "    pronouns: she/her\n    primary: true\n  - {id: CL-2, name: Sam Okafor, role: partner}\n"
)
G2O2_INTERVENTIONS = "        interventions:\n          - id: G2.O2.I1\n            description: Plan and rehearse the trip, then debrief it as a behavioural experiment.\n            frequency: two sessions before the trip, one after\n            modality: individual\n"
NEW_GOAL = '  - id: G3\n    problems: [P2]\n    client_words: "Go to the cinema with Ines."\n    status: not_started\n\nmeasurements:'
CLIENT_SIGNATURE = "{role: client, name: Maya Okafor, status: signed, date: 2026-10-05}"
CLINICIAN_SIGNATURE = (
    "{role: clinician, name: Daniel Reyes, credentials: LCSW, status: signed, date: 2026-10-05}"
)


def split_tag_docx() -> bytes:
    source = zipfile.ZipFile(ROOT / "templates" / "plan.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                data = data.replace(b"{{ title }}", b"{{ ti</w:t></w:r><w:r><w:t>tle }}", 1)
            target.writestr(name, data)
    return out.getvalue()


CASES = {
    # reading the file
    "file.missing": Case("file.missing", raw=None, args=("--missing",)),
    "file.read": Case("file.read", args=("--folder",)),
    "file.empty": Case("file.empty", raw=b"# nothing here yet\n"),
    "file.too-large": Case("file.too-large", raw=b"# " + b"x" * (2 * 1024 * 1024 + 10)),
    "file.encoding": Case("file.encoding", raw=b"spec_version: 1\nplan: {title: caf\xe9}\n"),
    "yaml.syntax": Case("yaml.syntax", raw=b"spec_version: 1\nplan: [1, 2\n"),
    "yaml.tag": Case(
        "yaml.tag", edits=edit("spec_version: 1", "spec_version: !!python/name:os.system 1")
    ),
    "yaml.alias": Case(
        "yaml.alias", edits=edit("  id: PLAN-CBT-0001", "  id: &p PLAN-CBT-0001\n  title2: *p")
    ),
    "yaml.anchor": Case("yaml.anchor", edits=edit("  id: PLAN-CBT-0001", "  id: &p PLAN-CBT-0001")),
    "yaml.duplicate-key": Case(
        "yaml.duplicate-key",
        edits=edit("  status: active\n", "  status: active\n  status: draft\n"),
    ),
    "yaml.key": Case(
        "yaml.key", edits=edit("spec_version: 1\n", "spec_version: 1\n? [a, b]\n: 1\n")
    ),
    "yaml.value": Case(
        "yaml.value", edits=edit("start_date: 2026-10-05", "start_date: 2026-02-30")
    ),
    "yaml.root": Case("yaml.root", raw=b"- a plan\n- is not a list\n"),
    "yaml.multiple-documents": Case(
        "yaml.multiple-documents", edits=edit("spec_version: 1\n", "spec_version: 1\n---\nx: 1\n")
    ),
    "yaml.limits": Case("yaml.limits", raw=b"a: " + b"[" * 60 + b"]" * 60 + b"\n"),
    "text.control-character": Case(
        "text.control-character",
        edits=edit("title: CBT treatment plan", 'title: "CBT \\a treatment plan"'),
    ),
    "text.bidi-control": Case(
        "text.bidi-control",
        edits=edit("    name: Maya Okafor\n", '    name: "Maya \\u202eakafO\\u202c"\n'),
    ),
    "text.invisible-character": Case(
        "text.invisible-character",
        edits=edit("    title: Panic attacks\n", '    title: "Panic\\u200b attacks"\n'),
    ),
    "text.long-word": Case(
        "text.long-word",
        edits=edit("    title: Panic attacks\n", f"    title: Panic {'a' * 90}\n"),
    ),
    "yaml.flow-comma": Case(
        "yaml.flow-comma",
        edits=edit(CLINICIAN_SIGNATURE, CLINICIAN_SIGNATURE.replace("Reyes,", "Reyes, LCSW,")),
    ),
    "yaml.comment-in-text": Case(
        "yaml.comment-in-text",
        edits=edit("participation: >-\n", "participation: >-\n    # ask Maya to confirm\n"),
    ),
    # the spec
    "schema.required": Case("schema.required", edits=edit("  start_date: 2026-10-05\n", "")),
    "schema.unknown": Case("schema.unknown", edits=edit("  title: CBT", "  titel: CBT")),
    "schema.type": Case(
        "schema.type", edits=edit("review_interval_days: 90", "review_interval_days: ninety")
    ),
    "schema.allowed": Case("schema.allowed", edits=edit("status: active", "status: activ")),
    "schema.empty": Case(
        "schema.empty",
        edits=edit("  title: CBT treatment plan — panic and agoraphobia", '  title: "  "'),
    ),
    "schema.length": Case(
        "schema.length",
        edits=edit(
            "  criteria:\n    - Panic attacks at one a week or fewer for four weeks in a row\n    - Travels by bus alone and has visited Salem\n",
            "  criteria: []\n",
        ),
    ),
    "schema.range": Case(
        "schema.range", edits=edit("review_interval_days: 90", "review_interval_days: 3")
    ),
    "schema.format": Case("schema.format", edits=edit("- code: F40.01", "- code: F4O.01")),
    # meaning
    "ids.duplicate": Case("ids.duplicate", edits=edit("  - id: G2\n", "  - id: G1\n")),
    "ids.unresolved": Case("ids.unresolved", edits=edit("problems: [P1]", "problems: [P9]")),
    "dates.order": Case(
        "dates.order", edits=edit("expiry_date: 2027-10-04", "expiry_date: 2026-10-01")
    ),
    "revisions.superseded": Case(
        "revisions.superseded", edits=edit("  version: 1\n", "  version: 1\n  superseded_by: 2\n")
    ),
    "signatures.electronic": Case(
        "signatures.electronic",
        edits=edit(
            "{role: client, name: Maya Okafor, status: signed, date: 2026-10-05}",
            '{role: client, name: Maya Okafor, status: signed, date: 2026-10-05, time: "14:32"}',
        ),
    ),
    "dates.after-expiry": Case(
        "dates.after-expiry", edits=edit("expiry_date: 2027-10-04", "expiry_date: 2027-02-01")
    ),
    "dates.future": Case(
        "dates.future", edits=edit("date: 2026-11-23, score: 10}", "date: 2026-12-30, score: 10}")
    ),
    "dates.review-schedule": Case(
        "dates.review-schedule",
        edits=edit("next_review_date: 2027-01-03", "next_review_date: 2027-06-01"),
    ),
    "dates.review-overdue": Case("dates.review-overdue", args=("--today", "2027-06-01")),
    "icd.unknown": Case("icd.unknown", edits=edit("- code: F40.01", "- code: F40.99")),
    "icd.not-billable": Case("icd.not-billable", edits=edit("- code: F40.01", "- code: F40")),
    "diagnoses.primary": Case(
        "diagnoses.primary",
        edits=edit(
            "    - code: F40.01\n      primary: true\n", "    - code: F40.01\n    - code: F41.1\n"
        ),
    ),
    "diagnoses.duplicate": Case(
        "diagnoses.duplicate",
        edits=edit(
            "    - code: F40.01\n      primary: true\n",
            "    - code: F40.01\n      primary: true\n    - code: F40.01\n",
        ),
    ),
    "measures.range": Case(
        "measures.range",
        edits=edit(
            "{instrument: gad7, date: 2026-09-28, score: 14}",
            "{instrument: gad7, date: 2026-09-28, score: 40}",
        ),
    ),
    "measures.direction": Case(
        "measures.direction", edits=edit("baseline: 14, target: 7", "baseline: 14, target: 18")
    ),
    "measures.mismatch": Case(
        "measures.mismatch",
        edits=edit(
            "{instrument: gad7, date: 2026-11-23, score: 10}",
            "{instrument: phq9, date: 2026-11-23, score: 10, objective: G1.O2}",
        ),
    ),
    "measures.scale": Case(
        "measures.scale", edits=edit("    min: 0\n    max: 50", "    min: 60\n    max: 50")
    ),
    "npi.check-digit": Case("npi.check-digit", edits=edit('"1457382913"', '"1457382914"')),
    "participants.primary": Case(
        "participants.primary",
        edits=edit(
            "    pronouns: she/her\n",
            "    pronouns: she/her\n  - {id: CL-2, name: Sam Okafor, role: partner}\n",
        ),
    ),
    "participants.guardian": Case(
        "participants.guardian",
        edits=edit("date_of_birth: 1991-03-14", "date_of_birth: 2012-03-14"),
    ),
    "age:participants.guardian": Case(
        "participants.guardian", edits=edit("date_of_birth: 1991-03-14", "age: 15")
    ),
    "signatures.date": Case(
        "signatures.date",
        edits=edit(CLIENT_SIGNATURE, "{role: client, name: Maya Okafor, status: signed}"),
    ),
    "signatures.attempts": Case(
        "signatures.attempts",
        edits=edit(CLIENT_SIGNATURE, "{role: client, name: Maya Okafor, status: pending}"),
    ),
    "signatures.client": Case(
        "signatures.client",
        edits=edit(CLIENT_SIGNATURE, "{role: client, name: Maya Okafor, status: refused}"),
    ),
    "signatures.clinician": Case(
        "signatures.clinician",
        edits=edit(
            CLINICIAN_SIGNATURE,
            "{role: clinician, name: Daniel Reyes, credentials: LCSW, status: pending}",
        ),
    ),
    "signatures.credentials": Case(
        "signatures.credentials",
        edits=edit(
            CLINICIAN_SIGNATURE,
            "{role: clinician, name: Daniel Reyes, status: signed, date: 2026-10-05}",
        ),
    ),
    "signatures.guardian": Case(
        "signatures.guardian",
        edits=edit(
            CLIENT_SIGNATURE,
            CLIENT_SIGNATURE
            + "\n  - {role: guardian, name: Ada Okafor, status: signed, date: 2026-10-05}",
        ),
    ),
    "not-a-guardian:signatures.guardian": Case(
        "signatures.guardian",
        sample="narrative",
        edits=edit("{role: guardian, name: Carla Ramos,", "{role: guardian, name: Erik Lindqvist,"),
    ),
    "signatures.participant": Case(
        "signatures.participant", edits=edit("    pronouns: she/her\n", SECOND_PERSON)
    ),
    "signatures.supervisor": Case(
        "signatures.supervisor",
        edits=edit(
            "\npractice:\n", "\nsupervisor:\n  name: Ruth Adler\n  credentials: PhD\n\npractice:\n"
        ),
    ),
    "safety.missing": Case(
        "safety.missing",
        edits=edit("    level: low\n", "    level: moderate\n", "safety_plan:", "old_safety_plan:"),
    ),
    "self-harm:safety.missing": Case(
        "safety.missing",
        edits=edit(
            "    assessed_on: 2026-09-28\n\ninstruments:",
            "    assessed_on: 2026-09-28\n  risks:\n    - {domain: self_harm, level: high}\n\ninstruments:",
            "safety_plan:",
            "old_safety_plan:",
        ),
    ),
    "safety.third-person": Case(
        "safety.third-person", edits=edit("role: my therapist", "role: her therapist")
    ),
    "safety.crisis-plan": Case(
        "safety.crisis-plan",
        edits=edit(
            "    assessed_on: 2026-09-28\n\ninstruments:",
            "    assessed_on: 2026-09-28\n  risks:\n    - {domain: withdrawal, level: moderate}\n\ninstruments:",
        ),
    ),
    "goals.wording": Case(
        "goals.wording",
        edits=edit(
            '    client_words: "I want to stop being scared of my own heartbeat."\n'
            "    description: Reduce the frequency of panic attacks and the fear of bodily sensations.\n",
            "",
        ),
    ),
    "services.code": Case("services.code", edits=edit('    code: "90837"\n', "")),
    "services.minutes": Case("services.minutes", edits=edit("    session_minutes: 53\n", "")),
    "services.code-mismatch": Case(
        "services.code-mismatch", edits=edit('code: "90837"', 'code: "90832"')
    ),
    "group:services.code-mismatch": Case(
        "services.code-mismatch",
        edits=edit("  - id: S1\n    modality: individual", "  - id: S1\n    modality: group"),
    ),
    "services.evaluation": Case(
        "services.evaluation", edits=edit('code: "90837"', 'code: "90791"')
    ),
    "services.sessions": Case(
        "services.sessions",
        edits=edit("    duration_weeks: 26\n", "    duration_weeks: 26\n    sessions: 16\n"),
    ),
    "coverage.authorization": Case(
        "coverage.authorization",
        sample="dbt",
        edits=edit("      sessions: 50\n", "      sessions: 50\n      units: 50\n"),
    ),
    "coverage.dates": Case(
        "coverage.dates", sample="dbt", edits=edit("end_date: 2027-03-14", "end_date: 2026-09-01")
    ),
    "coverage.period": Case(
        "coverage.period", sample="dbt", edits=edit("end_date: 2027-03-14", "end_date: 2027-01-31")
    ),
    "coverage.amount": Case(
        "coverage.amount", sample="dbt", edits=edit("sessions: 50", "sessions: 30")
    ),
    "coverage:ids.unresolved": Case(
        "ids.unresolved", sample="dbt", edits=edit("services: [S1, S2]", "services: [S1, S3]")
    ),
    "substance.level-reason": Case(
        "substance.level-reason",
        edits=edit(
            "\nsafety_plan:",
            "\nsubstance_use:\n  recommended_level: '2.1'\n  actual_level: '1'\n\nsafety_plan:",
        ),
    ),
    "substance.consent": Case(
        "substance.consent",
        edits=edit(
            "\nsafety_plan:",
            "\nsubstance_use:\n  referral: {source: County drug court, mandated: true}\n\nsafety_plan:",
        ),
    ),
    "dates.time-frame": Case(
        "dates.time-frame",
        edits=edit(
            "        target_date: 2026-12-07\n", "        within: {weeks: 4, sessions: 4}\n"
        ),
    ),
    "services.end-date": Case(
        "services.end-date",
        edits=edit(
            "    duration_weeks: 26\n", "    duration_weeks: 26\n    end_date: 2028-01-01\n"
        ),
    ),
    "services.group": Case(
        "services.group",
        edits=edit("    duration_weeks: 26\n", "    duration_weeks: 26\n    group: {size: 8}\n"),
    ),
    "hours:services.minutes": Case(
        "services.minutes",
        edits=edit("    duration_weeks: 26\n", "    duration_weeks: 26\n    hours_per_day: 3\n"),
    ),
    "goals.achieved": Case(
        "goals.achieved",
        edits=edit(
            "        target_date: 2026-12-07\n",
            "        target_date: 2026-12-07\n        achieved_on: 2026-11-20\n",
        ),
    ),
    "goals.speaker": Case("goals.speaker", edits=edit("    pronouns: she/her\n", SECOND_PERSON)),
    "substance.dimension": Case(
        "substance.dimension",
        edits=edit(
            "\nsafety_plan:",
            "\nsubstance_use:\n  asam_dimensions:\n    - {dimension: 1, rating: 0}\n    - {dimension: 1, rating: 2}\n\nsafety_plan:",
        ),
    ),
    "rule-out:diagnoses.primary": Case(
        "diagnoses.primary",
        edits=edit(
            "    - code: F40.01\n      primary: true\n",
            "    - code: F40.01\n      primary: true\n      rule_out: true\n",
        ),
    ),
    "name:signatures.clinician": Case(
        "signatures.clinician",
        edits=edit(CLINICIAN_SIGNATURE, CLINICIAN_SIGNATURE.replace("Daniel Reyes", "Dana Ruiz")),
    ),
    "services.duration": Case(
        "services.duration", edits=edit("duration_weeks: 26", "duration_weeks: 60")
    ),
    "revisions.current": Case(
        "revisions.current", edits=edit("\n  version: 1\n", "\n  version: 2\n")
    ),
    "revisions.order": Case(
        "revisions.order",
        edits=edit("  - version: 1\n    date: 2026-10-05", "  - version: 3\n    date: 2026-10-05"),
    ),
    # SMART
    "smart.no-measure": Case(
        "smart.no-measure",
        edits=edit("        measure: {instrument: bus_trips, baseline: 0, target: 2}\n", ""),
    ),
    "smart.vague": Case(
        "smart.vague",
        edits=edit(
            "        measure: {instrument: bus_trips, baseline: 0, target: 2}\n",
            "",
            "description: Take the bus alone",
            "description: Feel better and take the bus alone",
        ),
    ),
    "smart.no-baseline": Case(
        "smart.no-baseline",
        edits=edit(
            "{instrument: bus_trips, baseline: 0, target: 2}", "{instrument: bus_trips, target: 2}"
        ),
    ),
    "smart.no-target": Case(
        "smart.no-target",
        edits=edit(
            "{instrument: bus_trips, baseline: 0, target: 2}",
            "{instrument: bus_trips, baseline: 0}",
        ),
    ),
    "smart.no-target-date": Case(
        "smart.no-target-date", edits=edit("        target_date: 2026-12-07\n", "")
    ),
    "smart.beyond-plan": Case(
        "smart.beyond-plan", edits=edit("target_date: 2026-12-07", "target_date: 2027-09-30")
    ),
    "smart.no-interventions": Case("smart.no-interventions", edits=edit(G2O2_INTERVENTIONS, "")),
    "smart.unlinked-goal": Case("smart.unlinked-goal", edits=edit("    problems: [P1]\n", "")),
    "smart.no-objectives": Case("smart.no-objectives", edits=edit("\nmeasurements:", NEW_GOAL)),
    "smart.repeated": Case(
        "smart.repeated",
        edits=edit(
            "    description: Return to the public places she values, step by step.",
            "    description: Reduce the frequency of panic attacks and the fear of bodily sensations.",
        ),
    ),
    "starter.todo": Case(
        "starter.todo", edits=edit("title: CBT treatment plan", "title: TODO a title for the plan")
    ),
    # payer profiles
    "profile.<name>.required": Case(
        "profile.carf.required",
        edits=edit('    client_words: "I want to stop being scared of my own heartbeat."\n', ""),
        args=("--profile", "carf"),
    ),
    "profile.<name>.signed": Case(
        "profile.medicare.signed",
        edits=edit(
            CLINICIAN_SIGNATURE,
            "{role: clinician, name: Daniel Reyes, credentials: LCSW, status: pending, attempts: [{date: 2026-10-05, method: in person}]}",
        ),
        args=("--profile", "medicare"),
    ),
    "profile.<name>.status": Case(
        "profile.medicare.status",
        edits=edit("status: active", "status: draft"),
        args=("--profile", "medicare"),
    ),
    "profile.<name>.review-interval": Case(
        "profile.medicaid-90.review-interval",
        edits=edit(
            "review_interval_days: 90\n  next_review_date: 2027-01-03",
            "review_interval_days: 120\n  next_review_date: 2027-02-01",
        ),
        args=("--profile", "medicaid-90"),
    ),
    "profile.<name>.service-duration": Case(
        "profile.medicaid-90.service-duration", args=("--profile", "medicaid-90")
    ),
    "profile.<name>.plan-age": Case(
        "profile.medicare.plan-age", args=("--profile", "medicare", "--today", "2028-01-01")
    ),
    # orientations' own rules, one per kind (the rules are data in their folders)
    "emdr.target-complete": Case(
        "emdr.target-complete",
        sample="emdr",
        edits=edit(
            "      body_scan_clear: false\n      status: in_progress\n    - id: TG3",
            "      body_scan_clear: false\n      status: complete\n    - id: TG3",
        ),
    ),
    "gas.levels": Case(
        "gas.levels",
        sample="strengths-based",
        edits=edit(
            "{score: -2, description: Non-essential", "{score: -1, description: Non-essential"
        ),
    ),
    "narrative.indicators": Case(
        "narrative.indicators", sample="narrative", edits=edit("needed: 3", "needed: 30")
    ),
    "dbt.diary-card-target": Case(
        "dbt.diary-card-target",
        sample="dbt",
        edits=edit("{target: LT3, rating: urge_0_5}", "{target: T9, rating: urge_0_5}"),
    ),
    "dbt.chain-target": Case(
        "dbt.chain-target", sample="dbt", edits=edit("      target: LT1\n", "      target: LT9\n")
    ),
    "cbt.planned-sessions": Case(
        "cbt.planned-sessions", edits=edit("planned_sessions: 26", "planned_sessions: 16")
    ),
    "dbt:safety.missing": Case(
        "safety.missing",
        sample="dbt",
        edits=edit(
            "    level: moderate\n", "    level: low\n", "\nsafety_plan:", "\nold_safety_plan:"
        ),
    ),
    "orientation.invalid": Case(
        "orientation.invalid",
        folder={
            "orientations/cbt/orientation.yaml": "name: cbt\nlabel: CBT\nschema:\n  x: {type: text, description: y}\n"
        },
    ),
    "profile.invalid": Case(
        "profile.invalid",
        folder={"profiles/mine.yaml": "name: mine\nmax_weeks: 3\n"},
        args=("--profile", "mine"),
    ),
    # template folders
    "template.syntax": Case("template.syntax", folder={"plan.md.j2": "{% if %}"}, lint=True),
    "template.variable": Case(
        "template.variable", folder={"plan.md.j2": "{{ clinet.name }}"}, lint=True
    ),
    "template.encoding": Case("template.encoding", folder={"plan.md.j2": b"\xff\xfe"}, lint=True),
    "template.docx": Case("template.docx", folder={"plan.docx": b"not a zip"}, lint=True),
    "template.split-tag": Case(
        "template.split-tag", folder={"plan.docx": split_tag_docx()}, lint=True
    ),
    "template.file": Case(
        "template.file", folder={"plan.md.j2": "x" * (8 * 1024 * 1024 + 1)}, lint=True
    ),
    "template.link": Case(
        "template.link",
        folder={"plan.md.j2": "{{ title }}", "link.md.j2": "->plan.md.j2"},
        lint=True,
    ),
}


def make_folder(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    folder = tmp_path / "practice"
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("->"):
            path.symlink_to(folder / content[2:])
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", CASES)
def test_each_rule_is_triggered(run: Run, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    folder = make_folder(tmp_path, case.folder) if case.folder else None
    if case.lint:
        assert folder is not None
        result = run("templates", "check", str(folder))
    else:
        plan = tmp_path / "plan.yaml"
        if "--folder" in case.args:
            plan = tmp_path / "empty-folder"
            plan.mkdir()
        elif "--missing" not in case.args:
            text = (SAMPLES / f"{case.sample}.yaml").read_text(encoding="utf-8")
            for old, new in case.edits:
                assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
                text = text.replace(old, new)
            plan.write_bytes(case.raw if case.raw is not None else text.encode("utf-8"))
        args = [a for a in case.args if a not in ("--folder", "--missing")]
        if "--today" not in args:
            args += ["--today", TODAY.isoformat()]
        if folder is not None:
            args += ["--templates", str(folder)]
        result = run("check", str(plan), *args)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    assert re.search(rf":\d+:\d+: (error|warning): .*\[{re.escape(case.rule)}\]", result.output), (
        result.output
    )


def documented_rules() -> set[str]:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z-]+(?:\.<name>)?\.[a-z-]+)`", text, flags=re.MULTILINE))


def test_every_documented_rule_has_a_row() -> None:
    rules = documented_rules()
    assert len(rules) > 75
    covered = {name.split(":")[-1] for name in CASES}
    assert sorted(rules - covered) == []
