"""Stage 4a — Markdown, through the sandboxed Jinja environment with Markdown escaping."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from .templating import RENDER_SECONDS, make_env, template_error, time_limit


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=True)


def render_markdown(context: dict[str, Any], *, templates: Sequence[Path] = ()) -> str:
    """The plan as CommonMark/GFM. An orientation's own ``plan.md.j2`` wins over the base."""
    env = _env(tuple(templates))
    name = context["orientation"]["name"]
    try:
        template = env.select_template([f"orientations/{name}/plan.md.j2", "plan.md.j2"])
        with time_limit(RENDER_SECONDS, template.name or "plan.md.j2"):
            text = template.render(context)
    except jinja2.TemplateError as exc:
        raise template_error(exc, f"orientations/{name}/plan.md.j2 or plan.md.j2") from None
    return _tidy(text)


def render_named(name: str, context: dict[str, Any], *, templates: Sequence[Path] = ()) -> str:
    """Any Markdown template by name (the change summary uses ``diff.md.j2``)."""
    env = _env(tuple(templates))
    try:
        template = env.get_template(name)
        with time_limit(RENDER_SECONDS, name):
            text = template.render(context)
    except jinja2.TemplateError as exc:
        raise template_error(exc, name) from None
    return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip() + "\n"
