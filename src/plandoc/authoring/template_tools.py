"""``plandoc templates``: the template catalogue, copies to customise, and a linter.

A practice customises by copying a built-in template into its own folder (``export``), editing
it, and pointing ``render --templates DIR`` at the folder. ``check`` lints such a folder before
anyone renders with it: Jinja syntax, variables the templates do not provide (a misspelling is
caught before a clinician meets it), and Word tags that Word has split across runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta

from ..errors import Finding, PlandocError, PlanInvalid, TemplateError, UsageError
from ..render.output.write import write_atomic
from ..render.sandbox import worker
from ..render.sandbox.templating import make_env
from ..render.word.writer import lint_job
from ..spec.library import builtin_root, library, read_template_bytes
from ..spec.orientations import load_orientation, orientations
from ..text import did_you_mean

PLAN_VARIABLES = frozenset(
    {
        "plan", "title", "orientation", "client", "participants", "diagnoses", "goals", "progress",
        "services", "next_review", "latest_revision", "confidentiality", "suggested_interventions",
        "presenting_quote", "measurement_notes", "presenting_speaker", "guardians", "team",
        "clinician_text", "supervisor_text", "risk", "instruments", "shared_interventions",
        "scores", "crisis_plans", "substance_use", "signatures", "extensions", "sources",
        "facts", "status_banner", "status_mark", "as_of", "signed_on", "coverage",
        "safety_plan", "labels", "payer", "compliance", "logo",
    }
)  # fmt: skip
DIFF_VARIABLES = frozenset(
    {
        "logo", "title", "plan_id", "client", "client_id", "old_version", "new_version", "old_date",
        "new_date", "revision", "warnings", "key_changes", "progress", "new_scores", "sections",
        "count", "confidentiality", "labels",
    }
)  # fmt: skip
BASE_FILES = {
    "plan": ("plan.md.j2", "md/block.md.j2", "md/compliance.md.j2", "plan.docx"),
    "diff": ("diff.md.j2", "diff.docx"),
    "safety-plan": ("safety-plan.md.j2", "safety-plan.docx"),
    "payer-summary": ("payer-summary.md.j2", "md/compliance.md.j2", "payer-summary.docx"),
    "labels": ("labels/en-US.yaml", "labels/en-GB.yaml"),
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
    for name, orientation in orientations(templates).items():
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
    found = library(tuple(templates))
    return found.find(f"orientations/{name}/{file}") or found.find(file) or builtin_root() / file


def export(name: str, folder: Path, *, force: bool = False) -> list[Path]:
    """Copy a built-in template set into *folder*: ``plan`` (the plan in Markdown and Word),
    ``diff`` (the change summary), ``safety-plan`` (the client's handout), ``labels`` (the
    fixed words in each language, ``labels/*.yaml``), or an orientation name (the plan
    templates placed where they override that orientation only)."""
    known = orientations()
    if name in BASE_FILES:
        pairs = [(builtin_root() / f, folder / f) for f in BASE_FILES[name]]
    elif name in known:
        pairs = [
            (builtin_root() / f, folder / "orientations" / name / f)
            for f in ("plan.md.j2", "plan.docx")
        ]
    else:
        raise UsageError(
            f"unknown template `{name}`; one of: {', '.join(BASE_FILES)}, {', '.join(known)}"
        )
    for _, target in pairs:
        _no_links_on_the_way(folder, target)
    clashes = [str(target) for _, target in pairs if target.exists()]
    if clashes and not force:
        raise UsageError(f"{', '.join(clashes)} already exist(s); pass --force to overwrite")
    for source, target in pairs:
        write_atomic(target, source.read_bytes())  # replaces a link; never writes through one
    return [target for _, target in pairs]


def _no_links_on_the_way(folder: Path, target: Path) -> None:
    """Export writes into *folder* only: a folder on the way that is a link would send it
    elsewhere. (A link at the file itself is replaced, not written through.)"""
    current = folder
    for part in target.relative_to(folder).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise UsageError(
                f"{current} is a symbolic link; export writes into {folder} only — remove the link"
            )


def lint(folder: Path) -> list[Finding]:
    """Every problem in a practice's template folder."""
    findings: list[Finding] = []
    for path, is_link in _walk(folder):
        if is_link:
            findings.append(
                _finding(
                    path,
                    "a symbolic link: plandoc does not follow links in a template folder; copy the file itself in",
                    "template.link",
                )
            )
        elif path.name == "orientation.yaml":
            findings += _lint_orientation(path)
        elif path.parent.name == "profiles" and path.suffix == ".yaml":
            findings += _lint_profile(path)
        elif path.parent.name == "labels" and path.suffix == ".yaml":
            findings += _lint_labels(path)
        elif path.suffix == ".j2":
            findings += _lint_text(path)
        elif path.suffix == ".docx":
            findings += _lint_docx(path)
    return findings


def _lint_orientation(path: Path) -> list[Finding]:
    """An orientation's ``orientation.yaml``: checked as ``check`` and ``render`` would."""
    try:
        load_orientation(path)
    except PlanInvalid as exc:
        return list(exc.findings)
    except TemplateError as exc:
        return [_finding(path, str(exc).removeprefix(f"{path}: "), "template.file")]
    return []


def _lint_profile(path: Path) -> list[Finding]:
    """A payer profile: read and checked as ``check --profile`` would."""
    from ..check.profiles import load_profile

    try:
        load_profile(path.stem, path)
    except PlanInvalid as exc:
        return list(exc.findings)
    except TemplateError as exc:
        return [_finding(path, str(exc).removeprefix(f"{path}: "), "template.file")]
    return []


def _lint_labels(path: Path) -> list[Finding]:
    """A labels file (``labels/LOCALE.yaml``): read and checked as ``render --locale`` would."""
    from ..render.context.labels import check_file

    try:
        return check_file(path)
    except PlanInvalid as exc:
        return list(exc.findings)
    except TemplateError as exc:
        return [_finding(path, str(exc).removeprefix(f"{path}: "), "template.file")]


def _walk(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Each file (and each link, flagged) under *folder*, in order, never following a link."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                yield here / name, True
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
        for name in sorted(files):
            yield here / name, (here / name).is_symlink()


def _finding(path: Path | str, message: str, rule: str, line: int = 1) -> Finding:
    return Finding(str(path), line, 1, "error", message, rule)


def _lint_text(path: Path) -> list[Finding]:
    try:
        source = read_template_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return [_finding(path, "not UTF-8 text; save the template as UTF-8", "template.encoding")]
    except TemplateError as exc:
        return [_finding(path, str(exc).removeprefix(f"{path}: "), "template.file")]
    return _lint_source(source, str(path), _variables_for(path))


def _variables_for(path: Path) -> frozenset[str]:
    return DIFF_VARIABLES if path.name.startswith("diff") else PLAN_VARIABLES | {"b"}


MAX_REPORTED = 20
"""Unknown variables reported per template; the rest are counted."""


def _lint_source(source: str, shown: str, known: frozenset[str]) -> list[Finding]:
    """Syntax and unknown variables, found in the bounded worker (a template may be huge or
    nest deeply)."""
    payload = {"source": source, "known": sorted(known), "what": shown}
    try:
        found = json.loads(worker.run(lint_source_job, payload, what=shown))
    except PlandocError as exc:
        return [_finding(shown, str(exc).removeprefix(f"{shown}: "), "template.syntax")]
    return [Finding(shown, line, 1, "error", message, rule) for line, message, rule in found]


@worker.task
def lint_source_job(source: str, known: list[str], what: str) -> bytes:
    """In the worker: the syntax and unknown variables of one template source, as JSON."""
    env = make_env(markdown=True)
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        found = [(exc.lineno or 1, f"template syntax error: {exc.message}", "template.syntax")]
        return json.dumps(found).encode("utf-8")
    except RecursionError:
        found = [(1, "the template nests too deeply to read", "template.syntax")]
        return json.dumps(found).encode("utf-8")
    unknown = sorted(meta.find_undeclared_variables(tree) - set(known))
    lines: dict[str, int] = {}
    wanted = set(unknown[:MAX_REPORTED])
    for node in tree.find_all(jinja2.nodes.Name):
        if node.name in wanted and node.name not in lines:
            lines[node.name] = node.lineno
    found = [
        (
            lines.get(name, 1),
            f"`{name}` is not a template variable{did_you_mean(name, known)}; see docs/templates.md for the variables",
            "template.variable",
        )
        for name in unknown[:MAX_REPORTED]
    ]
    if len(unknown) > MAX_REPORTED:
        found.append(
            (
                1,
                f"and {len(unknown) - MAX_REPORTED} more variables templates do not have",
                "template.variable",
            )
        )
    return json.dumps(found).encode("utf-8")


def _lint_docx(path: Path) -> Iterator[Finding]:
    """The package is inspected and its tags read in the bounded worker: a Word file from
    outside may be a zip bomb or carry macros, links or fields that read other files."""
    try:
        report = json.loads(
            worker.run(lint_job, {"path": str(path), "what": str(path)}, what=str(path))
        )
    except PlandocError as exc:
        yield _finding(path, str(exc).removeprefix(f"{path}: "), "template.docx")
        return
    for problem in report["problems"]:
        yield _finding(path, problem, "template.docx")
    for part in report["parts"]:
        shown = f"{path}[{part['part']}]"
        if part["split"]:
            msg = "a {{ }} or {% %} tag is split across several runs (Word does this when a tag is edited in pieces); delete it and type it again in one go"
            yield Finding(shown, 1, 1, "warning", msg, "template.split-tag")
        yield from _lint_source(part["source"], shown, _variables_for(path))
