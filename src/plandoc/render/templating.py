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
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..errors import TemplateError
from ..spec.library import builtin_root
from .formatting import label, show, show_date, show_number, words

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
    return [str(p) for p in extra] + [str(builtin_root())]


MAX_VALUE = 1_000_000  # characters (or items) one value in a template may grow to
MAX_OUTPUT = 20_000_000  # characters one rendered document part may reach


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus bounds on what one expression can build: the sandbox stops
    a template reaching Python, but `'x' * 10**10` would still take all the memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_VALUE
                ):
                    raise SecurityError("a value in the template grows too large")
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        return _bounded(super().call(__context, __obj, *args, **kwargs))


def _bounded(value: Any) -> Any:
    if isinstance(value, str | list | tuple) and len(value) > MAX_VALUE:
        raise SecurityError("a value in the template grows too large")
    return value


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        return _bounded(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


def bounded_render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render, stopping once the output passes MAX_OUTPUT characters."""
    parts, size = [], 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError("the template's output grows too large")
        parts.append(piece)
    return "".join(parts)


def find_file(
    file: str, templates: Sequence[Path] = (), *, orientation: str | None = None
) -> Path | None:
    """The template file a render uses: in each folder of the search path (a practice's first),
    an orientation's own ``orientations/<name>/<file>`` wins over the shared ``<file>``."""
    for root in search_path(templates):
        folder = Path(root)
        candidates = [folder / "orientations" / orientation / file] if orientation else []
        for candidate in [*candidates, folder / file]:
            if candidate.is_file():
                return candidate
    return None


def make_env(*, templates: Sequence[Path] = (), markdown: bool) -> jinja2.Environment:
    finalize: Callable[[Any], Any] | None = _md_finalize if markdown else _xml_finalize
    env = BoundedSandbox(
        loader=jinja2.FileSystemLoader(search_path(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=not markdown,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.pop("lipsum", None)  # random text: output would differ from run to run
    env.filters = {name: _bounded_filter(f) for name, f in env.filters.items()}
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
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        return TemplateError(
            f"{name}: a template file is not UTF-8 text (or is not a text template at all)"
        )
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
