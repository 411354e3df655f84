"""A synthetic caseload: N realistic plans made from the samples, across every orientation.

Plan *n* is sample ``n mod S`` (the orientation samples and the revision pairs' versions) with
its own plan id, client id and client name (the name changed wherever the plan's text uses
it), its dates moved back by up to three weeks together (so every interval in it still holds),
and — for every third plan — its goals repeated under new ids, so goal counts vary from two to
nine. Every plan passes ``plandoc check``. Fictional people, as in the samples.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.yaml")) + sorted(
    (ROOT / "samples" / "revisions").glob("*.yaml")
)
GIVEN = (
    "Amara", "Jonah", "Priya", "Mateo", "Grace", "Idris", "Sofia", "Kwame", "Hannah", "Luis",
    "Noor", "Elliot", "Yuki", "Dmitri", "Zainab", "Callum", "Ines", "Tariq", "Marta", "Oskar",
)  # fmt: skip
FAMILY = (
    "Abernathy", "Baptiste", "Chen", "Delacroix", "Eriksen", "Fonseca", "Gallagher", "Hoang",
    "Iyer", "Jablonski", "Kowalczyk", "Lindgren", "Mbeki", "Novak", "Okonkwo", "Pereira",
    "Quinlan", "Rasmussen", "Sato", "Trujillo",
)  # fmt: skip


def _replace(value: Any, swaps: dict[str, str]) -> Any:
    """*value* with each text of *swaps* replaced wherever a string holds it."""
    if isinstance(value, dict):
        return {k: _replace(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, swaps) for v in value]
    if isinstance(value, str):
        for old, new in swaps.items():
            value = value.replace(old, new)
    return value


def _shift(value: Any, days: int) -> Any:
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, dt.date):
        return value - dt.timedelta(days=days)
    return value


def renamed(value: Any, old: str, new: str) -> Any:
    """*value* with every id under goal id *old* moved under *new*."""
    if isinstance(value, dict):
        return {k: renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, old, new) for v in value]
    if isinstance(value, str) and (value == old or value.startswith(f"{old}.")):
        return new + value[len(old) :]
    return value


def plan(n: int, bases: list[dict[str, Any]]) -> dict[str, Any]:
    """The caseload's plan number *n* (from 0)."""
    data = copy.deepcopy(bases[n % len(bases)])
    client = next(p for p in data["participants"] if p.get("role", "client") == "client")
    given, family = GIVEN[n % len(GIVEN)], FAMILY[(n // len(GIVEN)) % len(FAMILY)]
    old_given = client["name"].split()[0]
    swaps = {
        client["name"]: f"{given} {family}",
        client["id"]: f"CL-{n:06d}",
        data["plan"]["id"]: f"PLAN-{n:06d}",
    }
    for old in {client.get("preferred_name"), old_given} - {None}:
        swaps[str(old)] = given
    data = _shift(_replace(data, swaps), n % 22)
    assert isinstance(data, dict)
    if n % 3 == 0:
        for k in range(1 + n % 2):
            _repeat_goals(data, SETTINGS[(n // 3 + k) % len(SETTINGS)])
    return data


SETTINGS = (" at work", " at home", " with friends", " in the community", " with family")
"""What sets a repeated goal apart from the one it repeats (the same wording twice is a
warning of its own)."""


def _repeat_goals(data: dict[str, Any], setting: str) -> None:
    """Each goal again under a new id, its wording placed in *setting*; what it owns elsewhere
    in the plan (interventions listed at the top, say) comes along under the new id."""
    goals = data["goals"]
    for goal in list(goals):
        old, new = goal["id"], f"G{len(goals) + 1}"
        goals.append(_reworded(renamed(copy.deepcopy(goal), old, new), setting))
        for key, value in list(data.items()):
            if key == "goals" or not isinstance(value, list):
                continue
            owned = [
                item for item in value
                if isinstance(item, dict) and str(item.get("id", "")).startswith(f"{old}.")
            ]  # fmt: skip
            value += [_reworded(renamed(copy.deepcopy(i), old, new), setting) for i in owned]


def _reworded(value: Any, setting: str) -> Any:
    if isinstance(value, dict):
        return {k: _reworded(v, setting) for k, v in value.items()}
    if isinstance(value, list):
        return [_reworded(v, setting) for v in value]
    if isinstance(value, str) and value.count(" ") >= 2 and not value.startswith('"'):
        return value.rstrip(".") + setting + ("." if value.endswith(".") else "")
    return value


def bases() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SAMPLES]


def plans(count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """File stem and data of each of *count* plans."""
    found = bases()
    for n in range(count):
        yield f"plan-{n:06d}", plan(n, found)


def write_caseload(folder: Path, count: int) -> list[Path]:
    """Write *count* plan files into *folder*; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, data in plans(count):
        path = folder / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        written.append(path)
    return written
