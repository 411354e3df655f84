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
_BREAKS = (f"{W}tab", f"{W}br", f"{W}cr")
_GRID, _GRID_COL, _TR, _TC = f"{W}tblGrid", f"{W}gridCol", f"{W}tr", f"{W}tc"
_TC_PR, _GRID_SPAN, _VAL = f"{W}tcPr", f"{W}gridSpan", f"{W}val"
_TC_W, _CNF_STYLE = f"{W}tcW", f"{W}cnfStyle"
_R_PR, _B, _SZ = f"{W}rPr", f"{W}b", f"{W}sz"

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
    grid = [_int(c.get(f"{W}w")) for c in _grandchildren(tbl, _GRID, _GRID_COL)]
    spans = next(tbl.iter(_GRID_SPAN), None) is not None
    rows = [_row_cells(tr, spans) for tr in tbl if tr.tag == _TR]
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


def _row_cells(tr: Element, spans: bool = True) -> list[tuple[Element, int]]:
    """The row's cells and the grid columns each spans (1 for all, unless *spans*: the table
    has a ``w:gridSpan`` somewhere)."""
    if not spans:
        return [(tc, 1) for tc in tr if tc.tag == _TC]
    cells = []
    for tc in tr:
        if tc.tag != _TC:
            continue
        span = _grandchild(tc, _TC_PR, _GRID_SPAN)
        cells.append((tc, max(_int(span.get(_VAL)), 1) if span is not None else 1))
    return cells


def _grandchildren(element: Element, child: str, grandchild: str) -> list[Element]:
    """``element.findall("child/grandchild")``, without lxml's path machinery."""
    return [g for c in element if c.tag == child for g in c if g.tag == grandchild]


def _grandchild(element: Element, child: str, grandchild: str) -> Element | None:
    """``element.find("child/grandchild")``, without lxml's path machinery."""
    for c in element:
        if c.tag == child:
            for found in c:
                if found.tag == grandchild:
                    return found
    return None


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
    """The width in twips of the cell's longest word or picture, and its length in characters.

    Children are walked unfiltered and told apart by tag (lxml's tag filters cost more than
    they save on elements this small); a picture's extent counts wherever it stands in its
    paragraph, since the longest width is the largest of them all whatever the order."""
    longest = 0.0
    length = 0
    for p in tc:
        if p.tag != _P:
            continue
        word = 0.0
        for run in p.iter(_R, _EXTENT):
            if run.tag == _EXTENT:
                longest = max(longest, int(run.get("cx") or 0) / EMU_PER_TWIP)
                continue
            scale = bold = None
            children = list(run)
            for child in children:
                tag = child.tag
                if tag == _T:
                    if scale is None:  # the run's properties, read at its first text
                        scale, bold = _run_properties(children, size)
                    text = child.text or ""
                    length += len(text)
                    head, inner, tail, broken = _words_em(text, bold)
                    if broken:
                        longest = max(longest, word + head * scale, inner * scale)
                        word = tail * scale
                    else:
                        word += head * scale
                elif tag in _BREAKS:
                    longest, word = max(longest, word), 0.0
        longest = max(longest, word)
    return longest, length


def _run_properties(children: list[Element], size: float) -> tuple[float, bool]:
    """A run's text size in twips and whether it is bold, from its children: its ``w:rPr``'s
    ``w:sz`` and ``w:b`` (the first of each, as ``run.find("w:rPr/w:sz")`` finds them)."""
    sz = b = None
    for rpr in children:
        if rpr.tag == _R_PR:
            for prop in rpr:
                if prop.tag == _SZ and sz is None:
                    sz = prop
                elif prop.tag == _B and b is None:
                    b = prop
    try:
        points = int(sz.get(_VAL)) / 2 if sz is not None else size
    except (TypeError, ValueError):
        points = size
    return points * TWIPS_PER_POINT, b is not None and b.get(_VAL) not in ("0", "false", "off")


class _Ems(dict[str, float]):
    """Each character's width in em (:func:`char_em`), worked out once: a word's width is then
    a sum in C over a lookup, in the same order, so the same float."""

    def __init__(self, bold: bool) -> None:
        super().__init__()
        self.bold = bold

    def __missing__(self, char: str) -> float:
        if len(self) > 65_536:  # a flood of rare characters does not grow it for ever
            self.clear()
        width = self[char] = char_em(char, self.bold)
        return width


_EMS = {False: _Ems(False), True: _Ems(True)}


@functools.lru_cache(maxsize=8192)
def _words_em(text: str, bold: bool) -> tuple[float, float, float, bool]:
    """A text's widths in ems: of what comes before its first space (which may continue the
    previous run's word), of its widest whole word between spaces, of what comes after its
    last space (which the next run may continue), and whether it has a space at all. Cached:
    a caseload repeats its cells' texts."""
    table = _EMS[bold]
    words = [sum(map(table.__getitem__, w)) for w in re.split(r"\s", text)]
    if len(words) == 1:
        return words[0], 0.0, 0.0, False
    return words[0], max(words[1:-1], default=0.0), words[-1], True


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
    spans = next(tbl.iter(_GRID_SPAN), None) is not None
    for tr in tbl:
        if tr.tag != _TR:
            continue
        index = 0
        for tc, span in _row_cells(tr, spans):
            _set_cell_width(tc, sum(widths[index : index + span]))
            index += span


def _set_cell_width(tc: Element, width: int) -> None:
    from lxml import etree

    tc_pr = next((c for c in tc if c.tag == _TC_PR), None)
    if tc_pr is None:
        tc_pr = etree.Element(_TC_PR)
        tc.insert(0, tc_pr)
    for old in [c for c in tc_pr if c.tag == _TC_W]:
        tc_pr.remove(old)
    tcw = etree.Element(_TC_W)
    tcw.set(f"{W}w", str(width))
    tcw.set(f"{W}type", "dxa")
    first = any(c.tag == _CNF_STYLE for c in tc_pr)
    tc_pr.insert(1 if first else 0, tcw)


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
