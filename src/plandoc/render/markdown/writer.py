"""Stage 3a — Markdown, through the sandboxed Jinja environment with Markdown escaping, in the
bounded worker process."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..sandbox import worker
from ..sandbox.plain import plain
from ..sandbox.templating import bounded_render, make_env, template_error
from ..sandbox.worker import DEFAULT_LIMITS, Limits


def render_markdown(
    context: dict[str, Any], *, templates: Sequence[Path] = (), limits: Limits = DEFAULT_LIMITS
) -> str:
    """The plan as CommonMark/GFM. An orientation's own ``plan.md.j2`` wins over the base."""
    name = context["orientation"]["name"]
    return _render([f"orientations/{name}/plan.md.j2", "plan.md.j2"], context, templates, limits)


def render_named(
    name: str,
    context: dict[str, Any],
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Any Markdown template by name (the change summary uses ``diff.md.j2``)."""
    return _render([name], context, templates, limits)


def _render(
    names: list[str], context: dict[str, Any], templates: Sequence[Path], limits: Limits
) -> str:
    payload = {
        "names": names,
        "templates": [str(t) for t in templates],
        "context": plain(context),
        "what": " or ".join(names),
    }
    return worker.run(run_job, payload, what=payload["what"], limits=limits).decode("utf-8")


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=True)


@worker.task
def run_job(names: list[str], templates: list[str], context: dict[str, Any], what: str) -> bytes:
    """In the worker: render the first of *names* the library holds."""
    env = _env(tuple(Path(t) for t in templates))
    shown = what
    try:
        template = env.select_template(names)
        shown = template.name or what
        return _tidy(bounded_render(template, context)).encode("utf-8")
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, shown) from None


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
