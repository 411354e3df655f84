"""Stage 2c — SMART lint: warnings about goals and objectives a payer or auditor would query.

Specific, Measurable (an instrument, a baseline, a target), Attainable, Relevant (linked to a
problem), Time-limited (a target date within the plan). ``--strict`` turns these into errors.
"""

from __future__ import annotations

import re
from typing import Any

from ..spec.loader import DocPath
from ..spec.model import Plan
from ..spec.unknowns import is_not_recorded
from .report import Reporter

VAGUE = re.compile(
    r"\b(feel(ing)? (better|good|happier|okay|ok)|be (happier|happy|better)|improve (his |her |their |my )?mood"
    r"|get better|cope better|do better|feel less \w+|be more positive|improve (self-esteem|wellbeing|well-being))\b",
    re.IGNORECASE,
)


def smart_findings(report: Reporter, plan: Plan) -> None:
    """SMART warnings about *plan*'s goals and objectives, added to *report*."""
    _goals(report, plan)
    _objectives(report, plan)
    _repeated_wording(report, plan)
    _placeholders(report, plan.data)


def _placeholders(report: Reporter, value: Any, path: DocPath = ()) -> None:
    """Every TODO that `plandoc new` left and nobody has filled in yet (a value not recorded
    with a TODO for its reason is one already: it has its own warning)."""
    if is_not_recorded(value):
        return
    if isinstance(value, dict):
        children: Any = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        if isinstance(value, str) and _is_placeholder(value):
            report.warning(path, f"placeholder to fill in: {value[:70]}", "starter.todo")
        return
    for key, child in children:  # a path is made only for what holds more, or a TODO
        kind = type(child)  # plain texts, mappings and lists told apart at once
        if kind is str:
            if "TODO" in child and _is_placeholder(child):
                _placeholders(report, child, (*path, key))
        elif (
            (kind is dict and not is_not_recorded(child))
            or kind is list
            or isinstance(child, _CONTAINERS)
            or (isinstance(child, str) and _is_placeholder(child))
        ):
            _placeholders(report, child, (*path, key))


TODO = re.compile(r"\bTODO\b")
_CONTAINERS = (dict, list)


def _is_placeholder(text: str) -> bool:
    return "TODO" in text and TODO.search(text) is not None


def _goals(report: Reporter, plan: Plan) -> None:
    for goal in plan.goals:
        name = goal.id or "goal"
        if not goal.problems:
            report.warning(
                goal.at,
                f"goal `{name}` is not linked to a problem; add `problems: [ID]`",
                "smart.unlinked-goal",
            )
        if not goal.objectives:
            report.warning(
                goal.at,
                f"goal `{name}` has no objectives; add at least one measurable objective",
                "smart.no-objectives",
            )


def _objectives(report: Reporter, plan: Plan) -> None:
    horizon = plan.horizon
    served = {o.id for g in plan.goals if g.uses for o in g.objectives}
    for objective in plan.objectives:
        name = objective.id or "objective"
        measure = objective.measure
        if not objective.measurable:
            report.warning(
                objective.at,
                f"objective `{name}` has no `measure` or `criterion`: name an instrument or count "
                "with a baseline and a target, or what must be observed for it to be met",
                "smart.no-measure",
            )
            match = VAGUE.search(objective.description or "")
            if match:
                msg = f"objective `{name}` says “{match.group(0)}” with nothing to measure it; say what will be observed or counted"
                report.warning((*objective.at, "description"), msg, "smart.vague")
        elif measure is not None:
            gaps = plan.unrecorded  # a value not recorded has its own warning
            if (
                measure.baseline is None
                and not measure.baseline_planned
                and (*measure.at, "baseline") not in gaps
            ):
                msg = f"objective `{name}` has no baseline on its measure (or `baseline_due` / `baseline_note` saying when it will be taken)"
                report.warning(measure.at, msg, "smart.no-baseline")
            if not measure.has_target and (*measure.at, "target") not in gaps:
                msg = f"objective `{name}` has no target on its measure (a score, or `target_change_percent`)"
                report.warning(measure.at, msg, "smart.no-target")
        due = plan.due(objective)
        if due is None:
            report.warning(
                objective.at,
                f"objective `{name}` has no `target_date` (or `within`); make it time-limited",
                "smart.no-target-date",
            )
        elif horizon and (due - horizon).days > 1:  # due the day after the last is at their end
            where = (*objective.at, "target_date" if objective.target_date else "within")
            msg = f"objective `{name}` is due {due}, beyond the plan's services (the last of them runs to {horizon}); shorten it or extend the services"
            report.warning(where, msg, "smart.beyond-plan")
        if not (objective.interventions or objective.uses or objective.id in served):
            report.warning(
                objective.at,
                f"objective `{name}` has no interventions; say what will be done, by whom and how often",
                "smart.no-interventions",
            )


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _repeated_wording(report: Reporter, plan: Plan) -> None:
    seen: dict[str, DocPath] = {}
    places: list[tuple[DocPath, str | None]] = []
    for goal in plan.goals:
        places += [
            ((*goal.at, "client_words"), goal.client_words),
            ((*goal.at, "description"), goal.description),
        ]
    for objective in plan.objectives:
        places.append(((*objective.at, "description"), objective.description))
    for path, text in places:
        key = _normal(text or "")
        if not key:
            continue
        if key in seen:
            line = report.doc.locate(seen[key])[0]
            report.warning(
                path,
                f"the same wording is used at line {line}; write each goal and objective for what it is",
                "smart.repeated",
            )
        else:
            seen[key] = path
