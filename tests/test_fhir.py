"""FHIR R4: every sample as a Bundle that the R4B models accept, the same bytes every time,
and back again through `plandoc import` to the same document; another system's bundle as far
as it goes; bad input refused with a clear message."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from fhir.resources.R4B import get_fhir_model_class

from plandoc.check.pipeline import check_file
from plandoc.fhir import reimport
from plandoc.render.pipeline import RenderOptions, render_files
from tests.conftest import ROOT, SAMPLES, TODAY

PLANS = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))
FOREIGN = ROOT / "tests" / "fhir" / "foreign-careplan.json"
LOINC = "http://loinc.org"
DAY = TODAY.isoformat()


@pytest.fixture()
def run(run: Callable[..., Result]) -> Callable[..., Result]:
    """The command line as of the tests' day (render and import both take --today)."""

    def invoke(command: str, *args: str) -> Result:
        return run(command, "--today", DAY, *args)

    return invoke


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every sample as a FHIR bundle and as Markdown, rendered once for the module."""
    out = tmp_path_factory.mktemp("fhir")
    results = render_files(PLANS, RenderOptions(formats=("fhir", "md"), outdir=out, today=TODAY))
    assert all(r.ok for r in results), [r.error for r in results]
    return out


def bundle_of(folder: Path, plan: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / f"{plan.stem}.fhir.json").read_text("utf-8"))
    return data


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.stem)
def test_every_sample_is_a_valid_r4_bundle_with_the_plan_in_it(rendered: Path, plan: Path) -> None:
    bundle = bundle_of(rendered, plan)
    parsed = get_fhir_model_class("Bundle").model_validate(bundle)
    assert parsed.type == "collection"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    model = check_file(plan, today=TODAY).plan
    assert model is not None
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Condition", "CarePlan", "Goal", "Observation"} <= kinds
    assert len(resources(bundle, "Patient")) == len(model.participants)
    assert len(resources(bundle, "Condition")) == len(model.assessment.diagnoses)
    assert len(resources(bundle, "Goal")) == len(model.goals) + len(model.objectives)
    assert len(resources(bundle, "Observation")) == len(model.measurements)
    assert len(resources(bundle, "Coverage")) == len(model.coverage)
    (careplan,) = resources(bundle, "CarePlan")
    assert careplan["intent"] == "plan"
    assert careplan["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert careplan["category"][0]["coding"][0]["code"] == "assess-plan"
    assert len(careplan["goal"]) == len(model.goals) + len(model.objectives)
    # every reference points at a resource in the bundle
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    refs = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert refs and refs <= urls


def test_the_bundle_maps_the_cbt_plan_as_a_payer_reads_it(rendered: Path) -> None:
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    (patient,) = resources(bundle, "Patient")
    assert {i["value"] for i in patient["identifier"]} == {"CL-20418", "CMH-784-20931-01"}
    assert patient["birthDate"] == "1991-03-14"
    assert patient["extension"][0]["extension"][0]["valueCodeableConcept"]["coding"][0] == {
        "system": LOINC,
        "code": "LA29519-8",
        "display": "she/her/her/hers/herself",
    }
    assert "gender" not in patient  # the plan does not record it: absent, with a reason
    (condition,) = resources(bundle, "Condition")
    assert condition["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert condition["code"]["coding"][0]["code"] == "F40.01"
    npis = {i["value"] for p in resources(bundle, "Practitioner") for i in p["identifier"]}
    assert npis == {"1457382913"}
    goals = {g["identifier"][0]["value"]: g for g in resources(bundle, "Goal")}
    gad = goals["G1.O2"]
    assert gad["target"][0]["measure"]["coding"][0] == {"system": LOINC, "code": "70274-6"}
    assert gad["target"][0]["detailQuantity"]["value"] == 7
    assert gad["target"][0]["dueDate"] == "2027-03-29"
    assert gad["achievementStatus"]["coding"][0]["code"] == "in-progress"
    observations = {f"urn:uuid:{o['id']}": o for o in resources(bundle, "Observation")}
    latest = observations[gad["outcomeReference"][0]["reference"]]
    assert (latest["effectiveDateTime"], latest["valueQuantity"]["value"]) == ("2026-11-23", 10)
    (careplan,) = resources(bundle, "CarePlan")
    assert careplan["status"] == "active"
    assert careplan["period"] == {"start": "2026-10-05", "end": "2027-10-04"}
    (service,) = [a["detail"] for a in careplan["activity"] if "scheduledTiming" in a["detail"]]
    assert service["code"]["coding"][0] == {
        "system": "http://www.ama-assn.org/go/cpt",
        "code": "90837",
    }
    assert service["scheduledTiming"]["repeat"] == {
        "boundsPeriod": {"start": "2026-10-05", "end": "2027-04-04"},
        "frequency": 1,
        "period": 1,
        "periodUnit": "wk",
        "duration": 53,
        "durationUnit": "min",
    }
    (coverage,) = resources(bundle, "Coverage")
    assert coverage["subscriberId"] == "CMH-784-20931-01"
    consents = resources(bundle, "Consent")
    assert [c["status"] for c in consents] == ["active"]
    assert [p["occurredDateTime"] for p in resources(bundle, "Provenance")] == ["2026-10-05"]


def test_a_diagnosis_to_rule_out_is_differential(rendered: Path) -> None:
    bundle = bundle_of(rendered, SAMPLES / "substance-use-iop.yaml")
    statuses = {
        c["code"]["coding"][0]["code"]: c["verificationStatus"]["coding"][0]["code"]
        for c in resources(bundle, "Condition")
    }
    assert "differential" in statuses.values()
    assert "confirmed" in statuses.values()


def test_the_same_plan_gives_the_same_bytes(run: Callable[..., Result], tmp_path: Path) -> None:
    for out in ("a", "b"):
        result = run(
            "render", str(SAMPLES / "family-systems.yaml"), "-f", "fhir", "-o", str(tmp_path / out)
        )
        assert result.exit_code == 0, result.output
    first = (tmp_path / "a" / "family-systems.fhir.json").read_bytes()
    assert first == (tmp_path / "b" / "family-systems.fhir.json").read_bytes()
    assert first.decode().startswith('{\n  "entry": [')  # sorted keys, indented


def test_a_transaction_bundle_puts_each_resource(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run(
        "render", str(SAMPLES / "cbt.yaml"), "-f", "fhir", "--fhir-transaction", "-o", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    bundle = bundle_of(tmp_path, SAMPLES / "cbt.yaml")
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["request"] == {
            "method": "PUT",
            "url": f"{resource['resourceType']}/{resource['id']}",
        }


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.stem)
def test_export_import_render_gives_the_same_markdown(
    rendered: Path, plan: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    imported = tmp_path / "imported" / f"{plan.stem}.yaml"
    imported.parent.mkdir()
    result = run("import", str(rendered / f"{plan.stem}.fhir.json"), "-o", str(imported))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert check_file(imported, today=TODAY).ok
    out = tmp_path / "out"
    result = run("render", str(imported), "-f", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / f"{plan.stem}.md").read_bytes() == (rendered / f"{plan.stem}.md").read_bytes()


def test_an_edited_bundle_says_its_edits_are_not_imported(
    rendered: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    resources(bundle, "Condition")[0]["code"]["coding"][0]["code"] = "F41.1"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(bundle), encoding="utf-8")
    result = run("import", str(edited), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0
    assert "edits are not imported" in result.output and "Condition/" in result.output
    assert "F40.01" in (tmp_path / "plan.yaml").read_text(encoding="utf-8")


def test_a_bundle_from_another_system_imports_as_far_as_it_goes(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "plan.yaml"
    result = run("import", str(FOREIGN), "-o", str(out), "--orientation", "cbt")
    assert result.exit_code == 0, result.output
    assert "warning: " + str(FOREIGN) + ": Observation o-2 (Heart rate)" in result.output
    assert "1 Encounter resource(s) the CarePlan does not use: not imported" in result.output
    assert "activity `Sleep hygiene handout`: no CPT or HCPCS code" in result.output
    checked = check_file(out, today=TODAY)
    assert checked.ok and checked.plan is not None
    plan = checked.plan
    assert plan.client is not None and (plan.client.id, plan.client.name) == (
        "MRN-0077",
        "Jordan Nakamura",
    )
    assert [d.code for d in plan.assessment.diagnoses] == ["F33.1"]
    (objective,) = plan.objectives
    assert objective.measure is not None
    assert (objective.measure.instrument, objective.measure.baseline, objective.measure.target) == (
        "phq9",
        16,
        9,
    )
    assert [i.description for i in objective.interventions] == [
        "Behavioural activation with a weekly activity schedule"
    ]
    (service,) = plan.services
    assert (service.code, service.session_minutes, service.duration_weeks) == ("90834", 45, 26)
    assert plan.clinician is not None and plan.clinician.npi == "1326047580"
    text = out.read_text(encoding="utf-8")
    assert "# What it could not map (fill in by hand):" in text
    assert {f.rule for f in checked.warnings} >= {"starter.todo"}  # the TODOs left to fill


def test_a_foreign_bundle_needs_its_orientation_named(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("import", str(FOREIGN), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 2
    assert "--orientation NAME" in result.output
    assert not (tmp_path / "plan.yaml").exists()


def _careplan_free(path: Path) -> Path:
    bundle = json.loads(FOREIGN.read_text(encoding="utf-8"))
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "CarePlan"]
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"resourceType": "Patient"}', "a Patient, not a FHIR Bundle"),
        ("[1, 2]", "JSON without a resourceType, not a FHIR Bundle"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": '
            '[{"resource": {"resourceType": "Patient", "birthDate": "last spring"}}]}',
            "not a valid FHIR R4 Bundle",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (None, "holds no CarePlan"),
    ],
    ids=["not-json", "not-bundle", "no-resource-type", "invalid", "deep", "no-careplan"],
)
def test_bad_bundles_are_refused_clearly(
    run: Callable[..., Result], tmp_path: Path, content: str | None, message: str
) -> None:
    source = tmp_path / "in.json"
    if content is None:
        _careplan_free(source)
    else:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "plan.yaml"
    result = run("import", str(source), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert str(source) in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_huge_or_missing_file_is_refused(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.json"
    source.write_text('{"resourceType": "Bundle", "type": "collection"}' + " " * 2000, "utf-8")
    monkeypatch.setattr(reimport, "MAX_BYTES", 1000)
    result = run("import", str(source), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 1 and "larger than" in result.output and str(source) in result.output
    result = run("import", str(tmp_path / "missing.json"), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 1 and "cannot read it" in result.output
    assert not (tmp_path / "plan.yaml").exists()


def test_a_damaged_source_extension_is_refused(
    rendered: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    extension = resources(bundle, "CarePlan")[0]["extension"][0]
    extension["valueBase64Binary"] = base64.b64encode(b"plan: [unclosed").decode()
    source = tmp_path / "in.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    result = run("import", str(source), "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 1 and "cannot be read" in result.output
    assert not (tmp_path / "plan.yaml").exists()


def test_an_existing_plan_is_not_overwritten(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine", encoding="utf-8")
    result = run("import", str(FOREIGN), "-o", str(out), "--orientation", "cbt")
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "mine"


def test_without_fhir_resources_it_says_what_to_install(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "fhir" or m.startswith("fhir.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "fhir.resources", None)  # type: ignore[arg-type]
    result = run("render", str(SAMPLES / "cbt.yaml"), "-f", "fhir", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "pip install 'plandoc[fhir]'" in result.output
    assert not (tmp_path / "out").exists()
    result = run("import", str(FOREIGN), "-o", str(tmp_path / "plan.yaml"), "--orientation", "cbt")
    assert result.exit_code == 1
    assert "pip install 'plandoc[fhir]'" in result.output
    assert not (tmp_path / "plan.yaml").exists()


def test_the_careplan_narrative_is_well_formed_xhtml(
    run: Callable[..., Result], tmp_path: Path, cbt_text: str
) -> None:
    from lxml import etree

    from tests.conftest import variant

    plan = tmp_path / "cbt.yaml"
    plan.write_text(
        variant(
            cbt_text,
            "title: CBT treatment plan — panic and agoraphobia",
            'title: "Panic & <agoraphobia>"',
        ),
        encoding="utf-8",
    )
    result = run("render", str(plan), "-f", "fhir", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    (careplan,) = resources(bundle_of(tmp_path / "out", plan), "CarePlan")
    div = etree.fromstring(careplan["text"]["div"].encode())
    assert div.tag == "{http://www.w3.org/1999/xhtml}div"
    words = "".join(div.itertext())
    assert "Panic & <agoraphobia>" in words
    assert "F40.01 Agoraphobia with panic disorder" in words
    assert "G1.O2: Lower GAD-7 score from 14 (moderate) to 7 or below." in words
    assert "S1, Individual psychotherapy, 53 minutes, 90837" in words


def test_a_transaction_bundle_imports_back_too(run: Callable[..., Result], tmp_path: Path) -> None:
    plan = SAMPLES / "revisions" / "burnout-v2.yaml"
    result = run(
        "render", str(plan), "-f", "fhir", "-f", "md", "--fhir-transaction", "-o", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    result = run(
        "import",
        str(tmp_path / "burnout-v2.fhir.json"),
        "-o",
        str(tmp_path / "back" / "burnout-v2.yaml"),
    )
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    result = run(
        "render",
        str(tmp_path / "back" / "burnout-v2.yaml"),
        "-f",
        "md",
        "-o",
        str(tmp_path / "again"),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again" / "burnout-v2.md").read_bytes() == (
        tmp_path / "burnout-v2.md"
    ).read_bytes()


@pytest.mark.parametrize("name", ["cbt", "narrative"])
def test_a_plandoc_bundle_without_its_plan_data_maps_from_the_standard_resources(
    rendered: Path, run: Callable[..., Result], tmp_path: Path, name: str
) -> None:
    """As another system would send it back: the goals keep their objectives (milestones),
    the scores on known instruments, the signatures and the guardian."""
    bundle = bundle_of(rendered, SAMPLES / f"{name}.yaml")
    del resources(bundle, "CarePlan")[0]["extension"]
    source = tmp_path / "stripped.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    out = tmp_path / "plan.yaml"
    result = run("import", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    imported = check_file(out, today=TODAY).plan
    original = check_file(SAMPLES / f"{name}.yaml", today=TODAY).plan
    assert imported is not None and original is not None
    assert imported.info.orientation == original.info.orientation
    assert [(g.id, [o.id for o in g.objectives]) for g in imported.goals] == [
        (g.id, [o.id for o in g.objectives]) for g in original.goals
    ]
    assert [(g.id, g.client_words) for g in imported.goals] == [
        (g.id, g.client_words) for g in original.goals
    ]
    assert [(s.role, s.name, s.status, s.date) for s in imported.signatures] == [
        (s.role, s.name, s.status, s.date)
        for s in original.signatures
        if s.role in ("client", "guardian") or (s.signed and s.date)
    ]
    assert [g.name for g in imported.guardians] == [g.name for g in original.guardians]
    known = {"phq9", "gad7", "pcl5", "sud", "voc", "ors", "gas"}
    assert sorted((m.instrument, m.date, m.score) for m in imported.measurements) == sorted(
        (m.instrument, m.date, m.score) for m in original.measurements if m.instrument in known
    )


def _within(part: Any, whole: Any) -> bool:
    """*part* is *whole* with some keys (at any depth) left out."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            k in whole and _within(v, whole[k]) for k, v in part.items()
        )
    if isinstance(part, list):
        return (
            isinstance(whole, list)
            and len(part) == len(whole)
            and all(_within(p, w) for p, w in zip(part, whole, strict=True))
        )
    return bool(part == whole)


def test_the_readme_excerpt_is_from_a_real_bundle(rendered: Path) -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### FHIR export\n", 1)[1].split("\n#", 1)[0]
    (excerpt,) = re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)
    shown = json.loads(excerpt)
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    assert any(_within(shown, r) for r in resources(bundle, shown["resourceType"]))
    assert "](docs/fhir.md)" in section


NARRATIVE = ("client_words", "notes", "note", "participation", "summary", "formulation")
WHOLE = ("risk", "safety_plan", "orientation_details")


def _split(value: Any, inside: bool = False) -> Iterator[tuple[bool, str]]:
    """Every text of a plan's data, and whether it is narrative a payer has no need of: the
    client's words, notes, summaries, participation, risk, the safety plan, the orientation's
    section."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _split(v, inside or k in NARRATIVE or k in WHOLE)
    elif isinstance(value, list):
        for item in value:
            yield from _split(item, inside)
    elif isinstance(value, str) and len(value) > 25:
        yield inside, value.strip()


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.stem)
def test_a_bundle_for_a_payer_leaves_the_narrative_out(
    run: Callable[..., Result], tmp_path: Path, plan: Path
) -> None:
    """--fhir-without-source: the standard resources only, and none of the narrative — no
    client's words, notes, formulation, risk or safety plan, in any resource."""
    done = run("render", str(plan), "-f", "fhir", "--fhir-without-source", "-o", str(tmp_path))
    assert done.exit_code == 0, done.output
    text = (tmp_path / f"{plan.stem}.fhir.json").read_text(encoding="utf-8")
    get_fhir_model_class("Bundle").model_validate(json.loads(text))
    assert "plan-source" not in text
    found = json.dumps(json.loads(text), ensure_ascii=False)
    texts = list(_split(yaml.safe_load(plan.read_text(encoding="utf-8"))))
    shown = " ".join(text for narrative, text in texts if not narrative)  # an intervention too
    leaked = [text for narrative, text in texts if narrative and text in found]
    assert [text for text in leaked if text not in shown] == []
    assert any(narrative for narrative, _ in texts)  # the plan has narrative to leave out


def test_a_bundle_for_a_payer_can_leave_the_whole_plan_out(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    """--fhir-without-source: the standard resources only, none of the narrative the source
    extension would carry (the formulation); `import` then maps it as any other system's
    bundle, as far as the standard resources go."""
    done = run("render", str(SAMPLES / "cbt.yaml"), "-f", "fhir", "--fhir-without-source", "-o", str(tmp_path))  # fmt: skip
    assert done.exit_code == 0, done.output
    text = (tmp_path / "cbt.fhir.json").read_text(encoding="utf-8")
    get_fhir_model_class("Bundle").model_validate(json.loads(text))
    assert "plan-source" not in text
    assert "learned to read normal bodily" not in text  # from the CBT formulation
    assert '"resourceType": "CarePlan"' in text and '"resourceType": "Goal"' in text
    done = run("import", str(tmp_path / "cbt.fhir.json"), "-o", str(tmp_path / "back.yaml"))
    assert done.exit_code == 0, done.output
    back = (tmp_path / "back.yaml").read_text(encoding="utf-8")
    assert "a FHIR bundle from another system" in back
    assert "learned to read normal bodily" not in back


def test_import_never_overwrites_the_bundle_it_reads(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    done = run("render", str(SAMPLES / "cbt.yaml"), "-f", "fhir", "-o", str(tmp_path))
    assert done.exit_code == 0, done.output
    bundle = tmp_path / "cbt.fhir.json"
    before = bundle.read_bytes()
    done = run("import", str(bundle), "-o", str(bundle), "--force")
    assert done.exit_code == 2 and "never overwrites an input" in done.output
    assert bundle.read_bytes() == before


def test_a_resource_r4_does_not_know_is_skipped_and_the_rest_imported(
    run: Callable[..., Result], rendered: Path, tmp_path: Path
) -> None:
    """A bundle from an R5 system holding a `Transport` imports the rest, with a warning (issue
    25: fhir.resources raised KeyError inside the bundle's validation)."""
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    extra = {"fullUrl": "urn:uuid:r5-transport", "resource": {"resourceType": "Transport"}}
    bundle["entry"].append(extra)
    source = tmp_path / "r5.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    out = tmp_path / "plan.yaml"
    result = run("import", str(source), "-o", str(out), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Transport: not an R4 resource type; not imported" in result.output
    assert "urn:uuid:r5-transport" in result.output and out.exists()


def test_a_resource_type_that_is_not_text_is_refused_naming_its_entry(
    run: Callable[..., Result], rendered: Path, tmp_path: Path
) -> None:
    bundle = bundle_of(rendered, SAMPLES / "cbt.yaml")
    bundle["entry"][1]["resource"]["resourceType"] = {"text": "Patient"}
    source = tmp_path / "odd.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    out = tmp_path / "plan.yaml"
    result = run("import", str(source), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert f"{source}: entry 1 (" in result.output and "resourceType is not text" in result.output
    assert not out.exists()
