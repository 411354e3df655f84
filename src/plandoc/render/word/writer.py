"""Stage 3b — Word, through docxtpl (with :mod:`plandoc.render.word.parts` and
:mod:`plandoc.render.word.fast`, the only modules that import it).

The caller's side builds what a document needs from plain data — the template context (plain
data only), the progress charts as PNG bytes, the document properties — and sends it to the
bounded worker (:mod:`plandoc.render.sandbox.worker`). The worker's side finds the template through the
library, inspects the package before using it (:mod:`plandoc.render.word.package`), renders it with
the sandboxed environment, puts the pictures where the template placed their markers, and
inspects the result again. Templates never see a docxtpl or python-docx object.

Shaped as *prepare once, render many*: a template's bytes are read and inspected once per
worker, and taken apart once into what each document is built from
(:mod:`plandoc.render.word.fast`: each part's Jinja compiled, its unchanged parts kept
compressed), so a caseload pays for opening and compiling a template once, not once per plan.
The straightforward path — docxtpl renders a python-docx document, python-docx saves it — is
kept as the reference the compiled one is tested against, byte for byte
(``tests/test_fast_path.py``), and takes over whatever the compiled one cannot reproduce."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ...errors import TemplateError
from ...spec.library import library, read_template_bytes
from ..output.write import stable_zip, stable_zip_of
from ..sandbox import worker
from ..sandbox.plain import plain
from ..sandbox.templating import PICTURE_MARK, XML_ILLEGAL, Picture, make_env, template_error
from ..sandbox.worker import DEFAULT_LIMITS, Limits
from . import chart
from .columns import fit_tables
from .package import inspect_package, package_problems, part_digests
from .parts import _body_size, _parts, _place_pictures, _Prepared, _set_properties
from .parts import clean_package as clean_package  # the template builder's too

CHART_WIDTH_MM = chart.WIDTH_MM
"""How wide a progress chart is placed (its height follows the picture's shape), unless its
table cell is narrower."""


def render_docx(
    context: dict[str, Any],
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
    lane: int = 0,
) -> bytes:
    """The plan as a .docx, with document properties set and stable bytes (*lane*: see
    :func:`worker.run`)."""
    name = context["orientation"]["name"]
    rows: list[dict[str, Any]] = []
    pictures, logo = _logo(context)
    for row in context["progress"]:
        png = _chart(row)
        marker = Picture.numbered(len(pictures) + 1) if png else ""
        if png:
            alt = PICTURE_MARK.sub("", XML_ILLEGAL.sub("", row["chart_alt"]))
            pictures[marker] = (png, alt, 0, 0)
        rows.append({**row, "chart": marker})
    return _render(
        [f"orientations/{name}/plan.docx", "plan.docx"],
        {**context, "progress": rows, "logo": logo},
        templates,
        limits,
        pictures=pictures,
        properties=plan_properties(context),
        lane=lane,
    )


def render_named_docx(
    name: str,
    context: dict[str, Any],
    *,
    properties: dict[str, Any] | None = None,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Any Word template by file name (the change summary uses ``diff.docx``), with the given
    core *properties* (none of the template's own are kept) and the practice's logo where the
    context has one."""
    pictures, logo = _logo(context)
    if "logo" in context:
        context = {**context, "logo": logo}
    return _render(
        [name], context, templates, limits, pictures=pictures, properties=properties or {}
    )


def render_safety_plan_docx(
    context: dict[str, Any], *, templates: Sequence[Path] = (), limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """The client's safety-plan handout (``safety-plan.docx``): the plan's context, the
    handout's own document properties."""
    plan = context["plan"]
    ident, version = plan["plan"]["id"], plan["plan"]["version"]
    properties = {
        **plan_properties(context),
        "title": "My safety plan",
        "subject": f"Safety plan for client {context['client']['id']} (plan {ident} version {version})",
        "keywords": "safety plan",
        "category": "Safety plan",
        "identifier": f"plandoc:safety-plan:{ident}:{version}",
    }
    pictures, logo = _logo(context)
    return _render(
        ["safety-plan.docx"],
        {**context, "logo": logo},
        templates,
        limits,
        pictures=pictures,
        properties=properties,
    )


LOGO_MARK = Picture.numbered(0)


def _logo(context: dict[str, Any]) -> tuple[dict[str, tuple[bytes, str, int, int]], dict[str, Any]]:
    """The practice's logo as a picture for the Word header (read and checked again here),
    and the context's ``logo`` with its marker; no picture when there is no logo."""
    logo = dict(context.get("logo") or {"present": False})
    if not logo["present"]:
        return {}, logo
    from docx.shared import Mm

    from ...spec.practice import read_logo

    try:
        found = read_logo(Path(logo["file"]))
    except ValueError as exc:
        raise TemplateError(f"the practice's logo {logo['file']}: {exc}") from None
    width, height = found.size_mm
    alt = PICTURE_MARK.sub("", XML_ILLEGAL.sub("", logo["alt"]))
    logo["picture"] = LOGO_MARK
    return {LOGO_MARK: (found.data, alt, int(Mm(width)), int(Mm(height)))}, logo


def _render(
    names: list[str],
    context: dict[str, Any],
    templates: Sequence[Path],
    limits: Limits,
    *,
    pictures: dict[str, tuple[bytes, str, int, int]],
    properties: dict[str, Any],
    lane: int = 0,
) -> bytes:
    payload = {
        "names": names,
        "templates": [str(t) for t in templates],
        "context": plain(context),
        "pictures": pictures,
        "properties": properties,
        "what": names[-1],
    }
    return worker.run(run_job, payload, what=names[-1], limits=limits, lane=lane)


def _chart(row: dict[str, Any]) -> bytes:
    """The trend chart of a progress row whose chart has two points or more: scaled to the
    scores and the target, spaced by date when every point has one."""
    points = row["chart_points"]
    if len(points) < 2:
        return b""
    dates = [p["date"] for p in points]
    positions = [float(d.toordinal()) for d in dates] if all(dates) else None
    low, high = row["scale"]
    return chart.trend_chart(
        [float(p["score"]) for p in points],
        positions=positions,
        target=row["target"],
        direction=row["direction"],
        min_span=(high - low) / 10 if high is not None else 0.0,
    )


def plan_properties(context: dict[str, Any]) -> dict[str, Any]:
    """Title, subject and author for the file's properties; dates from the plan, not the clock."""
    plan = context["plan"]
    revision = context["latest_revision"]
    when = revision["date"] if revision else plan["plan"]["start_date"]
    author = f"{plan['clinician']['name']}, {plan['clinician']['credentials']}"
    return {
        "title": context["title"],
        "subject": f"Treatment plan {plan['plan']['id']} version {plan['plan']['version']} for client {context['client']['id']}",
        "author": author,
        "last_modified_by": author,
        "keywords": f"treatment plan; {context['orientation']['label']}",
        "comments": "Confidential health information.",
        "category": "Treatment plan",
        "identifier": f"plandoc:plan:{plan['plan']['id']}:{plan['plan']['version']}",
        "created": dt.datetime(when.year, when.month, when.day),
        "revision": int(plan["plan"]["version"]),
    }


# --- inside the worker ----------------------------------------------------------------------


@cache
def _env(templates: tuple[Path, ...]) -> jinja2.Environment:
    return make_env(templates=templates, markdown=False)


_INSPECTED: dict[str, dict[str, str]] = {}  # a template's SHA-256 → its parts' digests


@cache
def _template_bytes(path: Path, stamp: tuple[int, int]) -> bytes:
    return read_template_bytes(path)


def _load(names: list[str], templates: list[str]) -> tuple[Path, bytes]:
    found = library(tuple(Path(t) for t in templates))
    for name in names:
        path = found.find(name)
        if path is not None:
            info = path.stat()
            data = _template_bytes(path, (info.st_mtime_ns, info.st_size))
            digest = hashlib.sha256(data).hexdigest()
            if digest not in _INSPECTED:
                inspect_package(data, str(path))
                _INSPECTED[digest] = part_digests(data)
            return path, data
    raise TemplateError(f"no Word template found (looked for {' or '.join(names)})")


@worker.task
def run_job(
    names: list[str],
    templates: list[str],
    context: dict[str, Any],
    pictures: dict[str, tuple[bytes, str, int, int]],
    properties: dict[str, Any],
    what: str,
    fast: bool = True,
) -> bytes:
    """In the worker: render the first Word template of *names* the library holds.

    *fast* writes the package straight from its parts (the unchanged ones copied already
    compressed) and inspects the parts in memory; otherwise python-docx saves it, it is
    rewritten with stable bytes and read back to be inspected — the straightforward path, kept
    as the reference the fast one is tested against: both give the same bytes."""
    path, data = _load(names, templates)
    inspected = _INSPECTED[hashlib.sha256(data).hexdigest()]
    env = _env(tuple(Path(t) for t in templates))
    if fast:
        from . import fast as docxfast

        found = docxfast.compiled(data, env)
        entries = (
            docxfast.render(found, context, env, pictures, properties, str(path))
            if found is not None
            else None
        )
        if found is not None and entries is not None and len(dict(entries)) == len(entries):
            static = docxfast.unchanged(found, entries)
            packed = {name: (s.crc, s.packed) for name, s in static.items()}
            digests = {name: s.digest for name, s in static.items()}
            rendered = _write_parts(entries, path, inspected | found.clean, packed, digests)
            # the unchanged parts, inspected once, need not be again: their bytes are these
            found.clean = digests | found.clean
            return rendered
    try:
        template = _Prepared()(io.BytesIO(data))
        template.init_docx()  # open the package now, so a broken file is reported as such
    except Exception as exc:
        raise TemplateError(
            f"{path}: not a usable Word template ({exc.__class__.__name__}: {exc}); export a fresh one with `plandoc templates export`"
        ) from None
    try:
        template.render(context, jinja_env=env)
    except Exception as exc:  # a practice's template may fail in any way: say which and why
        raise template_error(exc, str(path)) from None
    _place_pictures(template.docx.part, pictures)
    fit_tables(template.docx.element.body, _body_size(template.docx))
    _set_properties(template.docx.core_properties, properties)
    clean_package(template.docx.part.package)
    entries = _parts(template.docx.part.package) if fast else []
    if entries and len({n for n, _ in entries}) == len(entries):  # else python-docx says why
        return _write_parts(entries, path, inspected)
    out = io.BytesIO()
    template.save(out)
    rendered = stable_zip(out.getvalue())
    _inspect_rendered(rendered, path, inspected)
    return rendered


def _write_parts(
    entries: list[tuple[str, bytes]],
    path: Path,
    inspected: dict[str, str],
    packed: dict[str, tuple[int, bytes]] | None = None,
    digests: dict[str, str] | None = None,
) -> bytes:
    """The package written straight from its parts, and inspected from them. *packed* and
    *digests*: parts' CRC and deflate stream, and SHA-256, already worked out from the very
    bytes of *entries*."""
    rendered = stable_zip_of(entries, packed)
    order = sorted(entries, key=lambda e: e[0] != "[Content_Types].xml")
    problems = package_problems(rendered, inspected=inspected, parts=dict(order), digests=digests)
    if problems:
        raise TemplateError(f"{path}: the rendered document {problems[0]}")
    return rendered


@worker.task
def lint_job(path: str, what: str) -> bytes:
    """In the worker: the linter's Word checks, as JSON — the package's problems, then for each
    part with tags whether one is split across runs and its source as docxtpl will compile it."""
    import json
    import zipfile

    data = read_template_bytes(Path(path))
    problems = package_problems(data)
    parts = []
    if not problems:
        package = zipfile.ZipFile(io.BytesIO(data))
        template = _Prepared()(io.BytesIO(data))
        template.init_docx()
        for part in (n for n in package.namelist() if _TAGGED_PART.fullmatch(n)):
            xml = package.read(part).decode("utf-8")
            source = template.patch_xml(xml)
            parts.append({"part": part, "split": bool(_SPLIT_TAG.search(xml)), "source": source})
    return json.dumps({"problems": problems, "parts": parts}).encode("utf-8")


_SPLIT_TAG = re.compile(r"\{[{%](?:(?![}%]\}).)*?</w:t>.*?<w:t[ >]", re.DOTALL)
_TAGGED_PART = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


def _inspect_rendered(
    data: bytes, path: Path, template: dict[str, str], parts: dict[str, bytes] | None = None
) -> None:
    """The output inspected like a template — a template's text could have assembled a field
    that reads a file — except the parts it holds unchanged from the inspected template.
    *parts*, the parts *data* was just written from, spare reading it back."""
    problems = package_problems(data, inspected=template, parts=parts)
    if problems:
        raise TemplateError(f"{path}: the rendered document {problems[0]}")
