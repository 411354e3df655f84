"""A small trend chart (a sparkline) as PNG bytes, drawn in pure Python.

It shows a reader the shape of a measure at a glance next to the numbers in the progress
table. No plotting library is needed for a line and a few dots, and the bytes are the same on
every machine, which keeps rendered documents reproducible.
"""

from __future__ import annotations

import functools
import itertools
import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]
BETTER: Colour = (46, 125, 50)
WORSE: Colour = (198, 40, 40)
NEUTRAL: Colour = (96, 96, 96)
GRID: Colour = (210, 214, 220)
WHITE: Colour = (255, 255, 255)


@functools.cache
def _disc(radius: float) -> tuple[tuple[int, int], ...]:
    """The pixel offsets of a filled circle, computed once per radius."""
    reach = int(radius) + 1
    return tuple(
        (dx, dy)
        for dx in range(-reach, reach + 1)
        for dy in range(-reach, reach + 1)
        if dx * dx + dy * dy <= radius * radius + 0.5
    )


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * width * height)

    def dot(self, x: float, y: float, colour: Colour, radius: float = 1.0) -> None:
        cx, cy, paint = round(x), round(y), bytes(colour)
        for dx, dy in _disc(radius):
            px, py = cx + dx, cy + dy
            if 0 <= px < self.width and 0 <= py < self.height:
                offset = (py * self.width + px) * 3
                self.pixels[offset : offset + 3] = paint

    def line(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        colour: Colour,
        width: float = 1.5,
        dash: int = 0,
    ) -> None:
        steps = int(max(abs(b[0] - a[0]), abs(b[1] - a[1]))) + 1
        for i in range(steps + 1):
            if dash and (i // (dash * 2)) % 2:
                continue
            t = i / steps
            self.dot(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, colour, width / 2)

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (
                struct.pack(">I", len(data))
                + kind
                + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
            )

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b"")
        )


def sparkline(
    scores: Sequence[float],
    *,
    low: float,
    high: float | None,
    direction: str,
    width: int = 240,
    height: int = 64,
) -> bytes:
    """A line through *scores* (oldest first) on the instrument's scale from *low* to *high*,
    coloured by *direction* ("better", "worse", anything else neutral)."""
    top = high if high is not None else max(max(scores), low + 1)
    span = (top - low) or 1.0
    pad = 6
    canvas = _Canvas(width, height)
    for level in (low, top):
        y = pad + (height - 2 * pad) * (1 - (level - low) / span)
        canvas.line((pad, y), (width - pad, y), GRID, width=1, dash=3)
    colour = {"better": BETTER, "worse": WORSE}.get(direction, NEUTRAL)
    step = (width - 2 * pad) / max(len(scores) - 1, 1)
    points = [
        (pad + i * step, pad + (height - 2 * pad) * (1 - (s - low) / span))
        for i, s in enumerate(scores)
    ]
    for a, b in itertools.pairwise(points):
        canvas.line(a, b, colour, width=2.5)
    for x, y in points:
        canvas.dot(x, y, colour, radius=3.2)
    return canvas.png()
