"""Progress on each measure, as the progress table, the objectives and the charts show it.

One computation (the plan model's) gives every number; this module words it: where a measure
started and where it is now, the change and its direction, the target, the text beside a chart
and its alternative text, and a mark on anything recorded after the version was signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...spec.model import Measure, Plan, Progress, Score
from . import describe as d
from .formatting import show_date, show_number, signed_number
from .labels import Labels


def measure_progress(p: Progress, signed: dt.date | None, after: str) -> dict[str, Any]:
    """Where a measure started (the baseline when there is one), where it is now, the change,
    and whether that is better or worse on this instrument; a score taken after the version
    was *signed* says so."""
    return {
        "instrument": p.instrument.name,
        "first": {
            "score": p.start.value,
            "date": p.start.date,
            "after_signing": after_signing(p.start.date, signed),
        },
        "latest": {
            "score": p.latest.value,
            "date": p.latest.date,
            "after_signing": after_signing(p.latest.date, signed),
        },
        "count": len(p.points),
        "change": "" if p.single else signed_number(p.change),
        "direction": p.direction,
        "band_first": p.band_start,
        "band_latest": p.band_latest,
        "summary": _summary(p, signed, after),
        "points": [{"date": s.date, "score": s.value, "note": s.note} for s in p.points],
        "scale": [p.instrument.min, p.instrument.max],
    }


def after_signing(day: dt.date | None, signed: dt.date | None) -> bool:
    return bool(day and signed and day > signed)


def _summary(p: Progress, signed: dt.date | None, after: str) -> str:
    def at(value: float, when: dt.date | None) -> str:
        band = p.instrument.band(float(value))
        shown = f" on {show_date(when)}" if when else ""
        shown += f" ({after})" if after_signing(when, signed) else ""
        return f"{show_number(value)}{f' ({band})' if band else ''}{shown}"

    if p.single:
        return d.qualified(at(p.latest.value, p.latest.date), "one score so far")
    return f"{at(p.start.value, p.start.date)} → {at(p.latest.value, p.latest.date)}: {signed_number(p.change)}, {p.direction}"


def progress_row(p: Progress, plan: Plan, words: Labels) -> dict[str, Any]:
    """One row of the progress table: the same numbers as the objective's own progress."""
    who = d.person_name(plan, p.participant)
    objective = p.objective if p.named else None
    parts = [part for part in (who, f"objective {objective}" if objective else "") if part]
    name = d.qualified(p.instrument.name, ", ".join(parts))
    target = _target_value(p, plan)
    points = _chart_points(p)
    row = {
        **measure_progress(p, plan.signed_on, words["text"]["after_signing"]),
        "label": name,
        "participant": who or None,
        "objective": objective,
        "unit": p.instrument.unit,
        "target": target,
        "target_text": _target_text(p, plan, target),
        "trend_text": _trend_text(p),
        "chart_points": [{"date": s.date, "score": s.value} for s in points],
    }
    with_year = len({s.date.year for s in (p.start, p.latest) if s.date}) > 1
    return {
        **row,
        "first_text": _point_text(p.start, with_year),
        "last_text": _point_text(p.latest, with_year),
        "chart_alt": _chart_alt(p, name, target) if len(points) > 1 else "",
    }


def _measure_of(p: Progress, plan: Plan) -> Measure | None:
    """The measure of the objective a progress row belongs to, when it belongs to one."""
    for objective in plan.objectives:
        measure = objective.measure
        if p.objective and objective.id == p.objective and measure:
            return measure if measure.instrument == p.instrument.id else None
    return None


def _target_value(p: Progress, plan: Plan) -> float | None:
    """The objective's target score: the one it names, else its change in percent from the
    baseline."""
    measure = _measure_of(p, plan)
    if measure is None:
        return None
    if measure.target is not None:
        return float(measure.target)
    if measure.target_change_percent is not None:
        return round(float(p.start.value) * (1 + measure.target_change_percent / 100), 1)
    return None


def _target_text(p: Progress, plan: Plan, target: float | None) -> str:
    """``≤ 7`` (lower is better) or ``≥ 2``, with the change in percent it comes from."""
    if target is None:
        return ""
    text = f"{'≤' if p.instrument.lower_is_better else '≥'}\u00a0{show_number(target)}"
    measure = _measure_of(p, plan)
    if measure and measure.target is None and measure.target_change_percent is not None:
        text += f" ({signed_number(measure.target_change_percent)} % from baseline)"
    return text


_TREND = {"better": "improving", "worse": "worsening"}


def _trend_text(p: Progress) -> str:
    """Which way the measure went, in the word the Change column uses and an arrow for the
    numbers: ``better ↓``."""
    if p.single:
        return p.direction
    arrow = "↓" if p.change < 0 else "↑" if p.change > 0 else "→"
    return f"{p.direction} {arrow}"


def _chart_points(p: Progress) -> list[Score]:
    """What the chart draws: the row's first score (the baseline when there is one), then the
    scores taken after it — so the chart starts where the row's numbers do."""
    if p.single:
        return [p.latest]
    start = p.start
    later = [s for s in p.points if start.date is None or (s.date and s.date > start.date)]
    return [start, *later]


def _point_text(score: Score, with_year: bool) -> str:
    """``14 (28 Sep)``, with the year when the scores span more than one."""
    if score.date is None:
        return f"{show_number(score.value)} (baseline)"
    when = (
        f"{score.date.day} {score.date:%b %Y}" if with_year else f"{score.date.day} {score.date:%b}"
    )
    return f"{show_number(score.value)} ({when})"


def _chart_alt(p: Progress, name: str, target: float | None) -> str:
    """The chart in words, for a reader who cannot see it (the picture's alternative text)."""

    def at(score: Score) -> str:
        when = f"on {score.date.day} {score.date:%B %Y}" if score.date else "at baseline"
        return f"{show_number(score.value)} {when}"

    first, last = p.start, p.latest
    verb = "fell" if p.change < 0 else "rose" if p.change > 0 else "went"
    text = f"{name} {verb} from {at(first)} to {at(last)}"
    if not p.single and p.direction in _TREND:
        text += f" ({_TREND[p.direction]})"
    elif p.direction == "no change":
        text += " (no change)"
    if target is not None:
        side = "or less" if p.instrument.lower_is_better else "or more"
        text += f"; target {show_number(target)} {side}"
    return text + "."
