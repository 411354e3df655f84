"""Revision diffs: what changed between two versions of a plan, matched by stable ids.

``diff_plans(old, new)`` compares two checked plans and returns a frozen :class:`PlanDiff`:
one :class:`Change` per added, removed, changed or moved item or field, grouped by section,
with word-level edits inside free text; the new version's revision entry (why it changed);
and progress on every measure between the two versions, judged by each instrument's
direction (lower is better on PHQ-9). Items are matched by their stable ids — never by
position — so reordering is not a change and a renamed goal is a changed goal.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import PlandocError
from ..render.formatting import show, signed_number
from ..spec._walk import primary_participant
from ..spec.instruments import Instrument, plan_instruments
from ..spec.orientations import get_orientation
from ..spec.schema import Schema, fill, plan_schema

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
    """One difference. ``path`` names it by stable ids: ("goals", "G1", "objectives", "G1.O2", "target_date")."""

    kind: Kind
    section: str
    path: Key
    label: str
    old: Any = None
    new: Any = None
    edits: tuple[TextEdit, ...] = ()
    moved_from: Key = ()
    enum: bool = False  # the values come from a fixed list (a status), shown as words

    @property
    def ids(self) -> tuple[str, ...]:
        """Every stable id this change touches: those on its path and, for a whole item added,
        removed or moved, the ids inside it (an added objective's interventions)."""
        found = _path_keys(self.path)
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

    @property
    def empty(self) -> bool:
        return not self.changes and not any(p.direction != "no change" for p in self.progress)

    def by_section(self) -> dict[str, list[Change]]:
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.section, []).append(change)
        return grouped


SECTION_TITLES = {
    "plan": "Plan",
    "participants": "Participants",
    "guardian": "Guardian",
    "clinician": "Clinician",
    "supervisor": "Supervisor",
    "practice": "Practice",
    "assessment": "Assessment and diagnoses",
    "instruments": "Measures defined",
    "problems": "Problems",
    "goals": "Goals, objectives and interventions",
    "measurements": "Scores recorded",
    "services": "Services",
    "orientation_details": "Orientation section",
    "safety_plan": "Safety plan",
    "discharge": "Discharge and aftercare",
    "signatures": "Signatures",
    "extensions": "Practice data",
}

# Singular names for list items, by the list's field name.
ITEM_NAMES = {
    "participants": "Participant",
    "diagnoses": "Diagnosis",
    "problems": "Problem",
    "behavioural_definitions": "Behavioural definition",
    "goals": "Goal",
    "objectives": "Objective",
    "interventions": "Intervention",
    "services": "Service",
    "instruments": "Measure",
    "signatures": "Signature",
    "attempts": "Attempt",
    "help_contacts": "Contact",
    "professional_contacts": "Professional contact",
    "target_thoughts": "Target thought",
    "behavioural_experiments": "Behavioural experiment",
    "exposure_hierarchy": "Exposure step",
    "homework": "Homework",
    "targets": "Target",
    "resources_installed": "Resource",
    "life_threatening": "Life-threatening target",
    "therapy_interfering": "Therapy-interfering target",
    "quality_of_life": "Quality-of-life target",
    "diary_card": "Diary-card item",
    "gas_scales": "GAS scale",
    "levels": "Level",
    "modules": "Module",
    "unique_outcomes": "Unique outcome",
    "effects": "Effect",
    "witnesses": "Witness",
    "documents": "Document",
    "defences": "Defence",
    "strengths_inventory": "Strength",
    "supports": "Support",
    "measurements": "Score",
}

# How items of lists without an `id` are matched, by the list's field name.
KEYS: dict[str, Callable[[dict[str, Any]], str]] = {
    "diagnoses": lambda d: str(d.get("code")),
    "signatures": lambda s: f"{s.get('role')} {s.get('participant') or s.get('name')}",
    "attempts": lambda a: f"{a.get('date')}:{a.get('method')}",
    "help_contacts": lambda c: str(c.get("name")),
    "professional_contacts": lambda c: str(c.get("name")),
    "gas_scales": lambda g: str(g.get("goal")),
    "levels": lambda level: str(level.get("score")),
    "diary_card": lambda d: str(d.get("target")),
    "resources_installed": lambda r: str(r.get("name")),
    "effects": lambda e: str(e.get("area")),
    "witnesses": lambda w: str(w.get("name")),
    "supports": lambda s: str(s.get("name")),
    "documents": lambda d: str(d.get("title")),
    "defences": lambda d: str(d.get("name")),
    "modules": lambda m: str(m.get("orientation")),
    "strengths_inventory": lambda s: f"{s.get('area')}: {s.get('strength')}",
}

# The field that says what an item is, in a summary line.
SUMMARY_FIELDS = (
    "client_words",
    "description",
    "title",
    "text",
    "behaviour",
    "thought",
    "step",
    "memory",
    "task",
    "prediction",
    "name",
    "strength",
    "effect",
    "summary",
    "code",
    "target",
    "focus",
)

IGNORED: set[Key] = {("revisions",), ("spec_version",), ("plan", "version")}


def diff_plans(old: dict[str, Any], new: dict[str, Any], *, force: bool = False) -> PlanDiff:
    """Compare two checked plans (as loaded); refuse different plans unless *force*."""
    (a, _), (b, schema) = _normalised(old), _normalised(new)
    _refuse_unrelated(a, b, force=force)
    changes = list(_walk(a, b, (), {"type": "dict", "schema": schema}))
    changes = _ignore_superseded_status(changes)
    changes = _detect_moves(changes)
    revision = _revision(b)
    return PlanDiff(
        plan_id=str(b["plan"]["id"]),
        client=str(primary_participant(b).get("id")),
        old_version=int(a["plan"]["version"]),
        new_version=int(b["plan"]["version"]),
        revision=revision,
        changes=tuple(changes),
        progress=tuple(_progress(a, b)),
        warnings=tuple(_warnings(a, b, revision)),
    )


def _normalised(data: dict[str, Any]) -> tuple[dict[str, Any], Schema]:
    orientation = get_orientation(str(data["plan"]["orientation"]))
    schema = plan_schema(orientation.schema if orientation else None)
    return fill(schema, data), schema


def _refuse_unrelated(a: dict[str, Any], b: dict[str, Any], *, force: bool) -> None:
    if force:
        return
    if a["plan"]["id"] != b["plan"]["id"]:
        raise DiffRefused(
            f"these are different plans ({a['plan']['id']} and {b['plan']['id']}); pass --force to compare them anyway"
        )
    if primary_participant(a).get("id") != primary_participant(b).get("id"):
        raise DiffRefused(
            f"these plans are for different clients ({primary_participant(a).get('id')} and {primary_participant(b).get('id')}); pass --force to compare them anyway"
        )


def _warnings(a: dict[str, Any], b: dict[str, Any], revision: Revision | None) -> Iterator[str]:
    if b["plan"]["version"] <= a["plan"]["version"]:
        yield f"the new file's version ({b['plan']['version']}) is not greater than the old one's ({a['plan']['version']}): are the files the right way round?"
    if revision is None:
        yield f"the new version {b['plan']['version']} has no revision entry saying when and why it was revised"


def _revision(b: dict[str, Any]) -> Revision | None:
    for entry in reversed(b["revisions"]):
        if entry.get("version") == b["plan"]["version"]:
            return Revision(
                int(entry["version"]),
                entry.get("date"),
                str(entry.get("reason", "")),
                str(entry.get("summary", "")),
                str(entry.get("author") or ""),
            )
    return None


# --- the walk ---------------------------------------------------------------------------


def _walk(old: Any, new: Any, path: Key, rules: Schema) -> Iterator[Change]:
    """Every change between *old* and *new* at *path*, whose schema *rules* say what it is."""
    if path in IGNORED:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        fields = rules.get("schema") if rules.get("type") == "dict" else None
        fields = fields if isinstance(fields, dict) else {}
        for key in [*new, *(k for k in old if k not in new)]:
            yield from _walk(old.get(key), new.get(key), (*path, key), fields.get(key, {}))
    elif isinstance(old, list) and isinstance(new, list):
        item = rules.get("schema") if rules.get("type") == "list" else None
        yield from _walk_list(old, new, path, item if isinstance(item, dict) else {})
    elif old != new and not (_empty(old) and _empty(new)):
        yield _field_change(old, new, path, enum="allowed" in rules)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _walk_list(old: list[Any], new: list[Any], path: Key, item_rules: Schema) -> Iterator[Change]:
    if all(not isinstance(v, dict) for v in [*old, *new]):
        yield from _walk_scalars(old, new, path, enum="allowed" in item_rules)
        return
    name = _field_name(path)
    key = _key_function(name)
    old_items = _keyed([v for v in old if isinstance(v, dict)], key)
    new_items = _keyed([v for v in new if isinstance(v, dict)], key)
    for k, item in new_items.items():
        if k not in old_items:
            yield Change("added", path[0], (*path, k), _item_label(name, k), new=item)
        else:
            yield from _walk(old_items[k], item, (*path, k), item_rules)
    for k, item in old_items.items():
        if k not in new_items:
            yield Change("removed", path[0], (*path, k), _item_label(name, k), old=item)


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


def _walk_scalars(old: list[Any], new: list[Any], path: Key, *, enum: bool) -> Iterator[Change]:
    """Lists of text (strengths, criteria …): items added or removed, matched by their text and
    counted, so a line given twice is seen."""
    label = _field_label(path)
    olds, news = Counter(show(v) for v in old), Counter(show(v) for v in new)
    for item, count in (news - olds).items():
        for _ in range(count):
            yield Change("added", path[0], (*path, item), label, new=item, enum=enum)
    for item, count in (olds - news).items():
        for _ in range(count):
            yield Change("removed", path[0], (*path, item), label, old=item, enum=enum)


def _field_change(old: Any, new: Any, path: Key, *, enum: bool) -> Change:
    edits: tuple[TextEdit, ...] = ()
    if isinstance(old, str) and isinstance(new, str) and not enum:
        edits = word_edits(old, new)
    return Change(
        "changed", path[0], path, _field_label(path), old=old, new=new, edits=edits, enum=enum
    )


def _field_name(path: Key) -> str:
    """The schema field a path ends in (skipping the ids of list items)."""
    keys = set(_path_keys(path))
    names = [p for p in path if p not in keys]
    return names[-1] if names else ""


def _is_list_field(name: str) -> bool:
    return name in ITEM_NAMES or name in KEYS or name in ("measurements", "revisions")


def _key_function(name: str) -> Callable[[dict[str, Any]], str]:
    if name in KEYS:
        return KEYS[name]
    if name == "measurements":
        return lambda m: " ".join(
            str(m[k]) for k in ("instrument", "participant", "objective", "date") if m.get(k)
        )
    return lambda item: str(item["id"]) if "id" in item else repr(sorted(item.items()))


def _nested_ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["id"]] if isinstance(value.get("id"), str) else []
        return own + [i for child in value.values() for i in _nested_ids(child)]
    if isinstance(value, list):
        return [i for child in value for i in _nested_ids(child)]
    return []


def _path_keys(path: Key) -> list[str]:
    """The parts of a path that name list items (ids, codes), not fields."""
    return [
        part for index, part in enumerate(path) if index > 0 and _is_list_field(path[index - 1])
    ]


def _item_label(name: str, key: str) -> str:
    return f"{ITEM_NAMES.get(name, name.replace('_', ' ').capitalize())} {key}"


def _field_label(path: Key) -> str:
    """ "Objective G1.O2: target date" — the nearest item, then the field."""
    item, tail = "", list(path[1:]) or list(path)
    for index in range(len(path) - 1, 0, -1):
        if _is_list_field(path[index - 1]):
            item, tail = _item_label(path[index - 1], path[index]), list(path[index + 1 :])
            break
    words = " › ".join(p.replace("_", " ") for p in tail)
    if item and words:
        return f"{item}: {words}"
    text = item or words
    return text[:1].upper() + text[1:]


def word_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    """Word-level edits turning *old* into *new* (whitespace kept with the word before it)."""
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
    return tuple(edits)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


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
            out.append(
                Change(
                    "moved",
                    change.section,
                    change.path,
                    change.label,
                    old=before.old,
                    new=change.new,
                    moved_from=before.path,
                )
            )
        else:
            out.append(change)
    return [c for c in out if not (c.kind == "removed" and c.path in paired)]


# --- progress -----------------------------------------------------------------------------


def _progress(a: dict[str, Any], b: dict[str, Any]) -> Iterator[Progress]:
    instruments = plan_instruments(a["instruments"]) | plan_instruments(
        b["instruments"]
    )  # new wins
    old_series = _series(a["measurements"])
    for group, points in _series(b["measurements"]).items():
        instrument = instruments.get(group[0])
        if instrument is None:
            continue
        latest = points[-1]
        before = old_series.get(group)
        yield _one_progress(instrument, group, before[-1] if before else None, latest, b)


def _series(measurements: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for m in sorted(measurements, key=lambda m: m["date"]):
        groups.setdefault(
            (str(m["instrument"]), str(m.get("participant") or ""), str(m.get("objective") or "")),
            [],
        ).append(m)
    return groups


def _one_progress(
    instrument: Instrument,
    group: tuple[str, str, str],
    before: dict[str, Any] | None,
    latest: dict[str, Any],
    plan: dict[str, Any],
) -> Progress:
    extras = [p for p in (group[1], f"objective {group[2]}" if group[2] else "") if p]
    label = f"{instrument.name} ({', '.join(extras)})" if extras else instrument.name
    new = float(latest["score"])
    if before is None:
        return Progress(label, None, None, new, latest["date"], None, "new measure")
    old = float(before["score"])
    gain = instrument.improvement(old, new)
    direction = "no change" if gain == 0 else ("better" if gain > 0 else "worse")
    return Progress(label, old, before["date"], new, latest["date"], new - old, direction)


# --- a readable line per change (for the summaries) -----------------------------------------


def describe(change: Change) -> str:
    """One line for a person: what changed, in words ("<label>: <what>")."""
    if change.kind == "added":
        return f"{change.label} added: {summarise(change.new)}"
    if change.kind == "removed":
        return f"{change.label} removed: {summarise(change.old)}"
    if change.kind == "moved":
        return f"{change.label} moved from {_where(change.moved_from)} to {_where(change.path)}"
    old, new = show(change.old, enum=change.enum), show(change.new, enum=change.enum)
    return f"{change.label}: {old or '(none)'} → {new or '(none)'}"


def _where(path: Key) -> str:
    return " › ".join(p.replace("_", " ") for p in path[:-1] if p != "orientation_details")


def summarise(value: Any) -> str:
    if isinstance(value, dict) and value.get("code") and "primary" in value:  # a diagnosis
        from ..spec.icd import lookup

        found = lookup(str(value["code"]))
        return (
            f"{value['code']} {value.get('description') or (found.title if found else '')}".strip()
        )
    if isinstance(value, dict) and "instrument" in value and "score" in value:  # a score
        return f"{show(value['score'])} on {show(value['date'])}"
    if isinstance(value, dict):
        for name in SUMMARY_FIELDS:
            if value.get(name):
                return show(value[name])
        return show(value)
    return show(value)


def progress_line(p: Progress) -> str:
    if p.old is None:
        return f"{p.label}: first score {show(p.new)} on {show(p.new_date)}"
    change = signed_number(p.change or 0)
    return f"{p.label}: {show(p.old)} ({show(p.old_date)}) → {show(p.new)} ({show(p.new_date)}), {change}, {p.direction}"


__all__ = [
    "Change",
    "DiffRefused",
    "PlanDiff",
    "Progress",
    "Revision",
    "TextEdit",
    "describe",
    "diff_plans",
    "progress_line",
    "word_edits",
]
