"""An orientation's own rules, as data from its folder (``rules:`` in ``orientation.yaml``).

Paths in a rule are relative to the orientation's section of a plan, dotted, with ``[]`` for
"each item of this list" at any depth (``values[].committed_actions[].objective``). The kinds:

* ``refers-to`` — the value (or each value of a list) at ``field`` is the id of one of the
  plan's ``target`` (goals, objectives, problems, participants, interventions, services,
  instruments);
* ``complete-when`` — every item of the list ``each`` whose fields equal ``when`` also has the
  fields of ``require`` (an EMDR target is complete only at SUD 0 and VOC 7);
* ``at-most-count`` — the number at ``number`` is not more than the items of the list at
  ``list``;
* ``needs-section`` — when ``when`` holds something, the plan has ``section`` (a safety plan);
* ``exact-values`` — in each item of ``each``, the ``field`` of the items of its ``list`` are
  exactly ``values``, once each (the five levels of a GAS scale);
* ``sessions-agree`` — a number of planned sessions at ``field`` agrees with what the plan's
  therapy services add up to (frequency times duration), within 15 % or two sessions; services
  billed by the day, evaluations and codes outside the psychotherapy table (medication
  management) are not therapy sessions.

A ``refers-to`` rule may take its ids from the section itself (``ids_at``: paths whose values
are the valid ids) and check only values that look like ids (``only_id_like``: no spaces, a
digit), where a field holds an id or a name. Any rule may be a ``severity: warning``.

An orientation made of modules (integrative) applies each module's own rules to its details,
and an intervention's ``approach`` must name one of the plan's modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..spec.codes import service_code
from ..spec.loader import DocPath
from ..spec.model import Plan, Service
from ..spec.orientations import Orientation, Rule
from ..text import did_you_mean
from .report import Reporter


def orientation_findings(report: Reporter, plan: Plan) -> None:
    """Every orientation rule on *plan*'s section, and on each of its modules."""
    if plan.orientation is None:
        return
    _apply(report, plan, plan.orientation, plan.details, ("orientation_details",))
    for module in plan.modules:
        if module.definition is not None:
            _apply(report, plan, module.definition, module.details, module.details_at)
    if plan.orientation.modules is not None:
        drawn = {m.orientation for m in plan.modules if m.orientation}
        for item in plan.interventions:
            if item.approach is not None and item.approach not in drawn:
                report.error(
                    (*item.at, "approach"),
                    f"intervention draws on `{item.approach}`, which is not one of the plan's modules{did_you_mean(item.approach, drawn)}",
                    "ids.unresolved",
                )


def _apply(
    report: Reporter, plan: Plan, orientation: Orientation, details: dict[str, Any], base: DocPath
) -> None:
    for rule in orientation.rules:
        KINDS[rule.kind](report, plan, rule, details, base)


def each(data: Any, dotted: str, base: DocPath) -> Iterator[tuple[DocPath, Any]]:
    """(path, value) of every value at *dotted* (``[]``: each item of a list) under *data*."""

    def walk(value: Any, path: DocPath, parts: list[str]) -> Iterator[tuple[DocPath, Any]]:
        if not parts:
            yield path, value
            return
        name, many = (parts[0][:-2], True) if parts[0].endswith("[]") else (parts[0], False)
        child = value.get(name) if isinstance(value, dict) else None
        if child is None:
            return
        if not many:
            yield from walk(child, (*path, name), parts[1:])
            return
        for index, item in enumerate(child if isinstance(child, list) else []):
            yield from walk(item, (*path, name, index), parts[1:])

    yield from walk(data, base, dotted.split("."))


def _refers_to(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    if "target" in rule.options:
        known = _ids(plan, rule.options["target"])
    else:
        known = {
            v
            for path in rule.options["ids_at"]
            for _, v in each(details, path, ())
            if isinstance(v, str)
        }
    id_like = rule.options.get("only_id_like", False)
    for path, value in each(details, rule.options["field"], base):
        refs = (
            [(path, value)]
            if not isinstance(value, list)
            else [((*path, i), v) for i, v in enumerate(value)]
        )
        for where, ref in refs:
            if not isinstance(ref, str) or ref in known or ref.startswith("TODO"):
                continue  # a starter's placeholder is reported as one (starter.todo)
            if id_like and (" " in ref.strip() or not any(c.isdigit() for c in ref)):
                continue  # a name, not an id
            _report(report, rule, where, f"{rule.message}: `{ref}`{did_you_mean(ref, known)}")


def _report(report: Reporter, rule: Rule, path: DocPath, message: str) -> None:
    report.add(rule.options.get("severity", "error"), path, message, rule.id)


def _ids(plan: Plan, target: str) -> set[str]:
    found: dict[str, Callable[[], set[str | None]]] = {
        "goals": lambda: {g.id for g in plan.goals},
        "objectives": lambda: {o.id for o in plan.objectives},
        "problems": lambda: {p.id for p in plan.problems},
        "participants": lambda: {p.id for p in plan.participants},
        "interventions": lambda: {i.id for i in plan.interventions},
        "services": lambda: {s.id for s in plan.services},
        "instruments": lambda: set(plan.instruments),
    }
    return {i for i in found[target]() if i}


def _complete_when(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    when, require = rule.options["when"], rule.options["require"]
    for path, items in each(details, rule.options["each"], base):
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or any(item.get(k) != v for k, v in when.items()):
                continue
            if any(item.get(k) != v for k, v in require.items()):
                where = (*path, index, rule.options.get("at", next(iter(when))))
                _report(report, rule, where, rule.message)


def _at_most_count(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    listed = next((v for _, v in each(details, rule.options["list"], base)), None)
    for path, needed in each(details, rule.options["number"], base):
        if isinstance(needed, int) and isinstance(listed, list) and needed > len(listed):
            _report(report, rule, path, f"{rule.message} ({needed} needed, {len(listed)} listed)")


def _needs_section(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    section = rule.options["section"]
    present = {
        "safety_plan": plan.has_safety_plan,
        "guardian": plan.guardian is not None,
        "supervisor": plan.supervisor is not None,
    }
    if present.get(section, True):
        return
    for path, value in each(details, rule.options["when"], base):
        if value not in (None, "", [], {}, False):
            _report(report, rule, path, rule.message)


def _exact_values(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    wanted = sorted(rule.options["values"])
    name, field = rule.options["list"], rule.options["field"]
    for path, items in each(details, rule.options["each"], base):
        for index, item in enumerate(items if isinstance(items, list) else []):
            inner = item.get(name) if isinstance(item, dict) else None
            if not isinstance(inner, list) or len(inner) != len(wanted):
                continue  # the schema says how many there are
            values = sorted(
                (v.get(field) for v in inner if isinstance(v, dict)),
                key=lambda x: (str(type(x)), x),
            )
            if values != wanted:
                _report(report, rule, (*path, index, rule.options.get("at", name)), rule.message)


def _sessions_agree(
    report: Reporter, plan: Plan, rule: Rule, details: dict[str, Any], base: DocPath
) -> None:
    counts = [s.sessions or s.expected_sessions for s in plan.services if _therapy(s)]
    if not counts or any(c is None for c in counts):
        return
    total = sum(c for c in counts if c is not None)
    for path, planned in each(details, rule.options["field"], base):
        if isinstance(planned, int) and abs(planned - total) > max(2, 0.15 * total):
            message = f"{rule.message} ({planned} planned; the services add up to {total})"
            _report(report, rule, path, message)


def _therapy(service: Service) -> bool:
    """A service whose sessions are therapy sessions: not billed by the day, and not coded as
    something else (an evaluation, medication management: a code outside the psychotherapy
    table). An uncoded service counts."""
    if service.per_diem:
        return False
    if service.system not in ("cpt", "hcpcs"):
        return True
    found = service_code(service.code)
    return found is not None and not found.evaluation and not found.per_diem


KINDS: dict[str, Callable[[Reporter, Plan, Rule, dict[str, Any], DocPath], None]] = {
    "refers-to": _refers_to,
    "complete-when": _complete_when,
    "at-most-count": _at_most_count,
    "needs-section": _needs_section,
    "exact-values": _exact_values,
    "sessions-agree": _sessions_agree,
}
