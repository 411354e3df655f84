"""``plandoc new``: a starter plan for an orientation that passes ``check``.

The common part is a commented template (``templates/starter.yaml.j2``); the orientation part is
generated from the orientation's schema — every required field, with a TODO to fill in — so a
new orientation folder gets a starter without anyone writing one. Each TODO left in a plan is a
``starter.todo`` warning. A clinical value is never made up: where the spec needs one, the
starter writes it as not recorded (``{not_recorded: "TODO: …"}``), which documents show as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError
from ..render.sandbox.templating import make_env
from ..spec.orientations import get_orientation, orientation_names, orientations
from ..spec.schema import Schema
from ..spec.unknowns import KEY, accepts
from ..text import did_you_mean


def starter_plan(orientation: str, *, today: dt.date, templates: Sequence[Path] = ()) -> str:
    """A starter plan for *orientation* (built in, or from a practice's *templates*)."""
    found = get_orientation(orientation, templates)
    if found is None:
        names = orientation_names(templates)
        raise UsageError(
            f"unknown orientation `{orientation}`{did_you_mean(orientation, names)}; one of: {', '.join(names)}"
        )
    skeleton = _skeleton(found.schema, today)
    if found.modules is not None:  # each module draws on a real orientation
        usable = [n for n, o in orientations(templates).items() if o.modules is None]
        for index, module in enumerate(skeleton.get(found.modules.field, [])):
            module[found.modules.orientation] = usable[index % len(usable)]
    details = yaml.safe_dump(skeleton, sort_keys=False, allow_unicode=True, width=100)
    env = make_env(markdown=True)
    env.finalize = None  # YAML, not Markdown: the values here are plandoc's own
    text = env.get_template("starter.yaml.j2").render(
        name=found.name,
        label=found.label,
        today=today.isoformat(),
        review=(today + dt.timedelta(days=90)).isoformat(),
        target=(today + dt.timedelta(days=84)).isoformat(),
        expiry=(today + dt.timedelta(days=364)).isoformat(),
        authorized_until=(today + dt.timedelta(weeks=26, days=-1)).isoformat(),  # S1's 26 weeks
        details="".join(f"  {line}\n" for line in details.splitlines()),
    )
    return text


def _skeleton(fields: Schema, today: dt.date, prefix: str = "X") -> dict[str, Any]:
    """Every required field of *fields*, with a placeholder value that passes the schema."""
    out: dict[str, Any] = {}
    for name, rules in fields.items():
        if rules.get("required"):
            out[name] = _value(name, rules, today, prefix)
    return out


def _value(name: str, rules: Schema, today: dt.date, prefix: str) -> Any:
    kind = rules.get("type")
    what = str(rules.get("meta", {}).get("description", name)).rstrip(".")
    if accepts(rules):  # a clinical value: never one nobody stated
        return {KEY: f"TODO: {what[:1].lower()}{what[1:]}"}
    if "allowed" in rules:
        return rules["allowed"][0]
    if kind == "string":
        return f"{prefix}1" if name == "id" else f"TODO: {what[:1].lower()}{what[1:]}"
    if kind in ("integer", "number"):
        return rules.get("min", 1)
    if kind == "boolean":
        return False
    if kind == "date":
        return today
    if kind == "dict":
        return _skeleton(rules.get("schema", {}), today, prefix)
    if kind == "list":
        item = rules.get("schema", {})
        count = max(int(rules.get("minlength", 1)), 1)
        return [_item(item, today, f"{prefix}{name[:1].upper()}", n, what) for n in range(count)]
    return f"TODO: {what}"


def _item(item: Schema, today: dt.date, prefix: str, n: int, what: str) -> Any:
    if item.get("type") == "dict":
        value = _skeleton(item.get("schema", {}), today, prefix)
        if "id" in value:
            value["id"] = f"{prefix}{n + 1}"
        return value
    if "allowed" in item:
        return item["allowed"][n % len(item["allowed"])]
    return f"TODO: {what[:1].lower()}{what[1:]}"
