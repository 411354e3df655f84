"""The change summary of a :class:`~plandoc.diff.PlanDiff`, as Markdown or Word.

A person should read it in a minute: why the plan was revised (at the top), progress on each
measure as numbers, then what changed, section by section, with word-level edits in free text.
New scores are counted, not listed one by one: the progress table already says what they mean.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanInvalid, UsageError
from ..render.context.describe import (
    amount,
    code_text,
    contact,
    dates,
    due,
    frequency,
    join,
    measure_text,
    service_details,
)
from ..render.context.formatting import label, show, signed_number
from ..render.context.labels import Labels, fill, load_labels
from ..render.sandbox.worker import DEFAULT_LIMITS, Limits
from ..spec.model import Plan
from ..spec.practice import Practice
from ..spec.schema import RISK_LEVELS
from .diff import (
    Change,
    PlanDiff,
    Progress,
    TextEdit,
    course_text,
    describe,
    diff_plans,
    progress_line,
)

if TYPE_CHECKING:
    from ..check.pipeline import CheckResult


def summary_context(
    diff: PlanDiff, old: Plan, new: Plan, labels: Labels | None = None
) -> dict[str, Any]:
    """The variables of the diff templates (``diff.md.j2``, ``diff.docx``); *labels* are the
    fixed words in the summary's language (en-US by default)."""
    from ..render.context.build import logo

    words = labels if labels is not None else load_labels()
    sections = []
    for key, changes in diff.by_section().items():
        if key == "measurements":
            changes = [c for c in changes if c.kind != "added"]
            if not changes:
                continue
        items = [_item(c, old if c.kind == "removed" else new) for c in changes]
        sections.append({"title": diff.title(key), "items": items})
    added_scores = sum(1 for c in diff.changes if c.section == "measurements" and c.kind == "added")
    revision = diff.revision
    label_of = new.orientation.label if new.orientation else ""
    return {
        "labels": words,
        "logo": logo(new),
        "title": new.info.title or fill(words["text"]["treatment_plan"], orientation=label_of),
        "plan_id": diff.plan_id,
        "client": new.client.name or "" if new.client else "",
        "client_id": diff.client,
        "old_version": diff.old_version,
        "new_version": diff.new_version,
        "old_date": old.version_date,
        "new_date": new.version_date,
        "revision": {
            "date": revision.date,
            "reason": label(revision.reason),
            "summary": revision.summary,
            "author": revision.author,
        }
        if revision
        else None,
        "warnings": list(diff.warnings),
        "progress": [_progress_row(p) for p in diff.progress],
        "new_scores": added_scores,
        "sections": sections,
        "key_changes": key_changes(diff, words),
        "count": len([c for c in diff.changes if c.section != "measurements" or c.kind != "added"]),
        "confidentiality": words["diff"]["confidentiality"],
    }


# What a reviewer looks for first, after any change of risk: goals and objectives begun, met or
# set aside; services; diagnoses.
KEY_STATUSES = ("achieved", "discontinued", "deferred")


def key_changes(diff: PlanDiff, labels: Labels) -> list[dict[str, Any]]:
    """The changes a payer's reviewer or a supervisor reads first, risk first and flagged
    (``raised``): each with its ``text`` and whether it is a ``flag``."""
    risk, rest = [], []
    for change in diff.changes:
        if (
            change.section == "assessment"
            and change.path[-1] == "level"
            and change.kind == "changed"
        ):
            risk.append({"text": _risk_text(change, labels), "flag": True})
        elif (text := _key_text(change)) is not None:
            rest.append({"text": text, "flag": False})
    return risk + rest


def _risk_text(change: Change, labels: Labels) -> str:
    order = list(RISK_LEVELS)
    old, new = str(change.old), str(change.new)
    rising = old in order and new in order and order.index(new) > order.index(old)
    word = labels["diff"]["risk_raised" if rising else "risk_changed"]
    where = change.label.removesuffix(" level").removesuffix(": level")
    return f"{word}: {old} → {new}" if where == "Risk" else f"{word} ({where}): {old} → {new}"


def _key_text(change: Change) -> str | None:
    kind = change.path[-2] if len(change.path) > 1 else ""
    whole = change.kind in ("added", "removed", "moved")
    if whole and kind in ("goals", "objectives", "services", "diagnoses"):
        return describe(change)
    if change.path[-1] == "status" and change.path[0] == "goals" and change.new in KEY_STATUSES:
        return f"{change.label.removesuffix(': status')} {show(change.new, enum=True)}"
    if (
        change.section == "services"
        and change.kind == "changed"
        and change.path[-1] in ("frequency", "duration_weeks", "session_minutes")
    ):
        return describe(change)
    return None


def _item(change: Change, plan: Plan) -> dict[str, Any]:
    """One change for the templates; *plan* is the version the item is in (the old one for a
    removed item), which says what a whole item added or removed holds."""
    text = describe(change)
    return {
        "kind": change.kind,
        "label": change.label,
        "text": text,
        "detail": text[len(change.label) + 2 :] if text.startswith(change.label) else text,
        "edits": _edits(change),
        "summary": change.summary,
        "details": _details(change, plan) if change.kind in ("added", "removed") else [],
    }


def _edits(change: Change) -> list[dict[str, str]]:
    """Word edits help in sentences, not in short values (a date, a status); a sentence that
    keeps less than half of its words is shown old, then new."""
    if not change.edits or len(str(change.old or "").split()) <= 3:
        return []
    kept = sum(len(e.text.split()) for e in change.edits if e.op == "equal")
    edits = list(change.edits)
    if kept * 2 < max(len(str(change.old).split()), len(str(change.new).split())):
        edits = [TextEdit("delete", str(change.old)), TextEdit("insert", str(change.new))]
    following: list[TextEdit | None] = [*edits[1:], None]
    return [
        {"op": e.op, "text": _spaced(e, after)} for e, after in zip(edits, following, strict=True)
    ]


def _spaced(edit: TextEdit, after: TextEdit | None) -> str:
    """A deletion right before an insertion ends in a space, so the struck and the new words
    do not run together ("~~reaches~~ reached", not "~~reaches~~reached")."""
    if after is None or (edit.op, after.op) != ("delete", "insert"):
        return edit.text
    if edit.text[-1:].isspace() or after.text[:1].isspace():
        return edit.text
    return edit.text + " "


def _details(change: Change, plan: Plan) -> list[str]:
    """What a whole item added or removed holds, beyond its summary, as short lines: a goal's
    objectives with their measures and dates, a service's code, length, frequency and dates, a
    contact's relationship and number, a GAS scale's levels."""
    item = change.new if change.kind == "added" else change.old
    if not isinstance(item, dict):
        return []
    kind = change.path[-2] if len(change.path) > 1 else ""
    if kind == "goals":
        goal = next((g for g in plan.goals if g.id == item.get("id")), None)
        raws = [o for o in item.get("objectives") or [] if isinstance(o, dict)]
        objectives = goal.objectives if goal else ()
        return [_objective_line(plan, o, raw) for o, raw in zip(objectives, raws, strict=False)]
    if kind == "objectives":
        found = next((o for o in plan.objectives if o.id == item.get("id")), None)
        return [_objective_line(plan, found, item, named=False)] if found else []
    if kind == "services":
        service = next((s for s in plan.services if s.id == item.get("id")), None)
        return [_service_line(plan, service, item)] if service else []
    if kind in ("help_contacts", "professional_contacts"):
        role = item.get("relationship") or item.get("role")
        return [contact("", role, item.get("phone"))]  # the summary names the contact
    if isinstance(item.get("levels"), list):
        return [_level(v) for v in item["levels"] if isinstance(v, dict)]
    return []


def _objective_line(plan: Plan, objective: Any, raw: dict[str, Any], *, named: bool = True) -> str:
    """ "Objective G3.O1: <what>. Measure: …; due 15 Jan 2027" — what a payer approves."""
    what = str(raw.get("description") or "").strip().rstrip(".")
    head = f"Objective {raw.get('id')}: {what}." if named and what else ""
    measured = raw.get("measure") or raw.get("criterion")
    when = due(plan, raw, objective)
    rest = join(
        f"Measure: {measure_text(plan, objective, raw)}" if measured else "",
        f"due {when}" if when else "",
    )
    return join(head, rest, sep=" ")


def _service_line(plan: Plan, service: Any, raw: dict[str, Any]) -> str:
    return join(
        code_text(service),
        amount(raw),
        frequency(raw),
        dates(plan, service, raw),
        service_details(plan, service, raw),
    )


def _level(level: dict[str, Any]) -> str:
    score = level.get("score")
    shown = signed_number(score) if isinstance(score, int | float) and score else show(score)
    return f"{shown}: {show(level.get('description'))}"


def _since_baseline(p: Progress) -> str:
    """``+4 (from 12 on 27 May 2026)``: the change since the series' first score, when that is
    earlier than the old version's latest (else it says what the change column says)."""
    if p.baseline is None or p.baseline_date is None or p.old is None:
        return ""
    if p.old_date is not None and p.baseline_date >= p.old_date:
        return ""
    change = signed_number(p.new - p.baseline)
    return f"{change} (from {show(p.baseline)} on {show(p.baseline_date)})"


def _progress_row(p: Progress) -> dict[str, Any]:
    return {
        "label": p.label,
        "old": "" if p.old is None else f"{show(p.old)} ({show(p.old_date)})",
        "new": f"{show(p.new)} ({show(p.new_date)})",
        "change": "" if p.change is None else signed_number(p.change),
        "direction": p.direction,
        "line": progress_line(p),
        "course": course_text(p) if len(p.course) > 2 else "",
        "since_baseline": _since_baseline(p),
    }


def render_summary_markdown(
    context: dict[str, Any], *, templates: Sequence[Path] = (), limits: Limits = DEFAULT_LIMITS
) -> str:
    """The change summary in Markdown, ending with the marker that makes it recognisable as a
    plandoc summary (so ``diff -o`` may replace it next time)."""
    from ..render.markdown.writer import render_named

    text = render_named("diff.md.j2", context, templates=templates, limits=limits)
    marker = f"{MARKER_PREFIX['md']}{context['plan_id']} versions {context['old_version']} to {context['new_version']} -->"
    return f"{text}\n{marker}\n"


def render_summary_docx(
    context: dict[str, Any],
    new: Plan,
    *,
    templates: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    from ..render.word.writer import render_named_docx

    properties = summary_properties(context, new)
    return render_named_docx(
        "diff.docx", context, properties=properties, templates=templates, limits=limits
    )


def summary_properties(context: dict[str, Any], new: Plan) -> dict[str, Any]:
    """The Word summary's core properties, from the plan and its revision entry: who revised
    it and when (else the clinician and the new version's date)."""
    plan_id, old, now = context["plan_id"], context["old_version"], context["new_version"]
    revision = context["revision"]
    clinician = new.clinician.signed_name if new.clinician else ""
    author = (revision["author"] if revision else "") or clinician
    when = (revision["date"] if revision else None) or context["new_date"] or dt.date(1980, 1, 1)
    return {
        "title": f"Changes to plan {plan_id}, version {old} to {now}",
        "subject": f"Revision summary for client {context['client_id']}",
        "author": author,
        "last_modified_by": author,
        "keywords": f"treatment plan; revision; {plan_id}",
        "comments": "Confidential health information.",
        "category": "Treatment plan change summary",
        "identifier": f"{MARKER_PREFIX['docx']}{plan_id}:{old}:{now}",
        "created": dt.datetime(when.year, when.month, when.day),
        "revision": now if isinstance(now, int) and now > 0 else 1,
    }


DIFF_FORMATS = ("md", "docx", "redline")
SUFFIXES = {"md": ".diff.md", "docx": ".diff.docx", "redline": ".redline.docx"}
# How each kind of output says it was made by plandoc: the end of a Markdown summary, the core
# `identifier` property of a Word file.
MARKER_PREFIX = {
    "md": "<!-- plandoc:summary ",
    "docx": "plandoc:summary:",
    "redline": "plandoc:redline:",
}
REDLINE_SECONDS = 3.0
MD_MARKER = re.compile(r"<!-- plandoc:summary \S+ versions \d+ to \d+ -->")


def render_diff(
    old: Plan,
    new: Plan,
    fmt: str,
    *,
    force: bool = False,
    templates: Sequence[Path] = (),
    redline_seconds: float = REDLINE_SECONDS,
    labels: Labels | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[bytes, tuple[str, ...]]:
    """The change summary (``md``, ``docx``) or the Word redline of two checked plans, and the
    diff's warnings (version not increasing, no revision entry); *labels* give the fixed words,
    *limits* bound each document's render."""
    diff = diff_plans(old, new, force=force)
    words = labels if labels is not None else load_labels()
    if fmt == "md":
        context = summary_context(diff, old, new, words)
        text = render_summary_markdown(context, templates=templates, limits=limits)
        return text.encode("utf-8"), diff.warnings
    if fmt == "docx":
        context = summary_context(diff, old, new, words)
        return render_summary_docx(context, new, templates=templates, limits=limits), diff.warnings
    if fmt == "redline":
        return _redline(old, new, diff, templates, redline_seconds, words, limits), diff.warnings
    raise UsageError(f"unknown diff format `{fmt}`; use one of {', '.join(DIFF_FORMATS)}")


def _redline(
    old: Plan,
    new: Plan,
    diff: PlanDiff,
    templates: Sequence[Path],
    seconds: float,
    labels: Labels,
    limits: Limits,
) -> bytes:
    from ..render.context.build import build_context
    from ..render.sandbox import worker
    from ..render.word.writer import render_docx
    from .redline import redline_job

    then = old
    if old.info.status == "superseded":  # marked when the new version was written
        status = new.info.status
        data = {**old.data, "plan": {**old.data["plan"], "status": status}}
        then = replace(old, data=data, info=replace(old.info, status=status))
    revision = diff.revision
    author = (revision.author if revision else "") or (
        new.clinician.signed_name if new.clinician else ""
    )
    when = (revision.date if revision else None) or new.info.start_date or dt.date(1980, 1, 1)
    old_context, new_context = build_context(then, labels), build_context(new, labels)
    with ThreadPoolExecutor(1) as other:  # both versions at once, each in a worker of its own
        rendering = other.submit(
            render_docx, old_context, templates=templates, limits=limits, lane=1
        )
        after = render_docx(new_context, templates=templates, limits=limits)
        before = rendering.result()
    identifier = f"{MARKER_PREFIX['redline']}{diff.plan_id}:{diff.old_version}:{diff.new_version}"
    payload = {
        "old_docx": before, "new_docx": after, "author": author, "when": when,
        "identifier": identifier, "seconds": seconds,
        "statement": f"Version {diff.new_version} with its changes from version "
        f"{diff.old_version} tracked; these properties are version {diff.new_version}'s.",
    }  # fmt: skip
    return worker.run(redline_job, payload, what="the redline", limits=limits)


def diff_files(
    old: Path,
    new: Path,
    fmt: str,
    output: str | Path,
    *,
    force: bool = False,
    templates: Sequence[Path] = (),
    today: dt.date | None = None,
    locale: str = "en-US",
    practice: Practice | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Path, tuple[str, ...]]:
    """``plandoc diff``: check both files, compare them, write the result atomically, its
    fixed words in *locale*'s labels.

    *output* is a file, or a folder (one that exists, or a path ending in ``/``) that receives
    ``<new stem>.diff.md``, ``.diff.docx`` or ``.redline.docx``. An existing file is replaced
    only when it is an earlier output of the same kind (or with *force*), and an input never.
    Returns the path written and the diff's warnings."""
    from ..render.output.write import refuse_template_folders, write_set
    from ..render.pipeline import logo_beside

    labels = load_labels(locale, tuple(templates))
    target = Path(output)
    if target.is_dir() or str(output).endswith(("/", os.sep)):
        target = target / f"{new.stem}{SUFFIXES[fmt]}"
    refuse_template_folders(target, templates)
    for source in (old, new):
        if target.exists() and source.exists() and target.samefile(source):
            raise UsageError(
                f"{target} is an input of this command; plandoc never overwrites an input — choose another output"
            )
    if target.exists() and not force and not previous_output(target, fmt):
        raise UsageError(
            f"{target} exists and is not a {fmt} diff plandoc wrote; choose another output, or pass --force to replace it"
        )
    logo = practice.logo if practice else None
    if logo and fmt == "md" and target.name == logo.file_name:
        raise UsageError(
            f"{target}: the practice's logo is written under this name beside a Markdown summary; choose another output"
        )
    results = _check_both(old, new, today=today, templates=tuple(templates), practice=practice)
    problems = [f for r in results for f in r.findings if f.severity == "error"]
    before, after = results[0].plan, results[1].plan
    if problems or before is None or after is None:
        raise PlanInvalid(problems)
    data, warnings = render_diff(
        before, after, fmt, force=force, templates=templates, labels=labels, limits=limits
    )
    beside = logo_beside(logo, target.parent) if logo and fmt == "md" else {}
    write_set({target: data, **beside}, protect=(old, new))  # the logo the Markdown links to
    return target, warnings


PARALLEL_BYTES = 128 * 1024
"""Two plan files at least this large are checked at once, the old one in a forked process."""


def _check_both(old: Path, new: Path, **options: Any) -> list[CheckResult]:
    """Both versions checked: at once for two large plans (checking is most of a large diff's
    time, and a fork costs milliseconds), else one after the other."""
    from ..check.pipeline import check_file

    def large(path: Path) -> bool:
        try:
            return path.stat().st_size >= PARALLEL_BYTES
        except OSError:
            return False

    if not (large(old) and large(new)) or "fork" not in multiprocessing.get_all_start_methods():
        return [check_file(path, **options) for path in (old, new)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as other:
        checking = other.submit(check_file, old, **options)
        checked = check_file(new, **options)
        return [checking.result(), checked]


def previous_output(path: Path, fmt: str) -> bool:
    """Whether *path* is a diff output of kind *fmt* that plandoc wrote (read with bounds: it
    may be anything)."""
    try:
        if not path.is_file() or path.stat().st_size > 256 * 1024 * 1024:
            return False
        if fmt == "md":
            with path.open("rb") as handle:
                handle.seek(max(path.stat().st_size - 512, 0))
                last = handle.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]
            return MD_MARKER.fullmatch(last) is not None
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("docProps/core.xml")
            if info.file_size > 1024 * 1024:
                return False
            core = package.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    found = re.search(r"<dc:identifier>([^<]*)</dc:identifier>", core)
    return bool(found and found.group(1).startswith(MARKER_PREFIX[fmt]))
