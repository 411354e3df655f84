"""The command line: parses options and calls the library. No logic lives here."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import PlandocError, PlanInvalid
from .render.formats import FORMATS
from .text import printable

if TYPE_CHECKING:
    from .spec.practice import Practice


class _Group(click.Group):
    """Turns every plandoc error into its message and exit code; never a traceback for users."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlanInvalid as exc:
            say(*(f.format() for f in exc.findings), err=True)
            note = getattr(exc, "note", "")  # a practice file's problems say which file it is
            if note:
                say(note, err=True)
            ctx.exit(exc.exit_code)
        except PlandocError as exc:
            say(exc.format(), err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # `plandoc check … | head -1`: the reader has gone; end quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("plandoc.debug"):
                traceback.print_exc()
            else:
                say(
                    f"internal error: {exc.__class__.__name__}: {exc}",
                    "run again with --debug and report it",
                    err=True,
                )
            ctx.exit(70)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.version_option(__version__, prog_name="plandoc")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn YAML treatment-plan specs into Word and Markdown documents and revision diffs."""
    ctx.meta["plandoc.debug"] = debug


def say(*records: str, err: bool = False) -> None:
    """Print records — each one line — that may carry a plan's own text: control characters,
    line breaks included, are shown as escapes, so a crafted plan cannot move the cursor or
    print a line of its own (a fake "ok") on the terminal."""
    for record in records:
        click.echo(printable(record), err=err)


def plan_files(paths: Iterable[str]) -> list[Path]:
    """Expand the command's arguments: a folder means every ``*.yaml`` in it. A path that is
    missing, unreadable or a folder without plans stays in the list, and checking it reports
    the problem for that path alone."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        inside = []
        if path.is_dir():
            with contextlib.suppress(OSError):
                inside = sorted(
                    p for p in path.glob("*.yaml") if not p.is_dir() and p.name != PRACTICE_FILE
                )
        found += inside or [path]
    return found


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date; use YYYY-MM-DD") from None


today_option = click.option(
    "--today",
    callback=_parse_day,
    metavar="YYYY-MM-DD",
    help="Check review dates as of this day (default: today).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output for people or for machines.",
)
templates_option = click.option(
    "--templates",
    "template_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A practice's template folder, searched before the built-ins (repeatable).",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes for a batch of plans (default: one per processor core).",
)
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar (there is none when not on a terminal)."
)
locale_option = click.option(
    "--locale",
    default=None,
    metavar="LOCALE",
    help="The language of the document's fixed words (headings, labels): en-US, en-GB, or "
    "any labels/LOCALE.yaml in a --templates folder (default: the practice file's, else en-US).",
)
PRACTICE_FILE = "plandoc-practice.yaml"
practice_option = click.option(
    "--practice",
    "practice_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The practice file (identity, logo, clinicians, defaults). Default: the file "
    f"$PLANDOC_PRACTICE names, else {PRACTICE_FILE} in this folder or the nearest parent.",
)


def practice_in_effect(
    practice_file: Path | None, template_dirs: tuple[Path, ...]
) -> tuple[Practice | None, tuple[Path, ...]]:
    """The practice file in effect (said on stderr) and the template folders with its own
    after the ones given."""
    from .authoring.practice import practice_for_command

    practice = practice_for_command(practice_file)
    if practice is None:
        return None, template_dirs
    say(f"using the {practice.describe()}", err=True)
    return practice, tuple(dict.fromkeys([*template_dirs, *practice.templates]))


def locale_in_effect(locale: str | None, practice: Practice | None) -> str:
    return locale or (practice.locale if practice else None) or "en-US"


profile_option = click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Add a payer/accreditor rule pack (repeatable): medicare, medicaid-90, carf, joint-commission, or one in a --templates folder's profiles/.",
)


@main.command()
@click.argument("plans", nargs=-1, required=True)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@profile_option
@format_option
@templates_option
@today_option
@practice_option
@jobs_option
@quiet_option
def check(
    plans: tuple[str, ...],
    strict: bool,
    profiles: tuple[str, ...],
    fmt: str,
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
    practice_file: Path | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Validate plans; print `path:line:col: error|warning: message [rule]` for every problem.

    A directory means every *.yaml in it; --jobs checks them in parallel. Exit 0 when no plan
    has errors, 1 otherwise.
    """
    from .batch import Progress, default_jobs
    from .check.pipeline import check_files
    from .spec.practice import profiles_in_effect

    practice, template_dirs = practice_in_effect(practice_file, template_dirs)
    named = profiles_in_effect(profiles, practice)
    paths = plan_files(plans)
    progress = Progress(len(paths), "Checking", quiet=quiet or fmt == "json")
    results = check_files(
        paths, strict=strict, profiles=profiles, today=today, templates=template_dirs,
        practice=practice, jobs=jobs or default_jobs(),
    )  # fmt: skip
    files: list[dict[str, Any]] = []
    failures: list[tuple[str, str]] = []
    errors = warnings = 0
    for result in results:
        progress.update(result.ok)
        errors, warnings = errors + len(result.errors), warnings + len(result.warnings)
        if not result.ok:
            failures.append((result.path, result.errors[0].format()))
        if fmt == "json":
            findings = [f.as_dict() for f in result.findings]
            tables = {"compliance": list(result.compliance)} if named else {}
            files.append({"path": result.path, "ok": result.ok, "findings": findings, **tables})
        elif result.findings:
            progress.clear()
            say(*(finding.format() for finding in result.findings))
            progress.redraw()
    progress.clear()
    if fmt == "json":
        payload = {"files": files, "errors": errors, "warnings": warnings}
        click.echo(json.dumps(payload, indent=2))
    else:
        verdict = "ok" if not failures else f"{len(failures)} with errors"
        click.echo(
            f"{progress.done} plan(s) checked, {verdict}: {errors} error(s), {warnings} warning(s)"
        )
        if progress.total > 1:
            say(*_failed_summary(failures, "with errors"), err=True)
    sys.exit(1 if errors else 0)


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula (``=``, ``+``,
    ``-``, ``@``, a tab or a return) gets a leading apostrophe, so a client id or a file name
    written ``=HYPERLINK(…)`` is never run as one."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _failed_summary(failures: list[tuple[str, str]], what: str) -> list[str]:
    """The end of a batch: each failed plan with its first error."""
    from .batch import summary

    return summary(failures, what)


@main.command()
@click.argument("plans", nargs=-1, required=True)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    required=True,
    type=click.Choice(FORMATS),
    help="Output format (repeatable). `safety-plan` writes the client's safety-plan handout "
    "alone (<stem>.safety-plan.md and .docx), `safety-plan-pdf` its PDF; `payer-summary` the "
    "one- or two-page summary for authorization (<stem>.payer-summary.md and .docx), "
    "`payer-summary-pdf` its PDF; `fhir` a FHIR R4 Bundle (<stem>.fhir.json; needs "
    "`pip install 'plandoc[fhir]'`).",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for OUTDIR/<plan file stem>.<format>.",
)
@templates_option
@today_option
@locale_option
@profile_option
@practice_option
@click.option(
    "--fhir-transaction",
    is_flag=True,
    help="With -f fhir: a transaction Bundle (PUT of each resource) instead of a collection.",
)
@click.option(
    "--fhir-without-source",
    is_flag=True,
    help="With -f fhir: leave out the copy of the whole plan (narrative, risk, safety plan) "
    "that the CarePlan carries for `plandoc import`; send a payer the standard resources only.",
)
@jobs_option
@quiet_option
def render(
    plans: tuple[str, ...],
    formats: tuple[str, ...],
    outdir: Path,
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
    locale: str | None,
    profiles: tuple[str, ...],
    practice_file: Path | None,
    jobs: int | None,
    quiet: bool,
    fhir_transaction: bool,
    fhir_without_source: bool,
) -> None:
    """Render plans to Markdown, Word, PDF and FHIR: OUTDIR/<plan file stem>.<format>.

    Each plan is checked first; a plan with errors is reported and skipped, and the others are
    still written. A directory means every *.yaml in it; --jobs renders them in parallel (the
    files are the same). A plan with no safety plan gets no handout, with a warning. Each
    --profile adds its compliance appendix to the plan and the payer summary: where the plan
    meets each requirement, and what is missing (a warning, not an error). Exit 1 when any
    plan failed, or when nothing was written.
    """
    from .batch import Progress, default_jobs
    from .render.pipeline import RenderOptions, iter_render
    from .render.sandbox.worker import limits_for
    from .spec.practice import profiles_in_effect

    sources = plan_files(plans)
    practice, template_dirs = practice_in_effect(practice_file, template_dirs)
    options = RenderOptions(
        formats=tuple(dict.fromkeys(formats)),
        outdir=outdir,
        templates=template_dirs,
        today=today,
        locale=locale_in_effect(locale, practice),
        practice=practice,
        profiles=profiles_in_effect(profiles, practice),
        fhir_transaction=fhir_transaction,
        fhir_source=not fhir_without_source,
        limits=limits_for(practice.render_limits if practice else None),
    )
    progress = Progress(len(sources), "Rendering", quiet=quiet)
    said: set[str] = set()  # a template's missing font is said once, not once per plan
    failures: list[tuple[str, str]] = []
    written = whole = 0
    for result in iter_render(sources, options, jobs=jobs or default_jobs()):
        progress.update(result.ok)
        progress.clear()
        for finding in result.findings:
            say(finding.format(), err=True)
        for warning in (w for w in result.warnings if w not in said):
            said.add(warning)
            say(f"warning: {result.source}: {warning}", err=True)
        if result.error:
            say(f"error: {result.error}", err=True)
            first = next((f.format() for f in result.findings if f.severity == "error"), None)
            failures.append((str(result.source), first or result.error))
        for path in result.written:
            say(f"wrote {path}")
        written, whole = written + len(result.written), whole + bool(result.written)
        progress.redraw()
    progress.clear()
    if progress.total > 1:
        say(*_failed_summary(failures, "failed"), err=True)
    click.echo(f"{written} file(s) written for {whole} of {progress.done} plan(s)", err=True)
    sys.exit(1 if failures or not written else 0)


@main.command()
@click.option(
    "--orientation",
    required=True,
    metavar="NAME",
    help="A built-in orientation (`plandoc templates list` shows them) or one in a --templates folder.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The plan file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@templates_option
@practice_option
def new(
    orientation: str,
    output: Path,
    force: bool,
    template_dirs: tuple[Path, ...],
    practice_file: Path | None,
) -> None:
    """Write a starter plan for an orientation: every required field, with TODOs to fill in.

    The starter passes `plandoc check`; each TODO left is a warning (an error with --strict).
    """
    from .authoring.starter import starter_plan
    from .errors import UsageError
    from .render.output.write import write_atomic

    if output.exists() and not force:
        raise UsageError(f"{output} already exists; choose another name or pass --force")
    template_dirs = practice_in_effect(practice_file, template_dirs)[1]
    text = starter_plan(orientation, today=dt.date.today(), templates=template_dirs)
    write_atomic(output, text.encode("utf-8"))
    say(f"wrote {output}; fill in its TODOs, then run: plandoc check {output}")


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "-f",
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["md", "docx", "redline"]),
    help="md or docx: the change summary; redline: the whole new plan in Word with tracked changes.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(),
    help="The file to write; a folder (existing, or written with a trailing /) gets <new stem>.diff.md, .diff.docx or .redline.docx.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Compare files of different plans or clients anyway, and replace an existing output that is not an earlier diff.",
)
@templates_option
@today_option
@locale_option
@practice_option
def diff(
    old: str,
    new: str,
    fmt: str,
    output: str,
    force: bool,
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
    locale: str | None,
    practice_file: Path | None,
) -> None:
    """Show what changed between two versions of a plan, matched by stable ids.

    Both files are checked first. The revision entry of NEW (date, reason, summary) heads the
    summary and signs the redline's tracked changes.
    """
    from .render.sandbox.worker import limits_for
    from .revise.summary import diff_files

    practice, template_dirs = practice_in_effect(practice_file, template_dirs)
    written, warnings = diff_files(
        Path(old),
        Path(new),
        fmt,
        output,
        force=force,
        templates=template_dirs,
        today=today,
        locale=locale_in_effect(locale, practice),
        practice=practice,
        limits=limits_for(practice.render_limits if practice else None),
    )
    for warning in warnings:
        say(f"warning: {warning}", err=True)
    say(f"wrote {written}")


@main.command("import")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The plan file to write.",
)
@click.option(
    "--orientation",
    metavar="NAME",
    help="The plan's orientation, for a bundle from another system that does not say it.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@templates_option
@today_option
def import_(
    bundle: Path,
    output: Path,
    orientation: str | None,
    force: bool,
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
) -> None:
    """Turn a FHIR R4 CarePlan bundle back into a plan file (needs `pip install 'plandoc[fhir]'`).

    A bundle plandoc wrote gives back the same plan. A bundle from another system is mapped as
    far as it goes: what it could not map is printed as warnings, and required fields it did not
    hold are left as TODOs. The plan is checked; exit 1 when it has errors (it is still written).
    """
    from .errors import UsageError
    from .fhir.reimport import import_bundle
    from .render.output.write import write_atomic

    if output.exists() and bundle.exists() and output.samefile(bundle):
        raise UsageError(
            f"{output} is the bundle being imported; plandoc never overwrites an input — choose another output"
        )
    if output.exists() and not force:
        raise UsageError(f"{output} already exists; choose another name or pass --force")
    found = import_bundle(
        bundle, output, orientation=orientation, templates=template_dirs, today=today
    )
    write_atomic(output, found.text.encode("utf-8"))
    for warning in found.warnings:
        say(f"warning: {bundle}: {warning}", err=True)
    for finding in found.result.findings:
        say(finding.format(), err=True)
    say(f"wrote {output}")
    sys.exit(1 if found.result.errors else 0)


@main.command()
@click.argument("plans", nargs=-1, required=True)
@format_option
@templates_option
@today_option
@practice_option
def history(
    plans: tuple[str, ...],
    fmt: str,
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
    practice_file: Path | None,
) -> None:
    """List a plan's versions in order and check that they form one chain.

    A directory means every *.yaml in it; files are grouped by plan id, each plan a chain
    ordered by version: date, status, reason, author and signatures of each. Problems (a
    missing version, two current versions, a wrong `superseded_by`, an edited earlier
    revision entry) are printed like `check`'s. Exit 1 when a chain or a file has an error.
    """
    from .revise.history import history_files, table

    practice, template_dirs = practice_in_effect(practice_file, template_dirs)
    found = history_files(
        plan_files(plans), today=today, templates=template_dirs, practice=practice
    )
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), indent=2))
    else:
        for chain in found.chains:
            say(*table(chain), "")
        say(*(f.format() for f in found.findings))
        click.echo(
            f"{len(found.chains)} plan(s) in {found.files} file(s): "
            f"{len(found.errors)} error(s), {len(found.warnings)} warning(s)"
        )
    sys.exit(1 if found.errors else 0)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="A table for people, JSON or CSV for a spreadsheet or a script.",
)
@click.option(
    "--within",
    "within_days",
    type=click.IntRange(0, 366),
    default=14,
    show_default=True,
    metavar="DAYS",
    help="List reviews and expiries falling due within DAYS.",
)
@click.option(
    "--draft-days",
    type=click.IntRange(0, 3650),
    default=30,
    show_default=True,
    metavar="DAYS",
    help="List drafts older than DAYS.",
)
@click.option(
    "--measure-days",
    type=click.IntRange(1, 3650),
    default=60,
    show_default=True,
    metavar="DAYS",
    help="List plans in force with no score recorded in the last DAYS.",
)
@click.option(
    "--similarity",
    type=click.FloatRange(0.5, 1.0),
    default=0.9,
    show_default=True,
    help="How alike two clients' goals or objectives must be to be listed as copied (1.0: word for word only).",
)
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Audit against this payer profile (repeatable; default: the practice file's).",
)
@templates_option
@today_option
@practice_option
@jobs_option
@quiet_option
def audit(
    folders: tuple[Path, ...],
    fmt: str,
    within_days: int,
    draft_days: int,
    measure_days: int,
    similarity: float,
    profiles: tuple[str, ...],
    template_dirs: tuple[Path, ...],
    today: dt.date | None,
    practice_file: Path | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """The practice's view of a caseload: one row per problem, naming its file and line.

    Every *.yaml under each folder (sub-folders included) is checked. Rows: reviews past or
    within --within days, plans expired or expiring, unsigned or partly signed plans, old
    drafts, payer profile failures, no recent score, objectives past their target date, and
    goals or objectives copied from another client's plan. --jobs checks the plans in
    parallel. Exit 1 when any row is an error (a plan unreadable, overdue, expired, unsigned or
    failing its profile), else 0.
    """
    import csv

    from .batch import Progress, default_jobs
    from .check.audit import COLUMNS, AuditOptions, audit_files, caseload_files, summary, table

    practice, template_dirs = practice_in_effect(practice_file, template_dirs)
    options = AuditOptions(
        today=today or dt.date.today(),
        within_days=within_days,
        draft_days=draft_days,
        measure_days=measure_days,
        similarity=similarity,
        profiles=profiles,
        templates=template_dirs,
        practice=practice,
    )
    files = caseload_files(folders)
    progress = Progress(len(files), "Auditing", quiet=quiet or fmt != "text")
    found = audit_files(files, options, jobs=jobs or default_jobs(), on_plan=progress.update)
    progress.clear()
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.as_dict().items()} for row in found.rows)
    else:
        say(*table(found))
        say(summary(found))
    sys.exit(1 if found.errors else 0)


@main.group()
def templates() -> None:
    """The template catalogue: list it, copy a built-in to customise, lint a folder."""


@templates.command("list")
@templates_option
@practice_option
def templates_list(template_dirs: tuple[Path, ...], practice_file: Path | None) -> None:
    """Each orientation and the Markdown and Word templates a render would use."""
    from .authoring.template_tools import catalogue

    template_dirs = practice_in_effect(practice_file, template_dirs)[1]
    for item in catalogue(template_dirs):
        say(f"{item.name:<16} {item.label:<36} {item.markdown}  {item.word}")


@templates.command("export")
@click.argument("name")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def templates_export(name: str, folder: Path, force: bool) -> None:
    """Copy built-in templates into FOLDER to customise: NAME is `plan`, `diff`,
    `safety-plan` (the client's handout), `payer-summary` (the summary for authorization),
    `labels` (the fixed words in each language, to translate), or an orientation (its own
    copy of the plan templates)."""
    from .authoring.template_tools import export

    for path in export(name, folder, force=force):
        say(f"wrote {path}")


@templates.command("check")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def templates_check(folder: Path) -> None:
    """Lint a template folder: syntax, unknown variables, Word tags split across runs."""
    from .authoring.template_tools import lint

    findings = lint(folder)
    for finding in findings:
        say(finding.format())
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)")
    sys.exit(1 if errors else 0)
