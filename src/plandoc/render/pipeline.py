"""The render pipeline: check → context → each requested format → atomic write.

``render_files`` is what ``plandoc render`` calls: every plan is checked first (a plan with
errors is not rendered, and says why), each format is rendered in memory, and only complete
bytes are written. A failure in one plan does not stop the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..check.pipeline import check_file
from ..errors import Finding, PlandocError, UsageError
from .context import build_context
from .write import write_atomic

FORMATS = ("md", "docx", "pdf")


@dataclass(frozen=True)
class RenderResult:
    source: Path
    written: tuple[Path, ...] = ()
    findings: tuple[Finding, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...]
    outdir: Path
    templates: tuple[Path, ...] = ()
    today: dt.date | None = None


def render_bytes(context: dict[str, Any], fmt: str, *, templates: Sequence[Path] = ()) -> bytes:
    """One plan in one format, in memory."""
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(context, templates=templates).encode("utf-8")
    if fmt == "docx":
        from .word import render_docx

        return render_docx(context, templates=templates)
    if fmt == "pdf":
        from .pdf import docx_to_pdf

        return docx_to_pdf(render_bytes(context, "docx", templates=templates))
    raise UsageError(f"unknown format `{fmt}`; use one of {', '.join(FORMATS)}")


def render_file(source: Path, options: RenderOptions) -> RenderResult:
    result = check_file(source, today=options.today)
    if not result.ok or result.document is None:
        return RenderResult(
            source, findings=result.findings, error=f"{source}: not rendered, the plan has errors"
        )
    context = build_context(result.document.data)
    rendered: dict[str, bytes] = {}
    try:
        for fmt in options.formats:
            if fmt == "pdf" and "docx" in rendered:  # convert the Word file already made
                from .pdf import docx_to_pdf

                rendered[fmt] = docx_to_pdf(rendered["docx"])
            else:
                rendered[fmt] = render_bytes(context, fmt, templates=options.templates)
    except PlandocError as exc:
        return RenderResult(source, findings=result.findings, error=f"{source}: {exc.format()}")
    except Exception as exc:  # a bug must not cost the rest of the batch its documents
        detail = (
            f"internal error while rendering: {exc.__class__.__name__}: {exc}; please report it"
        )
        return RenderResult(source, findings=result.findings, error=f"{source}: {detail}")
    outputs = {options.outdir / f"{source.stem}.{fmt}": data for fmt, data in rendered.items()}
    try:
        for path, data in outputs.items():
            write_atomic(path, data)
    except PlandocError as exc:
        return RenderResult(source, findings=result.findings, error=f"{source}: {exc}")
    return RenderResult(source, tuple(outputs), result.findings)


def render_files(
    sources: Sequence[Path],
    options: RenderOptions,
    *,
    progress: Callable[[RenderResult], None] | None = None,
) -> list[RenderResult]:
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format `{fmt}`; use one of {', '.join(FORMATS)}")
    stems = [s.stem for s in sources]
    clashes = sorted({stem for stem in stems if stems.count(stem) > 1})
    if clashes:
        raise UsageError(
            f"several plans would write the same output ({', '.join(clashes)}); render them to different folders"
        )
    if "pdf" in options.formats:
        from .pdf import require_soffice

        require_soffice()
    results = []
    for source in sources:
        result = render_file(source, options)
        results.append(result)
        if progress:
            progress(result)
    return results


__all__ = [
    "FORMATS",
    "RenderOptions",
    "RenderResult",
    "render_bytes",
    "render_file",
    "render_files",
]
