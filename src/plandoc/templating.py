"""The one place Jinja environments are made: sandboxed, strict, with plandoc's filters.

Templates are untrusted — a practice writes its own — so every environment is an
``ImmutableSandboxedEnvironment`` (no attribute tricks, no mutation of the context) with
``StrictUndefined`` (a misspelt variable fails instead of printing nothing), and rendering is
bounded in time because the sandbox does not bound CPU.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .errors import TemplateError
from .formatting import label, show, show_date, show_number, words
from .orientations import BUILTIN_ROOT

RENDER_SECONDS = 20

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_SPACE = re.compile(r"\s+")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Only what would change meaning at the start of a line: a heading, quote, list item or rule.
_MD_LINE_START = re.compile(r"^(#|>|[-+*](?=\s|$)|\d+[.)](?=\s|$)|=+$|-+$)")


def md_escape(value: Any) -> str:
    """Text that Markdown shows exactly as written, on one line (safe inside a table cell)."""
    if isinstance(value, Markup):
        return str(value)
    text = _SPACE.sub(" ", _XML_ILLEGAL.sub("", value if isinstance(value, str) else show(value)))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    return _MD_LINE_START.sub(lambda m: _escape_last(m.group(1)), text)


def _escape_last(marker: str) -> str:
    if marker[0] in "#>-+*=" and not marker[0].isdigit():
        return "\\" + marker
    return marker[:-1] + "\\" + marker[-1]


def search_path(extra: Sequence[Path] = ()) -> list[str]:
    """A practice's template folders first, then the built-ins."""
    return [str(p) for p in extra] + [str(BUILTIN_ROOT)]


def make_env(*, templates: Sequence[Path] = (), markdown: bool) -> jinja2.Environment:
    finalize: Callable[[Any], Any] | None = _md_finalize if markdown else _xml_finalize
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(search_path(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=not markdown,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        {"date": show_date, "label": label, "words": words, "show": show, "num": show_number}
    )
    return env


def _md_finalize(value: Any) -> Any:
    return md_escape(value)


def _xml_finalize(value: Any) -> Any:
    """Word text: dates and numbers as people read them; XML escaping is autoescape's job.

    Characters that XML 1.0 forbids (most control characters) are dropped rather than
    producing a file Word refuses to open."""
    if isinstance(value, Markup) or hasattr(value, "__html__"):  # docxtpl's InlineImage, RichText
        return value
    return (
        _XML_ILLEGAL.sub("", show(value))
        if not isinstance(value, str)
        else _XML_ILLEGAL.sub("", value)
    )


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Stop a runaway template (the sandbox bounds access, not CPU). Main thread only."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TemplateError(
            f"{what}: rendering took longer than {seconds:g} s; the template loops too much"
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def template_error(exc: Exception, name: str) -> TemplateError:
    """A user-facing message for anything a template did wrong."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(
            f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}"
        )
    if isinstance(exc, jinja2.UndefinedError):
        return TemplateError(
            f"{name}: {exc.message}; check the variable name against docs/templates.md"
        )
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return TemplateError(f"{name}: the template tried something templates may not do: {exc}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(f"template not found: {exc.name}")
    return TemplateError(f"{name}: template failed: {exc.__class__.__name__}: {exc}")
