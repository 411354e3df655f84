"""Templates run in a worker process that the operating system bounds.

The sandbox (:mod:`plandoc.render.sandbox.templating`) decides what a template can *reach*; this module
bounds what it can *use*. Every Markdown and Word render runs in a separate Python process
started with an address-space limit (``RLIMIT_AS``, default 512 MB) and, for each document, a
CPU limit (``RLIMIT_CPU``, default 5 s), while the caller waits with a wall-clock deadline and
kills the worker (with its process group) when it passes. A worker that dies is replaced for
the next document. This holds whichever thread calls the library: no signal handler or timer of
the caller's process is involved.

The worker is one long-lived process per set of limits, so compiled templates are reused from
document to document. Jobs go to it pickled (plain data only: the caller built them); results
come back as framed bytes, never unpickled.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ...errors import PlandocError, TemplateError
from ...text import number

F = TypeVar("F", bound=Callable[..., bytes])


def task(function: F) -> F:
    """Mark a module-level function as one the worker may run (it takes plain keyword data and
    returns bytes). The worker refuses to run anything not marked."""
    function.plandoc_worker_task = True  # type: ignore[attr-defined]
    return function


_HEADER = struct.Struct(">cI")  # status (b"O" ok, b"E" error), payload length
MAX_RESULT = 256 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one document's render may use (the library's callers may pass their own)."""

    memory_mb: int = 512
    cpu_seconds: int = 5

    @property
    def wall_seconds(self) -> float:
        """How long the caller waits at most: CPU time, plus room for a busy machine and
        start-up (the CPU time itself is watched more closely, see :func:`_cpu_seconds`)."""
        return self.cpu_seconds * 2 + 3


DEFAULT_LIMITS = Limits()


def limits_for(settings: Mapping[str, int] | None) -> Limits:
    """The limits with a practice file's ``render_limits`` (``memory_mb``, ``cpu_seconds``)
    in place of the defaults it sets."""
    return replace(DEFAULT_LIMITS, **settings) if settings else DEFAULT_LIMITS


class _Worker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        boot = (
            "import sys, json; sys.path[:] = json.loads(sys.argv[2]); "
            "from plandoc.render.sandbox.worker import serve; serve(int(sys.argv[1]))"
        )
        return subprocess.Popen(
            [sys.executable, "-c", boot, str(self.limits.memory_mb), json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, killed as a whole
            close_fds=True,
        )

    def run(self, task: str, payload: dict[str, Any], what: str) -> bytes:
        job = pickle.dumps((task, self.limits.cpu_seconds, payload), protocol=5)
        with self.lock:
            fresh = self.process is None or self.process.poll() is not None
            try:
                status, body = self._exchange(job, what)
            except _WorkerGone as gone:
                if fresh:  # it died on this job: the job's fault
                    raise TemplateError(_death(what, gone.code, self.limits)) from None
                status, body = self._exchange(job, what)  # it had died before: once more
        if status == b"O":
            return body
        code_text, _, message = body.decode("utf-8", "replace").partition("\n")
        raise _error_class(code_text)(message)

    def _exchange(self, job: bytes, what: str) -> tuple[bytes, bytes]:
        if self.process is not None and self.process.poll() is not None:
            self.stop()  # it died since its last job: close its pipes before starting anew
        if self.process is None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + self.limits.wall_seconds
        started = _cpu_seconds(process.pid)
        limit = self.limits.cpu_seconds + 1

        def watch() -> None:
            """A loop inside one C call never reaches the worker's own signal handler: watch
            its processor time from here too."""
            now = _cpu_seconds(process.pid)
            if now is not None and started is not None and now - started > limit:
                raise _CpuOver

        try:
            process.stdin.write(struct.pack(">I", len(job)) + job)
            process.stdin.flush()
            return _read_frame(process.stdout.fileno(), deadline, watch)
        except _CpuOver:
            self.stop()
            raise TemplateError(
                f"{what}: used more than {self.limits.cpu_seconds} s of processor time; the template loops too much"
            ) from None
        except TimeoutError:
            self.stop()
            raise TemplateError(
                f"{what}: rendering took longer than {number(self.limits.wall_seconds)} s; "
                "the template loops too much"
            ) from None
        except (OSError, EOFError):
            raise _WorkerGone(self.stop()) from None

    def stop(self) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        return process.wait()


class _WorkerGone(Exception):
    def __init__(self, code: int | None) -> None:
        self.code = code


def _death(what: str, code: int | None, limits: Limits) -> str:
    if code == -signal.SIGXCPU:
        return f"{what}: used more than {limits.cpu_seconds} s of processor time; the template loops too much"
    return (
        f"{what}: the template stopped the renderer (it needed more than "
        f"{limits.memory_mb} MB of memory, or crashed it)"
    )


def _error_class(name: str) -> Callable[[str], PlandocError]:
    from ... import errors

    found = getattr(errors, name, None)
    if isinstance(found, type) and issubclass(found, PlandocError):
        return found
    return TemplateError


class _CpuOver(Exception):
    pass


def _cpu_seconds(pid: int) -> float | None:
    """A process's processor time so far (Linux's /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_exact(fd: int, size: int, deadline: float, watch: Callable[[], None]) -> bytes:
    chunks, left = [], size
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if not select.select([fd], [], [], min(remaining, 0.25))[0]:
            watch()
            continue
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float, watch: Callable[[], None]) -> tuple[bytes, bytes]:
    status, size = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline, watch))
    if status not in (b"O", b"E") or size > MAX_RESULT:
        raise EOFError
    return status, _read_exact(fd, size, deadline, watch)


_WORKERS: dict[tuple[Limits, int], _Worker] = {}
_WORKERS_LOCK = threading.Lock()


def run(
    function: Callable[..., bytes],
    payload: dict[str, Any],
    *,
    what: str,
    limits: Limits = DEFAULT_LIMITS,
    lane: int = 0,
) -> bytes:
    """Run ``function(**payload)`` in a bounded worker; a :class:`PlandocError` says what went
    wrong. *function* is a :func:`task` of plandoc's own. Jobs of one *lane* run one after
    another in one worker; another lane has a worker of its own, so two threads can render
    at once (the two versions of a redline)."""
    if not getattr(function, "plandoc_worker_task", False):
        raise ValueError(f"{function!r} is not a worker task")
    name = f"{function.__module__}:{function.__qualname__}"
    with _WORKERS_LOCK:
        worker = _WORKERS.get((limits, lane))
        if worker is None:
            worker = _WORKERS[(limits, lane)] = _Worker(limits)
    return worker.run(name, payload, what)


def forget_inherited() -> None:
    """In a process forked from one that may have started workers: those belong to the parent
    (stopping them would stop its renders); this process starts its own."""
    global _WORKERS, _WORKERS_LOCK
    _WORKERS = {}
    _WORKERS_LOCK = threading.Lock()


def in_batch_process() -> None:
    """Set up a worker process of a batch (:mod:`plandoc.batch`): it starts its own bounded
    workers, not the ones it may have inherited from its parent, and stops them when it ends
    (a pool's worker process leaves without running ``atexit``)."""
    from multiprocessing.util import Finalize

    forget_inherited()
    Finalize(None, stop_all, exitpriority=10)


@atexit.register
def stop_all() -> None:
    """Stop every worker (at exit, and in tests that want a fresh one)."""
    with _WORKERS_LOCK:
        for worker in _WORKERS.values():
            worker.stop()
        _WORKERS.clear()


# --- inside the worker ----------------------------------------------------------------------


class _CpuExceeded(BaseException):
    """Raised by the SIGXCPU handler; a BaseException, so no ``except Exception`` on the way
    (a template's error handling included) can swallow it."""


def serve(memory_mb: int) -> None:
    """The worker's loop: read a job from stdin, run it, write the framed result to stdout."""
    jobs = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # nothing a library prints can corrupt the replies
        os.dup2(devnull, fd)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGXCPU, _on_cpu_limit)
    served = 0
    while True:
        head = jobs.read(4)
        if len(head) < 4:
            return
        task, cpu_seconds, payload = pickle.loads(jobs.read(struct.unpack(">I", head)[0]))
        status, body = _run_one(task, cpu_seconds, payload)
        replies.write(_HEADER.pack(status, len(body)) + body)
        replies.flush()
        del payload, body
        served += 1
        if served == 1 or served % COLLECT_EVERY == 0 or _resident() > limit // 2:
            _tidy(first=served == 1)


COLLECT_EVERY = 8
"""The worker frees its documents' reference cycles every eight documents (and at once when
it holds half its memory limit): collecting after every document cost about 3 ms of its ~20."""


def _tidy(*, first: bool) -> None:
    """After a document, while the caller reads it: free the documents' parsed XML now. It
    sits in reference cycles (python-docx's parts and package) that Python would free only at
    its next full collection. What the first document left (imports, compiled templates)
    lives as long as the worker: it is frozen, so a collection looks only at the last
    documents' objects."""
    gc.collect()
    if first:
        gc.freeze()


def _resident() -> int:
    """This process's resident memory in bytes (Linux's /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _on_cpu_limit(signum: int, frame: Any) -> None:
    raise _CpuExceeded


def _run_one(task: str, cpu_seconds: int, payload: dict[str, Any]) -> tuple[bytes, bytes]:
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime) + cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
    what = str(payload.get("what", "template"))
    try:
        module, _, name = task.partition(":")
        function = (
            getattr(importlib.import_module(module), name)
            if module.startswith("plandoc.")
            else None
        )
        if not getattr(function, "plandoc_worker_task", False):
            raise TemplateError(f"{task} is not a worker task")
        result = function(**payload)  # type: ignore[misc]
        return b"O", bytes(result)
    except _CpuExceeded:
        message = (
            f"{what}: used more than {cpu_seconds} s of processor time; the template loops too much"
        )
        return b"E", f"TemplateError\n{message}".encode()
    except PlandocError as exc:
        return b"E", f"{exc.__class__.__name__}\n{exc}".encode("utf-8", "replace")
    except BaseException as exc:  # anything a template did: say which and why
        from .templating import template_error

        return b"E", f"TemplateError\n{template_error(exc, what)}".encode("utf-8", "replace")
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
