"""Harder revision pairs, generated from the agoraphobia sample's version 2: one kind of edit
each (goals reordered, a goal deleted, a row added mid-table, an item inserted mid-list, one
word changed in a long paragraph, the last word of a list item changed with an item added
after it, a date changed, a measurement added) and all of them at once. The redline tests
judge them in LibreOffice and by the ids their tracked changes carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import SAMPLES

BASE = SAMPLES / "revisions" / "agoraphobia-v2.yaml"


def _edit_goals_reordered(data: dict) -> None:
    goals = data["goals"]
    goals[1], goals[2] = goals[2], goals[1]


def _edit_goal_deleted(data: dict) -> None:
    data["goals"] = [g for g in data["goals"] if g["id"] != "G3"]
    data["measurements"] = [m for m in data["measurements"] if m["instrument"] != "phq9"]
    data["instruments"] = [i for i in data["instruments"] if i["id"] != "phq9"]


def _edit_row_mid_table(data: dict) -> None:
    steps = data["orientation_details"]["exposure_hierarchy"]
    at = next(n for n, s in enumerate(steps) if s["id"] == "X4")
    steps.insert(
        at, {"id": "X9", "step": "Drive over the bridge at dusk with the radio off", "suds": 60}
    )


def _edit_item_mid_list(data: dict) -> None:
    data["orientation_details"]["psychoeducation"].insert(
        1, "What a panic attack can and cannot do to his heart"
    )


def _edit_one_word(data: dict) -> None:
    plan = data["plan"]
    plan["participation"] = plan["participation"].replace("proposed raising", "suggested raising")


def _edit_last_word_and_more(data: dict) -> None:
    relapse = data["orientation_details"]["relapse_prevention"]
    relapse[0] = relapse[0].replace("glovebox", "car")
    relapse.insert(1, "A list of the routes he has driven, kept with the card")


def _edit_date(data: dict) -> None:
    data["plan"]["next_review_date"] = dt.date(2027, 1, 22)


def _edit_measurement(data: dict) -> None:
    data["measurements"].append({"instrument": "gad7", "date": dt.date(2026, 11, 16), "score": 7})


EDITS: dict[str, list[Callable[[dict], None]]] = {
    "goals-reordered": [_edit_goals_reordered],
    "goal-deleted": [_edit_goal_deleted],
    "row-mid-table": [_edit_row_mid_table],
    "item-mid-list": [_edit_item_mid_list],
    "one-word": [_edit_one_word],
    "last-word-and-more": [_edit_last_word_and_more],
    "date": [_edit_date],
    "measurement": [_edit_measurement],
}
EDITS["all"] = [edit for name in list(EDITS) for edit in EDITS[name]]


def harder_pair(name: str, folder: Path) -> tuple[Path, Path]:
    """Version 2 of the agoraphobia plan, and a version 3 with the edits *name* lists."""
    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    old = folder / "harder-v2.yaml"
    old.write_text(BASE.read_text(encoding="utf-8"), encoding="utf-8")
    for edit in EDITS[name]:
        edit(data)
    data["plan"]["version"] = 3
    data["plan"]["last_review_date"] = dt.date(2026, 11, 20)
    data["revisions"].append(
        {"version": 3, "date": dt.date(2026, 11, 20), "reason": "clinician_observation",
         "summary": "Plan adjusted at a session.", "author": "Helena Marsh, PsyD"}
    )  # fmt: skip
    new = folder / "harder-v3.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return old, new
