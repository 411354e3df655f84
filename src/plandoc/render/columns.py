"""Column widths measured from content, so that no word is broken inside a table cell.

Every table of a rendered Word document goes through :func:`fit_tables`:

* a table whose cells carry no widths (the built-in template's data-driven tables, whose
  columns come from ``{%tc %}``) gets widths in proportion to its content, each column at least
  as wide as its longest word;
* a table with widths (every other table) keeps them, except that a column too narrow for its
  longest word is widened, taking the room from the columns with the most to spare.

Widths are measured with the advance widths of Carlito, the metric-compatible twin of Calibri
that the built-in template asks for (its bold for a bold run), at each run's font size; text in
a wider font than Calibri may still wrap inside a word. Characters outside ASCII count as 0.6 em, East Asian wide ones as a full em. A word
longer than half the table is left to wrap: a column can only be so wide.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_EXTENT = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"
_P, _R, _T = f"{W}p", f"{W}r", f"{W}t"
_BREAKS = frozenset((f"{W}tab", f"{W}br", f"{W}cr"))

Element = Any  # lxml elements; lxml ships no type information

LEGACY_MARKER = "plandoc:autofit"
"""The caption earlier templates used to mark a data-driven table; honoured, then removed."""

# Carlito's advance widths of ASCII 32-126, in thousandths of an em (rounded up): regular
# and bold.
_REGULAR = (
    227, 326, 401, 499, 507, 715, 683, 221, 304, 304, 499, 499, 250, 307, 253, 387, 507, 507,
    507, 507, 507, 507, 507, 507, 507, 507, 268, 268, 499, 499, 499, 464, 895, 579, 544, 534,
    616, 489, 460, 631, 624, 252, 319, 520, 421, 855, 646, 663, 517, 673, 543, 460, 488, 642,
    568, 890, 520, 488, 469, 307, 387, 307, 499, 499, 292, 480, 526, 423, 526, 498, 306, 471,
    526, 230, 240, 455, 230, 799, 526, 528, 526, 526, 349, 392, 335, 526, 452, 715, 434, 453,
    396, 315, 461, 315, 499,
)  # fmt: skip
_BOLD = (
    227, 326, 439, 499, 507, 730, 705, 234, 312, 312, 499, 499, 258, 307, 268, 430, 507, 507,
    507, 507, 507, 507, 507, 507, 507, 507, 276, 276, 499, 499, 499, 464, 899, 606, 561, 530,
    631, 488, 459, 638, 631, 267, 332, 547, 423, 875, 659, 677, 533, 687, 563, 473, 496, 653,
    592, 907, 551, 520, 479, 325, 430, 325, 499, 499, 301, 494, 537, 419, 537, 504, 317, 475,
    537, 246, 256, 480, 246, 814, 537, 538, 537, 537, 356, 399, 347, 537, 474, 746, 460, 474,
    398, 344, 476, 344, 499,
)  # fmt: skip
OTHER_EM = 0.6
WIDE_EM = 1.0
TWIPS_PER_POINT = 20
EMU_PER_TWIP = 635
CELL_MARGINS = 216
"""Twips: the Table Grid style's cell margins, 0.08 inch on the left and on the right."""
SLACK = 20
"""Twips (one point) kept free beside the longest word: Word and LibreOffice round glyph
positions differently, and a word that fits to the last twip in one may wrap in the other."""
MIN_COLUMN = 720
"""Twips (half an inch): no column is narrower, however short its words."""
TEXT_WIDTH = 9746
"""Twips between the margins of the built-in template's US Letter page (used when a document
does not say)."""
DEFAULT_SIZE = 11.0


def char_em(char: str, bold: bool = False) -> float:
    """A character's advance width in em."""
    code = ord(char)
    if 32 <= code < 127:
        return (_BOLD if bold else _REGULAR)[code - 32] / 1000
    return WIDE_EM if unicodedata.east_asian_width(char) in "WF" else OTHER_EM


def fit_tables(body: Element, size: float = DEFAULT_SIZE) -> None:
    """Give every table of *body* column widths its words fit in; *size* is the font size in
    points of text that does not say its own."""
    text_width = _text_width(body)
    for tbl in list(body.iter(f"{W}tbl")):
        _fit(tbl, size, text_width)


def _text_width(body: Element) -> int:
    size = body.find(f"{W}sectPr/{W}pgSz")
    margins = body.find(f"{W}sectPr/{W}pgMar")
    try:
        width = (
            int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))
        )
    except (AttributeError, TypeError, ValueError):
        return TEXT_WIDTH
    return width if width > 0 else TEXT_WIDTH


def _fit(tbl: Element, size: float, text_width: int) -> None:
    tbl_pr = tbl.find(f"{W}tblPr")
    if tbl_pr is not None:
        order_table_properties(tbl_pr)
    grid = [_int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
    rows = [_row_cells(tr) for tr in tbl.findall(f"{W}tr")]
    count = max((sum(span for _, span in row) for row in rows), default=0)
    marked = _take_marker(tbl)
    if not count or tbl_pr is None or tbl.find(f"{W}tblGrid") is None:
        return
    autofit = marked or not _has_cell_widths(tbl) or len(grid) != count or not all(grid)
    total = text_width if autofit and tbl.getparent().tag == f"{W}body" else sum(grid) or text_width
    floors, weights = _measure(rows, count, size, cap=total // 2)
    widths = _share(floors, weights, total) if autofit else _widen(grid, floors)
    if autofit or widths != grid:
        set_widths(tbl, widths)


def _take_marker(tbl: Element) -> bool:
    """Whether the table carries the legacy marker caption, which is removed from it."""
    caption = tbl.find(f"{W}tblPr/{W}tblCaption")
    if caption is None or caption.get(f"{W}val") != LEGACY_MARKER:
        return False
    caption.getparent().remove(caption)
    return True


def _has_cell_widths(tbl: Element) -> bool:
    return any(
        w.get(f"{W}type") != "auto" and w.get(f"{W}w") not in (None, "0")
        for w in tbl.iter(f"{W}tcW")
    )


def _row_cells(tr: Element) -> list[tuple[Element, int]]:
    cells = []
    for tc in tr.findall(f"{W}tc"):
        span = tc.find(f"{W}tcPr/{W}gridSpan")
        cells.append((tc, max(_int(span.get(f"{W}val")), 1) if span is not None else 1))
    return cells


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _measure(
    rows: list[list[tuple[Element, int]]], count: int, size: float, *, cap: int
) -> tuple[list[int], list[float]]:
    """Each column's narrowest width (its longest word or picture, with the cell margins) and
    its weight (how much text it holds)."""
    floors = [MIN_COLUMN] * count
    weights = [1.0] * count
    for row in rows:
        index = 0
        for tc, span in row:
            if span == 1 and index < count:
                longest, length = _cell_needs(tc, size)
                need = math.ceil(longest) + CELL_MARGINS + SLACK
                floors[index] = max(floors[index], min(need, max(cap, MIN_COLUMN)))
                weights[index] = max(weights[index], min(length, 80) ** 0.75)
            index += span
    return floors, weights


def _cell_needs(tc: Element, size: float) -> tuple[float, int]:
    """The width in twips of the cell's longest word or picture, and its length in characters."""
    longest = 0.0
    length = 0
    for p in tc.findall(_P):
        word = 0.0
        for run in p.iter(_R):
            scale = bold = None
            for child in run:
                tag = child.tag
                if tag == _T:
                    if scale is None:  # the run's properties, read at its first text
                        scale = _run_size(run, size) * TWIPS_PER_POINT
                        bold = _is_bold(run)
                    text = child.text or ""
                    length += len(text)
                    head, inner, tail, broken = _words_em(text, bool(bold))
                    if broken:
                        longest = max(longest, word + head * scale, inner * scale)
                        word = tail * scale
                    else:
                        word += head * scale
                elif tag in _BREAKS:
                    longest, word = max(longest, word), 0.0
        longest = max(longest, word)
        for extent in p.iter(_EXTENT):
            longest = max(longest, int(extent.get("cx") or 0) / EMU_PER_TWIP)
    return longest, length


@functools.lru_cache(maxsize=8192)
def _words_em(text: str, bold: bool) -> tuple[float, float, float, bool]:
    """A text's widths in ems: of what comes before its first space (which may continue the
    previous run's word), of its widest whole word between spaces, of what comes after its
    last space (which the next run may continue), and whether it has a space at all. Cached:
    a caseload repeats its cells' texts."""
    words = [sum(char_em(c, bold) for c in w) for w in re.split(r"\s", text)]
    if len(words) == 1:
        return words[0], 0.0, 0.0, False
    return words[0], max(words[1:-1], default=0.0), words[-1], True


def _is_bold(run: Element) -> bool:
    found = run.find(f"{W}rPr/{W}b")
    return found is not None and found.get(f"{W}val") not in ("0", "false", "off")


def _run_size(run: Element, size: float) -> float:
    found = run.find(f"{W}rPr/{W}sz")
    try:
        return int(found.get(f"{W}val")) / 2 if found is not None else size
    except (TypeError, ValueError):
        return size


def _share(floors: list[int], weights: list[float], total: int) -> list[int]:
    """Each column its floor, and the rest of the width by weight."""
    if sum(floors) > total:
        floors = [f * total // sum(floors) for f in floors]
    spare = total - sum(floors)
    widths = [f + int(spare * w / sum(weights)) for f, w in zip(floors, weights, strict=True)]
    widths[widths.index(max(widths))] += total - sum(widths)
    return widths


def _widen(widths: list[int], floors: list[int]) -> list[int]:
    """The template's widths, with each column below its floor widened as far as the others'
    room above their own floors allows; the table keeps its width."""
    need = [max(f - w, 0) for f, w in zip(floors, widths, strict=True)]
    spare = [max(w - f, 0) for f, w in zip(floors, widths, strict=True)]
    moved = min(sum(need), sum(spare))
    if not moved:
        return widths
    out = [
        w + moved * n // sum(need) - moved * s // sum(spare)
        for w, n, s in zip(widths, need, spare, strict=True)
    ]
    out[out.index(max(out))] += sum(widths) - sum(out)
    return out


def set_widths(tbl: Element, widths: list[int]) -> None:
    """Fixed column widths: the grid, each cell's width, and a fixed layout (a very long word
    then wraps inside its column instead of pushing the table off the page)."""
    from lxml import etree

    grid = tbl.find(f"{W}tblGrid")
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        etree.SubElement(grid, f"{W}gridCol").set(f"{W}w", str(width))
    tbl_pr = tbl.find(f"{W}tblPr")
    layout = tbl_pr.find(f"{W}tblLayout")
    if layout is None:
        layout = etree.SubElement(tbl_pr, f"{W}tblLayout")
    layout.set(f"{W}type", "fixed")
    order_table_properties(tbl_pr)
    for tr in tbl.findall(f"{W}tr"):
        index = 0
        for tc, span in _row_cells(tr):
            _set_cell_width(tc, sum(widths[index : index + span]))
            index += span


def _set_cell_width(tc: Element, width: int) -> None:
    from lxml import etree

    tc_pr = tc.find(f"{W}tcPr")
    if tc_pr is None:
        tc_pr = etree.Element(f"{W}tcPr")
        tc.insert(0, tc_pr)
    for old in tc_pr.findall(f"{W}tcW"):
        tc_pr.remove(old)
    tcw = etree.Element(f"{W}tcW")
    tcw.set(f"{W}w", str(width))
    tcw.set(f"{W}type", "dxa")
    first = tc_pr.find(f"{W}cnfStyle")
    tc_pr.insert(0 if first is None else 1, tcw)


# w:tblPr's children in the order the schema requires.
_TBL_PR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription", "tblPrChange",
]  # fmt: skip


def order_table_properties(tbl_pr: Element) -> None:
    """Put a w:tblPr's children in schema order (Word repairs a file where they are not)."""
    children = list(tbl_pr)
    rank = {name: index for index, name in enumerate(_TBL_PR_ORDER)}
    ordered = sorted(
        children, key=lambda c: rank.get(str(c.tag).removeprefix(W), len(_TBL_PR_ORDER))
    )
    if ordered != children:
        for child in children:
            tbl_pr.remove(child)
        tbl_pr.extend(ordered)
