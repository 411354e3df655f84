"""Nothing a clinician wrote is dropped: every value of every plan reaches both documents.

The plan is walked field by field with the spec's own schema, so a field added to the spec and
forgotten in a template fails here. Free text must appear as written (whitespace aside); a date
as documents print it; a value from a fixed list as its words; a number as people write it.
Ids and references are not text a clinician reads (documents show the names they point at), so
they are the only values not looked for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plandoc.render.context.build import build_context
from plandoc.render.context.formatting import label, show_date, show_number
from plandoc.render.context.labels import load_labels, respell
from plandoc.render.pipeline import render_bytes
from plandoc.spec.model import Plan
from plandoc.spec.orientations import orientations
from plandoc.spec.schema import ID_PATTERN
from plandoc.text import typographic
from tests.conftest import SAMPLES, plan_at, variant
from tests.test_render import body_text, docx_parts

PLANS = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))
PLANS += sorted((Path(__file__).parent / "plans").glob("*.yaml"))

# Fields that name other things by id: documents show the thing's name, not the id.
REFERENCES = {
    "participant",
    "member",
    "speaker",
    "service",
    "instrument",
    "objective",
    "problems",
    "uses",
    "approach",
    "orientation",
    "target",
    "goal",
    "module",
}


def expected(value: Any, rules: dict[str, Any], name: str) -> Iterator[str | tuple[str, ...]]:
    """What a document must show for *value*, under its schema *rules* (a tuple: any one of
    several wordings)."""
    if value is None or value == "" or isinstance(value, bool):
        return
    kind = rules.get("type")
    if kind == "dict" or isinstance(value, dict):
        fields = rules.get("schema") if isinstance(rules.get("schema"), dict) else {}
        for key, item in value.items():
            yield from expected(item, fields.get(key, {}), key)
    elif isinstance(value, list):
        inner = rules.get("schema", {}) if isinstance(rules.get("schema"), dict) else {}
        for item in value:
            yield from expected(item, inner, name)
    elif name in REFERENCES or rules.get("regex") == ID_PATTERN or name == "id":
        return
    elif isinstance(value, dt.date):
        yield show_date(value)
    elif isinstance(value, int | float):
        yield show_number(value)
    elif "allowed" in rules:
        shown = label(value)  # in the document's spelling (en-US: "catastrophizing")
        yield (shown, respell(shown, US), *DISPLAY.get(str(value), ()))
    else:  # a closing full stop may fall inside a longer sentence in the document
        yield " ".join(str(value).split()).rstrip(".")


def display_words(layout: Any) -> Iterator[tuple[str, str]]:
    """The words an orientation's layout shows for its fixed values (`values:` tables)."""
    if isinstance(layout, dict):
        for key, item in layout.items():
            if key == "values" and isinstance(item, dict):
                yield from ((str(k), str(v)) for k, v in item.items())
            else:
                yield from display_words(item)
    elif isinstance(layout, list):
        for item in layout:
            yield from display_words(item)


US = load_labels("en-US")

# How documents show a few of the spec's own fixed values (a service with `code_system:
# none`, a diagnosis's code system).
DISPLAY: dict[str, set[str]] = {
    "none": {"not coded"},
    "dsm5": {"DSM-5-TR"},
    "icd10": {"ICD-10 (WHO)"},
    "icd10cm": {"ICD-10-CM"},
}
for _orientation in orientations().values():
    for _value, _words in display_words(_orientation.layout):
        DISPLAY.setdefault(_value, set()).add(_words)


def squash(text: str) -> str:
    """Text as read: spacing, minus signs and quotation marks as typeset, case aside."""
    return " ".join(typographic(text).replace("\u2212", "-").split()).casefold()


def markdown_text(plan: Plan) -> str:
    text = render_bytes(build_context(plan), "md").decode("utf-8")
    return re.sub(r"\\(.)", r"\1", text)  # Markdown escapes are not part of what is read


def word_text(plan: Plan) -> str:
    parts = docx_parts(render_bytes(build_context(plan), "docx"))
    return "\n".join(body_text(parts, name) for name in parts if name.startswith("word/"))


def wanted(plan: Plan) -> Iterator[str | tuple[str, ...]]:
    """Everything the plan holds that a reader should find, modules under their own schema."""
    assert plan.orientation is not None
    data, schema = plan.data, plan.orientation.plan_schema
    if plan.orientation.modules is not None:  # each module's details follow its own orientation
        data = {**data, "orientation_details": {}}
        for module in plan.modules:
            if module.definition is not None:
                rules = {"type": "dict", "schema": module.definition.schema}
                yield from expected(module.details, rules, "details")
    yield from expected(data, {"type": "dict", "schema": schema}, "")


def missing(plan: Plan, document: str) -> list[str]:
    shown = squash(document)
    found = []
    for want in wanted(plan):
        options = (want,) if isinstance(want, str) else want
        if not any(squash(option) in shown for option in options):
            found.append(options[0])
    return sorted(set(found))


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_value_reaches_the_markdown(path: Path) -> None:
    assert missing(plan_at(path), markdown_text(plan_at(path))) == []


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_value_reaches_the_word_document(path: Path) -> None:
    plan = plan_at(path)
    assert missing(plan, word_text(plan)) == []


def test_the_walk_finds_what_it_looks_for() -> None:
    """The check above cannot pass by finding nothing to look for."""
    plan = plan_at(SAMPLES / "cbt.yaml")
    found = {w if isinstance(w, str) else w[0] for w in wanted(plan)}
    assert "Curious and methodical; keeps careful notes" in found
    assert "5 Oct 2026" in found and "Improving" in found
    assert "CL-20418" not in found and "P1" not in found
    assert missing(plan, "nothing") != []


# Fields no bundled plan happens to use, added to the family sample: together with the
# samples and the published plans, every field of the spec is exercised here.
EVERY_FIELD_EDITS = (
    (
        "    - code: F93.0\n      primary: true\n",
        "    - code: F93.0\n      system: dsm5\n      primary: true\n",
    ),
    (
        "    description: Lucía returns to full-time school",
        "    target_date: 2027-01-25\n    description: Lucía returns to full-time school",
    ),
    ("  - id: G3\n", "  - id: G3\n    within: {days: 45}\n"),
    ("  - id: G2\n", "  - id: G2\n    within: {sessions: 6, service: S2}\n"),
    (
        "    frequency: once, in November\n",
        "    frequency: once, in November\n    participant: PT-64410-M\n",
    ),
    (
        "    frequency: {count: 2, per: month}\n    duration_weeks: 16\n",
        "    frequency: {count: 2, per: month}\n    duration_weeks: 16\n    participant: PT-64410-M\n",
    ),
    (
        "  - {role: client, name: Stefan Brandt, participant: PT-64410-S, status: signed, date: 2026-10-05}",
        "  - role: client\n    name: Stefan Brandt\n    participant: PT-64410-S\n    status: pending\n"
        "    attempts:\n      - {date: 2026-10-05, method: in the session, outcome: asked to read it at home first}\n"
        "      - {date: 2026-10-19, method: by the portal, outcome: not yet opened}",
    ),
    (
        "\nsignatures:\n",
        "\nsubstance_use:\n  asam_dimensions:\n    - {dimension: 1, rating: 0, level: '1', notes: No withdrawal risk.}\n"
        "  recommended_level: '1'\n  actual_level: '0.5'\n"
        "  difference_reason: Stefan's weekend drinking is addressed in the parents' sessions.\n"
        "\nextensions:\n  billing: {authorisation: AUTH-2026-0915, units approved: 20}\n"
        "  school contact: Ms. Okoro, counsellor\n\nsignatures:\n",
    ),
)


def test_a_plan_using_every_remaining_field_shows_them_all(tmp_path: Path) -> None:
    text = (SAMPLES / "family-systems.yaml").read_text(encoding="utf-8")
    for old, new in EVERY_FIELD_EDITS:
        text = variant(text, old, new)
    path = tmp_path / "every-field.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_at(path)
    markdown, word = markdown_text(plan), word_text(plan)
    assert missing(plan, markdown) == [] and missing(plan, word) == []
    for shown in (
        "F93.0 (DSM-5-TR)",
        "AUTH-2026-0915",
        "by the portal: not yet opened",
        "ASAM 0.5",
    ):
        assert shown in markdown and shown in word


def markdown_of(path: Path) -> str:
    return markdown_text(plan_at(path))


PLAN_DIR = Path(__file__).parent / "plans"


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        (
            PLAN_DIR / "alcohol-court-iop-published.yaml",
            [
                "per diem, 24-hour care",
                "| 7 units |",
                "| 2 (points to level 3.2-WM) |",
                "- **Mandated:** yes",
                "- **Consent to report:** yes",
                "ASAM 2.1",
            ],
        ),
        (PLAN_DIR / "gad-cbt-published.yaml", ["→ −50 % from baseline", "within 2 weeks"]),
        (
            PLAN_DIR / "adolescent-depression-library.yaml",
            ["| age 15 |", "(mother), Joint legal custody"],
        ),
        (
            PLAN_DIR / "grief-group-published.yaml",
            ["closed group “", "8 members", "4 sessions", "after 4 group sessions of S1"],
        ),
        (PLAN_DIR / "dbt-severe-published.yaml", ["Secondary, provisional"]),
        (SAMPLES / "substance-use-iop.yaml", ["Rule out", "held for 6 weeks in a row"]),
    ],
    ids=lambda v: v.stem if isinstance(v, Path) else "",
)
def test_numbers_and_yes_no_values_read_in_place(path: Path, phrases: list[str]) -> None:
    """The walk above finds a short number anywhere and skips yes/no values: these read each
    in its own place."""
    markdown = markdown_of(path)
    assert [p for p in phrases if p not in markdown] == []


def test_no_safety_plan_is_explained_by_what_the_plan_records() -> None:
    alcohol = markdown_of(PLAN_DIR / "alcohol-court-iop-published.yaml")
    assert "This plan records no assessment of suicide or self-harm risk." in alcohol
    grief = markdown_of(SAMPLES / "grief-group.yaml")
    assert "Not indicated — suicide and self-harm risk low, assessed 30 Sep 2026." in grief
    substance = markdown_of(SAMPLES / "substance-use-iop.yaml")
    assert "Not indicated — suicide risk low, assessed 9 Nov 2026." in substance
    gad = markdown_of(PLAN_DIR / "gad-cbt-published.yaml")
    assert "None. This plan records no risk assessment." in gad


def test_self_directed_work_is_by_the_person_or_left_unassigned() -> None:
    family = markdown_of(PLAN_DIR / "family-coparenting-published.yaml")
    rows = [line for line in family.splitlines() if "| Self-directed |" in line]
    assert rows and all("| Owen |" not in row for row in rows)
    cbt = markdown_of(SAMPLES / "cbt.yaml")
    assert "| Thought records on catastrophic thoughts about collapsing. | Maya |" in cbt


def test_shared_interventions_are_named_by_a_whole_clause() -> None:
    family = markdown_of(PLAN_DIR / "family-coparenting-published.yaml")
    named = re.findall(r"Shared interventions for [^:]+:\*\* (.*)", family)
    named += re.findall(r"Interventions for the whole goal:\*\* (.*)", family)
    assert named
    for line in named:
        for name in re.findall(r"(?:^|; )(.*?) \([A-Z][\w.-]*\)", line):
            assert not name.endswith(("a", "the", "that", "and", "of")), line


def test_a_quotation_is_quoted_unless_it_names_its_speakers(tmp_path: Path) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = variant(
        text,
        '"I want to stop being scared of my own heartbeat."',
        "'My sister keeps telling me: \"just breathe\"'",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    markdown = markdown_text(plan_at(path))
    assert "### Goal G1: “My sister keeps telling me: ‘just breathe’”" in markdown
    family = markdown_of(SAMPLES / "family-systems.yaml")
    assert "### Goal G1: Lucía: “I want to go to school" in family


def test_a_day_rate_keeps_its_sessions_and_names_its_level_once(tmp_path: Path) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = variant(
        text,
        "    description: Individual psychotherapy, 53 minutes\n",
        "    description: Intensive outpatient services\n    per_diem: true\n    hours_per_day: 3\n    asam_level: '2.1'\n",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    markdown = markdown_text(plan_at(path))
    assert "- **Intensive outpatient services**, 90837: ASAM 2.1\n" in markdown
    assert "| per diem, 3 hours a day, sessions of 53 minutes |" in markdown
