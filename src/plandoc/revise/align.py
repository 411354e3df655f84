"""Which old item is which new item: the pairing the redline tracks its changes by.

Plandoc shows an item's stable id where it renders the item (``Goal G2``, ``G1.O2``, an
exposure step's ``X4``, a service's code), so two blocks or rows are the same item exactly when
they show the same id; items that show none are paired by their words (a similarity
threshold), never by position. Pairs keep their order, and the pairing is the one with the
most in common, found by dynamic programming over the changed stretch only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

SIMILAR = 0.5
"""Items without an id are the same item when at least this share of their words agree."""
MAX_CELLS = 250_000
"""The largest changed stretch (old items times new) paired by similarity; a larger one is
paired by id alone, in linear time."""

_ID = re.compile(
    r"(?<![\w.\-])([A-Z][A-Za-z]{0,3}\d+[a-z]?(?:\.[A-Z][A-Za-z]{0,3}\d+[a-z]?)*)(?![\w\-])"
)
_WORD = re.compile(r"\w+|[^\w\s]")
_ID_REACH = 24
"""An id counts when it appears this near the start of an item's (first cell's) text."""


@dataclass(frozen=True)
class Unit:
    """What pairing needs of a block or row: its kind, the id it shows, its words."""

    kind: str
    anchor: str | None
    words: Counter[str]


def unit(kind: str, text: str) -> Unit:
    """A block or row as pairing sees it; *text* is its visible text (a row's cells joined
    by U+241F, whose first cell alone may name the id)."""
    head = text.split("\u241f", 1)[0][:_ID_REACH]
    found = _ID.search(head)
    return Unit(kind, found.group(1) if found else None, words(text))


def words(text: str) -> Counter[str]:
    """A text's words and punctuation marks, counted, case aside."""
    return Counter(_WORD.findall(text.lower()))


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """The share of words two texts have in common (Dice's coefficient over word counts)."""
    total = sum(a.values()) + sum(b.values())
    if total == 0:
        return 1.0
    return 2 * sum((a & b).values()) / total


def _score(a: Unit, b: Unit) -> float:
    """How well *a* pairs with *b*: 0 when they cannot be the same item."""
    if a.kind != b.kind:
        return 0.0
    if a.anchor and b.anchor:
        return 1.0 + similarity(a.words, b.words) if a.anchor == b.anchor else 0.0
    alike = similarity(a.words, b.words)
    return alike if alike >= SIMILAR else 0.0


Pair = tuple[int, int]


def pair(old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    """The index pairs (old, new) that are the same item, in order."""
    if len(old) * len(new) > MAX_CELLS:
        return _by_anchor(old, new)
    rows, cols = len(old) + 1, len(new) + 1
    best = [[0.0] * cols for _ in range(rows)]
    for i in range(1, rows):
        above, here = best[i - 1], best[i]
        for j in range(1, cols):
            score = _score(old[i - 1], new[j - 1])
            here[j] = max(above[j], here[j - 1], above[j - 1] + score if score else 0.0)
    return _one_for_one(_walk_back(best, old, new), old, new)


def _one_for_one(pairs: list[Pair], old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    """Pairs, with one unpaired old item and one unpaired new item of the same kind between
    two pairs taken as one item rewritten (its text replaced whole), unless their ids differ:
    a reviewer reads a rewritten paragraph or cell in its place, not one removed and one
    added."""
    found: list[Pair] = []
    i = j = 0
    for a, b in [*pairs, (len(old), len(new))]:
        if a - i == 1 and b - j == 1 and _replaceable(old[i], new[j]):
            found.append((i, j))
        if a < len(old):
            found.append((a, b))
        i, j = a + 1, b + 1
    return found


def _replaceable(a: Unit, b: Unit) -> bool:
    return a.kind == b.kind and (a.anchor == b.anchor or not (a.anchor and b.anchor))


def _walk_back(best: list[list[float]], old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    pairs: list[Pair] = []
    i, j = len(old), len(new)
    while i and j:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def _by_anchor(old: Sequence[Unit], new: Sequence[Unit]) -> list[Pair]:
    """Pairs by id alone, in order (for stretches too large to compare word by word)."""
    where = {u.anchor: j for j, u in enumerate(new) if u.anchor}
    pairs: list[Pair] = []
    last = -1
    for i, u in enumerate(old):
        j = where.get(u.anchor, -1) if u.anchor else -1
        if j > last and old[i].kind == new[j].kind:
            pairs.append((i, j))
            last = j
    return pairs
