"""The fixed words the documents print are data: US spelling by default, en-GB as a setting, a
practice's own language from its template folder, and a broken labels file reported as
``file:line:col`` with exit 1."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from plandoc.render.context.describe import SAFETY_STEPS
from plandoc.render.context.labels import load_labels
from plandoc.spec.library import builtin_root
from tests.conftest import ROOT, SAMPLES, TODAY
from tests.test_render import body_text, docx_parts

Run = Callable[..., Result]
LABELS = builtin_root() / "labels"
UK = re.compile(
    r"\b(behaviour\w*|licence|\w+isation|\w+ising|conceptualis\w*|defence\w*|colour\w*|"
    r"centre|programme|authoris\w*|organis\w*|recognis\w*|counsell\w*)\b",
    re.I,
)


def flat(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", str(value)


def file_keys(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(flat({k: v for k, v in data.items() if k not in ("based_on", "words")}))


def render(run: Run, plan: Path, out: Path, *options: str, fmt: str = "md") -> Result:
    result = run(
        "render", str(plan), "-f", fmt, "-o", str(out), "--today", TODAY.isoformat(), *options
    )
    assert result.exit_code == 0, result.output
    return result


def word_text(path: Path) -> str:
    parts = docx_parts(path.read_bytes())
    return "\n".join(body_text(parts, name) for name in parts if name.startswith("word/"))


def header_cells(path: Path) -> list[list[str]]:
    """Each Word table's first row, cell by cell."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    document = docx_parts(path.read_bytes())["word/document.xml"]
    rows = []
    for table in document.iter(f"{w}tbl"):
        first = next(table.iter(f"{w}tr"))
        rows.append(
            ["".join(t.text or "" for t in tc.iter(f"{w}t")) for tc in first.iter(f"{w}tc")]
        )
    return rows


# --- US spelling by default -----------------------------------------------------------------


def test_the_us_labels_and_the_built_in_orientations_use_us_spelling() -> None:
    british = {
        key: text for key, text in file_keys(LABELS / "en-US.yaml").items() if UK.search(text)
    }
    assert british == {}
    for path in sorted((builtin_root() / "orientations").glob("*/orientation.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        shown = [data["label"], *layout_words(data.get("layout", []))]
        assert [w for w in shown if UK.search(w)] == [], path.parent.name


def layout_words(value: Any) -> Iterator[str]:
    """The wording an orientation's layout prints: titles, labels and column headers (not the
    field names, which are the spec's)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("title", "label") and isinstance(item, str):
                yield re.sub(r"\{\w+\}", "", item)
            else:
                yield from layout_words(item)
    elif isinstance(value, list):
        for item in value:
            yield from layout_words(item)


def test_a_plan_renders_in_us_spelling_by_default(run: Run, tmp_path: Path) -> None:
    render(run, SAMPLES / "cbt.yaml", tmp_path, fmt="md")
    render(run, SAMPLES / "cbt.yaml", tmp_path, fmt="docx")
    markdown = (tmp_path / "cbt.md").read_text(encoding="utf-8")
    assert "## Cognitive Behavioral Therapy" in markdown
    assert "### Behavioral experiments" in markdown and "### Case conceptualization" in markdown
    assert "catastrophizing, emotional reasoning" in markdown  # a fixed value, respelled
    assert "LCSW; license no. CSW-44821 (OR)" in markdown
    word = word_text(tmp_path / "cbt.docx")
    assert "Cognitive Behavioral Therapy" in word and "Behavioural" not in word
    render(run, SAMPLES / "substance-use-iop.yaml", tmp_path, fmt="docx")
    team = [row for row in header_cells(tmp_path / "substance-use-iop.docx") if "NPI" in row]
    assert team == [["Name", "Role", "Credentials", "License", "NPI", "Contact"]]
    stages = [
        row for row in header_cells(tmp_path / "substance-use-iop.docx") if "Stage of change" in row
    ]
    assert stages == [["Behavior", "Stage of change"]]


def test_the_clients_own_words_keep_their_spelling(run: Run, tmp_path: Path) -> None:
    """Respelling is for fixed wording only: a clinician's 'programme' stays as written."""
    render(run, SAMPLES / "substance-use-iop.yaml", tmp_path)
    markdown = (tmp_path / "substance-use-iop.md").read_text(encoding="utf-8")
    assert "Intensive outpatient programme" in markdown
    assert "3. Emotional, behavioral or cognitive conditions and complications" in markdown


# --- en-GB -----------------------------------------------------------------------------------


def test_en_gb_gives_british_spelling(run: Run, tmp_path: Path) -> None:
    render(run, SAMPLES / "cbt.yaml", tmp_path, "--locale", "en-GB")
    render(run, SAMPLES / "cbt.yaml", tmp_path, "--locale", "en-GB", fmt="docx")
    markdown = (tmp_path / "cbt.md").read_text(encoding="utf-8")
    assert "## Cognitive Behavioural Therapy" in markdown
    assert "### Case conceptualisation" in markdown
    assert "catastrophising, emotional reasoning" in markdown  # the spec's own spelling
    assert "LCSW; licence no. CSW-44821 (OR)" in markdown
    assert "Cognitive Behavioural Therapy" in word_text(tmp_path / "cbt.docx")
    render(run, SAMPLES / "substance-use-iop.yaml", tmp_path, "--locale", "en-GB", fmt="docx")
    headers = header_cells(tmp_path / "substance-use-iop.docx")
    assert ["Name", "Role", "Credentials", "Licence", "NPI", "Contact"] in headers
    assert ["Behaviour", "Stage of change"] in headers
    render(run, SAMPLES / "dbt.yaml", tmp_path, "--locale", "en-GB")
    dbt = (tmp_path / "dbt.md").read_text(encoding="utf-8")
    assert "- **Authorisation:** PA-" in dbt
    assert "## Dialectical Behaviour Therapy" in dbt
    assert "**Life-threatening behaviours (first priority)**" in dbt


def test_en_gb_gives_only_keys_en_us_has() -> None:
    us, gb = file_keys(LABELS / "en-US.yaml"), file_keys(LABELS / "en-GB.yaml")
    assert set(gb) <= set(us)
    assert set(gb) and all(gb[k] != us[k] for k in gb), "en-GB repeats an en-US label"
    merged = dict(flat({k: v for k, v in load_labels("en-GB").items() if k != "words"}))
    assert set(merged) == set(us) and merged["column.license"] == "Licence"


# --- a practice's own language ---------------------------------------------------------------

FR_CA = """\
based_on: en-US
heading:
  goals: Buts et objectifs
  goal: "But {id}"
column:
  license: Permis
footer:
  page: Page
  of: de
diff:
  progress: Progrès sur les mesures
"""


def practice(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "practice"
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    (folder / "labels" / name).write_text(text, encoding="utf-8")
    return folder


def test_a_practice_adds_a_language_in_its_folder(run: Run, tmp_path: Path) -> None:
    folder = practice(tmp_path, "fr-CA.yaml", FR_CA)
    out = tmp_path / "out"
    options = ("--templates", str(folder), "--locale", "fr-CA")
    render(run, SAMPLES / "cbt.yaml", out, *options)
    render(run, SAMPLES / "substance-use-iop.yaml", out, *options, fmt="docx")
    markdown = (out / "cbt.md").read_text(encoding="utf-8")
    assert "## Buts et objectifs" in markdown and "### But G1:" in markdown
    assert "## Identification" in markdown  # the rest from en-US
    headers = header_cells(out / "substance-use-iop.docx")
    assert ["Name", "Role", "Credentials", "Permis", "NPI", "Contact"] in headers
    footer = word_text(out / "substance-use-iop.docx")
    assert "Page 1 de 1" in footer or re.search(r"Page \d+ de \d+", footer), footer[-300:]
    summary = run(
        "diff",
        str(SAMPLES / "revisions" / "agoraphobia-v1.yaml"),
        str(SAMPLES / "revisions" / "agoraphobia-v2.yaml"),
        "-f",
        "md",
        "-o",
        str(out / "changes.md"),
        *options,
    )
    assert summary.exit_code == 0, summary.output
    assert "## Progrès sur les mesures" in (out / "changes.md").read_text(encoding="utf-8")
    assert run("templates", "check", str(folder)).exit_code == 0


def test_the_labels_can_be_exported_and_checked(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    exported = run("templates", "export", "labels", str(folder))
    assert exported.exit_code == 0, exported.output
    assert (folder / "labels" / "en-US.yaml").read_bytes() == (LABELS / "en-US.yaml").read_bytes()
    assert (folder / "labels" / "en-GB.yaml").is_file()
    checked = run("templates", "check", str(folder))
    assert checked.exit_code == 0 and "0 error(s)" in checked.output


def test_an_unknown_locale_lists_the_ones_there_are(run: Run, tmp_path: Path) -> None:
    result = run(
        "render", str(SAMPLES / "cbt.yaml"), "-f", "md", "-o", str(tmp_path), "--locale", "fr-FR"
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no labels for locale `fr-FR`; available: en-GB, en-US" in result.output
    assert not list(tmp_path.iterdir())


# --- a broken labels file ----------------------------------------------------------------------

BROKEN = [
    pytest.param(
        "based_on: en-US\nheading:\n  goals: Goals\n  gaols: Goals\n",
        4,
        3,
        "unknown label `heading.gaols` — did you mean `goals`?",
        id="unknown-key",
    ),
    pytest.param(
        "heading:\n  goals: Goals\n",
        1,
        1,
        "missing label(s) `heading.services`",
        id="missing-keys",
    ),
    pytest.param(
        "based_on: en-US\nheading:\n  goals: [Goals\n",
        4,
        1,
        "YAML syntax error",
        id="bad-yaml",
    ),
    pytest.param(
        'based_on: en-US\nheading:\n  goal: "Goal {0.__class__}"\n',
        3,
        9,
        "`heading.goal` must use the same slots as en-US ({id})",
        id="attribute-slot",
    ),
    pytest.param(
        "based_on: en-US\ncolumn:\n  license: !!python/object:os.system echo\n",
        3,
        12,
        "YAML tag",
        id="python-tag",
    ),
    pytest.param(
        "based_on: en-US\ncolumn:\n  license: 2026-01-01\n",
        3,
        12,
        "`column.license` must be text",
        id="not-text",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), BROKEN)
def test_a_broken_labels_file_is_reported_at_its_place(
    run: Run, tmp_path: Path, text: str, line: int, column: int, message: str
) -> None:
    folder = practice(tmp_path, "fr-CA.yaml", text)
    out = tmp_path / "out"
    result = run(
        "render", str(SAMPLES / "cbt.yaml"), "-f", "md", "-o", str(out),
        "--templates", str(folder), "--locale", "fr-CA",
    )  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    path = folder / "labels" / "fr-CA.yaml"
    assert f"{path}:{line}:{column}: error: " in result.output, result.output
    assert message in result.output
    assert not out.exists() or not list(out.iterdir())
    linted = run("templates", "check", str(folder))
    assert linted.exit_code == 1 and message in linted.output


def test_a_huge_labels_file_is_refused(run: Run, tmp_path: Path) -> None:
    folder = practice(tmp_path, "fr-CA.yaml", "based_on: en-US\n" + "# padding\n" * 40_000)
    result = run(
        "render", str(SAMPLES / "cbt.yaml"), "-f", "md", "-o", str(tmp_path / "out"),
        "--templates", str(folder), "--locale", "fr-CA",
    )  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "KiB; a template may be at most 256 KiB" in result.output


# --- labels do not rot -----------------------------------------------------------------------


def template_texts() -> str:
    """Every built-in template's text: the Markdown sources and the Word files' XML."""
    root = builtin_root()
    texts = [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.j2"))]
    for docx in sorted(root.glob("*.docx")):
        with zipfile.ZipFile(docx) as package:
            texts += [
                package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml")
            ]
    return re.sub(r"<[^>]+>", "", "\n".join(texts))  # a Word tag split across runs, joined


def test_every_label_is_printed_somewhere() -> None:
    """Each en-US key is named by a template (``labels.group.key``) or read by the code (the
    group and the key as text in one module); none is left behind when wording changes."""
    templates = template_texts()
    code = {p: p.read_text(encoding="utf-8") for p in (ROOT / "src" / "plandoc").rglob("*.py")}
    dynamic = {
        "diff.added": "labels.diff[item.kind]",
        "diff.removed": "labels.diff[item.kind]",
    }
    unused = []
    for key in file_keys(LABELS / "en-US.yaml"):
        group, *_, leaf = key.split(".")
        if key.startswith(("safety_plan.steps.", "safety_plan.hints.")):
            used = leaf in SAFETY_STEPS
        elif key in dynamic:
            used = dynamic[key] in templates
        else:
            used = f"labels.{key}" in templates or any(
                f'"{group}"' in text and f'"{leaf}"' in text for text in code.values()
            )
        if not used:
            unused.append(key)
    assert unused == []


def test_every_safety_plan_step_has_a_heading_and_a_hint() -> None:
    labels = load_labels()
    assert set(labels["safety_plan"]["steps"]) == set(SAFETY_STEPS)
    assert set(labels["safety_plan"]["hints"]) == set(SAFETY_STEPS)


def test_no_template_names_a_label_that_does_not_exist() -> None:
    known = set(file_keys(LABELS / "en-US.yaml"))
    named = set(re.findall(r"labels\.([a-z_]+\.[a-z_]+)", template_texts()))
    assert named - known == set()


def test_each_caller_gets_its_own_copy_of_the_labels() -> None:
    from plandoc.render.context.labels import load_labels

    first = load_labels("en-GB")
    assert first == load_labels("en-GB")
    first["text"]["treatment_plan"] = "changed"
    first["column"].clear()
    again = load_labels("en-GB")
    assert again["text"]["treatment_plan"] != "changed" and again["column"]
