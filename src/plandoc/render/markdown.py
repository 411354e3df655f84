"""Stage 4a — Markdown, through the sandboxed Jinja environment with Markdown escaping."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from .templating import RENDER_SECONDS, bounded_render, make_env, template_error, time_limit


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=True)


def render_markdown(context: dict[str, Any], *, templates: Sequence[Path] = ()) -> str:
    """The plan as CommonMark/GFM. An orientation's own ``plan.md.j2`` wins over the base."""
    name = context["orientation"]["name"]
    return _render([f"orientations/{name}/plan.md.j2", "plan.md.j2"], context, templates)


def render_named(name: str, context: dict[str, Any], *, templates: Sequence[Path] = ()) -> str:
    """Any Markdown template by name (the change summary uses ``diff.md.j2``)."""
    return _render([name], context, templates)


def _render(names: list[str], context: dict[str, Any], templates: Sequence[Path]) -> str:
    env = _env(tuple(templates))
    shown = " or ".join(names)
    try:
        template = env.select_template(names)
        shown = template.name or shown
        with time_limit(RENDER_SECONDS, shown):
            text = bounded_render(template, context)
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, shown) from None
    return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
