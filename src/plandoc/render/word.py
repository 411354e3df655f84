"""Stage 4b — Word, through docxtpl. The only module that imports docxtpl.

Shaped as *prepare once, render many*: a template's bytes are read once, and the Jinja
template compiled from each of its XML parts is kept, so a caseload pays the compile cost
(the largest share of docxtpl's time) once per template, not once per plan.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ..errors import TemplateError
from .chart import sparkline
from .templating import (
    RENDER_SECONDS,
    bounded_render,
    find_file,
    make_env,
    template_error,
    time_limit,
)
from .write import stable_zip


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=False)


_COMPILED: dict[tuple[int, str], jinja2.Template] = {}


_PATCHED: dict[str, str] = {}


class _PreparedTemplate(DocxTemplate):  # type: ignore[misc]
    """A DocxTemplate that reuses its work across documents: the tag clean-up of each XML part
    (``patch_xml``, pure regular expressions on the template's own text) and the Jinja template
    compiled from it."""

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
            _COMPILED[key] = jinja_env.from_string(src_xml)
        self.current_rendering_part = part
        dst_xml = bounded_render(_COMPILED[key], context)
        dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
        dst_xml = (
            dst_xml.replace("{_{", "{{")
            .replace("}_}", "}}")
            .replace("{_%", "{%")
            .replace("%_}", "%}")
        )
        return str(self.resolve_listing(dst_xml))


@cache
def _template_bytes(path: Path) -> bytes:
    return path.read_bytes()


def find_template(name: str, templates: Sequence[Path] = ()) -> Path:
    """The Word template for an orientation: its own ``plan.docx`` if any, else the base one."""
    found = find_file("plan.docx", templates, orientation=name)
    if found is None:
        raise TemplateError(f"no Word template found for `{name}` (looked for plan.docx)")
    return found


def render_docx(context: dict[str, Any], *, templates: Sequence[Path] = ()) -> bytes:
    """The plan as a .docx, with document properties set and stable bytes."""
    return stable_zip(
        _render(
            find_template(context["orientation"]["name"], templates), context, templates, plan=True
        )
    )


def render_named_docx(
    name: str, context: dict[str, Any], *, templates: Sequence[Path] = ()
) -> bytes:
    """Any Word template by file name (the change summary uses ``diff.docx``)."""
    found = find_file(name, templates)
    if found is None:
        raise TemplateError(f"no Word template `{name}` found")
    return stable_zip(_render(found, context, templates, plan=False))


def _render(path: Path, context: dict[str, Any], templates: Sequence[Path], *, plan: bool) -> bytes:
    try:
        template = _PreparedTemplate(io.BytesIO(_template_bytes(path)))
        template.init_docx()  # open the package now, so a broken file is reported as such
    except Exception as exc:
        raise TemplateError(
            f"{path}: not a usable Word template ({exc.__class__.__name__}: {exc}); export a fresh one with `plandoc templates export`"
        ) from None
    if plan:
        context = {**context, "progress": [_with_chart(template, m) for m in context["progress"]]}
    try:
        with time_limit(RENDER_SECONDS, path.name):
            template.render(context, jinja_env=_env(tuple(templates)))
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, str(path)) from None
    _autofit_tables(template.docx.element.body)
    if plan:
        _set_properties(template, context)
    else:
        props = template.docx.core_properties
        props.title = _fit(
            f"Changes to plan {context['plan_id']}, version {context['old_version']} to {context['new_version']}"
        )
        props.subject = _fit(f"Revision summary for client {context['client_id']}")
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _with_chart(template: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A progress row with a small trend chart (``chart``), when it has two scores or more."""
    if len(row["points"]) < 2:
        return {**row, "chart": ""}
    low, high = row["scale"]
    png = sparkline(
        [float(p["score"]) for p in row["points"]], low=low, high=high, direction=row["direction"]
    )
    return {**row, "chart": InlineImage(template, io.BytesIO(png), width=Mm(30))}


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AUTOFIT = "plandoc:autofit"
TEXT_WIDTH_TWIPS = 9746


def _autofit_tables(body: Any) -> None:
    """Give data-driven tables (marked ``plandoc:autofit`` in the template) column widths in
    proportion to their content, so a short "SUD" column does not take as much room as a
    memory described in a sentence."""
    for tbl in body.iter(f"{_W}tbl"):
        caption = tbl.find(f"{_W}tblPr/{_W}tblCaption")
        if caption is None or caption.get(f"{_W}val") != AUTOFIT:
            continue
        rows = [tr.findall(f"{_W}tc") for tr in tbl.findall(f"{_W}tr")]
        count = max((len(r) for r in rows), default=0)
        if not count:
            continue
        floor = [700] * count  # twips: no column narrower than its longest word
        weight = [1.0] * count  # the rest of the width goes by how much text a column holds
        for cells in rows:
            for index, tc in enumerate(cells):
                text = "".join(t.text or "" for t in tc.iter(f"{_W}t"))
                longest = max((len(w) for w in text.split()), default=0)
                floor[index] = max(floor[index], longest * 125 + 230)
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


def _fit(text: str) -> str:
    """Word's document properties hold at most 255 characters."""
    return text if len(text) <= 255 else text[:254] + "…"


def _set_properties(template: Any, context: dict[str, Any]) -> None:
    """Title, subject and author for the file's properties; dates from the plan, not the clock."""
    props = template.docx.core_properties
    plan = context["plan"]
    revision = context["latest_revision"]
    when = revision["date"] if revision else plan["plan"]["start_date"]
    stamp = dt.datetime(when.year, when.month, when.day)
    props.title = _fit(context["title"])
    props.subject = _fit(
        f"Treatment plan {plan['plan']['id']} version {plan['plan']['version']} for client {context['client']['id']}"
    )
    props.author = _fit(f"{plan['clinician']['name']}, {plan['clinician']['credentials']}")
    props.last_modified_by = props.author
    props.keywords = _fit(f"treatment plan; {context['orientation']['label']}")
    props.comments = "Confidential health information."
    props.category = "Treatment plan"
    props.created = props.modified = stamp
    props.revision = int(plan["plan"]["version"])
