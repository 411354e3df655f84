"""A trend chart for the progress table, as PNG bytes, drawn in pure Python.

It shows a reader the shape of a measure next to the numbers: the scores as a line with a
marker at each, scaled to the scores and the objective's target (not to the instrument's whole
range, where 5 → 2 panic attacks on a scale of 0 to 50 would draw flat), and the target as a dashed
line. The chart holds no text — the values, dates and trend are written beside it in the
document, where they can be read, searched and copied — so no font is needed to draw it.

Which way a measure moved is shown by more than colour: an improving measure is a line with
filled round markers, a worsening one has hollow square markers, an unchanged one diamonds; the
latest score's marker is the largest. The colours (blue, vermilion, grey) stay apart for the
common kinds of colour blindness and in greyscale print.

The picture is drawn at 12 pixels a millimetre (about 305 dpi) so it prints crisply, as a
palette PNG (one byte a pixel) so drawing and compressing it stay fast. No plotting library is
needed, and the bytes are the same on every machine, which keeps documents reproducible.
"""

from __future__ import annotations

import bisect
import itertools
import math
import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]

PIXELS_PER_MM = 12
WIDTH_MM = 45
HEIGHT_MM = 14

# Palette indices.
WHITE, TARGET, BETTER, WORSE, NEUTRAL = range(5)
PALETTE: tuple[Colour, ...] = (
    (255, 255, 255),
    (64, 64, 64),  # the target line
    (0, 114, 178),  # improving: blue
    (213, 94, 0),  # worsening: vermilion
    (110, 110, 110),  # no change
)
SERIES = {"better": BETTER, "worse": WORSE}

LINE_PX = 5  # about 0.4 mm
TARGET_PX = 3
DASH_PX, GAP_PX = 18, 12
MARKER_PX = 6  # radius; the latest score's marker is larger
LATEST_PX = 8
INSET_PX = LATEST_PX + 3  # room around the plot so no marker touches the picture's edge
PADDING = 0.08  # of the value span, above and below


def value_range(
    values: Sequence[float], target: float | None = None, *, min_span: float = 0.0
) -> tuple[float, float]:
    """The values the chart's height covers: every score and the target, a little padding
    above and below, and at least *min_span* (so a change of one point on a long scale does not
    fill the chart)."""
    levels = [*values, *([target] if target is not None else [])]
    low, high = min(levels), max(levels)
    span = max(high - low, min_span, 1e-9)
    middle = (low + high) / 2
    low, high = min(low, middle - span / 2), max(high, middle + span / 2)
    pad = (high - low) * PADDING or 0.5
    return low - pad, high + pad


class _Canvas:
    """Palette pixels, painted in spans (one slice assignment each), stored as the PNG's rows:
    each row starts with its filter byte (0, none), so the image data is the pixels as they
    stand."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.stride = width + 1
        self.pixels = bytearray(self.stride * height)

    def span(self, y: int, x0: int, x1: int, colour: int) -> None:
        """Paint row *y* from *x0* to *x1* inclusive, clipped to the canvas."""
        x0, x1 = max(x0, 0), min(x1, self.width - 1)
        if 0 <= y < self.height and x0 <= x1:
            start = y * self.stride + 1
            self.pixels[start + x0 : start + x1 + 1] = _RUNS[colour][: x1 - x0 + 1]

    def column(self, x: int, y0: float, y1: float, colour: int) -> None:
        """Paint column *x* from *y0* to *y1* (rounded) inclusive: one slice with a step of a
        row, not a pixel at a time."""
        top, bottom = max(round(y0), 0), min(round(y1), self.height - 1)
        if 0 <= x < self.width and top <= bottom:
            stride = self.stride
            at = top * stride + x + 1
            self.pixels[at : at + (bottom - top) * stride + 1 : stride] = _RUNS[colour][
                : bottom - top + 1
            ]

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: int) -> None:
        """A line *LINE_PX* thick: a vertical run in each column, tall enough that the line
        keeps its thickness however steep it is."""
        (x0, y0), (x1, y1) = sorted((a, b))
        if round(x1) == round(x0):
            for x in range(round(x0) - LINE_PX // 2, round(x0) + LINE_PX // 2 + 1):
                self.column(x, min(y0, y1), max(y0, y1), colour)
            return
        slope = (y1 - y0) / (x1 - x0)
        half = LINE_PX / 2 * math.hypot(1, slope)
        first, last = max(round(x0), 0), min(round(x1), self.width - 1)
        if first > last:
            return
        xs = range(first, last + 1)
        tops = [round(y0 + slope * (x - x0) - half) for x in xs]
        bottoms = [round(y0 + slope * (x - x0) + half) for x in xs]
        if max(bottoms) - min(tops) + 1 >= len(xs):  # steep: a slice a column
            for x, top, bottom in zip(xs, tops, bottoms, strict=True):
                self.column(x, top, bottom, colour)
        else:
            self._rows(first, tops, bottoms, slope < 0, colour)

    def _rows(
        self, first: int, tops: list[int], bottoms: list[int], falling: bool, colour: int
    ) -> None:
        """The columns' runs (from column *first*) painted a row at a time: along a line each
        run's top and bottom only rise (or only fall), so a row's pixels are one span, found
        by bisection."""
        if falling:
            tops, bottoms = tops[::-1], bottoms[::-1]
        count = len(tops)
        for y in range(max(tops[0], 0), min(bottoms[-1], self.height - 1) + 1):
            start, end = bisect.bisect_left(bottoms, y), bisect.bisect_right(tops, y) - 1
            if start <= end:
                if falling:
                    start, end = count - 1 - end, count - 1 - start
                self.span(y, first + start, first + end, colour)

    def dashes(self, y: float, colour: int) -> None:
        top = round(y - TARGET_PX / 2)
        for x in range(0, self.width, DASH_PX + GAP_PX):
            for row in range(top, top + TARGET_PX):
                self.span(row, x, x + DASH_PX - 1, colour)

    def marker(self, x: float, y: float, shape: str, radius: int, colour: int) -> None:
        """A filled circle, a hollow square or a filled diamond centred on (*x*, *y*)."""
        cx, cy = round(x), round(y)
        for dy in range(-radius, radius + 1):
            if shape == "circle":
                half = int(math.sqrt(radius * radius - dy * dy) + 0.5)
            elif shape == "diamond":
                half = radius - abs(dy)
            else:
                half = radius
            self.span(cy + dy, cx - half, cx + half, colour)
        if shape == "square":
            inner = radius - max(2, radius // 3)
            for dy in range(-inner, inner + 1):
                self.span(cy + dy, cx - inner, cx + inner, WHITE)

    def png(self) -> bytes:
        per_metre = PIXELS_PER_MM * 1000
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 3, 0, 0, 0))
            + _chunk(b"PLTE", b"".join(bytes(c) for c in PALETTE))
            + _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
            + _chunk(b"IDAT", zlib.compress(self.pixels, 6))
            + _chunk(b"IEND", b"")
        )


_RUNS = [bytes([colour]) * 4096 for colour in range(len(PALETTE))]
"""A run of each palette colour, longer than any column or span, to slice from."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def trend_chart(
    scores: Sequence[float],
    *,
    positions: Sequence[float] | None = None,
    target: float | None = None,
    direction: str = "",
    min_span: float = 0.0,
) -> bytes:
    """The chart of *scores* (oldest first) at *positions* along the time axis (days, say;
    evenly spaced without them), with *target* as a dashed line, drawn for *direction*
    ("better", "worse", anything else unchanged)."""
    width, height = WIDTH_MM * PIXELS_PER_MM, HEIGHT_MM * PIXELS_PER_MM
    low, high = value_range(scores, target, min_span=min_span)
    xs = list(positions) if positions is not None else list(range(len(scores)))
    first, last = min(xs), max(xs)
    across = (width - 2 * INSET_PX) / ((last - first) or 1)

    def y_of(value: float) -> float:
        return INSET_PX + (height - 2 * INSET_PX) * (high - value) / (high - low)

    canvas = _Canvas(width, height)
    if target is not None:
        canvas.dashes(y_of(target), TARGET)
    colour = SERIES.get(direction, NEUTRAL)
    shape = {"better": "circle", "worse": "square"}.get(direction, "diamond")
    points = [(INSET_PX + (x - first) * across, y_of(s)) for x, s in zip(xs, scores, strict=True)]
    for a, b in itertools.pairwise(points):
        canvas.line(a, b, colour)
    for index, (x, y) in enumerate(points):
        radius = LATEST_PX if index == len(points) - 1 else MARKER_PX
        canvas.marker(x, y, shape, radius, colour)
    return canvas.png()
