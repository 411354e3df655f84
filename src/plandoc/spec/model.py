"""The plan's shared knowledge: facts derived from a plan, computed in one place.

The review schedule (the next review, the interval and its default), ages, and (as the model
grows) progress on measures, so that checks, documents and diffs never disagree about them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import _walk as w

DEFAULT_REVIEW_DAYS = 180
ADULT_AGE = 18


def next_review(plan: dict[str, Any]) -> dt.date | None:
    """The plan's next review: given, or one interval after the last review (or the start)."""
    given = w.as_date(plan.get("next_review_date"))
    if given:
        return given
    anchor = w.as_date(plan.get("last_review_date")) or w.as_date(plan.get("start_date"))
    return anchor + dt.timedelta(days=review_interval(plan)) if anchor else None


def age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def review_interval(plan: dict[str, Any]) -> int:
    """Days between reviews: the plan's own, else the default."""
    interval = plan.get("review_interval_days")
    if isinstance(interval, int) and not isinstance(interval, bool):
        return interval
    return DEFAULT_REVIEW_DAYS
