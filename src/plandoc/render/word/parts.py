"""The steps both Word paths share, after docxtpl has rendered a template: docxtpl's own part
handling compiled once per template (:class:`Prepared`), the pictures put where the template
placed their markers, the tables' widths, the document properties, the stale parts dropped and
the parts python-docx would save listed.

The reference path (:func:`plandoc.render.word.writer.run_job` with ``fast=False``) runs them on the
python-docx document docxtpl rendered; the compiled path (:mod:`plandoc.render.word.fast`) on a
light python-docx package it builds from the parts it kept.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jinja2
from lxml import etree

from ..sandbox.templating import PICTURE_MARK, bounded_render
from . import chart
from .columns import DEFAULT_SIZE
from .columns import W as _W

CHART_WIDTH_MM = chart.WIDTH_MM
"""How wide a progress chart is placed (its height follows the picture's shape), unless its
table cell is narrower."""


def _fit(text: str) -> str:
    """Word's document properties hold at most 255 characters."""
    return text if len(text) <= 255 else text[:254] + "…"


_COMPILED: dict[tuple[int, str], jinja2.Template] = {}
_PATCHED: dict[str, str] = {}

_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
"""The core properties docxtpl renders as templates (``DocxTemplate.render_properties``)."""
_LISTING_CHARS = "\t\a\n\f"
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
            compiled = compile_part(jinja_env, src_xml)
            self.current_rendering_part = part
            return finish_part(bounded_render(compiled, context))

        def render_properties(
            self, context: dict[str, Any], jinja_env: jinja2.Environment | None = None
        ) -> None:
            """docxtpl's, compiled once per template (:func:`render_properties`)."""
            assert jinja_env is not None
            render_properties(self.docx.core_properties, context, jinja_env)

    return Prepared


def compile_part(env: jinja2.Environment, src_xml: str) -> jinja2.Template:
    """An XML part's patched source compiled, once per environment and source: docxtpl's
    ``render_xml_part`` up to the template it renders."""
    src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
    key = (id(env), src_xml)
    if key not in _COMPILED:
        # docxtpl's escapes for a literal tag in a template ({_{ … }_}) become literal text
        # here, in the template, rather than being replaced in the rendered output, where they
        # would turn a plan's own text into a tag.
        literal = re.sub(
            "|".join(map(re.escape, _LITERAL)), lambda m: _LITERAL[m.group(0)], src_xml
        )
        _COMPILED[key] = env.from_string(literal)
    return _COMPILED[key]


def finish_part(dst_xml: str) -> str:
    """A rendered part as docxtpl finishes it: paragraphs back on one line, and tabs, line and
    page breaks in text turned into Word's (with none of those characters, docxtpl's listing
    would rewrite every paragraph to the same text, so it is skipped)."""
    # docxtpl's re.sub(r"\n<w:p([ >])", r"<w:p\1", …) as two plain replacements (neither can
    # make a match for the other), and its search for the listing characters as plain finds
    dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    if not any(char in dst_xml for char in _LISTING_CHARS):
        return dst_xml
    from docxtpl import DocxTemplate

    return str(DocxTemplate.resolve_listing(None, dst_xml))


def render_properties(props: Any, context: dict[str, Any], env: jinja2.Environment) -> None:
    """docxtpl's ``render_properties``, with each property's Jinja compiled once per template,
    not once per document (plandoc then sets the properties a document has: see
    :func:`_set_properties`)."""
    for name in _RENDERED_PROPERTIES:
        initial = getattr(props, name)
        key = (id(env), initial)
        if key not in _COMPILED:
            _COMPILED[key] = env.from_string(initial)
        setattr(props, name, _COMPILED[key].render(context))


_Prepared = cache(_prepared_class)


def _parts(package: Any) -> list[tuple[str, bytes]]:
    """What python-docx's ``save`` would write, name by name in its order, without the zip."""
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgwriter import _ContentTypesItem

    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    found = [
        (CONTENT_TYPES_URI.membername, _ContentTypesItem.from_parts(parts).blob),  # type: ignore[no-untyped-call]
        (PACKAGE_URI.rels_uri.membername, package.rels.xml),
    ]
    for part in parts:
        found.append((part.partname.membername, part.blob))
        if len(part.rels):
            found.append((part.partname.rels_uri.membername, part.rels.xml))
    return found


def _place_pictures(main: Any, pictures: dict[str, tuple[bytes, str, int, int]]) -> None:
    """Each picture marker a template placed becomes the picture, with its alternative text,
    at its given width and height in EMU (a logo) or no wider than its table cell (a chart,
    given as zero sizes); any other marker text goes. *main* is the main document part."""
    if pictures:
        _headers_as_stories(main)
    _place_markers(main, pictures)
    _unique_drawing_ids(main)


def _place_markers(main: Any, pictures: dict[str, tuple[bytes, str, int, int]]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.oxml.shape import CT_Inline
    from docx.parts.story import StoryPart

    for part in main.package.iter_parts():
        if not isinstance(part, StoryPart):
            continue
        shape_ids: Iterator[int] | None = None
        for text in _MARKED(part.element):  # the w:t that may hold a marker, found by libxml2
            if not PICTURE_MARK.search(text.text or ""):
                continue
            run = text.getparent()
            pieces = re.split(r"(\ue000picture:\d+\ue001)", text.text)
            text.text = PICTURE_MARK.sub("", "".join(p for p in pieces if p not in pictures))
            for piece in reversed(pieces):
                if piece in pictures:
                    png, alt, width, height = pictures[piece]
                    # python-docx's new_pic_inline, except that the part's highest shape id is
                    # searched for once, not once a picture (a search of the whole part)
                    shape_ids = shape_ids or itertools.count(part.next_id)
                    rid, image = part.get_or_add_image(io.BytesIO(png))
                    cx, cy = image.scaled_dimensions(width or _picture_width(run), height or None)
                    inline = CT_Inline.new_pic_inline(next(shape_ids), rid, image.filename, cx, cy)
                    inline.docPr.set("descr", alt)
                    for side in ("distT", "distB", "distL", "distR"):
                        inline.set(side, "0")  # else LibreOffice pads the picture by 3 mm
                    drawing = OxmlElement("w:drawing")
                    drawing.append(inline)
                    picture_run = OxmlElement("w:r")
                    picture_run.append(drawing)
                    run.addnext(picture_run)
            if not text.text and len(run) == 1 + (run.find(qn("w:rPr")) is not None):
                run.getparent().remove(run)


_MARKED = etree.XPath(
    "//w:t[contains(., '\ue000') or contains(., '\ue001')]", namespaces={"w": _W.strip("{}")}
)


def _unique_drawing_ids(main: Any) -> None:
    """Each part numbers its own pictures from 1; Word wants a drawing's id unique in the whole
    document (else it repairs the file), so a header's logo takes the next free number."""
    from docx.parts.story import StoryPart

    seen: set[int] = set()
    for part in main.package.iter_parts():
        if not isinstance(part, StoryPart):
            continue
        for drawing in part.element.iter(f"{_WP}docPr"):
            number = int(drawing.get("id", "0")) if drawing.get("id", "").isdigit() else 0
            if number in seen or number == 0:
                number = max(seen, default=0) + 1
                drawing.set("id", str(number))
            seen.add(number)


_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _headers_as_stories(main: Any) -> None:
    """docxtpl leaves each header and footer it rendered as a bare XML part, which cannot hold
    a picture: make each one a header or footer part again (same XML, same relationships)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.parts.hdrftr import FooterPart, HeaderPart
    from docx.parts.story import StoryPart

    kinds = {RT.HEADER: HeaderPart, RT.FOOTER: FooterPart}
    for rel in main.rels.values():
        kind = kinds.get(rel.reltype)
        if kind is None or rel.is_external or isinstance(rel.target_part, StoryPart):
            continue
        old = rel.target_part
        new = kind(old.partname, old.content_type, old.element, old.package)
        for rid, inner in old.rels.items():
            new.load_rel(inner.reltype, inner._target, rid, inner.is_external)
        rel._target = new


_TEXT_PROPERTIES = (
    "title", "subject", "author", "last_modified_by", "keywords", "comments", "category",
    "identifier", "content_status", "language", "version",
)  # fmt: skip


DEFAULT_CELL_MARGIN_TWIPS = 108  # Word's left and right cell margin when a table sets none
MIN_CHART_WIDTH_MM = 15  # narrower than this, a chart no longer reads: let it overflow instead


def _picture_width(run: Any) -> int:
    """The chart's width in EMU: *CHART_WIDTH_MM*, or less when the table cell the picture
    stands in is narrower (less its margins), so a picture never crosses the cell's rules."""
    from docx.shared import Mm, Twips

    width = int(Mm(CHART_WIDTH_MM))
    cell = next(run.iterancestors(f"{_W}tc"), None)
    if cell is None:
        return width
    tcw = cell.find(f"{_W}tcPr/{_W}tcW")
    if tcw is None or tcw.get(f"{_W}type") != "dxa" or not tcw.get(f"{_W}w", "").isdigit():
        return width
    table = next(cell.iterancestors(f"{_W}tbl"))
    margins = _cell_margin(cell, table, ("left", "start")) + _cell_margin(
        cell, table, ("right", "end")
    )
    room = int(Twips(int(tcw.get(f"{_W}w")) - margins))
    return max(min(width, room), int(Mm(MIN_CHART_WIDTH_MM)))


def _cell_margin(cell: Any, table: Any, sides: tuple[str, ...]) -> int:
    """A cell's margin on one side in twips: its own, else its table's, else Word's default."""
    for holder, where in ((cell, f"{_W}tcPr/{_W}tcMar"), (table, f"{_W}tblPr/{_W}tblCellMar")):
        for side in sides:
            found = holder.find(f"{where}/{_W}{side}")
            if found is not None and found.get(f"{_W}w", "").isdigit():
                return int(found.get(f"{_W}w"))
    return DEFAULT_CELL_MARGIN_TWIPS


def _set_properties(props: Any, values: dict[str, Any]) -> None:
    """The document's core properties: *values*, and nothing left over from the template."""
    for name in _TEXT_PROPERTIES:
        if name in values or getattr(props, name):
            setattr(props, name, _fit(str(values.get(name, ""))))
    for name in ("created", "revision"):
        if name in values:
            setattr(props, name, values[name])
    if "created" in values:
        props.modified = values["created"]
    for element in list(props._element):  # no empty properties (docxtpl adds dc:language)
        if not (element.text or "").strip() and not len(element):
            props._element.remove(element)


def _body_size(document: Any) -> float:
    """The font size in points of body text (the Normal style's, else Word's default)."""
    size = document.styles["Normal"].font.size if "Normal" in document.styles else None
    return float(size.pt) if size is not None else DEFAULT_SIZE


APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>plandoc</Application><DocSecurity>0</DocSecurity></Properties>"
)
"""The extended properties of every Word file plandoc writes: it says which program wrote it,
and nothing a template's copy could hold stale (page and word counts, another program)."""
_STALE = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
)
_APP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"


def clean_package(package: Any) -> None:
    """Drop the parts a template carries that no longer describe the document — a thumbnail
    of another page, the styles Word 2010 kept a second copy of — and write plandoc's own
    extended properties. Saving writes only the parts still related."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    owners = [package, *(part for part in package.iter_parts())]
    for owner in owners:
        for rid, rel in list(owner.rels.items()):
            if rel.reltype in _STALE:
                del owner.rels[rid]
    app = next((r.target_part for r in package.rels.values() if r.reltype == _APP), None)
    if app is not None:
        app._blob = APP_XML
    else:
        content_type = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
        part = Part(PackURI("/docProps/app.xml"), content_type, APP_XML, package)
        package.relate_to(part, _APP)
