"""The render pipeline: check → context → each requested format → atomic write.

``render_files`` is what ``plandoc render`` calls: every plan is checked first (a plan with
errors is not rendered, and says why), each format is rendered in memory, and only complete
bytes are written. A failure in one plan does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..check.compliance import compliance_for
from ..check.pipeline import CheckResult, check_file
from ..check.profiles import get_profile
from ..errors import Finding, PlandocError, RenderError, UsageError
from ..spec.loader import Document
from ..spec.model import Plan
from ..spec.practice import Logo, Practice
from .context.build import build_context
from .context.labels import BASE as BASE_LOCALE
from .context.labels import Labels, load_labels
from .context.payer import appendix, payer_properties
from .formats import FORMATS
from .output.write import refuse_template_folders, write_set
from .pdf.libreoffice import TIMEOUT_SECONDS, docx_to_pdf, require_soffice
from .sandbox.worker import DEFAULT_LIMITS, Limits, in_batch_process
from .word.fonts import font_warnings

OUTPUTS = {
    "md": ("md",),
    "docx": ("docx",),
    "pdf": ("pdf",),
    "safety-plan": ("safety-plan.md", "safety-plan.docx"),
    "safety-plan-pdf": ("safety-plan.pdf",),
    "payer-summary": ("payer-summary.md", "payer-summary.docx"),
    "payer-summary-pdf": ("payer-summary.pdf",),
    "fhir": ("fhir.json",),
}
"""What each ``-f`` format writes: the file name's ending after the plan file's stem. The
safety plan is the client's handout, written alone; its PDF is asked for on its own, as it
needs LibreOffice. The payer summary (:mod:`plandoc.render.context.payer`) is written the same way."""
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
    """What one document's render may use (the command line takes a practice file's
    ``render_limits`` through :func:`~plandoc.render.sandbox.worker.limits_for`)."""
    pdf_timeout: float = TIMEOUT_SECONDS
    locale: str = BASE_LOCALE
    """The language of the documents' fixed words: a ``labels/<locale>.yaml`` in the library."""
    profiles: tuple[str, ...] = ()
    """Payer or accreditor profiles: each adds its compliance appendix to the documents."""
    fhir_transaction: bool = False
    """A FHIR ``transaction`` bundle (with PUT requests) rather than a ``collection``."""
    fhir_source: bool = True
    """Whether the FHIR CarePlan carries the whole plan's data, for ``plandoc import``."""
    practice: Practice | None = None
    """The practice file in effect: its values fill what plans leave out; its logo is copied
    beside the Markdown files that link to it."""


def render_bytes(
    context: dict[str, Any],
    fmt: str,
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """One plan in one format (an ending of :data:`OUTPUTS`), in memory."""
    if fmt == "safety-plan.md":
        from .markdown.writer import render_named

        text = render_named("safety-plan.md.j2", context, templates=templates, limits=limits)
        return text.encode("utf-8")
    if fmt == "safety-plan.docx":
        from .word.writer import render_safety_plan_docx

        return render_safety_plan_docx(context, templates=templates, limits=limits)
    if fmt == "payer-summary.md":
        from .markdown.writer import render_named

        text = render_named("payer-summary.md.j2", context, templates=templates, limits=limits)
        return text.encode("utf-8")
    if fmt == "payer-summary.docx":
        from .word.writer import plan_properties, render_named_docx

        properties = payer_properties(plan_properties(context), context)
        return render_named_docx(
            "payer-summary.docx", context, properties=properties, templates=templates, limits=limits
        )
    if fmt.endswith("pdf"):
        docx = render_bytes(context, fmt[:-3] + "docx", templates=templates, limits=limits)
        return docx_to_pdf(docx, when=document_date(context))
    if fmt == "md":
        from .markdown.writer import render_markdown

        return render_markdown(context, templates=templates, limits=limits).encode("utf-8")
    if fmt == "docx":
        from .word.writer import render_docx

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
    # The profiles (given, or the practice's) make the compliance appendix, which says what is
    # missing; they do not stop the plan from being rendered as they fail `check`.
    house = options.practice
    practice = replace(house, data={**house.data, "profiles": []}) if house else None
    result = check_file(source, today=options.today, templates=options.templates, practice=practice)
    if not result.ok or result.plan is None:
        return RenderResult(
            source, findings=result.findings, error=f"{source}: not rendered, the plan has errors"
        )
    labels = load_labels(options.locale, options.templates)
    context = build_context(result.plan, labels)
    context["compliance"], unmet = _compliance(result, options, labels)
    kinds, skipped = _kinds(options.formats, context)
    rendered: dict[str, bytes] = {}
    problem = ""
    warnings: tuple[str, ...] = tuple(w for w in (skipped, *unmet) if w)
    try:
        for kind in (k for k in kinds if not k.endswith("pdf")):
            rendered[kind] = (
                _fhir(result.plan, result.document, options)
                if kind == "fhir.json"
                else render_bytes(context, kind, templates=options.templates, limits=options.limits)
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
    outputs.update(_logo_copy(options, rendered))
    try:
        written = write_set(outputs, protect=protect or (source,))
    except PlandocError as exc:
        return RenderResult(source, findings=result.findings, error=f"{source}: {exc}")
    return RenderResult(source, tuple(written), result.findings, problem, warnings)


def _compliance(
    result: CheckResult, options: RenderOptions, labels: Labels
) -> tuple[list[dict[str, Any]], list[str]]:
    """The compliance appendix for each ``--profile``, and a warning for each profile the plan
    does not fully meet (the plan is still rendered: the appendix says what is missing)."""
    tables = compliance_for(
        result.document,
        result.plan,
        options.profiles,
        today=options.today or dt.date.today(),
        templates=options.templates,
    )
    unmet = [
        f"{t['profile']}: {len(t['requirements']) - t['met']} of {len(t['requirements'])} "
        "requirement(s) not met; the compliance appendix lists them"
        for t in tables
        if t["met"] < len(t["requirements"])
    ]
    return [appendix(t, labels) for t in tables], unmet


def _fhir(plan: Plan, doc: Document | None, options: RenderOptions) -> bytes:
    """The plan as a FHIR bundle: from the plan model, not the templates' context."""
    from ..fhir.export import bundle_bytes

    return bundle_bytes(
        plan,
        doc.data if doc else {},
        transaction=options.fhir_transaction,
        source=options.fhir_source,
    )


def _logo_copy(options: RenderOptions, rendered: dict[str, bytes]) -> dict[Path, bytes]:
    """The practice's logo beside a Markdown plan or handout that links to it."""
    logo = options.practice.logo if options.practice else None
    if logo is None or not {"md", "safety-plan.md"} & set(rendered):
        return {}
    return logo_beside(logo, options.outdir)


def logo_beside(logo: Logo, folder: Path) -> dict[Path, bytes]:
    """The logo to write into *folder* for a Markdown file there that links to it, as
    ``practice-logo.png`` (or ``.jpg``): nothing when the same picture is already there.
    Anything else of that name — another file, a folder, a pipe — is never replaced or read
    beyond the logo's size: a :class:`RenderError` says so."""
    target = folder / logo.file_name
    try:
        info = target.lstat()
    except FileNotFoundError:
        return {target: logo.data}
    except OSError:
        info = None
    if info and stat.S_ISREG(info.st_mode) and info.st_size == len(logo.data):
        try:
            with target.open("rb") as handle:
                if handle.read(len(logo.data) + 1) == logo.data:
                    return {}
        except OSError:
            pass
    raise RenderError(
        f"{target} exists and is not this practice's logo; plandoc does not replace it — move it, or write to another folder"
    )


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
    for name in options.profiles:
        get_profile(name, options.templates)  # an unknown profile: a usage error, before any work
    if any(fmt.endswith("pdf") for fmt in options.formats):
        require_soffice()
    if "fhir" in options.formats:
        from ..fhir import require

        require()
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
