"""The Word path compiled once per template: the same bytes as docxtpl and python-docx, without
opening the template's package for every document.

docxtpl opens the template with python-docx for each document (unzipping and parsing every
part, 350 KB of styles among them), renders the body, parses the result on its own and moves
it into the document (lxml then visits every node to fix its namespaces), and python-docx
serialises every part again when it saves. Here the template is opened once per process and
taken apart into a :class:`Compiled`: each part's bytes as python-docx writes them, the body's
and each header's and footer's Jinja compiled, the document's XML around its body. A document
is then its rendered body parsed once inside that XML, its headers and footers, its core
properties, and a light python-docx package built around them from the kept bytes — so the
pictures, relationships and content types are made by the very code the reference path uses
(:mod:`plandoc.render.word.parts`), and the package is written with the unchanged parts copied
already compressed.

A template this path cannot reproduce exactly (footnotes, comments or another story part, a
header used twice, a body whose XML it does not recognise), and a rendered body that is not
well-formed XML, go the reference path: ``tests/test_fast_path.py`` checks both give the same
bytes.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass, field
from typing import Any

import jinja2
from lxml import etree

from ..sandbox.templating import bounded_render, template_error
from .columns import W, fit_tables
from .parts import (
    _body_size,
    _place_pictures,
    _Prepared,
    _set_properties,
    clean_package,
    compile_part,
    finish_part,
    render_properties,
)

_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
_MARK = "plandoc-body"
_BODY_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class _Rel:
    rid: str
    reltype: str
    target: str  # a part's name, or an external target
    external: bool


def _kept_rels(rels: Any) -> tuple[_Rel, ...]:
    """A part's (or the package's) relationships as kept data: id, type, target, external."""
    return tuple(
        _Rel(
            r.rId,
            r.reltype,
            r.target_ref if r.is_external else r.target_part.partname,
            r.is_external,
        )
        for r in rels.values()
    )


@dataclass(frozen=True)
class _Part:
    name: Any  # a python-docx PackURI
    content_type: str
    kind: str  # "document", "story" (a header or footer), "core", "image" or "blob"
    blob: bytes  # as python-docx writes it (a story's: its source, patched)
    rels: tuple[_Rel, ...]


@dataclass
class Compiled:
    """A Word template taken apart once, to render documents from."""

    parts: tuple[_Part, ...]
    package_rels: tuple[_Rel, ...]
    before: bytes  # the document's XML before its body, and after it
    after: bytes
    body_tag: tuple[str, str]  # the body's start tag as rendered, and as the document holds it
    body: jinja2.Template
    stories: dict[str, jinja2.Template]  # a header's or footer's name → its Jinja
    story_order: tuple[str, ...]  # the order docxtpl renders them in
    size: float
    static: dict[str, _Static] = field(default_factory=dict)  # each unchanged part's name
    clean: dict[str, str] = field(default_factory=dict)  # the unchanged parts, once inspected


@dataclass(frozen=True)
class _Static:
    """An unchanged part's bytes, worked out once: its CRC-32 and deflate stream as the zip
    holds them, and its SHA-256 for the inspection."""

    blob: bytes
    crc: int
    packed: bytes
    digest: str

    @classmethod
    def of(cls, blob: bytes) -> _Static:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        packed = compressor.compress(blob) + compressor.flush()
        return cls(blob, zlib.crc32(blob), packed, hashlib.sha256(blob).hexdigest())


_CACHE: dict[tuple[str, int], Compiled | None] = {}


def compiled(data: bytes, env: jinja2.Environment) -> Compiled | None:
    """The template *data* compiled for *env*, once per process; None when it needs the
    reference path (or cannot be opened: the reference path says why)."""
    key = (hashlib.sha256(data).hexdigest(), id(env))
    if key not in _CACHE:
        if len(_CACHE) >= 64:  # templates edited again and again in one process
            _CACHE.clear()
        try:
            _CACHE[key] = _compile(data, env)
        except Exception:  # the reference path reports a broken template its own way
            _CACHE[key] = None
    return _CACHE[key]


def _compile(data: bytes, env: jinja2.Environment) -> Compiled | None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.parts.image import ImagePart
    from docx.parts.story import StoryPart

    template = _Prepared()(io.BytesIO(data))
    template.init_docx()
    main = template.docx.part
    package = main.package
    stories = [r for r in main.rels.values() if r.reltype in (_HEADER, _FOOTER)]
    story_parts = {r.target_part for r in stories if not r.is_external}
    every_rel = [r for r in package.iter_rels() if not r.is_external]
    parts = list(package.iter_parts())
    core = package.rels.part_with_reltype(RT.CORE_PROPERTIES)
    if (
        len(story_parts) != len(stories)
        or any(sum(r.target_part is p for r in every_rel) != 1 for p in story_parts)
        or any(p.content_type == _FOOTNOTES for p in parts)
        or any(isinstance(p, StoryPart) and p is not main and p not in story_parts for p in parts)
        or template.docx.element.nsmap.get("w") != W.strip("{}")
    ):
        return None
    shell = _shell(template.docx.element)
    if shell is None:
        return None
    before, after, body_tag = shell
    specs = []
    sources: dict[str, jinja2.Template] = {}
    for part in parts:
        kind = (
            "document" if part is main
            else "story" if part in story_parts
            else "core" if part is core
            else "image" if isinstance(part, ImagePart)
            else "blob"
        )  # fmt: skip
        blob = part.blob
        if kind == "story":
            sources[part.partname] = compile_part(
                env, template.patch_xml(template.get_part_xml(part))
            )
        specs.append(_Part(part.partname, part.content_type, kind, blob, _kept_rels(part.rels)))
    package_rels = _kept_rels(package.rels)
    order = tuple(r.target_part.partname for r in stories if r.reltype == _HEADER) + tuple(
        r.target_part.partname for r in stories if r.reltype == _FOOTER
    )
    body = compile_part(env, template.patch_xml(template.get_xml()))
    static = {s.name.membername: _Static.of(s.blob) for s in specs if s.kind in ("blob", "image")}
    return Compiled(
        tuple(specs), package_rels, before, after, body_tag, body, sources, order,
        _body_size(template.docx), static,
    )  # fmt: skip


def unchanged(found: Compiled, entries: list[tuple[str, bytes]]) -> dict[str, _Static]:
    """The entries that are a template's unchanged parts: the very bytes kept for them."""
    static = found.static
    return {
        name: static[name] for name, data in entries if name in static and data is static[name].blob
    }


def _shell(root: Any) -> tuple[bytes, bytes, tuple[str, str]] | None:
    """The document's XML before and after its body, and the body's start tag as docxtpl
    renders it and as it stands once moved into the document (lxml drops the namespace
    declarations the document already makes)."""
    import copy

    body = root.find(f"{W}body")
    if body is None:
        return None
    rendered = etree.tostring(body, encoding="unicode")
    tag = rendered[: rendered.index(">") + 1]
    if tag.endswith("/>"):
        return None
    close = f"</{tag[1:].split(None, 1)[0].rstrip('>')}>"
    shell = copy.deepcopy(root)
    empty = etree.fromstring(tag + close)
    shell.replace(shell.find(f"{W}body"), empty)
    empty.text = _MARK
    text = etree.tostring(shell, encoding="unicode")
    start, end = text.index(">" + _MARK + "<"), text.index(_MARK + "</")
    opened = text.rindex("<", 0, start)
    moved = text[opened : start + 1]
    before, after = text[:opened], text[end + len(_MARK) + len(close) :]
    if text[end + len(_MARK) : end + len(_MARK) + len(close)] != close:
        return None
    return before.encode("utf-8"), after.encode("utf-8"), (tag, moved)


def render(
    found: Compiled,
    context: dict[str, Any],
    env: jinja2.Environment,
    pictures: dict[str, tuple[bytes, str, int, int]],
    properties: dict[str, Any],
    name: str,
) -> list[tuple[str, bytes]] | None:
    """The document's parts, name by name in the order python-docx saves them; None when its
    rendered body is not XML this path can read (the reference path then renders it). What
    the template does wrong is a :class:`TemplateError` naming *name*, as docxtpl's would be."""
    from docx.oxml.parser import parse_xml

    try:
        root = _body(found, bounded_render(found.body, context))
        if root is None:
            return None
        stories = {
            part: parse_xml(finish_part(bounded_render(found.stories[part], context)).encode())
            for part in found.story_order
        }
        package, main, core = _package(found, root, stories)
        render_properties(core.core_properties, context, env)
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, name) from None
    _place_pictures(main, pictures)
    fit_tables(root.find(f"{W}body"), found.size)
    _set_properties(core.core_properties, properties)
    clean_package(package)
    return _parts(package)


_XML_CACHE: dict[tuple[Any, ...], bytes] = {}


def _cached_xml(key: tuple[Any, ...], make: Any) -> bytes:
    """python-docx's XML for relationships or content types, made once per distinct list
    (it changes with the number of pictures, not with the plan)."""
    found = _XML_CACHE.get(key)
    if found is None:
        if len(_XML_CACHE) > 512:
            _XML_CACHE.clear()
        found = _XML_CACHE[key] = make()
    return found


def _parts(package: Any) -> list[tuple[str, bytes]]:
    """:func:`plandoc.render.word.parts._parts`, with the relationships and content types XML made
    by the same python-docx code, once per distinct list."""
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgwriter import _ContentTypesItem

    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    types = ("types", *((p.partname, p.content_type) for p in parts))
    found = [
        (
            CONTENT_TYPES_URI.membername,
            _cached_xml(types, lambda: _ContentTypesItem.from_parts(parts).blob),  # type: ignore[no-untyped-call]
        ),
        (PACKAGE_URI.rels_uri.membername, _rels_xml(package.rels)),
    ]
    for part in parts:
        found.append((part.partname.membername, part.blob))
        if len(part.rels):
            found.append((part.partname.rels_uri.membername, _rels_xml(part.rels)))
    return found


def _rels_xml(rels: Any) -> bytes:
    key = ("rels", *((r.rId, r.reltype, r.target_ref, r.is_external) for r in rels.values()))
    return _cached_xml(key, lambda: rels.xml)


def _body(found: Compiled, rendered: str) -> Any:
    """The document element with the rendered body in it, as docxtpl leaves it: its tables'
    grids fixed (``fix_tables``) and its drawings numbered from 1001 (``fix_docpr_ids``)."""
    rendered = finish_part(rendered)
    tag, moved = found.body_tag
    if not rendered.startswith(tag):
        return None
    text = rendered[len(tag) :].rstrip(" \t\r\n")
    try:
        root = etree.fromstring(
            found.before + (moved + text).encode("utf-8") + found.after, _BODY_PARSER
        )
    except (etree.XMLSyntaxError, ValueError):
        return None
    body = root.find(f"{W}body")
    if not _fix_tables(body):
        return None
    for number, drawing in enumerate(body.iter(_WP_DOCPR), start=1001):
        drawing.attrib["id"] = str(number)
    return root


def _fix_tables(body: Any) -> bool:
    """docxtpl's ``fix_tables`` (a ``{%tc %}`` loop may leave a table more or fewer cells than
    grid columns), on the body in place rather than on a copy it parses: the same steps, the
    children looked at directly rather than through lxml's paths. False, having changed
    nothing, for a table without a grid (docxtpl fails on it: the reference path says how)."""
    ns = "{" + body.nsmap["w"] + "}"
    tbl, tbl_grid, grid_col, tr, tc = (ns + t for t in ("tbl", "tblGrid", "gridCol", "tr", "tc"))
    tables = list(body.iter(tbl))
    grids: list[Any] = [next((g for g in t if g.tag == tbl_grid), None) for t in tables]
    if any(grid is None for grid in grids):
        return False
    for t, grid in zip(tables, grids, strict=True):
        rows = [[c for c in r if c.tag == tc] for r in t.iter(tr)]
        columns = [c for c in grid if c.tag == grid_col]
        to_add = 0
        for cells in rows:
            if (len(columns) + to_add) < len(cells):
                to_add = len(cells) - len(columns)
        if to_add > 0:
            _add_columns(grid, columns, to_add, ns)
        columns = [c for c in grid if c.tag == grid_col]
        spans = next(t.iter(ns + "gridSpan"), None) is not None
        most = max((_cells_len(cells, ns) if spans else len(cells) for cells in rows), default=0)
        to_remove = len(columns) - most
        if to_remove > 0:
            removed = 0.0
            for c in columns[-to_remove:]:
                removed += float(c.get(ns + "w"))
                grid.remove(c)
            left = [c for c in grid if c.tag == grid_col]
            extra = int(removed / len(left)) if left else 0
            for c in left:
                c.set(ns + "w", str(int(float(c.get(ns + "w")) + extra)))
    return True


def _add_columns(grid: Any, columns: list[Any], to_add: int, ns: str) -> None:
    width = 0.0
    for c in columns:
        if c.get(ns + "w") is not None:
            width += float(c.get(ns + "w"))
    if width > 0:
        old_average = width / len(columns)
        new_average = width / (len(columns) + to_add)
        for c in columns:
            c.set(ns + "w", str(int(float(c.get(ns + "w")) * new_average / old_average)))
        for _ in range(to_add):
            etree.SubElement(grid, ns + "gridCol", {ns + "w": str(int(new_average))})


def _cells_len(cells: list[Any], ns: str) -> int:
    """The grid columns a row's cells span: each cell's first ``w:tcPr``'s first
    ``w:gridSpan``, else 1."""
    total = 0
    for cell in cells:
        tc_pr = next((p for p in cell if p.tag == ns + "tcPr"), None)
        span = None if tc_pr is None else next((s for s in tc_pr if s.tag == ns + "gridSpan"), None)
        total += int(span.get(ns + "val")) if span is not None else 1
    return total


def _package(found: Compiled, root: Any, stories: dict[str, Any]) -> tuple[Any, Any, Any]:
    """A python-docx package of the document's parts, as docxtpl leaves the template's after
    rendering — without unzipping or parsing the parts that did not change."""
    from docx.opc.part import Part, XmlPart
    from docx.opc.parts.coreprops import CorePropertiesPart
    from docx.oxml.parser import parse_xml
    from docx.package import Package
    from docx.parts.document import DocumentPart
    from docx.parts.image import ImagePart

    package = Package()
    made: dict[str, Any] = {}
    main = core = None
    for spec in found.parts:
        if spec.kind == "document":
            made[spec.name] = main = DocumentPart(spec.name, spec.content_type, root, package)
        elif spec.kind == "story":
            made[spec.name] = XmlPart(spec.name, spec.content_type, stories[spec.name], package)
        elif spec.kind == "core":
            core = CorePropertiesPart(spec.name, spec.content_type, parse_xml(spec.blob), package)
            made[spec.name] = core
        elif spec.kind == "image":
            made[spec.name] = ImagePart(spec.name, spec.content_type, spec.blob)
        else:
            made[spec.name] = Part(spec.name, spec.content_type, spec.blob, package)
    for spec in found.parts:
        for rel in spec.rels:
            target = rel.target if rel.external else made[rel.target]
            made[spec.name].load_rel(rel.reltype, target, rel.rid, rel.external)
    for rel in found.package_rels:
        package.load_rel(
            rel.reltype, rel.target if rel.external else made[rel.target], rel.rid, rel.external
        )
    package.after_unmarshal()  # type: ignore[no-untyped-call]
    return package, main, core
