"""Invisible characters: bidirectional controls and zero-width characters (Trojan Source,
CVE-2021-42574) are errors where a value must be what it looks like, warnings in prose; a word
too long to break on a page is a warning."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plandoc.check.characters import BIDI, ZERO_WIDTH
from plandoc.check.pipeline import check_file
from tests.conftest import TODAY, line_of, variant

NAME = "    name: Maya Okafor\n"
SUMMARY = "    clinician_summary: >-\n"


def _found(path: Path, rule_prefix: str = "text.", *, strict: bool = False) -> list[str]:
    result = check_file(path, today=TODAY, strict=strict)
    return [f.format() for f in result.findings if f.rule.startswith(rule_prefix)]


def test_a_right_to_left_override_in_a_name_is_an_error_at_its_place(
    run: Callable[..., Result], write: Callable[..., Path], cbt_text: str
) -> None:
    plan = write(variant(cbt_text, NAME, '    name: "Maya \\u202eakafO\\u202c"\n'))
    result = run("check", "--today", str(TODAY), str(plan))
    assert result.exit_code == 1
    line = line_of(cbt_text, NAME)
    assert (
        f"{plan}:{line}:11: error: `participants[0].name` holds U+202E RIGHT-TO-LEFT OVERRIDE "
        "(character 6): it makes the text display in another order than it is stored"
    ) in result.output
    assert "U+202C POP DIRECTIONAL FORMATTING (character 12)" in result.output
    assert "[text.bidi-control]" in result.output


@pytest.mark.parametrize("char", list(BIDI + ZERO_WIDTH), ids=lambda c: f"U+{ord(c):04X}")
def test_every_invisible_character_is_an_error_in_an_id(
    write: Callable[..., Path], cbt_text: str, char: str
) -> None:
    plan = write(variant(cbt_text, "  - id: P1\n", f'  - id: "P{char}1"\n'))
    found = [f for f in _found(plan) if "`problems[0].id`" in f]
    assert len(found) == 1 and ": error: " in found[0], found
    assert f"U+{ord(char):04X}" in found[0]
    if char != "\ufeff":
        assert unicodedata.name(char) in found[0]


def test_in_prose_an_invisible_character_is_a_warning_and_strict_makes_it_an_error(
    write: Callable[..., Path], cbt_text: str
) -> None:
    text = cbt_text.replace(SUMMARY, SUMMARY + "      Referred\u200b by her GP.\n", 1)
    plan = write(text)
    found = _found(plan)
    assert len(found) == 1
    assert (
        ": warning: `assessment.presenting_problem.clinician_summary` holds U+200B ZERO WIDTH SPACE"
        in found[0]
    )
    assert "[text.invisible-character]" in found[0]
    assert check_file(plan, today=TODAY).ok
    assert ": error: " in _found(plan, strict=True)[0]


def test_an_emoji_sequence_in_prose_is_only_a_warning(
    write: Callable[..., Path], cbt_text: str
) -> None:
    family = "\U0001f469\u200d\U0001f467"  # woman, ZWJ, girl: one emoji
    plan = write(cbt_text.replace(SUMMARY, SUMMARY + f"      She drew {family}.\n", 1))
    result = check_file(plan, today=TODAY)
    assert result.ok
    assert [f.severity for f in result.findings if f.rule.startswith("text.")] == ["warning"]


def test_a_non_joiner_inside_a_persian_name_is_a_warning_one_in_a_latin_name_an_error(
    write: Callable[..., Path], cbt_text: str
) -> None:
    persian = write(
        variant(cbt_text, NAME, "    name: \u0645\u0647\u200c\u0622\u0633\u0627\n"), "fa.yaml"
    )
    latin = write(variant(cbt_text, NAME, '    name: "Maya Oka\u200cfor"\n'), "la.yaml")
    assert [": warning: " in f for f in _found(persian)] == [True]
    assert [": error: " in f for f in _found(latin)] == [True]


def test_a_word_too_long_to_break_is_a_warning_a_web_address_is_not(
    write: Callable[..., Path], cbt_text: str
) -> None:
    word = "a" * 61
    url = "https://example.org/" + "b" * 80
    text = cbt_text.replace(SUMMARY, SUMMARY + f"      See {url} and {word} there.\n", 1)
    found = _found(write(text))
    assert len(found) == 1, found
    assert "has a word of 61 characters with no place to break it" in found[0]
    assert "[text.long-word]" in found[0] and ": warning: " in found[0]


def test_words_that_break_are_not_long_words(write: Callable[..., Path], cbt_text: str) -> None:
    cjk = "\u60a3\u8005" * 40  # Chinese: a line breaks between any two characters
    hyphenated = "-".join(["well"] * 30)
    text = cbt_text.replace(SUMMARY, SUMMARY + f"      {cjk} {hyphenated} {'c' * 60}\n", 1)
    assert _found(write(text)) == []
