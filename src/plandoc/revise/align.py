"""Which old item is which new item: the pairing the redline tracks its changes by.

Plandoc shows an item's stable id where it renders the item (``Goal G2``, ``G1.O2``, an
exposure step's ``X4``, a service's code), so two blocks or rows are the same item exactly when
they show the same id; items that show none are paired by their words (a similarity
threshold), never by position. Pairs keep their order, and the pairing is the one with the
most in common, found by dynamic programming over the changed stretch only.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Callable, Sequence
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


Opcode = tuple[str, int, int, int, int]


def opcodes(
    a: Sequence[str], b: Sequence[str], *, limit: int, out_of_time: Callable[[], bool]
) -> list[Opcode]:
    """How *a* becomes *b*, as difflib's opcodes, in time close to linear for long documents
    with changes all through them: the common beginning and end are matched first; a middle
    larger than *limit* (its two lengths multiplied) is split at the items that occur once in
    each side and keep their order (patience diffing), and only the stretches between are
    aligned item by item. A stretch still too large, or past the deadline, is one replacement."""
    codes: list[Opcode] = []
    _diff(a, b, 0, len(a), 0, len(b), limit, out_of_time, codes)
    return _joined(codes)


def _diff(
    a: Sequence[str], b: Sequence[str], i1: int, i2: int, j1: int, j2: int,
    limit: int, out_of_time: Callable[[], bool], codes: list[Opcode],
) -> None:  # fmt: skip
    start = 0
    while i1 + start < i2 and j1 + start < j2 and a[i1 + start] == b[j1 + start]:
        start += 1
    end = 0
    while i2 - end > i1 + start and j2 - end > j1 + start and a[i2 - 1 - end] == b[j2 - 1 - end]:
        end += 1
    if start:
        codes.append(("equal", i1, i1 + start, j1, j1 + start))
    m1, m2, n1, n2 = i1 + start, i2 - end, j1 + start, j2 - end
    if m1 == m2 and n1 == n2:
        pass
    elif m1 == m2 or n1 == n2:
        codes.append(("insert" if m1 == m2 else "delete", m1, m2, n1, n2))
    elif out_of_time():
        codes.append(("replace", m1, m2, n1, n2))
    elif (m2 - m1) * (n2 - n1) <= limit:
        matcher = difflib.SequenceMatcher(None, a[m1:m2], b[n1:n2], autojunk=False)
        codes += [
            (op, x1 + m1, x2 + m1, y1 + n1, y2 + n1) for op, x1, x2, y1, y2 in matcher.get_opcodes()
        ]
    else:
        _split(a, b, m1, m2, n1, n2, limit, out_of_time, codes)
    if end:
        codes.append(("equal", i2 - end, i2, j2 - end, j2))


def _split(
    a: Sequence[str], b: Sequence[str], i1: int, i2: int, j1: int, j2: int,
    limit: int, out_of_time: Callable[[], bool], codes: list[Opcode],
) -> None:  # fmt: skip
    anchors = _unique_in_order(a[i1:i2], b[j1:j2])
    if not anchors:
        codes.append(("replace", i1, i2, j1, j2))
        return
    x, y = i1, j1
    for ai, bj in anchors:
        _diff(a, b, x, i1 + ai, y, j1 + bj, limit, out_of_time, codes)
        codes.append(("equal", i1 + ai, i1 + ai + 1, j1 + bj, j1 + bj + 1))
        x, y = i1 + ai + 1, j1 + bj + 1
    _diff(a, b, x, i2, y, j2, limit, out_of_time, codes)


def _unique_in_order(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """The items found exactly once in each side, as index pairs, the longest run of them
    that keeps its order in both."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {item: j for j, item in enumerate(b) if count_b[item] == 1}
    pairs = [
        (i, where_b[item]) for i, item in enumerate(a) if count_a[item] == 1 and item in where_b
    ]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of *pairs* (ordered by their first index) whose second index
    rises too, in n log n."""
    tails: list[int] = []  # the second index ending the best run of each length
    ends: list[int] = []  # which pair ends it
    before: list[int] = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            ends.append(n)
        else:
            tails[k], ends[k] = j, n
        before[n] = ends[k - 1] if k else -1
    found, n = [], ends[-1] if ends else -1
    while n != -1:
        found.append(pairs[n])
        n = before[n]
    return found[::-1]


def _joined(codes: list[Opcode]) -> list[Opcode]:
    """Neighbouring equal stretches made one."""
    out: list[Opcode] = []
    for code in codes:
        if out and code[0] == "equal" == out[-1][0] and out[-1][2] == code[1]:
            last = out[-1]
            out[-1] = ("equal", last[1], code[2], last[3], code[4])
        else:
            out.append(code)
    return out
