"""The render pipeline: check → context → each requested format → atomic write.

``render_files`` is what ``plandoc render`` calls: every plan is checked first (a plan with
errors is not rendered, and says why), each format is rendered in memory, and only complete
bytes are written. A failure in one plan does not stop the others.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..check.pipeline import check_file
from ..errors import Finding, PlandocError, RenderError, UsageError
from .context import build_context
from .fonts import font_warnings
from .labels import BASE as BASE_LOCALE
from .labels import load_labels
from .pdf import TIMEOUT_SECONDS, docx_to_pdf, require_soffice
from .worker import DEFAULT_LIMITS, Limits, in_batch_process
from .write import refuse_template_folders, write_set

FORMATS = ("md", "docx", "pdf", "safety-plan", "safety-plan-pdf")
OUTPUTS = {
    "md": ("md",),
    "docx": ("docx",),
    "pdf": ("pdf",),
    "safety-plan": ("safety-plan.md", "safety-plan.docx"),
    "safety-plan-pdf": ("safety-plan.pdf",),
}
"""What each ``-f`` format writes: the file name's ending after the plan file's stem. The
safety plan is the client's handout, written alone; its PDF is asked for on its own, as it
needs LibreOffice."""
HANDOUT = "safety-plan."


@dataclass(frozen=True)
class RenderResult:
    source: Path
    written: tuple[Path, ...] = ()
    findings: tuple[Finding, ...] = ()
    error: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...]
    outdir: Path
    templates: tuple[Path, ...] = ()
    today: dt.date | None = None
    limits: Limits = DEFAULT_LIMITS
    pdf_timeout: float = TIMEOUT_SECONDS
    locale: str = BASE_LOCALE
    """The language of the documents' fixed words: a ``labels/<locale>.yaml`` in the library."""


def render_bytes(
    context: dict[str, Any],
    fmt: str,
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """One plan in one format (an ending of :data:`OUTPUTS`), in memory."""
    if fmt == "safety-plan.md":
        from .markdown import render_named

        text = render_named("safety-plan.md.j2", context, templates=templates, limits=limits)
        return text.encode("utf-8")
    if fmt == "safety-plan.docx":
        from .word import render_safety_plan_docx

        return render_safety_plan_docx(context, templates=templates, limits=limits)
    if fmt.endswith("pdf"):
        docx = render_bytes(context, fmt[:-3] + "docx", templates=templates, limits=limits)
        return docx_to_pdf(docx, when=document_date(context))
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(context, templates=templates, limits=limits).encode("utf-8")
    if fmt == "docx":
        from .word import render_docx

        return render_docx(context, templates=templates, limits=limits)
    raise UsageError(f"unknown format `{fmt}`; use one of {', '.join(FORMATS)}")


def document_date(context: dict[str, Any]) -> dt.date:
    """The date a plan's documents carry: its latest revision's, else its start."""
    revision = context["latest_revision"]
    when = revision["date"] if revision else context["plan"]["plan"]["start_date"]
    assert isinstance(when, dt.date)
    return when


def render_file(
    source: Path, options: RenderOptions, *, protect: Sequence[Path] = ()
) -> RenderResult:
    """Check one plan, render every format in memory, then write them all or none.

    A PDF that LibreOffice cannot make is reported, and the Word file is still written."""
    result = check_file(source, today=options.today, templates=options.templates)
    if not result.ok or result.plan is None:
        return RenderResult(
            source, findings=result.findings, error=f"{source}: not rendered, the plan has errors"
        )
    context = build_context(result.plan, load_labels(options.locale, options.templates))
    kinds, skipped = _kinds(options.formats, context)
    rendered: dict[str, bytes] = {}
    problem = ""
    warnings: tuple[str, ...] = (skipped,) if skipped else ()
    try:
        for kind in (k for k in kinds if not k.endswith("pdf")):
            rendered[kind] = render_bytes(
                context, kind, templates=options.templates, limits=options.limits
            )
        for kind in (k for k in kinds if k.endswith("pdf")):
            found, more = _add_pdf(rendered, context, options, kind)
            problem, warnings = _join(problem, found), tuple(dict.fromkeys(warnings + more))
    except PlandocError as exc:
        return RenderResult(source, findings=result.findings, error=f"{source}: {exc.format()}")
    except Exception as exc:  # a bug must not cost the rest of the batch its documents
        detail = (
            f"internal error while rendering: {exc.__class__.__name__}: {exc}; please report it"
        )
        return RenderResult(source, findings=result.findings, error=f"{source}: {detail}")
    outputs = {options.outdir / f"{source.stem}.{kind}": data for kind, data in rendered.items()}
    try:
        written = write_set(outputs, protect=protect or (source,))
    except PlandocError as exc:
        return RenderResult(source, findings=result.findings, error=f"{source}: {exc}")
    return RenderResult(source, tuple(written), result.findings, problem, warnings)


def _kinds(formats: Sequence[str], context: dict[str, Any]) -> tuple[list[str], str]:
    """The files to write for *formats*; a plan without a safety plan gets no handout, and a
    warning saying why (a plan that does not need one is not an error in a batch; its other
    formats are still written)."""
    kinds = [kind for fmt in formats for kind in OUTPUTS[fmt]]
    sp = context["safety_plan"]
    if sp["present"] or not any(k.startswith(HANDOUT) for k in kinds):
        return kinds, ""
    note = f"no safety plan, so no handout written. The plan says: {sp['note']}"
    return [k for k in kinds if not k.startswith(HANDOUT)], note


def _join(*problems: str) -> str:
    return "; ".join(p for p in problems if p)


def _add_pdf(
    rendered: dict[str, bytes], context: dict[str, Any], options: RenderOptions, kind: str
) -> tuple[str, tuple[str, ...]]:
    """Convert the Word file to PDF; on failure, keep the Word file and say why. Also says
    which fonts LibreOffice would have to replace with fonts of other widths."""
    source = kind[:-3] + "docx"
    docx = rendered.get(source) or render_bytes(
        context, source, templates=options.templates, limits=options.limits
    )
    warnings = tuple(f"PDF: {w}" for w in font_warnings(docx))
    try:
        rendered[kind] = docx_to_pdf(docx, when=document_date(context), timeout=options.pdf_timeout)
    except RenderError as exc:
        rendered.setdefault(source, docx)
        return f"PDF not written: {exc}; the Word file was written instead", warnings
    return "", warnings


def render_files(
    sources: Sequence[Path],
    options: RenderOptions,
    *,
    progress: Callable[[RenderResult], None] | None = None,
    jobs: int = 1,
) -> list[RenderResult]:
    """Render every plan of *sources*; the results in the order of *sources*."""
    results = []
    for result in iter_render(sources, options, jobs=jobs):
        results.append(result)
        if progress:
            progress(result)
    return results


def iter_render(
    sources: Sequence[Path], options: RenderOptions, *, jobs: int = 1
) -> Iterator[RenderResult]:
    """What ``plandoc render`` calls: each plan's result as soon as it (and every plan before
    it) is done, in the order of *sources*, in *jobs* worker processes (see
    :mod:`plandoc.batch`). The files written are the same whatever *jobs* is. Problems with the
    whole batch (an unknown format, two plans writing the same file) are raised first."""
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format `{fmt}`; use one of {', '.join(FORMATS)}")
    stems = [s.stem for s in sources]
    clashes = sorted(stem for stem, count in Counter(stems).items() if count > 1)
    if clashes:
        raise UsageError(
            f"several plans would write the same output ({', '.join(clashes)}); render them to different folders"
        )
    refuse_template_folders(options.outdir, options.templates)
    load_labels(
        options.locale, options.templates
    )  # an unknown locale or a broken file: say so once
    if any(fmt.endswith("pdf") for fmt in options.formats):
        require_soffice()
    from ..batch import run_batch

    render = partial(render_file, options=options, protect=tuple(sources))
    yield from run_batch(render, sources, jobs, setup=in_batch_process)


__all__ = [
    "FORMATS",
    "OUTPUTS",
    "RenderOptions",
    "RenderResult",
    "iter_render",
    "render_bytes",
    "render_file",
    "render_files",
]
