"""Plain data: the only kind of value a template ever sees.

Text, numbers, dates, lists and mappings with text keys — no object with a method, so nothing a
template reaches can touch a file, the network or the process. Both writers check the context
with :func:`plain` before it crosses into the bounded worker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

PLAIN_TYPES = (str, int, float, bool, type(None), dt.date)


def plain(value: Any, where: str = "context") -> Any:
    """*value*, checked to be plain data: text, numbers, dates, lists and mappings with text
    keys. This is the only kind of value a template ever sees (the boundary to the worker
    checks it), so nothing a template reaches has a method that touches a file, the network or
    the process — not a deny-list of dangerous objects, but no objects at all. Pictures are
    text markers (:class:`~plandoc.render.sandbox.templating.Picture`) swapped in after rendering."""
    if not _is_plain(value):
        _name_the_first(value, where)
    return value


def _is_plain(value: Any) -> bool:
    """Whether *value* is plain data: one pass over it, with no path kept (a context holds
    thousands of values; the path is worked out only for the message when one is not)."""
    todo = [value]
    pop, push = todo.pop, todo.extend
    for _ in range(_MAX_VALUES):
        if not todo:
            return True
        item = pop()
        if type(item) in _PLAIN_EXACT:
            continue
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                return False
            push(item.values())
        elif isinstance(item, list | tuple):
            push(item)
        elif not isinstance(item, PLAIN_TYPES) or isinstance(item, dt.datetime):
            return False
    raise TypeError(f"more than {_MAX_VALUES:,} values: not the context of a treatment plan")


_MAX_VALUES = 5_000_000
_PLAIN_EXACT = frozenset({str, int, float, bool, type(None), dt.date})


def _name_the_first(value: Any, where: str) -> None:
    """Raise :class:`TypeError` naming where in *value* the first value that is not plain data
    is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: a key that is not text ({type(key).__name__})")
            _name_the_first(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _name_the_first(item, f"{where}[{index}]")
    elif not isinstance(value, PLAIN_TYPES) or isinstance(value, dt.datetime):
        raise TypeError(f"{where}: {type(value).__name__} is not plain data")
