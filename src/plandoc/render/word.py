"""Stage 3b — Word, through docxtpl. The only module that imports docxtpl.

The caller's side builds what a document needs from plain data — the template context (plain
data only), the progress charts as PNG bytes, the document properties — and sends it to the
bounded worker (:mod:`plandoc.render.worker`). The worker's side finds the template through the
library, inspects the package before using it (:mod:`plandoc.render.package`), renders it with
the sandboxed environment, puts the pictures where the template placed their markers, and
inspects the result again. Templates never see a docxtpl or python-docx object.

Shaped as *prepare once, render many*: a template's bytes are read and inspected once per
worker, and the Jinja template compiled from each of its XML parts is kept, so a caseload pays
the compile cost once per template, not once per plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError
from ..spec.library import library, read_template_bytes
from . import worker
from .chart import sparkline
from .context import plain
from .package import inspect_package, package_problems, part_digests
from .templating import PICTURE_MARK, Picture, bounded_render, make_env, template_error
from .worker import DEFAULT_LIMITS, Limits
from .write import stable_zip

CHART_WIDTH_MM = 30


def render_docx(
    context: dict[str, Any], *, templates: Sequence[Path] = (), limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """The plan as a .docx, with document properties set and stable bytes."""
    name = context["orientation"]["name"]
    rows: list[dict[str, Any]] = []
    pictures: dict[str, bytes] = {}
    for row in context["progress"]:
        chart = _chart(row)
        marker = Picture.numbered(len(pictures) + 1) if chart else ""
        if chart:
            pictures[marker] = chart
        rows.append({**row, "chart": marker})
    return _render(
        [f"orientations/{name}/plan.docx", "plan.docx"],
        {**context, "progress": rows},
        templates,
        limits,
        pictures=pictures,
        properties=plan_properties(context),
    )


def render_named_docx(
    name: str,
    context: dict[str, Any],
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Any Word template by file name (the change summary uses ``diff.docx``)."""
    properties = {
        "title": f"Changes to plan {context['plan_id']}, version {context['old_version']} to {context['new_version']}",
        "subject": f"Revision summary for client {context['client_id']}",
        "category": "Treatment plan change summary",
        "identifier": f"plandoc:summary:{context['plan_id']}:{context['old_version']}:{context['new_version']}",
    }
    return _render([name], context, templates, limits, pictures={}, properties=properties)


def render_safety_plan_docx(
    context: dict[str, Any], *, templates: Sequence[Path] = (), limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """The client's safety-plan handout (``safety-plan.docx``): the plan's context, the
    handout's own document properties."""
    plan = context["plan"]
    ident, version = plan["plan"]["id"], plan["plan"]["version"]
    properties = {
        **plan_properties(context),
        "title": "My safety plan",
        "subject": f"Safety plan for client {context['client']['id']} (plan {ident} version {version})",
        "keywords": "safety plan",
        "category": "Safety plan",
        "identifier": f"plandoc:safety-plan:{ident}:{version}",
    }
    return _render(
        ["safety-plan.docx"], context, templates, limits, pictures={}, properties=properties
    )


def _render(
    names: list[str],
    context: dict[str, Any],
    templates: Sequence[Path],
    limits: Limits,
    *,
    pictures: dict[str, bytes],
    properties: dict[str, Any],
) -> bytes:
    payload = {
        "names": names,
        "templates": [str(t) for t in templates],
        "context": plain(context),
        "pictures": pictures,
        "properties": properties,
        "what": names[-1],
    }
    return worker.run(run_job, payload, what=names[-1], limits=limits)


def _chart(row: dict[str, Any]) -> bytes:
    """A small trend chart for a progress row with two scores or more."""
    if len(row["points"]) < 2:
        return b""
    low, high = row["scale"]
    scores = [float(p["score"]) for p in row["points"]]
    return sparkline(scores, low=low, high=high, direction=row["direction"])


def _fit(text: str) -> str:
    """Word's document properties hold at most 255 characters."""
    return text if len(text) <= 255 else text[:254] + "…"


def plan_properties(context: dict[str, Any]) -> dict[str, Any]:
    """Title, subject and author for the file's properties; dates from the plan, not the clock."""
    plan = context["plan"]
    revision = context["latest_revision"]
    when = revision["date"] if revision else plan["plan"]["start_date"]
    author = f"{plan['clinician']['name']}, {plan['clinician']['credentials']}"
    return {
        "title": context["title"],
        "subject": f"Treatment plan {plan['plan']['id']} version {plan['plan']['version']} for client {context['client']['id']}",
        "author": author,
        "last_modified_by": author,
        "keywords": f"treatment plan; {context['orientation']['label']}",
        "comments": "Confidential health information.",
        "category": "Treatment plan",
        "identifier": f"plandoc:plan:{plan['plan']['id']}:{plan['plan']['version']}",
        "created": dt.datetime(when.year, when.month, when.day),
        "revision": int(plan["plan"]["version"]),
    }


# --- inside the worker ----------------------------------------------------------------------


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=False)


_COMPILED: dict[tuple[int, str], jinja2.Template] = {}
_PATCHED: dict[str, str] = {}
_INSPECTED: dict[str, dict[str, str]] = {}  # a template's SHA-256 → its parts' digests
_LITERAL = {"{_{": "{{ '{{' }}", "}_}": "{{ '}}' }}", "{_%": "{{ '{%' }}", "%_}": "{{ '%}' }}"}


def _prepared_class() -> type:
    from docxtpl import DocxTemplate

    class Prepared(DocxTemplate):  # type: ignore[misc]
        """A DocxTemplate that reuses its work across documents: the tag clean-up of each XML
        part (``patch_xml``, regular expressions on the template's own text) and the Jinja
        template compiled from it."""

        def patch_xml(self, src_xml: str) -> str:
            if src_xml not in _PATCHED:
                _PATCHED[src_xml] = super().patch_xml(src_xml)
            return _PATCHED[src_xml]

        def render_xml_part(
            self,
            src_xml: str,
            part: Any,
            context: dict[str, Any],
            jinja_env: jinja2.Environment | None = None,
        ) -> str:
            assert jinja_env is not None
            src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
            key = (id(jinja_env), src_xml)
            if key not in _COMPILED:
                # docxtpl's escapes for a literal tag in a template ({_{ … }_}) become literal
                # text here, in the template, rather than being replaced in the rendered output,
                # where they would turn a plan's own text into a tag.
                literal = re.sub(
                    "|".join(map(re.escape, _LITERAL)), lambda m: _LITERAL[m.group(0)], src_xml
                )
                _COMPILED[key] = jinja_env.from_string(literal)
            self.current_rendering_part = part
            dst_xml = bounded_render(_COMPILED[key], context)
            dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
            return str(self.resolve_listing(dst_xml))

    return Prepared


_Prepared = cache(_prepared_class)


@cache
def _template_bytes(path: Path, stamp: tuple[int, int]) -> bytes:
    return read_template_bytes(path)


def _load(names: list[str], templates: list[str]) -> tuple[Path, bytes]:
    found = library(tuple(Path(t) for t in templates))
    for name in names:
        path = found.find(name)
        if path is not None:
            info = path.stat()
            data = _template_bytes(path, (info.st_mtime_ns, info.st_size))
            digest = hashlib.sha256(data).hexdigest()
            if digest not in _INSPECTED:
                inspect_package(data, str(path))
                _INSPECTED[digest] = part_digests(data)
            return path, data
    raise TemplateError(f"no Word template found (looked for {' or '.join(names)})")


@worker.task
def run_job(
    names: list[str],
    templates: list[str],
    context: dict[str, Any],
    pictures: dict[str, bytes],
    properties: dict[str, Any],
    what: str,
) -> bytes:
    """In the worker: render the first Word template of *names* the library holds."""
    path, data = _load(names, templates)
    try:
        template = _Prepared()(io.BytesIO(data))
        template.init_docx()  # open the package now, so a broken file is reported as such
    except Exception as exc:
        raise TemplateError(
            f"{path}: not a usable Word template ({exc.__class__.__name__}: {exc}); export a fresh one with `plandoc templates export`"
        ) from None
    try:
        template.render(context, jinja_env=_env(tuple(Path(t) for t in templates)))
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, str(path)) from None
    _place_pictures(template.docx, pictures)
    _autofit_tables(template.docx.element.body)
    _set_properties(template.docx.core_properties, properties)
    out = io.BytesIO()
    template.save(out)
    rendered = stable_zip(out.getvalue())
    _inspect_rendered(rendered, path, _INSPECTED[hashlib.sha256(data).hexdigest()])
    return rendered


@worker.task
def lint_job(path: str, what: str) -> bytes:
    """In the worker: the linter's Word checks, as JSON — the package's problems, then for each
    part with tags whether one is split across runs and its source as docxtpl will compile it."""
    import json
    import zipfile

    data = read_template_bytes(Path(path))
    problems = package_problems(data)
    parts = []
    if not problems:
        package = zipfile.ZipFile(io.BytesIO(data))
        template = _Prepared()(io.BytesIO(data))
        template.init_docx()
        for part in (n for n in package.namelist() if _TAGGED_PART.fullmatch(n)):
            xml = package.read(part).decode("utf-8")
            source = template.patch_xml(xml)
            parts.append({"part": part, "split": bool(_SPLIT_TAG.search(xml)), "source": source})
    return json.dumps({"problems": problems, "parts": parts}).encode("utf-8")


_SPLIT_TAG = re.compile(r"\{[{%](?:(?![}%]\}).)*?</w:t>.*?<w:t[ >]", re.DOTALL)
_TAGGED_PART = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


def _inspect_rendered(data: bytes, path: Path, template: dict[str, str]) -> None:
    """The output inspected like a template — a template's text could have assembled a field
    that reads a file — except the parts it holds unchanged from the inspected template."""
    problems = package_problems(data, inspected=template)
    if problems:
        raise TemplateError(f"{path}: the rendered document {problems[0]}")


def _place_pictures(document: Any, pictures: dict[str, bytes]) -> None:
    """Each picture marker a template placed becomes the picture; any other marker text goes."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.parts.story import StoryPart
    from docx.shared import Mm

    for part in document.part.package.iter_parts():
        if not isinstance(part, StoryPart):
            continue
        for text in list(part.element.iter(qn("w:t"))):
            if not PICTURE_MARK.search(text.text or ""):
                continue
            run = text.getparent()
            pieces = re.split(r"(\ue000picture:\d+\ue001)", text.text)
            text.text = PICTURE_MARK.sub("", "".join(p for p in pieces if p not in pictures))
            for piece in reversed(pieces):
                if piece in pictures:
                    inline = part.new_pic_inline(
                        io.BytesIO(pictures[piece]), Mm(CHART_WIDTH_MM), None
                    )
                    drawing = OxmlElement("w:drawing")
                    drawing.append(inline)
                    picture_run = OxmlElement("w:r")
                    picture_run.append(drawing)
                    run.addnext(picture_run)
            if not text.text and len(run) == 1 + (run.find(qn("w:rPr")) is not None):
                run.getparent().remove(run)


def _set_properties(props: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(props, name, _fit(value) if isinstance(value, str) else value)
    if "created" in values:
        props.modified = values["created"]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AUTOFIT = "plandoc:autofit"
TEXT_WIDTH_TWIPS = 9746
MAX_FLOOR_TWIPS = TEXT_WIDTH_TWIPS // 3


def _autofit_tables(body: Any) -> None:
    """Give data-driven tables (marked ``plandoc:autofit`` in the template) column widths in
    proportion to their content, so a short "SUD" column does not take as much room as a memory
    described in a sentence. The layout is fixed, so a very long word wraps inside its column
    instead of pushing the table off the page."""
    for tbl in body.iter(f"{_W}tbl"):
        caption = tbl.find(f"{_W}tblPr/{_W}tblCaption")
        if caption is None or caption.get(f"{_W}val") != AUTOFIT:
            continue
        rows = [tr.findall(f"{_W}tc") for tr in tbl.findall(f"{_W}tr")]
        count = max((len(r) for r in rows), default=0)
        if not count:
            continue
        floor = [700] * count  # twips: no column narrower than its longest word (within reason)
        weight = [1.0] * count  # the rest of the width goes by how much text a column holds
        for cells in rows:
            for index, tc in enumerate(cells[:count]):
                text = "".join(t.text or "" for t in tc.iter(f"{_W}t"))
                longest = max((len(w) for w in text.split()), default=0)
                floor[index] = max(floor[index], min(longest * 125 + 230, MAX_FLOOR_TWIPS))
                weight[index] = max(weight[index], min(len(text), 80) ** 0.75)
        spare = max(TEXT_WIDTH_TWIPS - sum(floor), 0)
        widths = [f + int(spare * w / sum(weight)) for f, w in zip(floor, weight, strict=False)]
        _set_widths(tbl, widths)


def _set_widths(tbl: Any, widths: list[int]) -> None:
    from lxml import etree

    grid = tbl.find(f"{_W}tblGrid")
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        etree.SubElement(grid, f"{_W}gridCol").set(f"{_W}w", str(width))
    tbl_pr = tbl.find(f"{_W}tblPr")
    layout = tbl_pr.find(f"{_W}tblLayout")
    if layout is None:
        layout = etree.Element(f"{_W}tblLayout")
        _insert_in_order(tbl_pr, layout)
    layout.set(f"{_W}type", "fixed")
    for tr in tbl.findall(f"{_W}tr"):
        for tc, width in zip(tr.findall(f"{_W}tc"), widths, strict=False):
            tc_pr = tc.find(f"{_W}tcPr")
            if tc_pr is None:
                tc_pr = etree.SubElement(tc, f"{_W}tcPr")
                tc.insert(0, tc_pr)
            for old in tc_pr.findall(f"{_W}tcW"):
                tc_pr.remove(old)
            tcw = etree.Element(f"{_W}tcW")
            tcw.set(f"{_W}w", str(width))
            tcw.set(f"{_W}type", "dxa")
            tc_pr.insert(0, tcw)


# w:tblPr's children in the order the schema requires.
_TBL_PR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription",
]  # fmt: skip


def _insert_in_order(tbl_pr: Any, element: Any) -> None:
    rank = _TBL_PR_ORDER.index(element.tag.removeprefix(_W))
    for index, child in enumerate(tbl_pr):
        name = child.tag.removeprefix(_W)
        if name in _TBL_PR_ORDER and _TBL_PR_ORDER.index(name) > rank:
            tbl_pr.insert(index, element)
            return
    tbl_pr.append(element)
