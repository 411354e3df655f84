"""Stage 2c — SMART lint: warnings about goals and objectives a payer or auditor would query.

Specific, Measurable (an instrument, a baseline, a target), Attainable, Relevant (linked to a
problem), Time-limited (a target date within the plan). ``--strict`` turns these into errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..errors import Finding
from ..spec import _walk as w
from ..spec.loader import DocPath, Document
from .report import Reporter

VAGUE = re.compile(
    r"\b(feel(ing)? (better|good|happier|okay|ok)|be (happier|happy|better)|improve (his |her |their |my )?mood"
    r"|get better|cope better|do better|feel less \w+|be more positive|improve (self-esteem|wellbeing|well-being))\b",
    re.IGNORECASE,
)


def smart_findings(doc: Document, *, tolerant: bool = False) -> list[Finding]:
    """SMART warnings; with *tolerant*, a lint that trips over mistyped data is skipped."""
    report = Reporter(doc)
    for lint in (_goals, _objectives, _repeated_wording, _placeholders):
        before = len(report.findings)
        try:
            lint(report, doc.data)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            if not tolerant:
                raise
            del report.findings[before:]
    return report.findings


def _placeholders(report: Reporter, value: Any, path: DocPath = ()) -> None:
    """Every TODO that `plandoc new` left and nobody has filled in yet."""
    if isinstance(value, dict):
        for key, child in value.items():
            _placeholders(report, child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _placeholders(report, child, (*path, index))
    elif isinstance(value, str) and re.search(r"\bTODO\b", value):
        report.warning(path, f"placeholder to fill in: {value[:70]}", "starter.todo")


def _goals(report: Reporter, data: dict[str, Any]) -> None:
    for path, goal in w.goals(data):
        name = goal.get("id", "goal")
        if not goal.get("problems"):
            report.warning(
                path,
                f"goal `{name}` is not linked to a problem; add `problems: [ID]`",
                "smart.unlinked-goal",
            )
        if not goal.get("objectives"):
            report.warning(
                path,
                f"goal `{name}` has no objectives; add at least one measurable objective",
                "smart.no-objectives",
            )


def _objectives(report: Reporter, data: dict[str, Any]) -> None:
    horizon = _plan_horizon(data)
    for path, objective in w.objectives(data):
        name = objective.get("id", "objective")
        measure = w.mapping(objective.get("measure"))
        if not measure:
            report.warning(
                path,
                f"objective `{name}` has no `measure`: name an instrument or count, with a baseline and a target",
                "smart.no-measure",
            )
            if VAGUE.search(w.text(objective.get("description"))):
                match = VAGUE.search(w.text(objective.get("description")))
                assert match
                msg = f"objective `{name}` says “{match.group(0)}” with nothing to measure it; say what will be observed or counted"
                report.warning((*path, "description"), msg, "smart.vague")
        else:
            for field in ("baseline", "target"):
                if field not in measure:
                    report.warning(
                        (*path, "measure"),
                        f"objective `{name}` has no {field} on its measure",
                        f"smart.no-{field}",
                    )
        target = w.as_date(objective.get("target_date"))
        if target is None:
            report.warning(
                path,
                f"objective `{name}` has no `target_date`; make it time-limited",
                "smart.no-target-date",
            )
        elif horizon and target > horizon:
            msg = f"objective `{name}` targets {target}, beyond the plan's services (they end by {horizon}); shorten it or extend the services"
            report.warning((*path, "target_date"), msg, "smart.beyond-plan")
        if not objective.get("interventions"):
            report.warning(
                path,
                f"objective `{name}` has no interventions; say what will be done, by whom and how often",
                "smart.no-interventions",
            )


def _plan_horizon(data: dict[str, Any]) -> dt.date | None:
    """The last day the plan's services are expected to run."""
    start = w.as_date(w.mapping(data.get("plan")).get("start_date"))
    weeks = [s.get("duration_weeks") for _, s in w.items(data.get("services"), ("services",))]
    longest = max(
        (x for x in weeks if isinstance(x, int) and not isinstance(x, bool)), default=None
    )
    if start is None or longest is None:
        return None
    return start + dt.timedelta(weeks=longest)


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _repeated_wording(report: Reporter, data: dict[str, Any]) -> None:
    seen: dict[str, DocPath] = {}
    places: list[tuple[DocPath, str]] = []
    for path, goal in w.goals(data):
        places += [((*path, f), w.text(goal.get(f))) for f in ("client_words", "description")]
    for path, objective in w.objectives(data):
        places.append(((*path, "description"), w.text(objective.get("description"))))
    for path, text in places:
        key = _normal(text)
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
