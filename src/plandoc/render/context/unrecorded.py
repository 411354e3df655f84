"""Values given as not recorded, as the documents show them: "Not recorded — reason" where the
value would stand.

The plan model reads a value not recorded as absent; the plan's data, which the templates and
the orientation's layout read, is given here the words in its place — text for a value or a
list of mappings (the layout shows it as a line of text), a one-item list for a list of text —
except for the services, which are given no items and the words in a row of the services table.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from ...spec.loader import DocPath
from ...spec.model import Plan
from .labels import Labels, fill

LISTED_APART = {("services",)}


def shown(plan: Plan, words: Labels) -> Plan:
    """*plan* with each value not recorded replaced, in its data, by the words a document
    prints (the same plan when it has none)."""
    if not plan.not_recorded:
        return plan
    data = copy.deepcopy(plan.data)
    for gap in plan.not_recorded:
        text = not_recorded_text(gap.reason, words)
        value: Any = [text] if gap.kind == "list" else text
        _put(data, gap.at, [] if gap.at in LISTED_APART else value)
    return replace(plan, data=data)


def not_recorded_text(reason: str, words: Labels) -> str:
    return fill(words["label"]["not_recorded"], reason=reason)


def records_not_recorded(plan: Plan, at: DocPath, words: Labels) -> str:
    """The words for a list of mappings at *at* given as not recorded, or ``""``."""
    why = plan.unrecorded.get(at)
    return not_recorded_text(why, words) if why is not None else ""


def _put(data: Any, path: DocPath, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value
