"""Revision diffs: what changed between two versions of a plan, matched by stable ids.

``diff_plans(old, new)`` compares two plan models and returns a frozen :class:`PlanDiff`: one
:class:`Change` per added, removed, changed or moved item or field, grouped by section, with
word-level edits inside free text; the new version's revision entry (why it changed); and
progress on every measure between the two versions, judged by each instrument's direction
(lower is better on PHQ-9). Items are matched by their stable ids — never by position — so
reordering is not a change and a renamed goal is a changed goal.

Nothing here names a field of an orientation: what an item is called (``item``), how items
without an id are matched across versions (``match_by``) and what each part of a plan is
called (``title``) come from the schema — the spec's own, and each orientation's folder.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..errors import PlandocError
from ..render.context.formatting import show, signed_number
from ..spec.instruments import Instrument
from ..spec.model import Plan
from ..spec.schema import Schema

Kind = Literal["added", "removed", "changed", "moved"]
Op = Literal["equal", "insert", "delete"]
Key = tuple[str, ...]


class DiffRefused(PlandocError):
    """Two files that are not versions of the same plan (without ``--force``)."""


@dataclass(frozen=True)
class TextEdit:
    op: Op
    text: str


@dataclass(frozen=True)
class Change:
    """One difference. ``path`` names it by stable ids: ("goals", "G1", "objectives", "G1.O2",
    "target_date"); ``keys`` are the ids (or match keys) of the items on that path."""

    kind: Kind
    section: str
    path: Key
    label: str
    old: Any = None
    new: Any = None
    edits: tuple[TextEdit, ...] = ()
    moved_from: Key = ()
    enum: bool = False  # the values come from a fixed list (a status), shown as words
    keys: tuple[str, ...] = ()
    summary: str = ""  # what an added or removed item is, in a few words
    unit: str = ""  # the unit a number is counted in ("days"), moved out of the field's name

    @property
    def ids(self) -> tuple[str, ...]:
        """Every stable id this change touches: those on its path and, for a whole item added,
        removed or moved, the ids inside it (an added objective's interventions)."""
        found = list(self.keys)
        if self.kind != "changed":
            found += _nested_ids(self.old) + _nested_ids(self.new)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Progress:
    """A measure between the two versions: the latest score in each, and what the change means."""

    label: str
    old: float | None
    old_date: dt.date | None
    new: float
    new_date: dt.date
    change: float | None
    direction: str  # "better", "worse", "no change", "new measure"
    # every score from the old version's latest (or the first, for a new measure) to the new
    # version's latest, oldest first: the course between the two versions
    course: tuple[tuple[float, dt.date], ...] = ()
    baseline: float | None = None  # the series' first score
    baseline_date: dt.date | None = None


@dataclass(frozen=True)
class Revision:
    version: int
    date: dt.date | None
    reason: str
    summary: str
    author: str


@dataclass(frozen=True)
class PlanDiff:
    plan_id: str
    client: str
    old_version: int
    new_version: int
    revision: Revision | None
    changes: tuple[Change, ...] = ()
    progress: tuple[Progress, ...] = ()
    warnings: tuple[str, ...] = ()
    titles: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes and not any(p.direction != "no change" for p in self.progress)

    def by_section(self) -> dict[str, list[Change]]:
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.section, []).append(change)
        return grouped

    def title(self, section: str) -> str:
        """What a section of the plan is called, for a heading."""
        return dict(self.titles).get(section, section.replace("_", " ").capitalize())


# What a field is called in a summary, and the unit of its number, where the spec's name for it
# is not the words a reader expects: a unit moved out of the name, a record named by what it
# counts. Every other field is called by its name in words ("target_date" → "target date").
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "review_interval_days": ("review interval", "days"),
    "duration_weeks": ("duration", "weeks"),
    "session_minutes": ("session length", "minutes"),
    "sustained_weeks": ("held for", "weeks"),
    "last_review_date": ("last review", ""),
    "next_review_date": ("next review", ""),
}


def field_name(name: str) -> str:
    """A field's name for a reader: from :data:`FIELD_NAMES`, else its words."""
    return FIELD_NAMES.get(name, (name.replace("_", " "), ""))[0]


def _unit(name: str) -> str:
    return FIELD_NAMES.get(name, ("", ""))[1]


IGNORED: set[Key] = {
    ("revisions",),
    ("spec_version",),
    ("plan", "version"),
    ("plan", "superseded_by"),  # the old version's record of its successor, not a change
    ("plan", "superseded_on"),
}


def diff_plans(old: Plan, new: Plan, *, force: bool = False) -> PlanDiff:
    """Compare two checked plans; refuse different plans unless *force*."""
    _refuse_unrelated(old, new, force=force)
    schema = new.orientation.plan_schema if new.orientation else {}
    walk = _Walk(new)
    changes = list(
        walk.changes(old.data, new.data, (), {"type": "dict", "schema": schema}, _Where())
    )
    changes = _ignore_superseded_status(changes)
    changes = _detect_moves(changes)
    revision = _revision(new)
    titles = {name: str(rules.get("meta", {}).get("title", name)) for name, rules in schema.items()}
    if new.orientation:
        titles["orientation_details"] = new.orientation.label
    return PlanDiff(
        plan_id=str(new.info.id),
        client=str(new.client.id if new.client else ""),
        old_version=int(old.info.version or 0),
        new_version=int(new.info.version or 0),
        revision=revision,
        changes=tuple(changes),
        progress=tuple(_progress(old, new)),
        warnings=tuple(_warnings(old, new, revision)),
        titles=tuple(titles.items()),
    )


def _refuse_unrelated(a: Plan, b: Plan, *, force: bool) -> None:
    if force:
        return
    if a.info.id != b.info.id:
        raise DiffRefused(
            f"these are different plans ({a.info.id} and {b.info.id}); pass --force to compare them anyway"
        )
    old_client, new_client = (p.client.id if p.client else None for p in (a, b))
    if old_client != new_client:
        raise DiffRefused(
            f"these plans are for different clients ({old_client} and {new_client}); pass --force to compare them anyway"
        )


def _warnings(a: Plan, b: Plan, revision: Revision | None) -> Iterator[str]:
    if (b.info.version or 0) <= (a.info.version or 0):
        yield f"the new file's version ({b.info.version}) is not greater than the old one's ({a.info.version}): are the files the right way round?"
    if revision is None:
        yield f"the new version {b.info.version} has no revision entry saying when and why it was revised"


def _revision(b: Plan) -> Revision | None:
    entry = b.revision
    if entry is None or entry.version is None:
        return None
    return Revision(
        entry.version, entry.date, entry.reason or "", entry.summary or "", entry.author or ""
    )


# --- the walk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """The nearest list item on the way down (``Objective G1.O2``), the fields since, and the
    keys of the items passed."""

    item: str = ""
    tail: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()

    def field(self, name: str) -> _Where:
        return _Where(self.item, (*self.tail, name), self.keys)

    def into(self, item: str, key: str, shown: str | None = None) -> _Where:
        """Into the list item *key*, called *shown* ("" for an item best named by its text)."""
        name = key if shown is None else shown
        return _Where(f"{item} {name}".strip(), (), (*self.keys, key))

    def label(self) -> str:
        """ "Objective G1.O2: target date", "Risk level" — the nearest item, then the field
        named in words (a record's field after the record's name)."""
        words = " ".join(field_name(p) for p in self.tail)
        if self.item and words:
            return f"{self.item}: {words}"
        text = self.item or words
        return text[:1].upper() + text[1:]


class _Walk:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def changes(
        self, old: Any, new: Any, path: Key, rules: Schema, where: _Where
    ) -> Iterator[Change]:
        """Every change between *old* and *new* at *path*, whose schema *rules* say what it is."""
        if path in IGNORED:
            return
        if path[-1:] == ("frequency",) and isinstance(old, dict) and isinstance(new, dict):
            if old != new:
                yield _frequency_change(old, new, path, where)
            return
        if isinstance(old, dict) and isinstance(new, dict):
            fields = rules.get("schema") if rules.get("type") == "dict" else None
            fields = fields if isinstance(fields, dict) else {}
            for key in [*new, *(k for k in old if k not in new)]:
                here = where.field(key) if path else where
                yield from self.changes(
                    old.get(key), new.get(key), (*path, key), fields.get(key, {}), here
                )
        elif isinstance(old, list) and isinstance(new, list):
            yield from self._list(old, new, path, rules, where)
        elif old != new and not (_empty(old) and _empty(new)):
            yield _field_change(old, new, path, where, enum="allowed" in rules)

    def _list(
        self, old: list[Any], new: list[Any], path: Key, rules: Schema, where: _Where
    ) -> Iterator[Change]:
        meta = rules.get("meta", {})
        name = str(meta.get("item") or path[-1].replace("_", " ").capitalize())
        found = rules.get("schema")
        item_rules: Schema = found if isinstance(found, dict) else {}
        if all(not isinstance(v, dict) for v in [*old, *new]):
            yield from _scalars(old, new, path, name, where, enum="allowed" in item_rules)
            return
        key = _key_function(item_rules, meta.get("match_by"))
        fields = item_rules.get("schema", {}) if isinstance(item_rules.get("schema"), dict) else {}
        by_id = "id" in fields
        old_items = _keyed([v for v in old if isinstance(v, dict)], key)
        new_items = _keyed([v for v in new if isinstance(v, dict)], key)
        for k, item in new_items.items():
            if k not in old_items:
                whole = where.into(name, k, _shown_key(k, by_id, whole=True))
                yield self._whole("added", path, k, whole, item, fields)
            else:
                inner = where.into(name, k, _shown_key(k, by_id, item, fields))
                yield from self.changes(
                    old_items[k], item, (*path, k), self._item_rules(path, item, item_rules), inner
                )
        for k, item in old_items.items():
            if k not in new_items:
                whole = where.into(name, k, _shown_key(k, by_id, whole=True))
                yield self._whole("removed", path, k, whole, item, fields)
        if by_id:
            for k, was, now in _reordered(list(old_items), list(new_items)):
                shown = where.into(name, k, _shown_key(k, by_id, whole=True))
                yield Change(
                    "moved", path[0], (*path, k), shown.label(), old=old_items[k],
                    new=new_items[k], moved_from=(*path, k), keys=shown.keys,
                    summary=f"now {now}, was {was}",
                )  # fmt: skip

    def _item_rules(self, path: Key, item: dict[str, Any], rules: Schema) -> Schema:
        """A module of an orientation made of modules is walked with its own orientation's
        fields; every other item with its list's."""
        spec = self.plan.orientation.modules if self.plan.orientation else None
        if spec is None or path != ("orientation_details", spec.field):
            return rules
        inner = next(
            (
                m.definition
                for m in self.plan.modules
                if m.orientation == item.get(spec.orientation)
            ),
            None,
        )
        if inner is None:
            return rules
        fields = {**rules.get("schema", {}), spec.details: {"type": "dict", "schema": inner.schema}}
        return {**rules, "schema": fields}

    def _whole(
        self, kind: Kind, path: Key, key: str, where: _Where, item: dict[str, Any], fields: Schema
    ) -> Change:
        old, new = (item, None) if kind == "removed" else (None, item)
        summary = _summary(path[0], item, fields)
        summary = "" if summary in where.label() else summary
        return Change(
            kind,
            path[0],
            (*path, key),
            where.label(),
            old=old,
            new=new,
            keys=where.keys,
            summary=summary,
        )


def _shown_key(
    key: str,
    by_id: bool,
    item: dict[str, Any] | None = None,
    fields: Schema | None = None,
    *,
    whole: bool = False,
) -> str:
    """How an item's key reads in a label: an id such as G1.O2 as it is; an id made of words
    (`job_contacts`) and a key taken from the item's text not at all for a whole item (its
    summary names it); else a short key as it is (`F43.23`), a longer one in quotes."""
    if by_id and "_" not in key and " " not in key:
        return key
    if whole:
        return ""
    if "_" not in key and len(key.split()) <= 4:
        return key
    text = _summary("", item or {}, fields or {}) if by_id else key
    return f"“{text or key.replace('_', ' ')}”"


def _frequency_change(old: dict[str, Any], new: dict[str, Any], path: Key, where: _Where) -> Change:
    """How often, in words ("twice a month → once a week"), not its count and unit apart."""
    from ..render.context.describe import frequency

    before, after = frequency({"frequency": old}), frequency({"frequency": new})
    sessions = _Where(where.item, (*where.tail[:-1], "sessions"), where.keys).label()
    return Change("changed", path[0], path, sessions, old=before, new=after, keys=where.keys)


def _reordered(old: list[str], new: list[str]) -> Iterator[tuple[str, str, str]]:
    """Items kept but put in another order: those outside the longest run of items that kept
    their order, each with its place before and after ("2 of 3")."""
    was = {k: n for n, k in enumerate(old, 1)}
    now = {k: n for n, k in enumerate(new, 1)}
    kept = [k for k in new if k in was]
    before = [k for k in old if k in now]
    if kept == before:
        return
    matcher = difflib.SequenceMatcher(None, before, kept, autojunk=False)
    stayed = {k for a, _, size in matcher.get_matching_blocks() for k in before[a : a + size]}
    for k in kept:
        if k not in stayed:
            yield k, f"{was[k]} of {len(old)}", f"{now[k]} of {len(new)}"


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _key_function(item_rules: Schema, match_by: Any) -> Callable[[dict[str, Any]], str]:
    """How the items of a list are matched across versions: by ``id``, else by the fields of
    ``match_by`` (from the schema)."""
    fields = item_rules.get("schema", {}) if isinstance(item_rules.get("schema"), dict) else {}
    if "id" in fields:
        return lambda item: str(item.get("id"))
    names = [match_by] if isinstance(match_by, str) else list(match_by or [])
    return lambda item: " ".join(show(item.get(n)) for n in names if not _empty(item.get(n))) or "?"


def _keyed(
    items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> dict[str, dict[str, Any]]:
    """Items by key; a key seen again gets its occurrence number (`F41.1 #2`), so two items
    that share a key (two scores on one day) never overwrite each other."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        base = key(item)
        name, n = base, 1
        while name in out:
            n += 1
            name = f"{base} #{n}"
        out[name] = item
    return out


def _scalars(
    old: list[Any], new: list[Any], path: Key, name: str, where: _Where, *, enum: bool
) -> Iterator[Change]:
    """Lists of text (strengths, criteria …): items added or removed, matched by their text and
    counted, so a line given twice is seen."""
    label = f"{where.item}: {name.lower()}" if where.item else name
    olds, news = Counter(show(v) for v in old), Counter(show(v) for v in new)
    for item, count in (news - olds).items():
        for _ in range(count):
            yield Change(
                "added", path[0], (*path, item), label, new=item, enum=enum, keys=where.keys,
                summary=show(item, enum=enum),
            )  # fmt: skip
    for item, count in (olds - news).items():
        for _ in range(count):
            yield Change(
                "removed", path[0], (*path, item), label, old=item, enum=enum, keys=where.keys,
                summary=show(item, enum=enum),
            )  # fmt: skip


def _field_change(old: Any, new: Any, path: Key, where: _Where, *, enum: bool) -> Change:
    edits: tuple[TextEdit, ...] = ()
    if isinstance(old, str) and isinstance(new, str) and not enum:
        edits = word_edits(old, new)
    return Change(
        "changed",
        path[0],
        path,
        where.label(),
        old=old,
        new=new,
        edits=edits,
        enum=enum,
        keys=where.keys,
        unit=_unit(path[-1]) if all(isinstance(v, int | float | None) for v in (old, new)) else "",
    )


def _summary(section: str, item: dict[str, Any], fields: Schema) -> str:
    """What an item is, in a few words: a diagnosis by its code and title, a score by its value
    and date, anything else by its first text field — free text before codes and fixed words,
    required before optional."""
    if section == "assessment" and "code" in item and "primary" in item:
        from ..spec.icd import lookup

        found = lookup(str(item["code"]))
        return f"{item['code']} {item.get('description') or (found.title if found else '')}".strip()
    if section == "measurements" and "score" in item:
        return f"{show(item['score'])} on {show(item.get('date'))}"
    texts = [n for n, r in fields.items() if r.get("type") == "string" and n != "id"]
    words = [n for n in texts if "allowed" not in fields[n] and "regex" not in fields[n]]
    for name in [n for n in words if fields[n].get("required")] + words + texts:
        if item.get(name):
            return show(item[name], enum="allowed" in fields[name])
    return ""


def _nested_ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["id"]] if isinstance(value.get("id"), str) else []
        return own + [i for child in value.values() for i in _nested_ids(child)]
    if isinstance(value, list):
        return [i for child in value for i in _nested_ids(child)]
    return []


def word_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    """Word-level edits turning *old* into *new*. Words, punctuation marks and spaces are
    separate tokens, so a full stop gained or lost is an edit of the stop, not of its word."""
    a, b = _tokens(old), _tokens(new)
    edits: list[TextEdit] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            edits.append(TextEdit("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                edits.append(TextEdit("delete", "".join(a[i1:i2])))
            if j2 > j1:
                edits.append(TextEdit("insert", "".join(b[j1:j2])))
    return tuple(_absorb_lone_spaces(edits))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’\-]\w+)*|[^\w\s]|\s+", text)


def _absorb_lone_spaces(edits: list[TextEdit]) -> list[TextEdit]:
    """A space or a lone mark left equal between two changed runs ("~~a~~ **b** ~~c~~") joins
    them, so a reader sees one phrase replaced rather than a comb of single words."""
    out: list[TextEdit] = []
    for i, edit in enumerate(edits):
        filler = not re.search(r"\w", edit.text) and len(edit.text.strip()) <= 1
        lone = edit.op == "equal" and filler and 0 < i < len(edits) - 1
        if lone and out and out[-1].op != "equal" and edits[i + 1].op != "equal":
            out.extend([TextEdit("delete", edit.text), TextEdit("insert", edit.text)])
            continue
        out.append(edit)
    return _merge(out)


def _merge(edits: list[TextEdit]) -> list[TextEdit]:
    """Deletions before insertions within each changed run, neighbours of one kind joined."""
    out: list[TextEdit] = []
    run: list[TextEdit] = []
    for edit in [*edits, TextEdit("equal", "")]:
        if edit.op != "equal":
            run.append(edit)
            continue
        for op in ("delete", "insert"):
            text = "".join(e.text for e in run if e.op == op)
            if text:
                out.append(TextEdit(op, text))
        run = []
        if edit.text:
            if out and out[-1].op == "equal":
                out[-1] = TextEdit("equal", out[-1].text + edit.text)
            else:
                out.append(edit)
    return out


def _ignore_superseded_status(changes: list[Change]) -> list[Change]:
    """The old file is marked `superseded` when the new one is written: that is not a change."""
    return [c for c in changes if not (c.path == ("plan", "status") and c.old == "superseded")]


def _detect_moves(changes: list[Change]) -> list[Change]:
    """An item removed from one list and added with the same id to another has moved (a DBT
    target moving down the hierarchy). Only whole items with ids pair up, each at most once."""

    def item_id(change: Change) -> str | None:
        value = change.old if change.kind == "removed" else change.new
        return (
            value.get("id")
            if isinstance(value, dict) and isinstance(value.get("id"), str)
            else None
        )

    removed = {item_id(c): c for c in changes if c.kind == "removed" and item_id(c)}
    paired: set[Key] = set()
    out: list[Change] = []
    for change in changes:
        before = removed.get(item_id(change)) if change.kind == "added" else None
        if (
            before is not None
            and before.path not in paired
            and before.path[:-1] != change.path[:-1]
        ):
            paired.add(before.path)
            moved = Change(
                "moved", change.section, change.path, change.label, old=before.old, new=change.new
            )
            out.append(
                replace(moved, moved_from=before.path, keys=change.keys, summary=change.summary)
            )
        else:
            out.append(change)
    return [c for c in out if not (c.kind == "removed" and c.path in paired)]


# --- progress -----------------------------------------------------------------------------


def _progress(a: Plan, b: Plan) -> Iterator[Progress]:
    """For each series of scores in the new version, its latest score in each version."""
    instruments = a.instruments | b.instruments  # the new version's definitions win
    for key, scores in b.series.items():
        instrument = instruments.get(key[0])
        if instrument is None:
            continue
        before = a.series.get(key)
        progress = _one_progress(instrument, key, before[-1] if before else None, scores[-1])
        points = [(float(m.score), m.date) for m in scores if m.score is not None and m.date]
        since = before[-1].date if before else None
        course = tuple(p for p in points if since is None or p[1] >= since)
        first = points[0] if points else (None, None)
        yield replace(progress, course=course, baseline=first[0], baseline_date=first[1])


def _one_progress(
    instrument: Instrument, key: tuple[str, str, str], before: Any, latest: Any
) -> Progress:
    extras = [p for p in (key[1], f"objective {key[2]}" if key[2] else "") if p]
    label = f"{instrument.name} ({', '.join(extras)})" if extras else instrument.name
    new = float(latest.score)
    if before is None:
        return Progress(label, None, None, new, latest.date, None, "new measure")
    old = float(before.score)
    gain = instrument.improvement(old, new)
    direction = "no change" if gain == 0 else ("better" if gain > 0 else "worse")
    return Progress(label, old, before.date, new, latest.date, new - old, direction)


# --- a readable line per change (for the summaries) -----------------------------------------


def describe(change: Change) -> str:
    """One line for a person: what changed, in words ("<label>: <what>")."""
    if change.kind in ("added", "removed"):
        return f"{change.label} {change.kind}" + (f": {change.summary}" if change.summary else "")
    if change.kind == "moved" and change.moved_from == change.path:
        return f"{change.label} moved: {change.summary}"
    if change.kind == "moved":
        return f"{change.label} moved from {_where(change.moved_from)} to {_where(change.path)}"
    old, new = show(change.old, enum=change.enum), show(change.new, enum=change.enum)
    unit = f" {change.unit}" if change.unit and new else ""
    return f"{change.label}: {old or '(none)'} → {new or '(none)'}{unit}"


def _where(path: Key) -> str:
    """Where an item sat, in words: "goal G2", "the objectives of goal G1"."""
    parts = [p for p in path[:-1] if p != "orientation_details"]
    return " ".join(field_name(p) for p in parts)


def progress_line(p: Progress) -> str:
    if p.old is None:
        return f"{p.label}: first score {show(p.new)} on {show(p.new_date)}"
    change = signed_number(p.change or 0)
    return f"{p.label}: {course_text(p)}, {change}, {p.direction}"


COURSE_POINTS = 7
"""At most this many scores in a course; a longer one keeps its first, lowest, highest and
latest scores and those spread between."""


def course_text(p: Progress) -> str:
    """``13 (4 May) → 6 (3 Aug) → 18 (12 Oct) → 16 (2 Nov)``: the scores between the two
    versions, the year left out when every date shares the latest one's."""
    points = _thinned(list(p.course)) or [(p.new, p.new_date)]
    same_year = all(day.year == p.new_date.year for _, day in points)

    def when(day: dt.date) -> str:
        return f"{day.day} {day:%b}" if same_year else show(day)

    return " → ".join(f"{show(score)} ({when(day)})" for score, day in points)


def _thinned(points: list[tuple[float, dt.date]]) -> list[tuple[float, dt.date]]:
    if len(points) <= COURSE_POINTS:
        return points
    keep = {0, len(points) - 1}
    keep |= {min(range(len(points)), key=lambda i: points[i][0])}
    keep |= {max(range(len(points)), key=lambda i: points[i][0])}
    step = (len(points) - 1) / (COURSE_POINTS - 1)
    for n in range(1, COURSE_POINTS - 1):
        if len(keep) >= COURSE_POINTS:
            break
        keep.add(round(n * step))
    return [points[i] for i in sorted(keep)]


__all__ = [
    "Change",
    "DiffRefused",
    "PlanDiff",
    "Progress",
    "Revision",
    "TextEdit",
    "course_text",
    "describe",
    "diff_plans",
    "progress_line",
    "word_edits",
]
