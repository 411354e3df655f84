"""Honest unknowns: a clinical value given as `{not_recorded: reason}` passes the schema, is
warned about, and stands in every document as "Not recorded — reason", never as a number."""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from fhir.resources.R4B import get_fhir_model_class
from lxml import etree

from plandoc.check.pipeline import check_file
from plandoc.render.pipeline import RenderOptions, render_files
from plandoc.spec.loader import DocPath
from plandoc.spec.orientations import registry
from plandoc.spec.schema import UNRECORDABLE, plan_schema, unrecordable_fields
from plandoc.spec.unknowns import accepts, is_not_recorded
from tests.conftest import ORIENTATIONS, SAMPLES, TODAY, variant

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DECLINED = 'sud: {not_recorded: "client declined to rate"}'
FIRST = "      body_location: Chest and throat\n"  # the first target's, before its SUD


def emdr_text() -> str:
    text = (SAMPLES / "emdr.yaml").read_text(encoding="utf-8")
    return variant(text, FIRST + "      sud: 7\n", f"{FIRST}      {DECLINED}\n")


def test_a_value_not_recorded_passes_with_a_warning_at_its_place(run: Run, write: Write) -> None:
    plan = write(emdr_text(), "emdr.yaml")
    line = emdr_text().splitlines().index(f"      {DECLINED}") + 1
    result = run("check", str(plan), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert (
        f"{plan}:{line}:7: warning: `orientation_details.targets[0].sud` is not recorded: "
        "client declined to rate [schema.not_recorded]"
    ) in result.output
    strict = run("check", str(plan), "--today", TODAY.isoformat(), "--strict")
    assert (
        strict.exit_code == 1 and ": error: `orientation_details.targets[0].sud`" in strict.output
    )


def test_a_profile_refuses_a_required_value_not_recorded(run: Run, write: Write) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    code = text.split("  diagnoses:\n    - code: ", 1)[1].split("\n", 1)[0]
    text = variant(
        text, f"    - code: {code}\n", '    - code: {not_recorded: "awaiting the assessment"}\n'
    )
    plan = write(text, "cbt.yaml")
    plain = run("check", str(plan), "--today", TODAY.isoformat())
    assert plain.exit_code == 0, plain.output
    result = run("check", str(plan), "--today", TODAY.isoformat(), "--profile", "medicare")
    assert result.exit_code == 1
    assert (
        "medicare needs `assessment.diagnoses[0].code`, which the plan gives as not recorded "
        "(awaiting the assessment); record it before sending the plan "
        "[profile.medicare.not_recorded]"
    ) in result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            FIRST + "      sud: 7\n",
            FIRST + "      sud: {not_recorded: '  '}\n",
            "`orientation_details.targets[0].sud` is not recorded but says no reason; write why: "
            '`{not_recorded: "the reason"}` [schema.not_recorded]',
        ),
        (
            FIRST + "      sud: 7\n",
            FIRST + "      sud: {not_recorded: declined, score: 0}\n",
            "`orientation_details.targets[0].sud`: a value not recorded holds only its reason; "
            "remove `score` [schema.not_recorded]",
        ),
        (
            "  version: 1\n",
            "  version: {not_recorded: unknown}\n",
            "`plan.version` cannot be given as not recorded: it is not a clinical value a plan "
            "may lack; write its value [schema.not_recorded]",
        ),
    ],
)
def test_a_not_recorded_value_written_wrongly_says_how_to_write_it(
    run: Run, write: Write, old: str, new: str, message: str
) -> None:
    text = (SAMPLES / "emdr.yaml").read_text(encoding="utf-8")
    plan = write(text.replace(old, new, 1), "emdr.yaml")
    result = run("check", str(plan), "--today", TODAY.isoformat())
    assert result.exit_code == 1
    assert f": error: {message}" in result.output


def test_the_model_reads_a_value_not_recorded_as_absent(write: Write) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = variant(text, "baseline: 5, target: 1,", "baseline: {not_recorded: lost}, target: 1,")
    plan = check_file(write(text, "cbt.yaml"), today=TODAY).plan
    assert plan is not None
    objective = plan.goals[0].objectives[0]
    assert objective.measure is not None and objective.measure.baseline is None
    assert plan.unrecorded == {(*objective.measure.at, "baseline"): "lost"}


def test_the_documents_and_the_bundle_say_not_recorded(write: Write, tmp_path: Path) -> None:
    text = emdr_text()
    text = variant(
        text,
        "            frequency: each session\n",
        '            frequency: {not_recorded: "not stated in the referral"}\n',
    )
    plan = write(text, "emdr.yaml")
    out = tmp_path / "out"
    options = RenderOptions(formats=("md", "docx", "fhir"), outdir=out, today=TODAY)
    [result] = render_files([plan], options)
    assert result.ok, result.error
    markdown = (out / "emdr.md").read_text(encoding="utf-8")
    assert "| Not recorded — client declined to rate → 0 |" in markdown
    assert "Not recorded — not stated in the referral" in markdown
    assert "not_recorded" not in markdown
    body = etree.fromstring(zipfile.ZipFile(out / "emdr.docx").read("word/document.xml"))
    words = "".join(body.itertext())
    assert "Not recorded — client declined to rate" in words and "not_recorded" not in words
    bundle = json.loads((out / "emdr.fhir.json").read_text(encoding="utf-8"))
    get_fhir_model_class("Bundle").model_validate(bundle)
    details = [
        a["detail"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "CarePlan"
        for a in e["resource"].get("activity", [])
    ]
    absent = [d for d in details if "_scheduledString" in d]
    assert len(absent) == 1 and "scheduledString" not in absent[0]
    reason = absent[0]["_scheduledString"]["extension"][0]
    assert reason["url"].endswith("/data-absent-reason") and reason["valueCode"] == "unknown"


def test_every_field_the_spec_names_may_be_not_recorded() -> None:
    assert sorted(unrecordable_fields(plan_schema(None))) == sorted(UNRECORDABLE)
    emdr = registry(()).found["emdr"]
    assert {"targets", "targets[].sud", "targets[].voc"} <= set(unrecordable_fields(emdr.schema))


# --- every value that may be not recorded, not recorded, in every sample --------------------


def _gaps(data: Any, rules: dict[str, Any], at: DocPath = ()) -> Iterator[DocPath]:
    """The paths in *data* of every value its schema lets be not recorded."""
    if not isinstance(data, dict):
        return
    for name, value in data.items():
        field = rules.get(name)
        if not isinstance(field, dict):
            continue
        if accepts(field):
            yield (*at, name)
        inner = field.get("schema")
        if field.get("type") == "dict" and isinstance(inner, dict):
            yield from _gaps(value, inner, (*at, name))
        elif field.get("type") == "list" and isinstance(inner, dict) and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _gaps(item, inner.get("schema", {}), (*at, name, index))


def _put(data: Any, path: DocPath, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _unrecorded_variants(folder: Path) -> list[Path]:
    """Each sample twice: with the outermost values that may be not recorded given so (a whole
    list of services), and with the innermost (each service's frequency and duration)."""
    made = []
    for sample in sorted(SAMPLES.glob("*.yaml")):
        plan = check_file(sample, today=TODAY).plan
        assert plan is not None and plan.orientation is not None
        data = yaml.safe_load(sample.read_text(encoding="utf-8"))
        paths = list(_gaps(data, plan.orientation.plan_schema))
        outer = [p for p in paths if not any(q != p and p[: len(q)] == q for q in paths)]
        inner = [p for p in paths if not any(q != p and q[: len(p)] == p for q in paths)]
        for name, chosen in (("outer", outer), ("inner", inner)):
            changed = copy.deepcopy(data)
            for path in chosen:
                _put(changed, path, {"not_recorded": f"not stated for {path[-1]}"})
            target = folder / f"{sample.stem}-{name}.yaml"
            target.write_text(yaml.safe_dump(changed, sort_keys=False, allow_unicode=True))
            made.append(target)
    return made


def test_every_sample_with_every_value_not_recorded_checks_and_renders(tmp_path: Path) -> None:
    plans = _unrecorded_variants(tmp_path)
    results = {p: check_file(p, today=TODAY) for p in plans}
    for path, result in results.items():
        gaps = [f for f in result.findings if f.rule == "schema.not_recorded"]
        assert gaps and all(f.severity == "warning" for f in gaps), path
        # what is left is only a reference to a service the plan no longer lists
        assert all(f.rule.endswith("session-service") or "`services`" in f.message
                   for f in result.errors), (path, result.errors)  # fmt: skip
    passing = [p for p, r in results.items() if r.ok]
    assert len(passing) >= len(plans) * 3 // 4
    out = tmp_path / "out"
    formats = ("md", "docx", "safety-plan", "payer-summary", "fhir")
    rendered = render_files(passing, RenderOptions(formats=formats, outdir=out, today=TODAY))
    assert [r.error for r in rendered if not r.ok] == []
    for plan in passing:
        markdown = (out / f"{plan.stem}.md").read_text(encoding="utf-8")
        assert "Not recorded — not stated for " in markdown and "not_recorded" not in markdown
        bundle = json.loads((out / f"{plan.stem}.fhir.json").read_text(encoding="utf-8"))
        get_fhir_model_class("Bundle").model_validate(bundle)
        assert "not_recorded" not in json.dumps(
            [e for e in bundle["entry"] if e["resource"]["resourceType"] != "CarePlan"]
        )


# --- starters: no clinical value nobody stated ------------------------------------------------

# What a starter may hold that is neither a placeholder nor not recorded: the plan's own
# bookkeeping (spec version, status, dates of this draft), the ids it gives, and the choices a
# form would offer first (the instrument, a modality, a status not yet started).
STRUCTURAL = {
    "spec_version", "version", "status", "orientation", "start_date", "review_interval_days",
    "next_review_date", "expiry_date", "role", "primary", "date", "id", "problems", "uses",
    "instrument", "modality", "target_date", "weeks", "reason", "kind", "minlength", "targets",
}  # fmt: skip


def _leaves(value: Any, at: DocPath = ()) -> Iterator[tuple[DocPath, Any]]:
    if is_not_recorded(value):
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*at, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*at, index))
    else:
        yield at, value


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_a_starter_states_no_clinical_value(run: Run, tmp_path: Path, orientation: str) -> None:
    path = tmp_path / "new.yaml"
    assert run("new", "--orientation", orientation, "-o", str(path)).exit_code == 0
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    stated = [
        (at, value)
        for at, value in _leaves(data)
        if not (isinstance(value, str) and "TODO" in value)
        and not any(isinstance(p, str) and p in STRUCTURAL for p in at[-2:])
        and at[:1] != ("orientation_details",)
    ]
    assert stated == []
    details = list(_leaves(data.get("orientation_details", {})))
    made_up = [
        (at, v)
        for at, v in details
        if isinstance(v, int | float) and not isinstance(v, bool) and at[-1] not in STRUCTURAL
    ]
    assert made_up == []  # no SUD 0, no VOC 1: numbers are not recorded until someone rates
