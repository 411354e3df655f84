"""The pieces the fast Word path does its own way give what the straightforward way gives.

``tests/test_fast_path.py`` compares whole documents; these compare the pieces on inputs the
samples do not reach: docxtpl's table fix and part finishing against docxtpl's own code, and
the progress chart's pixels against a straightforward pixel-by-pixel drawing."""

from __future__ import annotations

import hashlib
import math
import random
import re
import struct
import zlib
from collections.abc import Iterator

import pytest
from docxtpl import DocxTemplate
from lxml import etree

from plandoc.render.word import chart
from plandoc.render.word import fast as docxfast
from plandoc.render.word import parts as docxparts

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _cell(text: str, span: int = 0) -> str:
    props = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span else ""
    return f"<w:tc>{props}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _table(grid: list[int | None], rows: list[list[str]]) -> str:
    cols = "".join(f'<w:gridCol w:w="{w}"/>' if w is not None else "<w:gridCol/>" for w in grid)
    return f"<w:tbl><w:tblPr/><w:tblGrid>{cols}</w:tblGrid>" + "".join(
        f"<w:tr>{''.join(row)}</w:tr>" for row in rows
    ) + "</w:tbl>"  # fmt: skip


TABLES = {
    "more cells than columns": _table([1000, 2000], [[_cell("a"), _cell("b"), _cell("c")]]),
    "fewer cells than columns": _table([900, 900, 900, 901], [[_cell("a"), _cell("b")]] * 2),
    "spans": _table([1000, 1000, 1000], [[_cell("a", 2), _cell("b")], [_cell("c", 3)]]),
    "spans short of the grid": _table([1000, 1000, 1000, 1000], [[_cell("a", 2)]]),
    "no widths": _table([None, None], [[_cell("a"), _cell("b"), _cell("c")]]),
    "nested": _table(
        [3000, 3000],
        [[_cell("x"), "<w:tc>" + _table([100], [[_cell("p"), _cell("q"), _cell("r")]]) + "<w:p/></w:tc>"]],
    ),
    "as it stands": _table([1500, 1500], [[_cell("a"), _cell("b")]]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_table_fix_is_docxtpls(name: str) -> None:
    inner = f"<w:p/>{TABLES[name]}<w:sectPr/>"
    theirs = DocxTemplate.fix_tables(None, f'<w:body xmlns:w="{W_NS}">{inner}</w:body>')
    document = etree.fromstring(
        f'<w:document xmlns:w="{W_NS}"><w:body>{inner}</w:body></w:document>'
    )
    ours = document[0]
    before = etree.tostring(ours)
    assert docxfast._fix_tables(ours)
    assert etree.tostring(ours) == etree.tostring(theirs)
    assert (before != etree.tostring(ours)) == (name in CHANGED)


CHANGED = {
    "more cells than columns",
    "fewer cells than columns",
    "spans short of the grid",
    "nested",
}


def test_a_table_without_a_grid_is_left_to_docxtpl() -> None:
    document = etree.fromstring(
        f'<w:document xmlns:w="{W_NS}"><w:body><w:tbl><w:tr>{_cell("a")}</w:tr></w:tbl></w:body></w:document>'
    )
    before = etree.tostring(document)
    assert not docxfast._fix_tables(document[0])
    assert etree.tostring(document) == before
    with pytest.raises(AttributeError):  # docxtpl fails on it; the reference path says how
        DocxTemplate.fix_tables(None, etree.tostring(document[0]).decode())


PARTS = [
    '<w:body>\n<w:p><w:r><w:t>plain</w:t></w:r></w:p>\n<w:p w:rsidR="1"><w:r/></w:p></w:body>',
    "<w:body>\n\n<w:p>two newlines</w:p>\n<w:pPr>not a paragraph</w:pPr>\n<w:p\n</w:body>",
    '<w:body>\n<w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
    "<w:t>a\tb\nc\fd\ae</w:t></w:r></w:p></w:body>",
    "<w:hdr>\n<w:p><w:r><w:t>tab\tonly</w:t></w:r></w:p></w:hdr>",
    "<w:body>text with a newline\nbut no paragraph after it</w:body>",
]


@pytest.mark.parametrize("xml", PARTS)
def test_a_rendered_part_is_finished_as_docxtpl_finishes_it(xml: str) -> None:
    theirs = DocxTemplate.resolve_listing(None, re.sub(r"\n<w:p([ >])", r"<w:p\1", xml))
    assert docxparts.finish_part(xml) == theirs


# --- the chart, against a pixel-by-pixel drawing ------------------------------------------


class _PixelCanvas:
    """The chart's canvas drawn the straightforward way: each line a column of single pixels
    at a time, each row of the image copied out at the end."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(width * height)

    def span(self, y: int, x0: int, x1: int, colour: int) -> None:
        for x in range(max(x0, 0), min(x1, self.width - 1) + 1):
            if 0 <= y < self.height:
                self.pixels[y * self.width + x] = colour

    def column(self, x: int, y0: float, y1: float, colour: int) -> None:
        if 0 <= x < self.width:
            for y in range(max(round(y0), 0), min(round(y1), self.height - 1) + 1):
                self.pixels[y * self.width + x] = colour

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: int) -> None:
        (x0, y0), (x1, y1) = sorted((a, b))
        if round(x1) == round(x0):
            for x in range(round(x0) - chart.LINE_PX // 2, round(x0) + chart.LINE_PX // 2 + 1):
                self.column(x, min(y0, y1), max(y0, y1), colour)
            return
        slope = (y1 - y0) / (x1 - x0)
        half = chart.LINE_PX / 2 * math.hypot(1, slope)
        for x in range(round(x0), round(x1) + 1):
            y = y0 + slope * (x - x0)
            self.column(x, y - half, y + half, colour)

    dashes = chart._Canvas.dashes
    marker = chart._Canvas.marker

    def png(self) -> bytes:
        """Not a PNG: the image data a PNG would compress (each row after its filter byte),
        compared with the fast chart's decompressed; its other chunks are checked by the
        digests below."""
        return b"".join(
            b"\x00" + self.pixels[y * self.width : (y + 1) * self.width] for y in range(self.height)
        )


def _pixels(png: bytes) -> bytes:
    at, data = 8, b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    return zlib.decompress(data)


def _cases() -> Iterator[dict[str, object]]:
    rng = random.Random(12)
    for _ in range(300):
        n = rng.randint(2, 9)
        scores = [rng.choice([rng.uniform(-5, 60), float(rng.randint(0, 27))]) for _ in range(n)]
        if rng.random() < 0.2:
            scores = [scores[0]] * n
        positions = [float(p) for p in sorted(rng.sample(range(738000, 739000), n))]
        if rng.random() < 0.15:
            positions = [positions[0]] * n
        yield {
            "scores": scores,
            "positions": positions if rng.random() < 0.6 else None,
            "target": rng.choice([None, rng.uniform(-10, 70)]),
            "direction": rng.choice(["better", "worse", ""]),
            "min_span": rng.choice([0.0, 2.7, 100.0]),
        }


def test_the_charts_pixels_are_those_of_a_pixel_by_pixel_drawing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = list(_cases())
    fast = [chart.trend_chart(**case) for case in cases]  # type: ignore[arg-type]
    monkeypatch.setattr(chart, "_Canvas", _PixelCanvas)
    for case, png in zip(cases, fast, strict=True):
        assert _pixels(png) == chart.trend_chart(**case), case  # type: ignore[arg-type]


CHARTS = {
    "improving": ({"scores": [21.0, 17.0, 12.0, 8.0], "target": 9.0, "direction": "better", "min_span": 2.7},
                  "1737511fab2bb04d9d9780e3ca277b638ffb081f7e5ea2cab4d1fdc4547f856f"),
    "worsening": ({"scores": [3.0, 5.0, 9.0], "positions": [738000.0, 738030.0, 738095.0], "target": 2.0,
                   "direction": "worse"},
                  "0f196fe350d3820deb7097d3104057e6b179328b23491195cd8e1bf559396c30"),
    "unchanged": ({"scores": [4.0, 4.0]},
                  "42588d412708003d30568603550b3d1a3c7bed62e8ac22fe52f9309a7b213e53"),
    "steep": ({"scores": [0.0, 50.0, 0.0, 50.0, 1.0], "positions": [1.0, 2.0, 2.0, 200.0, 201.0],
               "target": 25.0, "direction": "better", "min_span": 5.0},
              "58d5fecb6b0aad843d6fb80a94435fa99d33eab480e56051523eda6648b2deb2"),
    "wide": ({"scores": [-5.0, 60.0], "target": 70.0, "direction": "worse", "min_span": 100.0},
             "4e071fb204bfc6c8bfd8017d76716aa1231ab5e0af0178875dad6db61f2aa677"),
}  # fmt: skip
"""Charts and the SHA-256 of the PNG the first, pixel-by-pixel chart module drew for them."""


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_a_chart_is_the_same_png_as_before(name: str) -> None:
    arguments, digest = CHARTS[name]
    png = chart.trend_chart(**arguments)  # type: ignore[arg-type]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert hashlib.sha256(png).hexdigest() == digest


def _typeset_by_hand(text: str) -> str:
    """The rule, a character at a time: a mark opens at the start or after one of
    OPENS_AFTER (a single one only before a character that is not a space); else it closes."""
    from plandoc.text import OPENS_AFTER

    out = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if char == '"':
            out.append("“" if before in OPENS_AFTER else "”")
        elif char == "'":
            out.append("‘" if before in OPENS_AFTER and not after.isspace() else "’")
        else:
            out.append(char)
    return "".join(out)


def test_text_is_typeset_by_the_rule_whatever_stands_around_the_marks() -> None:
    """Quotation marks, set by regular expressions, are those the rule sets a character at a
    time, whatever stands around them."""
    from plandoc.text import typographic as _typographic

    rng = random.Random(7)
    alphabet = list("ab \"'\t\n([{—–-/“‘’”\u00a0\u2003\x1c\u2028x.,")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        assert _typographic(text) == _typeset_by_hand(text), repr(text)
    assert _typographic("\"I'm fine,\" she said ('mostly')") == "“I’m fine,” she said (‘mostly’)"
