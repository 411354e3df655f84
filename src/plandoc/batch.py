"""Caseloads: many plans at once, in worker processes, streamed in order, with progress.

``plandoc check`` and ``plandoc render`` over folders hand each plan to :func:`run_batch`:
with one job it runs in this process; with more, in that many worker processes (each keeps its
own bounded template worker, so templates are compiled once per process). Results come back
one by one in the order of the plans — the output is the same whatever the number of jobs —
and nothing holds them all: a caller that prints each result and lets it go uses the same
memory for ten plans as for ten thousand.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any, TypeVar

from .errors import PlandocError

T = TypeVar("T")
R = TypeVar("R")

MIN_PER_PROCESS = 4
"""A worker process is started for every four plans at most: for fewer, starting it (and its
template worker) would cost more than it saves."""
COLLECT_EVERY = 32
"""Plans' reference cycles are freed every 32 plans, in the caller's own process (one job) as
in each worker process."""
CHUNK = 4
"""Plans go to a worker process four at a time: one message each way for four plans."""
AHEAD_PER_JOB = 4
"""How many chunks each worker process may be given ahead of the results read: enough to
keep every process busy, few enough that finished results never pile up."""


def default_jobs() -> int:
    """The processors this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(
    function: Callable[[T], R],
    items: Sequence[T],
    jobs: int = 1,
    *,
    setup: Callable[[], None] | None = None,
) -> Iterator[R]:
    """``function(item)`` for each item, yielded in the order of *items*. With *jobs* above one
    (and at least :data:`MIN_PER_PROCESS` items for each), in that many worker processes:
    *function* (a module-level function, or a :func:`functools.partial` of one holding the
    batch's options) goes to each process once, the items a :data:`CHUNK` at a time; results
    are pickled back. *setup* (module-level too) runs first in each worker process."""
    processes = min(jobs, len(items) // MIN_PER_PROCESS)
    if processes <= 1:
        for done, item in enumerate(items, 1):
            yield function(item)
            if done % COLLECT_EVERY == 0:
                gc.collect()  # this process is the caller's: nothing frozen, a full collection
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        processes, mp_context=context, initializer=_in_worker, initargs=(function, setup)
    )
    pending: deque[tuple[Future[list[Any]], Sequence[T]]] = deque()
    try:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            pending.append((pool.submit(_call_each, chunk), chunk))
            if len(pending) >= AHEAD_PER_JOB * processes:
                yield from pending[0][0].result()
                pending.popleft()
        while pending:
            yield from pending[0][0].result()
            pending.popleft()
    except BrokenProcessPool:
        raise PlandocError(_lost(pending, items)) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


LOST_SHOWN = 10


def _lost(pending: deque[tuple[Future[list[Any]], Sequence[Any]]], items: Sequence[Any]) -> str:
    """What to say when a worker process died (killed, or out of memory): the pool is broken,
    and every plan not yet finished is named (the first few), since which one it held cannot
    be known — a wait for ever is what :mod:`multiprocessing`'s own pool would give."""
    left = [item for _, chunk in pending for item in chunk]
    named = ", ".join(str(item) for item in left[:LOST_SHOWN])
    more = f" and {len(left) - LOST_SHOWN} more" if len(left) > LOST_SHOWN else ""
    return (
        f"a worker process ended unexpectedly (killed, or out of memory); {len(left)} of "
        f"{len(items)} plan(s) not finished: {named}{more}; run again, or with --jobs 1 to "
        "see which plan it was"
    )


_FUNCTION: Callable[[Any], Any] | None = None  # in a worker process: what each item is given to


_DONE = 0


def _call_each(items: Sequence[Any]) -> list[Any]:
    global _DONE
    assert _FUNCTION is not None
    results = []
    for item in items:
        results.append(_FUNCTION(item))
        _DONE += 1
        if _DONE == 1 or _DONE % COLLECT_EVERY == 0:
            _tidy(first=_DONE == 1)
    return results


def _tidy(*, first: bool) -> None:
    """In a worker process (plandoc's own): free the plans' objects every
    :data:`COLLECT_EVERY` plans, so memory stays flat over a caseload — a plan's model,
    context and parsed YAML sit in reference cycles that Python frees only at a full
    collection, and collecting after every plan cost a third more processor time. What the
    first plan left (imports, schemas, the orientation registry) is frozen, so a collection
    looks at the last plans' objects only."""
    gc.collect()
    if first:
        gc.freeze()


def _in_worker(function: Callable[[Any], Any], setup: Callable[[], None] | None) -> None:
    global _FUNCTION
    _FUNCTION = function
    if setup is not None:
        setup()


class Progress:
    """One line on a terminal, rewritten as plans finish: how many are done, how many failed,
    and about how long is left. Silent unless *stream* is a terminal and not *quiet*."""

    def __init__(
        self, total: int, verb: str, *, quiet: bool = False, stream: IO[str] | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.total, self.verb = total, verb
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.visible = False
        self.enabled = not quiet and total > 1 and _is_terminal(self.stream)

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        now = time.monotonic()
        if self.enabled and (now - self.shown >= 0.1 or self.done == self.total):
            self.shown = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.started
        left = elapsed / self.done * (self.total - self.done)
        width = 24
        filled = round(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = f"{self.verb} [{bar}] {self.done}/{self.total} plans, {self.failed} failed, {_duration(left)} left"
        self.stream.write(f"\r{line}\033[K")
        self.stream.flush()
        self.visible = True

    def clear(self) -> None:
        """Take the line away (before other output, and at the end)."""
        if self.visible:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.visible = False

    def redraw(self) -> None:
        if self.enabled and self.done:
            self._draw(time.monotonic())


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"about {minutes} min {rest:02d} s"


def summary(failures: Iterable[tuple[str, str]], verb: str) -> list[str]:
    """The lines that end a batch: each failed plan with its first error."""
    lines = [
        f"  {first}" if first.startswith(path) else f"  {path}: {first}" for path, first in failures
    ]
    if not lines:
        return []
    return [f"{len(lines)} plan(s) {verb}:", *lines]


__all__ = ["Progress", "default_jobs", "run_batch", "summary"]
