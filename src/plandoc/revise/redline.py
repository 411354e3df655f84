"""A Word redline: the new plan, rendered through the usual templates, with real tracked
changes (``w:ins`` / ``w:del``) against the old plan rendered the same way.

Both versions are rendered alone first; their bodies are then aligned block by block
(paragraphs and tables), tables row by row, and paragraphs word by word. Whole added or removed
paragraphs, tables and rows are tracked as such (a deleted paragraph mark, a deleted row), so a
reviewer can accept or reject each goal, objective or row in Word. Accepting every change gives
exactly the new plan's text; rejecting every change, exactly the old plan's (the tests check
this in LibreOffice, and with their own accept/reject in ``tests/oracle.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from lxml import etree

from ..render.output.write import stable_zip
from ..render.sandbox import worker
from . import align

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
DOCUMENT = "word/document.xml"
_TOKEN = re.compile(r"\S+\s*|\s+")

Element = Any  # lxml elements; lxml ships no type information


class _Marks:
    """Author, date and the running id that every w:ins / w:del carries, and the time budget:
    past its deadline, changed paragraphs and rows are tracked whole instead of word by word,
    so two huge plans still give a redline in bounded time."""

    def __init__(self, author: str, when: dt.date, seconds: float) -> None:
        self.author = author
        self.date = f"{when.isoformat()}T00:00:00Z"
        self.whole_date = f"{when.isoformat()}T00:02:00Z"
        self.next_id = 1
        self.deadline = time.monotonic() + seconds

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def make(self, tag: str, *, whole: bool = False) -> Element:
        """A w:ins or w:del. Whole paragraphs and rows carry a time two minutes after the
        edits inside paragraphs: LibreOffice joins a change with the next one of the same
        author and minute, and rejecting an edit at the end of a paragraph together with a
        whole paragraph inserted after it would delete the paragraph break between them."""
        mark = etree.Element(f"{W}{tag}")
        mark.set(f"{W}id", str(self.next_id))
        mark.set(f"{W}author", self.author)
        mark.set(f"{W}date", self.whole_date if whole else self.date)
        self.next_id += 1
        return mark


REDLINE_SECONDS = 3.0
"""Word-by-word tracking stops after this long; the rest is tracked paragraph by paragraph, so
the redline finishes well inside the worker's CPU limit."""
MAX_WORD_TOKENS = 4000
"""A paragraph with more words than this (old and new together) is tracked whole."""


def redline(
    old_docx: bytes,
    new_docx: bytes,
    *,
    author: str,
    when: dt.date,
    identifier: str = "",
    statement: str = "",
    seconds: float = REDLINE_SECONDS,
) -> bytes:
    """The new document with its differences from the old one as tracked changes, in the body,
    headers and footers; *identifier* becomes its core ``identifier`` property (how plandoc
    recognises its own redlines), and *statement* is added to its description (document
    properties cannot carry tracked changes, so the redline says whose they are)."""
    old_body = _body(old_docx)
    package = zipfile.ZipFile(io.BytesIO(new_docx))
    root = etree.fromstring(package.read(DOCUMENT))
    new_body = root.find(f"{W}body")
    marks = _Marks(author, when, seconds)
    old_blocks, new_blocks = _blocks(old_body), _blocks(new_body)
    section = new_body.find(f"{W}sectPr")
    for child in list(new_body):
        new_body.remove(child)
    for block in _merge_blocks(old_blocks, new_blocks, marks):
        new_body.append(block)
    if section is not None:
        new_body.append(section)
    replaced = {DOCUMENT: _xml(root), **_headers_and_footers(old_docx, package, marks)}
    if identifier or statement:
        replaced[CORE] = _with_identity(package.read(CORE), identifier, statement)
    return _repackage(package, replaced)


def _xml(root: Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


_MARGINS = re.compile(r"word/(header|footer)\d*\.xml")


def _headers_and_footers(old_docx: bytes, new: zipfile.ZipFile, marks: _Marks) -> dict[str, bytes]:
    """Each header and footer of the new version with its changes from the old one tracked,
    like the body (a version number, a status mark): the parts both packages hold."""
    with zipfile.ZipFile(io.BytesIO(old_docx)) as old:
        names = [n for n in new.namelist() if _MARGINS.fullmatch(n) and n in old.namelist()]
        return {name: _merged_part(old.read(name), new.read(name), marks) for name in names}


def _merged_part(old_xml: bytes, new_xml: bytes, marks: _Marks) -> bytes:
    root = etree.fromstring(new_xml)
    blocks = _blocks(root)
    if not blocks:
        return new_xml
    merged = list(_merge_blocks(_blocks(etree.fromstring(old_xml)), blocks, marks))
    blocks[0].addprevious(etree.Element(f"{W}p"))  # a placeholder, keeping the blocks' place
    place = blocks[0].getprevious()
    for block in blocks:
        root.remove(block)
    for block in merged:
        place.addprevious(block)
    root.remove(place)
    return _xml(root)


CORE = "docProps/core.xml"
_DC = "http://purl.org/dc/elements/1.1/"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def _with_identity(core: bytes, identifier: str, statement: str) -> bytes:
    """The core properties, marked as a redline and saying which version they describe."""
    root = etree.fromstring(core)
    for name, namespace, value in (
        ("identifier", _DC, identifier),
        ("category", _CP, "Treatment plan redline"),
    ):
        _property(root, name, namespace).text = value
    if statement:
        description = _property(root, "description", _DC)
        description.text = " ".join(filter(None, (description.text, statement)))
    return _xml(root)


def _property(root: Element, name: str, namespace: str) -> Element:
    element = root.find(f"{{{namespace}}}{name}")
    if element is None:
        element = etree.SubElement(root, f"{{{namespace}}}{name}")
    return element


@worker.task
def redline_job(
    old_docx: bytes,
    new_docx: bytes,
    author: str,
    when: dt.date,
    identifier: str,
    statement: str,
    seconds: float,
) -> bytes:
    """In the worker: :func:`redline`, bounded in memory and processor time like a render."""
    return redline(
        old_docx,
        new_docx,
        author=author,
        when=when,
        identifier=identifier,
        statement=statement,
        seconds=seconds,
    )


def _body(docx: bytes) -> Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read(DOCUMENT)).find(f"{W}body")


def _blocks(container: Element) -> list[Element]:
    return [c for c in container if c.tag in (f"{W}p", f"{W}tbl")]


def _repackage(package: zipfile.ZipFile, replaced: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in package.namelist():
            target.writestr(name, replaced.get(name, package.read(name)))
    return stable_zip(out.getvalue())


# --- aligning blocks -----------------------------------------------------------------------

MAX_ALIGN = 2_000_000
"""The largest changed stretch (items of one side times the other) aligned item by item; a
larger one is first split at the items unique to both sides (:func:`align.opcodes`)."""


def _opcodes(a: list[str], b: list[str], marks: _Marks) -> list[align.Opcode]:
    """How *a* becomes *b* (difflib's opcodes), within bounds (:func:`align.opcodes`)."""
    return align.opcodes(a, b, limit=MAX_ALIGN, out_of_time=marks.out_of_time)


def text_of(element: Element) -> str:
    """The visible text of a paragraph, row or table (tabs and breaks as characters)."""
    parts = []
    for node in element.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
        if node.tag in (f"{W}t", f"{W}delText"):
            parts.append(node.text or "")
        elif node.tag == f"{W}tab" and node.getparent().tag == f"{W}r":
            parts.append("\t")
        elif node.tag == f"{W}br":
            parts.append("\n")
    return "".join(parts)


def row_text(row: Element) -> str:
    """A row's text with its cells kept apart, so an added empty cell is a difference."""
    return "\u241f".join(text_of(cell) for cell in _cells(row))


def _style(p: Element) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    return style.get(f"{W}val") if style is not None else ""


def _signature(block: Element) -> str:
    if block.tag == f"{W}tbl":
        return "tbl|" + "\u241e".join(row_text(row) for row in block.findall(f"{W}tr"))
    return f"p|{_style(block)}|{text_of(block)}"


def _shape(block: Element) -> str:
    """What a block is, regardless of its words: blocks of one shape may be paired and diffed."""
    return "tbl" if block.tag == f"{W}tbl" else f"p|{_style(block)}"


def _merge_blocks(old: list[Element], new: list[Element], marks: _Marks) -> Iterator[Element]:
    for op, i1, i2, j1, j2 in _opcodes(
        [_signature(b) for b in old], [_signature(b) for b in new], marks
    ):
        if op == "equal":
            yield from new[j1:j2]
        else:
            yield from _merge_changed(old[i1:i2], new[j1:j2], marks)


def _merge_changed(old: list[Element], new: list[Element], marks: _Marks) -> Iterator[Element]:
    """A run of changed blocks: each old block is paired with the new block that is the same
    item (the same id where the blocks show one, else the most similar text of the same
    shape, in order); the rest are whole insertions and deletions."""
    yield from _paired(
        old,
        new,
        [align.unit(_shape(b), text_of(b)) for b in old],
        [align.unit(_shape(b), text_of(b)) for b in new],
        marks,
        merge=_merge_pair,
        deleted=_deleted_block,
        inserted=_inserted_block,
    )


def _paired(
    old: list[Element],
    new: list[Element],
    old_units: list[align.Unit],
    new_units: list[align.Unit],
    marks: _Marks,
    *,
    merge: Callable[[Element, Element, _Marks], Element],
    deleted: Callable[[Element, _Marks], Element],
    inserted: Callable[[Element, _Marks], Element],
) -> Iterator[Element]:
    """Old and new items in order: paired items merged, the others deleted or inserted whole
    (deletions first, where a reviewer reads what went before what came)."""
    pairs = [] if marks.out_of_time() else align.pair(old_units, new_units)
    i = j = 0
    for a, b in [*pairs, (len(old), len(new))]:
        yield from (deleted(x, marks) for x in old[i:a])
        yield from (inserted(y, marks) for y in new[j:b])
        if a < len(old):
            yield merge(old[a], new[b], marks)
        i, j = a + 1, b + 1


def _merge_pair(old: Element, new: Element, marks: _Marks) -> Element:
    if new.tag == f"{W}tbl":
        return _merge_tables(old, new, marks)
    return _merge_paragraphs(old, new, marks)


# --- tables ----------------------------------------------------------------------------------


def _merge_tables(old: Element, new: Element, marks: _Marks) -> Element:
    table = copy.deepcopy(new)
    for row in table.findall(f"{W}tr"):
        table.remove(row)
    old_rows, new_rows = old.findall(f"{W}tr"), new.findall(f"{W}tr")
    rows_a, rows_b = [row_text(r) for r in old_rows], [row_text(r) for r in new_rows]
    for op, i1, i2, j1, j2 in _opcodes(rows_a, rows_b, marks):
        if op == "equal":
            rows = [copy.deepcopy(r) for r in new_rows[j1:j2]]
        else:
            rows = list(_merge_rows(old_rows[i1:i2], new_rows[j1:j2], marks))
        for row in rows:
            table.append(row)
    return table


def _cells(row: Element) -> list[Element]:
    return list(row.findall(f"{W}tc"))


def _merge_rows(old: list[Element], new: list[Element], marks: _Marks) -> Iterator[Element]:
    """Changed rows: a row is paired with the row that is the same item (its id, else the most
    similar row with as many cells) and diffed cell by cell; other rows are whole insertions
    and deletions."""
    yield from _paired(
        old,
        new,
        [align.unit(str(len(_cells(r))), row_text(r)) for r in old],
        [align.unit(str(len(_cells(r))), row_text(r)) for r in new],
        marks,
        merge=_merge_row,
        deleted=_deleted_row,
        inserted=_inserted_row,
    )


def _merge_row(old: Element, new: Element, marks: _Marks) -> Element:
    row = copy.deepcopy(new)
    for cell, old_cell in zip(_cells(row), _cells(old), strict=True):
        old_blocks, new_blocks = _blocks(old_cell), _blocks(cell)
        merged = list(_merge_blocks(old_blocks, new_blocks, marks))
        for block in new_blocks:
            cell.remove(block)
        for block in merged:
            cell.append(block)
    return row


def _mark_row(row: Element, tag: str, marks: _Marks) -> Element:
    row = copy.deepcopy(row)
    tr_pr = row.find(f"{W}trPr")
    if tr_pr is None:
        tr_pr = etree.Element(f"{W}trPr")
        row.insert(_after_tbl_pr_ex(row), tr_pr)
    tr_pr.append(marks.make(tag, whole=True))
    for cell in _cells(row):
        paragraphs = list(cell.iter(f"{W}p"))
        for p in paragraphs:
            _wrap_runs(p, tag, marks, whole=True)
        for p in paragraphs[:-1]:  # a cell's last paragraph mark goes with the row
            _mark_end(p, tag, marks)
    return row


def _after_tbl_pr_ex(row: Element) -> int:
    return 1 if len(row) and row[0].tag == f"{W}tblPrEx" else 0


def _deleted_row(row: Element, marks: _Marks) -> Element:
    return _mark_row(_without_drawings(row), "del", marks)


def _inserted_row(row: Element, marks: _Marks) -> Element:
    return _mark_row(row, "ins", marks)


# --- paragraphs ------------------------------------------------------------------------------


def _without_drawings(element: Element) -> Element:
    """A copy of an element of the *old* document with its pictures removed: their image parts
    live in the old package, not in the redline's."""
    element = copy.deepcopy(element)
    for drawing in list(element.iter(f"{W}drawing")):
        drawing.getparent().remove(drawing)
    return element


def _deleted_block(block: Element, marks: _Marks) -> Element:
    if block.tag == f"{W}tbl":
        table = _without_drawings(block)
        for row in table.findall(f"{W}tr"):
            table.replace(row, _deleted_row(row, marks))
        return table
    return _mark_paragraph(_without_drawings(block), "del", marks)


def _inserted_block(block: Element, marks: _Marks) -> Element:
    if block.tag == f"{W}tbl":
        table = copy.deepcopy(block)
        for row in table.findall(f"{W}tr"):
            table.replace(row, _inserted_row(row, marks))
        return table
    return _mark_paragraph(block, "ins", marks)


def _mark_paragraph(p: Element, tag: str, marks: _Marks) -> Element:
    """A whole paragraph inserted or deleted: its runs and its paragraph mark."""
    p = copy.deepcopy(p)
    _wrap_runs(p, tag, marks, whole=True)
    _mark_end(p, tag, marks)
    return p


def _mark_end(p: Element, tag: str, marks: _Marks) -> None:
    """Track a paragraph's mark (its end) as inserted or deleted."""
    p_pr = p.find(f"{W}pPr")
    if p_pr is None:
        p_pr = etree.Element(f"{W}pPr")
        p.insert(0, p_pr)
    r_pr = p_pr.find(f"{W}rPr")
    if r_pr is None:
        r_pr = etree.SubElement(p_pr, f"{W}rPr")
        sect = p_pr.find(f"{W}sectPr")
        if sect is not None:
            sect.addprevious(r_pr)
    r_pr.append(marks.make(tag, whole=True))


def _wrap_runs(p: Element, tag: str, marks: _Marks, *, whole: bool = False) -> None:
    """Wrap each stretch of a paragraph's runs in a w:ins or w:del (w:t becomes w:delText when
    deleted); what lies between stretches (a page-number field) keeps its place."""
    stretch: list[Element] = []
    for child in [*p, None]:
        if child is not None and child.tag == f"{W}r":
            stretch.append(child)
            continue
        if child is not None and child.tag == f"{W}hyperlink":  # its runs are text too
            _wrap_runs(child, tag, marks, whole=whole)
        if stretch:
            wrapper = marks.make(tag, whole=whole)
            stretch[0].addprevious(wrapper)
            for run in stretch:
                wrapper.append(run)
                if tag == "del":
                    for t in run.findall(f"{W}t"):
                        t.tag = f"{W}delText"
            stretch = []


Segments = list[tuple[bytes, str]]


def _parts(p: Element) -> tuple[list[Segments], list[Element]] | None:
    """A paragraph's runs as (run properties, text) segments, in stretches between the other
    things it holds (a page-number field), and those things; None when a run holds a picture,
    and the paragraph is then replaced whole rather than word by word."""
    stretches: list[Segments] = [[]]
    between: list[Element] = []
    for child in p:
        if child.tag == f"{W}pPr":
            continue
        if child.tag != f"{W}r":
            between.append(child)
            stretches.append([])
            continue
        if child.find(f".//{W}drawing") is not None:
            return None
        r_pr = child.find(f"{W}rPr")
        stretches[-1].append((etree.tostring(r_pr) if r_pr is not None else b"", text_of(child)))
    return stretches, between


def _kind(element: Element) -> str:
    """What a field or other non-run element is: a field by its instruction (the client works
    out its value), anything else (a hyperlink) with its text too, so that changed text in it
    makes the paragraph be replaced whole rather than go untracked."""
    if element.tag == f"{W}fldSimple":
        return f"{element.tag}|{element.get(f'{W}instr', '')}"
    return f"{element.tag}|{text_of(element)}"


def _tokens(segments: Segments) -> Segments:
    return [(props, token) for props, text in segments for token in _TOKEN.findall(text)]


def _merge_paragraphs(old: Element, new: Element, marks: _Marks) -> Element:
    if text_of(old) == text_of(new):
        return copy.deepcopy(new)
    old_parts, new_parts = _parts(old), _parts(new)
    if (
        old_parts is None
        or new_parts is None
        or [_kind(e) for e in old_parts[1]] != [_kind(e) for e in new_parts[1]]
        or marks.out_of_time()
    ):
        return _replace_whole(old, new, marks)
    a = [_tokens(stretch) for stretch in old_parts[0]]
    b = [_tokens(stretch) for stretch in new_parts[0]]
    every_a, every_b = [t for s in a for t in s], [t for s in b for t in s]
    if len(every_a) + len(every_b) > MAX_WORD_TOKENS or not _alike(every_a, every_b):
        return _replace_whole(old, new, marks)
    merged = copy.deepcopy(new)
    for child in list(merged):
        if child.tag != f"{W}pPr":
            merged.remove(child)
    for n, (old_tokens, new_tokens) in enumerate(zip(a, b, strict=True)):
        _merge_tokens(merged, old_tokens, new_tokens, marks)
        if n < len(new_parts[1]):
            merged.append(copy.deepcopy(new_parts[1][n]))
    return merged


def _merge_tokens(merged: Element, a: Segments, b: Segments, marks: _Marks) -> None:
    """Runs for *b*, with its differences from *a* tracked word by word."""
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _append_runs(merged, b[j1:j2])
            continue
        if i2 > i1:
            wrapper = marks.make("del")
            _append_runs(wrapper, a[i1:i2], deleted=True)
            merged.append(wrapper)
        if j2 > j1:
            wrapper = marks.make("ins")
            _append_runs(wrapper, b[j1:j2])
            merged.append(wrapper)


def _alike(a: Segments, b: Segments) -> bool:
    """Whether two texts share enough words to be shown word by word; when they share little,
    the old text is struck and the new one inserted whole, which reads better."""
    old, new = ("".join(text for _, text in tokens) for tokens in (a, b))
    return align.similarity(align.words(old), align.words(new)) >= align.SIMILAR


def _replace_whole(old: Element, new: Element, marks: _Marks) -> Element:
    """Old runs deleted, new runs inserted, in the new paragraph."""
    merged = copy.deepcopy(new)
    _wrap_runs(merged, "ins", marks)
    deleted = _without_drawings(old)
    for field in deleted.findall(f"{W}fldSimple"):  # the client works out a field's value
        deleted.remove(field)
    _wrap_runs(deleted, "del", marks)
    first = next((c for c in merged if c.tag != f"{W}pPr"), None)
    for child in [c for c in deleted if c.tag != f"{W}pPr"]:
        if first is not None:
            first.addprevious(child)
        else:
            merged.append(child)
    return merged


def _append_runs(
    parent: Element, tokens: list[tuple[bytes, str]], *, deleted: bool = False
) -> None:
    """Runs for a sequence of tokens, one run per stretch of equal formatting."""
    for props, text in _stretches(tokens):
        run = etree.SubElement(parent, f"{W}r")
        if props:
            run.append(etree.fromstring(props))
        for piece in re.split(r"(\t|\n)", text):
            if piece == "\t":
                etree.SubElement(run, f"{W}tab")
            elif piece == "\n":
                etree.SubElement(run, f"{W}br")
            elif piece:
                t = etree.SubElement(run, f"{W}delText" if deleted else f"{W}t")
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _stretches(tokens: list[tuple[bytes, str]]) -> Iterator[tuple[bytes, str]]:
    current: tuple[bytes, str] | None = None
    for props, text in tokens:
        if current and current[0] == props:
            current = (props, current[1] + text)
        else:
            if current:
                yield current
            current = (props, text)
    if current:
        yield current
