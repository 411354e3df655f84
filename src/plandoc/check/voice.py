"""The safety plan is the client's own: its headings say "I", so its items must too.

A safety-plan item that speaks of the client in the third person — the client's pronouns with
no "I" or "my" beside them (``cold water on her face``), or the client's name (``Theo does not
have the key``) — reads wrongly under a heading like "Things I can do on my own", and the client
takes the plan home. Each such item is a warning at its own line and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from ..spec.loader import DocPath
from ..spec.model import Plan
from .report import Reporter

RULE = "safety.third-person"
ITEM_FIELDS = (
    "warning_signs",
    "internal_coping",
    "distraction",
    "means_safety",
    "reasons_for_living",
)
CONTACT_FIELDS = (("help_contacts", "relationship"), ("professional_contacts", "role"))
FAMILIES = (
    frozenset({"she", "her", "hers", "herself"}),
    frozenset({"he", "him", "his", "himself"}),
    frozenset({"they", "them", "their", "theirs", "themself", "themselves"}),
)
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd"})
HINT = "write it in the client's own words, first person: 'I …'"


def check_safety_plan_voice(report: Reporter, plan: Plan, today: dt.date) -> None:
    """Warn at each safety-plan item written about the client rather than by them."""
    raw = plan.data.get("safety_plan")
    if not isinstance(raw, dict) or plan.client is None:
        return
    pronouns = client_pronouns(plan.client.pronouns)
    names = {n for n in (plan.client.preferred_name, _first(plan.client.name)) if n}
    for path, text in _texts(raw):
        said = third_person(text, pronouns, names)
        if said:
            msg = f"this safety-plan item speaks of the client as “{said}”; {HINT}"
            report.warning(("safety_plan", *path), msg, RULE)


def client_pronouns(given: str | None) -> frozenset[str]:
    """Every form of the pronouns the client gives (``she/her`` → she, her, hers, herself);
    pronouns outside the common families stand for themselves."""
    words = set(re.findall(r"[a-z]+", (given or "").lower()))
    found = set(words)
    for family in FAMILIES:
        if words & family:
            found |= family
    return frozenset(found)


def third_person(text: str, pronouns: frozenset[str], names: set[str]) -> str:
    """The word that makes *text* speak of the client, or "": the client's name, or one of
    their pronouns in an item with no first-person word (``my sister — I want to see her
    graduate`` speaks of someone else)."""
    for name in sorted(names):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            return name
    words = re.findall(r"[\w']+", text.lower().replace("’", "'"))
    if FIRST_PERSON & set(words):
        return ""
    return next((w for w in words if w in pronouns), "")


def _first(name: str | None) -> str:
    return name.split()[0] if name and name.split() else ""


def _texts(raw: dict[str, Any]) -> Iterator[tuple[DocPath, str]]:
    """Each text of the safety plan's lists; a value that is not a list is the schema's finding
    (``warning_signs: yes``), not read here."""
    for key in ITEM_FIELDS:
        for index, item in enumerate(_list(raw.get(key))):
            if isinstance(item, str):
                yield (key, index), item
    for key, field in CONTACT_FIELDS:
        for index, item in enumerate(_list(raw.get(key))):
            if isinstance(item, dict) and isinstance(item.get(field), str):
                yield (key, index, field), item[field]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


__all__ = ["RULE", "check_safety_plan_voice", "client_pronouns", "third_person"]
