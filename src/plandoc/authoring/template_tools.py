"""``plandoc templates``: the template catalogue, copies to customise, and a linter.

A practice customises by copying a built-in template into its own folder (``export``), editing
it, and pointing ``render --templates DIR`` at the folder. ``check`` lints such a folder before
anyone renders with it: Jinja syntax, variables the templates do not provide (a misspelling is
caught before a clinician meets it), and Word tags that Word has split across runs.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta

from ..errors import Finding, UsageError, did_you_mean
from ..render.templating import find_file, make_env
from ..spec.library import builtin_root
from ..spec.orientations import builtin_orientations

PLAN_VARIABLES = frozenset(
    {
        "plan", "title", "orientation", "client", "participants", "diagnoses", "goals", "progress",
        "services", "next_review", "latest_revision", "confidentiality", "suggested_interventions",
        "presenting_quote", "measurement_notes",
    }
)  # fmt: skip
DIFF_VARIABLES = frozenset(
    {
        "title", "plan_id", "client", "client_id", "old_version", "new_version", "old_date",
        "new_date", "revision", "warnings", "progress", "new_scores", "sections", "count",
        "confidentiality",
    }
)  # fmt: skip
BASE_FILES = {
    "plan": ("plan.md.j2", "md/block.md.j2", "plan.docx"),
    "diff": ("diff.md.j2", "diff.docx"),
}


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    label: str
    markdown: Path
    word: Path


def catalogue(templates: Sequence[Path] = ()) -> list[TemplateInfo]:
    """Each orientation and the Markdown and Word templates a render would use for it."""
    found = []
    for name, orientation in builtin_orientations().items():
        found.append(
            TemplateInfo(
                name,
                orientation.label,
                _first(name, "plan.md.j2", templates),
                _first(name, "plan.docx", templates),
            )
        )
    return found


def _first(name: str, file: str, templates: Sequence[Path]) -> Path:
    return find_file(file, templates, orientation=name) or builtin_root() / file


def export(name: str, folder: Path, *, force: bool = False) -> list[Path]:
    """Copy a built-in template set into *folder*: ``plan`` (the plan in Markdown and Word),
    ``diff`` (the change summary), or an orientation name (the plan templates placed where they
    override that orientation only)."""
    orientations = builtin_orientations()
    if name in BASE_FILES:
        pairs = [(builtin_root() / f, folder / f) for f in BASE_FILES[name]]
    elif name in orientations:
        pairs = [
            (builtin_root() / f, folder / "orientations" / name / f)
            for f in ("plan.md.j2", "plan.docx")
        ]
    else:
        raise UsageError(
            f"unknown template `{name}`; one of: plan, diff, {', '.join(orientations)}"
        )
    clashes = [str(target) for _, target in pairs if target.exists()]
    if clashes and not force:
        raise UsageError(f"{', '.join(clashes)} already exist(s); pass --force to overwrite")
    for source, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return [target for _, target in pairs]


def lint(folder: Path) -> list[Finding]:
    """Every problem in a practice's template folder."""
    env = make_env(templates=[folder], markdown=True)
    findings: list[Finding] = []
    for path in sorted(folder.rglob("*.j2")):
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            findings.append(
                Finding(
                    str(path),
                    1,
                    1,
                    "error",
                    "not UTF-8 text; save the template as UTF-8",
                    "template.encoding",
                )
            )
            continue
        findings += _lint_jinja(env, source, str(path), _variables_for(path))
    for path in sorted(folder.rglob("*.docx")):
        findings += _lint_docx(env, path)
    return findings


def _variables_for(path: Path) -> frozenset[str]:
    return DIFF_VARIABLES if path.name.startswith("diff") else PLAN_VARIABLES | {"b"}


def _lint_jinja(
    env: jinja2.Environment, source: str, shown: str, known: frozenset[str]
) -> Iterator[Finding]:
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        yield Finding(
            shown,
            exc.lineno or 1,
            1,
            "error",
            f"template syntax error: {exc.message}",
            "template.syntax",
        )
        return
    for name in sorted(meta.find_undeclared_variables(tree) - known):
        msg = f"`{name}` is not a template variable{did_you_mean(name, known)}; see docs/templates.md for the variables"
        yield Finding(shown, _line_of(source, name), 1, "error", msg, "template.variable")


def _line_of(source: str, name: str) -> int:
    for number, line in enumerate(source.splitlines(), 1):
        if re.search(rf"\b{re.escape(name)}\b", line):
            return number
    return 1


_SPLIT_TAG = re.compile(r"\{[{%](?:(?![}%]\}).)*?</w:t>.*?<w:t[ >]", re.DOTALL)


def _lint_docx(env: jinja2.Environment, path: Path) -> Iterator[Finding]:
    from docxtpl import DocxTemplate

    try:
        package = zipfile.ZipFile(path)
        template = DocxTemplate(str(path))
        template.init_docx()
    except Exception:  # not a zip, or a zip that is not a Word package
        yield Finding(str(path), 1, 1, "error", "not a Word (.docx) file", "template.docx")
        return
    for part in (
        n
        for n in package.namelist()
        if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)
    ):
        xml = package.read(part).decode("utf-8")
        shown = f"{path}[{part}]"
        if _SPLIT_TAG.search(xml):
            msg = "a {{ }} or {% %} tag is split across several runs (Word does this when a tag is edited in pieces); delete it and type it again in one go"
            yield Finding(shown, 1, 1, "warning", msg, "template.split-tag")
        yield from _lint_jinja(env, template.patch_xml(xml), shown, _variables_for(path))
