"""The fixed words the documents print, as data: ``labels/<locale>.yaml`` in the template library.

``en-US`` is built in and complete: its keys are the whole set (a heading, a column header, a
page-1 fact label, an attestation …). Any other locale's file — built in (``en-GB``) or in a
practice's ``--templates`` folder (``labels/es-US.yaml``), found first there — gives the same
keys, or says ``based_on: LOCALE`` and gives only those it changes; the rest come from that
locale. ``words:`` respells the orientation's own wording and the spec's fixed values shown as
words (:func:`respell`), never the client's text; a file with its own ``words`` replaces the
table of the locale it is based on.

A practice's file comes from outside: it is read with plandoc's own YAML loader (no tags, no
aliases, bounded in size and depth), checked completely — unknown keys, missing keys, values
that are not text, slots (``{date}``) that differ from en-US's — with ``file:line:col``
findings, and filled in without ``str.format`` (a slot cannot reach an attribute).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import Finding, PlanInvalid, TemplateError
from ...spec.library import builtin_root, library, read_template_bytes
from ...spec.loader import DocPath, Document, load_bytes
from ...text import did_you_mean

BASE = "en-US"
"""The locale every other one falls back to, and whose keys are the whole set."""
FOLDER = "labels"
MAX_LABELS_BYTES = 256 * 1024
MAX_TEXT = 1000
MAX_WORDS = 1000
MAX_CHAIN = 5
META = ("based_on", "words")
LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
SLOT = re.compile(r"\{(\w+)\}")

Labels = dict[str, Any]


class LabelsInvalid(PlanInvalid):
    """A labels file has problems (every one is reported)."""


def locales(templates: tuple[Path, ...] = ()) -> tuple[str, ...]:
    """Every locale with a labels file in the library, sorted."""
    found = library(templates).files(FOLDER, ".yaml")
    return tuple(sorted(stem for stem, _ in found if LOCALE.match(stem)))


def load_labels(locale: str = BASE, templates: tuple[Path, ...] = ()) -> Labels:
    """The labels for *locale* as a plain nested dict (a copy: the caller may change it).

    Raises :class:`TemplateError` for a locale with no file, :class:`LabelsInvalid` for a
    file with problems."""
    found: Labels = _copied(_labels(locale, tuple(Path(t) for t in templates)))
    return found


def _copied(value: Any) -> Any:
    """A copy of plain loaded data (mappings, lists, text): what ``copy.deepcopy`` gives, at a
    quarter of its cost (each render takes a copy)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


@cache
def _labels(locale: str, templates: tuple[Path, ...], depth: int = 0) -> Labels:
    path = _find(locale, templates)
    doc = load_bytes(read_template_bytes(path, limit=MAX_LABELS_BYTES), str(path))
    findings = list(doc.problems) + check(doc, _schema(), locale)
    if findings:
        raise LabelsInvalid(findings)
    based_on = doc.data.get("based_on")
    if based_on is None:
        flat: dict[str, str] = {}
        words: dict[str, str] = {}
    else:
        if depth >= MAX_CHAIN:
            raise TemplateError(f"{path}: `based_on` goes more than {MAX_CHAIN} files deep")
        if based_on == locale and not templates:
            raise TemplateError(f"{path}: a built-in labels file cannot be based on itself")
        # a practice's file based on its own locale builds on the built-in file of that name
        parent = _labels(str(based_on), () if based_on == locale else templates, depth + 1)
        flat, words = _flatten(parent), dict(parent.get("words", {}))
    flat.update(_flatten({k: v for k, v in doc.data.items() if k not in META}))
    if "words" in doc.data:
        words = {str(k): str(v) for k, v in (doc.data["words"] or {}).items()}
    labels = _nest(flat)
    labels["words"] = words
    return labels


def _find(locale: str, templates: tuple[Path, ...]) -> Path:
    found = library(templates).find(f"{FOLDER}/{locale}.yaml") if LOCALE.match(locale) else None
    if found is None:
        raise TemplateError(
            f"no labels for locale `{locale}`; available: {', '.join(locales(templates))} "
            f"(a practice adds one as {FOLDER}/{locale}.yaml in its --templates folder)"
        )
    return found


def check_file(path: Path) -> list[Finding]:
    """Every problem in one labels file, on its own (``plandoc templates check``)."""
    doc = load_bytes(read_template_bytes(path, limit=MAX_LABELS_BYTES), str(path))
    return list(doc.problems) + check(doc, _schema(), path.stem)


@cache
def _schema() -> dict[str, str]:
    """Every key of the built-in en-US file, dotted, with its text: the set of labels."""
    path = builtin_root() / FOLDER / f"{BASE}.yaml"
    doc = load_bytes(read_template_bytes(path, limit=MAX_LABELS_BYTES), str(path))
    return _flatten({k: v for k, v in doc.data.items() if k not in META})


def check(doc: Document, schema: dict[str, str], locale: str) -> list[Finding]:
    """Every problem in a loaded labels file (empty when it can be used)."""
    findings: list[Finding] = []

    def error(path: DocPath, message: str, *, key: bool = False) -> None:
        line, column = doc.locate(path, key=key)
        findings.append(Finding(doc.path, line, column, "error", message, "labels.invalid"))

    data = doc.data
    based_on = data.get("based_on")
    if based_on is not None and (not isinstance(based_on, str) or not LOCALE.match(based_on)):
        error(("based_on",), "`based_on` names a locale, such as `en-US`")
    if "words" in data:
        _check_words(data["words"], error)
    groups = {k: v for k, v in data.items() if k not in META}
    _check_group(groups, (), schema, error)
    if based_on is None:
        given = set(_flatten(groups, strict=False))
        missing = [key for key in schema if key not in given]
        if missing:
            shown = ", ".join(f"`{k}`" for k in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            error(
                (),
                f"missing label(s) {shown}{more}; give them, or add `based_on: {BASE}` to take "
                "the rest from it",
            )
    return findings


def _check_group(value: Any, path: tuple[str, ...], schema: dict[str, str], error: Any) -> None:
    if not isinstance(value, dict):
        error(path, f"`{'.'.join(path)}` is a group of labels; give it as `key: text` lines")
        return
    prefix = ".".join(path) + "." if path else ""
    for key, item in value.items():
        dotted = prefix + str(key)
        here = (*path, str(key))
        if dotted in schema:
            _check_text(item, dotted, schema[dotted], here, error)
        elif any(k.startswith(dotted + ".") for k in schema):
            _check_group(item, here, schema, error)
        else:
            siblings = {k[len(prefix) :].split(".")[0] for k in schema if k.startswith(prefix)}
            if not path:
                siblings |= set(META)
            error(here, f"unknown label `{dotted}`{did_you_mean(str(key), siblings)}", key=True)


def _check_text(value: Any, dotted: str, base: str, path: DocPath, error: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        error(path, f"`{dotted}` must be text (quote it if it looks like a number or a date)")
        return
    if len(value) > MAX_TEXT:
        error(path, f"`{dotted}` is longer than {MAX_TEXT} characters")
    slots, wanted = set(SLOT.findall(value)), set(SLOT.findall(base))
    if slots != wanted:
        need = ", ".join(f"{{{s}}}" for s in sorted(wanted)) or "none"
        error(path, f"`{dotted}` must use the same slots as en-US ({need})")


def _check_words(words: Any, error: Any) -> None:
    if words is None:
        return
    if not isinstance(words, dict):
        error(
            ("words",), "`words` maps a word to its spelling in this locale (`behavior: behaviour`)"
        )
        return
    if len(words) > MAX_WORDS:
        error(("words",), f"`words` may hold at most {MAX_WORDS} words")
    for key, value in words.items():
        ok = isinstance(key, str) and isinstance(value, str)
        if not ok or not str(key).strip() or len(str(key)) > 100 or len(str(value)) > 100:
            error(("words", str(key)), "each of `words` is a word and its spelling, both text")


def _flatten(data: dict[str, Any], *, strict: bool = True) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        if key == "words":
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in _flatten(value, strict=strict).items()})
        elif strict or isinstance(value, str):
            flat[str(key)] = str(value)
    return flat


def _nest(flat: dict[str, str]) -> Labels:
    nested: Labels = {}
    for dotted, text in flat.items():
        *groups, last = dotted.split(".")
        where = nested
        for group in groups:
            where = where.setdefault(group, {})
        where[last] = " ".join(text.split())
    return nested


# --- using them ------------------------------------------------------------------------------


def fill(text: str, **slots: Any) -> str:
    """*text* with each ``{slot}`` replaced. Deliberately not ``str.format``: a label from a
    practice's file must not be able to reach attributes (``{0.__class__}``)."""
    return SLOT.sub(lambda m: str(slots.get(m.group(1), m.group(0))), text)


def respell(text: str, labels: Labels | None) -> str:
    """*text* — an orientation's own wording or a fixed value shown as words, never the
    client's text — with each whole word of the locale's ``words`` table respelled (a word
    given in lower case also matches it capitalized)."""
    table = _table(tuple(sorted((labels or {}).get("words", {}).items())))
    if table is None:
        return text
    pattern, spelled = table
    return pattern.sub(lambda m: spelled[m.group(0)], text)


@cache
def _table(words: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    spelled: dict[str, str] = {}
    for word, spelling in words:
        spelled[word] = spelling
        if word[:1].islower():
            spelled.setdefault(word[:1].upper() + word[1:], spelling[:1].upper() + spelling[1:])
    if not spelled:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(spelled, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), spelled
