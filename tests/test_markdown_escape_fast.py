"""Markdown escaping skips its seven substitutions for text none of them would change; that
shortcut must give exactly what applying every escape gives, for every text."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import yaml

from plandoc.render.sandbox.templating import _MD_NOTHING_TO_ESCAPE, escape_every_mark, md_escape
from plandoc.text import typographic
from tests.conftest import SAMPLES

ALPHABET = [
    *"ab 1#>-+*=.)\\`_[]<>|~$^&:@;\"'é",
    *"\t\n\r\x00\x07\x85\xa0\u2028\ufffe\ue000\ue001\ud800",
]


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        yield from map(str, value)
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value


def test_the_shortcut_escapes_every_sample_text_as_the_full_escape_does() -> None:
    texts = {t for p in SAMPLES.rglob("*.yaml") for t in _texts(yaml.safe_load(p.read_text()))}
    assert len(texts) > 1000
    shortcut = [t for t in texts if _MD_NOTHING_TO_ESCAPE.fullmatch(typographic(t))]
    assert len(shortcut) > len(texts) / 3, "most plain text should take the shortcut"
    assert all(md_escape(t) == typographic(t) for t in shortcut)
    assert [t for t in texts if md_escape(t) != escape_every_mark(typographic(t))] == []


def test_the_shortcut_agrees_on_every_short_string_of_marks_spaces_and_controls() -> None:
    texts = {"".join(t) for n in range(4) for t in itertools.product(ALPHABET, repeat=n)}
    rnd = random.Random(12)
    texts |= {"".join(rnd.choices(ALPHABET, k=rnd.randint(4, 12))) for _ in range(20_000)}
    assert [t for t in texts if md_escape(t) != escape_every_mark(typographic(t))] == []
