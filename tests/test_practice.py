"""The practice file: found by flag, environment or folder; checked like a plan; its values
fill what a plan leaves out (the plan's own win); its logo in every Word header and at the top
of the Markdown plan; a clinician named by id."""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.spec.practice import SCHEMA, find_practice, locate
from tests.conftest import ROOT, SAMPLES, variant

Run = Callable[..., Result]
EXAMPLE = SAMPLES / "practice"
PRACTICE = (EXAMPLE / "plandoc-practice.yaml").read_text(encoding="utf-8")
BY_ID = (EXAMPLE / "cbt-by-id.yaml").read_text(encoding="utf-8")
R = "{http://schemas.openxmlformats.org/package/2006/relationships}"
IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def png(width: int, height: int) -> bytes:
    """A real PNG picture of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\x60\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture()
def practice(tmp_path: Path) -> Path:
    """A copy of the sample practice folder: the practice file, its logo, the plan by id."""
    folder = tmp_path / "practice"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_the_sample_practice_and_its_plan_pass_check(run: Run, practice: Path) -> None:
    result = run("check", str(practice / "cbt-by-id.yaml"), "--practice",
                 str(practice / "plandoc-practice.yaml"), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    assert (EXAMPLE / "logo.png").stat().st_size < 20_000


def test_the_logo_is_in_every_word_header_and_the_markdown_heading(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(practice)  # found as plandoc-practice.yaml in the current folder
    out = tmp_path / "out"
    result = run("render", "cbt-by-id.yaml", "-f", "md", "-f", "docx", "-f", "safety-plan",
                 "-o", str(out), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    logo = (practice / "logo.png").read_bytes()
    with zipfile.ZipFile(out / "cbt-by-id.docx") as package:
        headers = [n for n in package.namelist() if re.fullmatch(r"word/header\d*\.xml", n)]
        assert headers
        for header in headers:
            xml = package.read(header).decode("utf-8")
            assert "\ue000" not in xml, "a picture marker was left in the header"
            embeds = re.findall(r'r:embed="([^"]+)"', xml)
            assert embeds, f"no picture in {header}"
            rels = package.read(header.replace("word/", "word/_rels/") + ".rels").decode()
            targets = dict(re.findall(r'Id="([^"]+)" Type="' + IMAGE + r'" Target="([^"]+)"', rels))
            assert all(package.read("word/" + targets[e]) == logo for e in embeds)
            assert 'descr="Riverside Counselling Collective logo"' in xml
        footer = "".join(package.read(n).decode() for n in package.namelist() if "footer" in n)
        assert "Protected by HIPAA" in footer  # the practice's own notice
    with zipfile.ZipFile(out / "cbt-by-id.safety-plan.docx") as package:
        document = package.read("word/document.xml").decode("utf-8")
        assert 'descr="Riverside Counselling Collective logo"' in document
    markdown = (out / "cbt-by-id.md").read_text(encoding="utf-8")
    assert markdown.startswith("![Riverside Counselling Collective logo](practice-logo.png)\n\n# ")
    assert (out / "practice-logo.png").read_bytes() == logo  # the link works where it is
    handout = (out / "cbt-by-id.safety-plan.md").read_text(encoding="utf-8")
    assert handout.startswith("![Riverside Counselling Collective logo](practice-logo.png)\n\n# ")


def test_no_practice_file_means_no_logo_and_the_labels_notice(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("render", str(SAMPLES / "cbt.yaml"), "-f", "md", "-f", "docx", "-o",
                 str(tmp_path / "out"), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / "practice-logo.png").exists()
    with zipfile.ZipFile(tmp_path / "out" / "cbt.docx") as package:
        assert not [n for n in package.namelist() if n.startswith("word/_rels/header")]
    assert (tmp_path / "out" / "cbt.md").read_text(encoding="utf-8").startswith("# ")


def test_a_plans_own_values_win_and_the_practice_fills_the_rest(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    plan = practice / "cbt-by-id.yaml"
    plan.write_text(
        variant(BY_ID, "clinician: {id: C2}", "clinician: {id: C2, credentials: LCSW-C}"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("render", str(plan), "--practice", str(practice / "plandoc-practice.yaml"),
                 "-f", "md", "-o", str(out), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (out / "cbt-by-id.md").read_text(encoding="utf-8")
    assert "Daniel Reyes, LCSW-C" in text  # the plan's credentials, the practice's name
    assert "NPI 1457382913" in text  # the practice's record of the clinician
    assert "214 Alder Street" in text  # the practice's identity fills the plan's
    # a plan that names another practice keeps its own identity whole
    other = variant(
        BY_ID, "clinician: {id: C2}", "clinician: {id: C2}\npractice: {name: Elm Clinic}"
    )
    plan.write_text(other, encoding="utf-8")
    run("render", str(plan), "--practice", str(practice / "plandoc-practice.yaml"), "-f", "md",
        "-o", str(out), "--today", "2026-11-26")  # fmt: skip
    text = (out / "cbt-by-id.md").read_text(encoding="utf-8")
    assert "Elm Clinic" in text and "214 Alder Street" not in text


def test_the_review_interval_applies_only_when_the_plan_sets_none(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    plan = practice / "cbt-by-id.yaml"
    text = variant(BY_ID, "  review_interval_days: 90\n  next_review_date: 2027-01-03\n", "")
    plan.write_text(text, encoding="utf-8")
    settings = practice / "plandoc-practice.yaml"
    settings.write_text(variant(PRACTICE, "review_interval_days: 90", "review_interval_days: 60"),
                        encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    result = run("render", str(plan), "--practice", str(settings), "-f", "md", "-o", str(out),
                 "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "every 60 days" in (out / "cbt-by-id.md").read_text(encoding="utf-8")


def test_an_unknown_clinician_id_is_reported_at_its_place(run: Run, practice: Path) -> None:
    plan = practice / "cbt-by-id.yaml"
    plan.write_text(variant(BY_ID, "clinician: {id: C2}", "clinician: {id: C9}"), encoding="utf-8")
    line = 1 + BY_ID.split("clinician: {id: C2}")[0].count("\n")
    result = run("check", str(plan), "--practice", str(practice / "plandoc-practice.yaml"))
    assert result.exit_code == 1
    assert (
        f"{plan}:{line}:17: error: the practice knows no clinician `C9` (its clinicians: C1, C2)"
        in result.output
    )
    assert "[practice.clinician]" in result.output


def test_a_clinician_by_id_without_a_practice_file_says_what_to_do(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("check", str(practice / "cbt-by-id.yaml"))
    assert result.exit_code == 1
    assert "named by id (`C2`), but no practice file is in use" in result.output
    assert "clinician.name" not in result.output  # said once, not once per missing field


def test_required_sections(run: Run, practice: Path) -> None:
    plan = practice / "cbt-by-id.yaml"
    start = BY_ID.index("discharge:")
    end = BY_ID.index("\n\n", start)
    plan.write_text(BY_ID[:start] + BY_ID[end + 2 :], encoding="utf-8")
    result = run("check", str(plan), "--practice", str(practice / "plandoc-practice.yaml"))
    assert result.exit_code == 1
    assert "Riverside Counselling Collective requires `discharge` in every plan" in result.output


def test_discovery_order(tmp_path: Path, practice: Path) -> None:
    nested = practice / "clients" / "a"
    nested.mkdir(parents=True)
    other = tmp_path / "other.yaml"
    other.write_text(PRACTICE.replace("logo: logo.png", ""), encoding="utf-8")
    env = {"PLANDOC_PRACTICE": str(other)}
    found = practice / "plandoc-practice.yaml"
    assert locate(None, {}, nested) == (found, f"found in {practice}, a parent folder")
    assert locate(None, {}, practice) == (found, "found in the current folder")
    assert locate(None, env, nested) == (other, "from PLANDOC_PRACTICE")
    assert locate(found, env, tmp_path) == (found, "given with --practice")
    assert locate(None, {}, tmp_path) is None
    loaded = find_practice(None, env, nested)
    assert loaded is not None and loaded.logo is None and loaded.path == other


def test_the_practice_file_in_use_is_said(
    run: Run, practice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(practice)
    result = run("check", "cbt-by-id.yaml")
    said = f"using the practice file {practice / 'plandoc-practice.yaml'} (found in the current folder)"
    assert said in result.output


def test_a_folder_of_plans_skips_the_practice_file(run: Run, practice: Path) -> None:
    result = run("check", str(practice), "--practice", str(practice / "plandoc-practice.yaml"))
    assert "1 plan(s) checked, ok" in result.output


@pytest.mark.parametrize(
    ("change", "message", "rule"),
    [
        (("name: Riverside Counselling Collective\n", ""), "missing required field `name`", "schema.required"),
        (("npi: \"1982736450\"", "npi: 12345"), "`npi` must be text", "schema.type"),
        (("locale: en-US", "locale: xx-YY"), "xx-YY", "practice.locale"),
        (("profiles: []", "profiles: [medicare, nowhere]"), "unknown profile `nowhere`", "practice.profile"),
        (("  - discharge", "  - dischargee"), "`dischargee` is not a part of a plan", "practice.section"),
        (("id: C1", "id: C2"), "clinician id `C2` is given twice", "practice.clinician"),
        (('npi: "1326059270"', 'npi: "1326059274"'), "NPI 1326059274 fails its check digit", "npi.check-digit"),
        (("clinicians:\n", "clinician:\n"), "unknown field `clinician`", "schema.unknown"),
        (("logo: logo.png", "logo: missing.png"), "logo `missing.png`: file not found", "practice.logo"),
        (("logo: logo.png", "logo: logo.png\nrender_limits: {cpu_seconds: 0}"),
         "`render_limits.cpu_seconds` is `0` but must be at least 1", "schema.range"),
        (("logo: logo.png", "logo: logo.png\nrender_limits: {memory_mb: 99999}"),
         "`render_limits.memory_mb` is `99999` but must be at most 4096", "schema.range"),
    ],
)  # fmt: skip
def test_bad_practice_files_are_reported_at_their_place(
    run: Run, practice: Path, change: tuple[str, str], message: str, rule: str
) -> None:
    settings = practice / "plandoc-practice.yaml"
    settings.write_text(variant(PRACTICE, *change), encoding="utf-8")
    result = run("check", str(practice / "cbt-by-id.yaml"), "--practice", str(settings))
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if f"[{rule}]" in line)
    assert re.match(rf"{re.escape(str(settings))}:\d+:\d+: error: .*", line), line
    assert message in line
    assert "given with --practice; fix it, or pass --practice to use another" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a logo", "is not a PNG or JPEG picture"),
        (png(40, 20)[:-12], "cut short"),
        (png(8, 8), "is 8×8 pixels"),
        (b"\xff\xd8\xff\xe0 broken", "not a readable JPEG"),
    ],
)
def test_a_logo_must_be_a_real_picture(run: Run, practice: Path, data: bytes, message: str) -> None:
    (practice / "logo.png").write_bytes(data)
    settings = practice / "plandoc-practice.yaml"
    result = run("check", str(practice / "cbt-by-id.yaml"), "--practice", str(settings))
    assert result.exit_code == 1
    assert message in result.output and "[practice.logo]" in result.output


def test_a_huge_logo_is_refused_from_its_size(run: Run, practice: Path) -> None:
    with (practice / "logo.png").open("r+b") as handle:
        handle.truncate(3 * 1024 * 1024)
    settings = practice / "plandoc-practice.yaml"
    result = run("check", str(practice / "cbt-by-id.yaml"), "--practice", str(settings))
    assert result.exit_code == 1 and "a logo may be at most 2 MiB" in result.output


def test_a_wide_logo_is_scaled_to_the_header(run: Run, practice: Path, tmp_path: Path) -> None:
    (practice / "logo.png").write_bytes(png(1200, 100))
    out = tmp_path / "out"
    result = run("render", str(practice / "cbt-by-id.yaml"), "--practice",
                 str(practice / "plandoc-practice.yaml"), "-f", "docx", "-o", str(out),
                 "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "cbt-by-id.docx") as package:
        header = package.read("word/header1.xml").decode()
    extent = re.search(r'<wp:extent cx="(\d+)" cy="(\d+)"', header)
    assert extent is not None
    cx, cy = map(int, extent.groups())
    assert cx == 45 * 36000 and abs(cy - cx / 12) < 36000 / 10


def test_hostile_practice_files_are_refused_like_plans(run: Run, tmp_path: Path) -> None:
    settings = tmp_path / "plandoc-practice.yaml"
    settings.write_text("practice_version: 1\nname: &a X\nphone: !!python/object:os.system x\n",
                        encoding="utf-8")  # fmt: skip
    result = run("check", str(SAMPLES / "cbt.yaml"), "--practice", str(settings))
    assert result.exit_code == 1
    assert "[yaml.anchor]" in result.output and "[yaml.tag]" in result.output
    settings.write_text("", encoding="utf-8")
    result = run("check", str(SAMPLES / "cbt.yaml"), "--practice", str(settings))
    assert "practice file is empty" in result.output


def test_a_missing_file_in_the_environment_is_a_usage_error(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANDOC_PRACTICE", str(tmp_path / "nowhere.yaml"))
    result = run("check", str(SAMPLES / "cbt.yaml"))
    assert result.exit_code == 2
    assert "PLANDOC_PRACTICE names" in result.output


def test_the_practice_profiles_apply_unless_one_is_given(run: Run, practice: Path) -> None:
    settings = practice / "plandoc-practice.yaml"
    settings.write_text(variant(PRACTICE, "profiles: []", "profiles: [medicaid-90]"),
                        encoding="utf-8")  # fmt: skip
    plan = str(practice / "cbt-by-id.yaml")
    result = run("check", plan, "--practice", str(settings), "--today", "2026-11-26")
    assert "[profile.medicaid-90." in result.output
    result = run("check", plan, "--practice", str(settings), "--profile", "medicare",
                 "--today", "2026-11-26")  # fmt: skip
    assert "[profile.medicaid-90." not in result.output


def test_every_practice_field_is_documented() -> None:
    doc = (ROOT / "docs" / "practice.md").read_text(encoding="utf-8")
    for name in SCHEMA:
        assert f"`{name}`" in doc, name


def test_word_files_with_the_logo_pass_openxml_audit(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    from openxml_audit import OpenXmlValidator, predict
    from openxml_audit.errors import ValidationSeverity
    from openxml_audit.verdict import AppPrediction

    settings = str(practice / "plandoc-practice.yaml")
    out = tmp_path / "out"
    result = run("render", str(practice / "cbt-by-id.yaml"), "--practice", settings, "-f", "docx",
                 "-f", "safety-plan", "-o", str(out), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    old, new = (str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2))
    for fmt in ("redline", "docx"):
        result = run("diff", old, new, "-f", fmt, "-o", f"{out}/", "--practice", settings,
                     "--today", "2026-11-26")  # fmt: skip
        assert result.exit_code == 0, result.output
    validator = OpenXmlValidator(max_errors=0)
    names = ("cbt-by-id.docx", "cbt-by-id.safety-plan.docx", "agoraphobia-v2.redline.docx",
             "agoraphobia-v2.diff.docx")  # fmt: skip
    for name in names:
        with zipfile.ZipFile(out / name) as package:
            xml = "".join(
                package.read(n).decode() for n in package.namelist() if n.endswith(".xml")
            )
        assert 'descr="Riverside Counselling Collective logo"' in xml, name
        checked = validator.validate(out / name)
        errors = [e for e in checked.errors if e.severity == ValidationSeverity.ERROR]
        assert not errors, [f"{e.description} ({e.part_uri})" for e in errors[:5]]
        assert predict(checked).prediction == AppPrediction.OPENS_CLEAN, name


def test_the_change_summary_carries_the_logo_in_word_and_markdown(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    settings = str(practice / "plandoc-practice.yaml")
    old, new = (str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2))
    out = tmp_path / "summaries"
    for fmt in ("md", "docx"):
        result = run("diff", old, new, "-f", fmt, "-o", f"{out}/", "--practice", settings,
                     "--today", "2026-11-26")  # fmt: skip
        assert result.exit_code == 0, result.output
    markdown = (out / "agoraphobia-v2.diff.md").read_text(encoding="utf-8")
    assert markdown.startswith("![Riverside Counselling Collective logo](practice-logo.png)\n\n# ")
    assert (out / "practice-logo.png").read_bytes() == (practice / "logo.png").read_bytes()
    with zipfile.ZipFile(out / "agoraphobia-v2.diff.docx") as package:
        header = package.read("word/header1.xml").decode("utf-8")
    assert 'descr="Riverside Counselling Collective logo"' in header and "\ue000" not in header
    plain = tmp_path / "plain"
    result = run("diff", old, new, "-f", "md", "-o", f"{plain}/", "--today", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert (plain / "agoraphobia-v2.diff.md").read_text(encoding="utf-8").startswith("# ")
    assert not (plain / "practice-logo.png").exists()


LOOP = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"


def test_a_logo_name_taken_by_something_else_is_refused_not_read(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    """A pipe (or any other file) named practice-logo.png in the output folder stops that
    plan's render and the summary, at once, with nothing written; and the summary itself cannot
    be written under the logo's name."""
    import os

    settings = str(practice / "plandoc-practice.yaml")
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "practice-logo.png")
    old, new = (str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2))
    for args in (
        ["render", str(practice / "cbt-by-id.yaml"), "-f", "md", "-o", str(out)],
        ["diff", old, new, "-f", "md", "-o", f"{out}/"],
    ):
        result = run(*args, "--practice", settings, "--today", "2026-11-26")
        assert result.exit_code == 1, result.output
        assert "practice-logo.png exists and is not this practice's logo" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["practice-logo.png"]
    result = run("diff", old, new, "-f", "md", "-o", str(tmp_path / "practice-logo.png"),
                 "--practice", settings, "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 2 and "choose another output" in result.output
    assert not (tmp_path / "practice-logo.png").exists()


def test_the_payer_summary_carries_the_logo_in_its_header(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    result = run("render", str(practice / "cbt-by-id.yaml"), "-f", "payer-summary", "-o",
                 str(tmp_path), "--practice", str(practice / "plandoc-practice.yaml"),
                 "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "cbt-by-id.payer-summary.docx") as package:
        headers = [n for n in package.namelist() if re.fullmatch(r"word/header\d*\.xml", n)]
        xml = "".join(package.read(n).decode("utf-8") for n in headers)
        pictures = [n for n in package.namelist() if n.startswith("word/media/")]
        assert [package.read(n) for n in pictures] == [(practice / "logo.png").read_bytes()]
    assert 'descr="Riverside Counselling Collective logo"' in xml and "\ue000" not in xml
    markdown = (tmp_path / "cbt-by-id.payer-summary.md").read_text(encoding="utf-8")
    assert "logo" not in markdown.split("\n", 1)[0]  # the Markdown summary is plain text


@pytest.mark.parametrize("command", ["render", "diff"])
def test_the_practice_file_sets_the_render_limits(
    run: Run, practice: Path, tmp_path: Path, command: str
) -> None:
    """A template that loops is stopped at the practice's one second, not the default five;
    for the plan and for the change summary alike."""
    folder = practice / "practice-templates"
    folder.mkdir()
    for name in ("plan.md.j2", "diff.md.j2"):
        (folder / name).write_text(LOOP, encoding="utf-8")
    settings = practice / "plandoc-practice.yaml"
    settings.write_text(
        PRACTICE + "templates: practice-templates\nrender_limits: {cpu_seconds: 1}\n", "utf-8"
    )
    old, new = (str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2))
    args = (
        ["render", str(practice / "cbt-by-id.yaml"), "-f", "md"]
        if command == "render"
        else ["diff", old, new, "-f", "md"]
    )
    result = run(*args, "-o", f"{tmp_path / 'out'}/", "--practice", str(settings),
                 "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 1
    assert "more than 1 s of processor time" in result.output, result.output
    assert "Traceback" not in result.output


def test_a_supervisor_by_id_and_the_same_bytes_twice(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    plan = practice / "cbt-by-id.yaml"
    plan.write_text(
        variant(BY_ID, "clinician: {id: C2}", "clinician: {id: C2}\nsupervisor: {id: C1}")
        + "  - {role: supervisor, name: Alma Whitfield, credentials: PhD, status: signed,"
        " date: 2026-10-06}\n",
        encoding="utf-8",
    )
    settings = str(practice / "plandoc-practice.yaml")
    outputs = []
    for attempt in ("one", "two"):
        out = tmp_path / attempt
        result = run("render", str(plan), "--practice", settings, "-f", "md", "-f", "docx",
                     "-o", str(out), "--today", "2026-11-26")  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append([(out / f"cbt-by-id.{ext}").read_bytes() for ext in ("md", "docx")])
    assert outputs[0] == outputs[1]
    assert "Alma Whitfield, PhD" in outputs[0][0].decode("utf-8")


def test_the_practice_template_folder_is_used_as_if_given(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    folder = practice / "house-templates"
    assert run("templates", "export", "plan", str(folder)).exit_code == 0
    template = folder / "plan.md.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("# {{ title }}", "# {{ title }} (house style)"), "utf-8")
    settings = practice / "plandoc-practice.yaml"
    settings.write_text(PRACTICE + "templates: house-templates\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(practice / "cbt-by-id.yaml"), "--practice", str(settings),
                 "-f", "md", "-o", str(out), "--today", "2026-11-26")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(house style)" in (out / "cbt-by-id.md").read_text(encoding="utf-8")
    listed = run("templates", "list", "--practice", str(settings))
    assert str(template) in listed.output
    settings.write_text(PRACTICE + "templates: nowhere\n", encoding="utf-8")
    result = run("check", str(practice / "cbt-by-id.yaml"), "--practice", str(settings))
    assert result.exit_code == 1 and "template folder `nowhere` not found" in result.output


def test_the_logo_never_takes_the_name_of_a_plan_or_replaces_another_file(
    run: Run, tmp_path: Path
) -> None:
    """Whatever the logo file is called (here `dbt.yaml`), its copy beside the Markdown is
    `practice-logo.png`; another file of that name is not replaced, and that plan fails."""
    practice = tmp_path / "house"
    practice.mkdir()
    (practice / "dbt.yaml").write_bytes((EXAMPLE / "logo.png").read_bytes())
    text = (EXAMPLE / "plandoc-practice.yaml").read_text(encoding="utf-8")
    (practice / "plandoc-practice.yaml").write_text(
        text.replace("logo: logo.png", "logo: dbt.yaml"), "utf-8"
    )
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in ("cbt.yaml", "dbt.yaml"):
        (plans / name).write_bytes((SAMPLES / name).read_bytes())
    before = (plans / "dbt.yaml").read_bytes()
    args = (
        "-f",
        "md",
        "--practice",
        str(practice / "plandoc-practice.yaml"),
        "--today",
        "2026-11-26",
    )
    done = run("render", str(plans / "cbt.yaml"), "-o", str(plans), *args)
    assert done.exit_code == 0, done.output
    assert (plans / "dbt.yaml").read_bytes() == before
    assert (plans / "practice-logo.png").read_bytes() == (EXAMPLE / "logo.png").read_bytes()
    (plans / "practice-logo.png").write_bytes(b"someone else's picture")
    done = run("render", str(plans / "cbt.yaml"), "-o", str(plans), *args)
    assert done.exit_code == 1 and "is not this practice's logo" in done.output
    assert (plans / "practice-logo.png").read_bytes() == b"someone else's picture"
