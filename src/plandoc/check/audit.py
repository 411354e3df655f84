"""``plandoc audit``: a practice's view of its caseload.

Every plan file under the folders given is checked (with the practice file and the payer
profiles in effect), and each problem a practice manager acts on becomes one row naming the
file and line: reviews past or coming due, plans expired or expiring, plans unsigned or partly
signed, drafts left for long, plans failing their payer profile, plans with no recent score,
objectives past their target date and not achieved, and goals or objectives copied word for word
(or nearly) from another client's plan — the "scripted, cloned language" accreditors cite.

Copied text is found without comparing every pair: texts are grouped by their normalised form
(exact copies), then near copies are found through MinHash buckets over character shingles and
only texts that share a bucket are compared (by their longest common subsequence), so the cost
grows with the caseload, not with its square.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

from ..errors import Finding, Severity
from ..spec.loader import DocPath, Document
from ..spec.model import Plan
from ..spec.practice import FILE_NAME, Practice
from .pipeline import CheckResult, check_file

KINDS: dict[str, tuple[Severity, str]] = {
    "unreadable": ("error", "the file cannot be read as a plan"),
    "invalid": ("error", "the plan has errors `check` reports"),
    "review-overdue": ("error", "the review date has passed"),
    "review-due": ("warning", "the review falls within the next days"),
    "expired": ("error", "the plan has expired"),
    "expiring": ("warning", "the plan expires within the next days"),
    "unsigned": ("error", "an active plan nobody has signed"),
    "partly-signed": ("error", "an active plan with signatures still pending or refused"),
    "old-draft": ("warning", "a draft left for long"),
    "profile": ("error", "the plan fails a payer profile"),
    "no-measurement": ("warning", "no score recorded lately"),
    "objective-overdue": ("warning", "an objective past its target date, not achieved"),
    "cloned": ("warning", "a goal or objective copied from another client's plan"),
}
"""Each kind of row, its severity (an error makes ``audit`` exit 1) and what it means."""

OPEN_STATUSES = ("active", "under_review")
"""Plans still in force: the ones whose reviews, signatures and scores are due."""
DONE_OBJECTIVE = ("achieved", "discontinued")
MIN_WORDS = 6
"""A goal or objective shorter than this is too generic ("Reduce panic attacks") to call
copied language."""
SHINGLE = 5
"""Near copies are compared by their five-character pieces (shingles)."""
BANDS, ROWS = 16, 2
BINS = BANDS * ROWS
MAX_LEADERS = 8
"""In one bucket, a text is compared with at most this many others (see :func:`_join_near`):
a bucket crowded by a common phrase costs little, and near copies share other buckets too."""
MIN_AGREEMENT = 8
"""Signatures that agree on fewer bins than this (an estimated overlap under a quarter) are
too far apart to be compared letter by letter."""


@dataclass(frozen=True)
class AuditOptions:
    today: dt.date
    within_days: int = 14
    draft_days: int = 30
    measure_days: int = 60
    similarity: float = 0.9
    profiles: tuple[str, ...] = ()
    templates: tuple[Path, ...] = ()
    practice: Practice | None = None


@dataclass(frozen=True, order=True)
class Row:
    """One problem in the caseload, at its file and line."""

    path: str
    line: int
    kind: str
    plan: str
    client: str
    message: str

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind][0]

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "severity": self.severity,
            "plan": self.plan,
            "client": self.client,
            "message": self.message,
        }


@dataclass(frozen=True)
class Audit:
    plans: int
    rows: tuple[Row, ...]
    options: AuditOptions = field(repr=False)

    @property
    def errors(self) -> int:
        return sum(r.severity == "error" for r in self.rows)

    def counts(self) -> dict[str, int]:
        found = {kind: 0 for kind in KINDS}
        for row in self.rows:
            found[row.kind] += 1
        return found

    def as_dict(self) -> dict[str, object]:
        o = self.options
        return {
            "today": o.today.isoformat(),
            "within_days": o.within_days,
            "draft_days": o.draft_days,
            "measure_days": o.measure_days,
            "similarity": o.similarity,
            "plans": self.plans,
            "counts": self.counts(),
            "rows": [r.as_dict() for r in self.rows],
        }


# --- finding the plans ----------------------------------------------------------------------


def caseload_files(paths: Iterable[Path]) -> list[Path]:
    """Every ``*.yaml`` plan under the folders given (in sub-folders too, but not hidden
    ones), and the files given; never a practice file."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for file in sorted(path.rglob("*.yaml")):
            hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
            if not file.is_dir() and not hidden and file.name != FILE_NAME:  # a FIFO: a row
                found.append(file)
    return list(dict.fromkeys(found))


def audit(
    paths: Sequence[Path],
    options: AuditOptions,
    *,
    jobs: int = 1,
    on_plan: Callable[[bool], object] | None = None,
) -> Audit:
    """Check every plan under *paths* (:func:`caseload_files`) and list what a practice
    manager acts on; see :func:`audit_files`."""
    return audit_files(caseload_files(paths), options, jobs=jobs, on_plan=on_plan)


def audit_files(
    files: Sequence[Path],
    options: AuditOptions,
    *,
    jobs: int = 1,
    on_plan: Callable[[bool], object] | None = None,
) -> Audit:
    """Check every plan of *files* and list what a practice manager acts on. *jobs* worker
    processes check the plans (:func:`plandoc.batch.run_batch`: the same rows whatever the
    number); *on_plan* hears of each plan as it is done (whether it could be read and has no
    errors `check` reports). One plan is held at a time: what is kept of each is its rows and
    its goals' and objectives' texts, compared across clients at the end."""
    from ..batch import run_batch

    rows: list[Row] = []
    texts: list[_Text] = []
    for found, copied in run_batch(partial(one_plan, options=options), files, jobs):
        rows += found
        texts += copied
        if on_plan is not None:  # failed: the plan could not be read or checked
            on_plan(not any(row.kind in ("unreadable", "invalid") for row in found))
    rows += cloned_rows(texts, options.similarity)
    return Audit(len(files), tuple(sorted(set(rows))), options)


def one_plan(path: Path, *, options: AuditOptions) -> tuple[list[Row], list[_Text]]:
    """One plan's rows, and the texts of its goals and objectives."""
    result = check_file(
        path,
        profiles=options.profiles,
        today=options.today,
        templates=options.templates,
        practice=options.practice,
    )
    return plan_rows(result, options), list(_texts(result)) if _readable(result) else []


SEPARATE_RULES = ("profile.", "signatures.")
"""The check errors that have rows of their own kind (a failed profile, a missing
signature), rather than making the plan "invalid"."""


def _readable(result: CheckResult) -> bool:
    return result.plan is not None and result.document is not None


def _invalid(result: CheckResult) -> list[Finding]:
    return [f for f in result.errors if not f.rule.startswith(SEPARATE_RULES)]


# --- one plan -------------------------------------------------------------------------------


class _Rows:
    """Rows for one plan, placed by the loaded document's positions."""

    def __init__(self, result: CheckResult) -> None:
        self.path = result.path
        self.doc: Document | None = result.document
        plan = result.plan
        self.plan_id = str(plan.info.id or "") if plan else ""
        self.client = _client(plan) if plan else ""
        self.rows: list[Row] = []

    def add(self, kind: str, at: DocPath | int, message: str) -> None:
        line = at if isinstance(at, int) else (self.doc.locate(at)[0] if self.doc else 1)
        self.rows.append(Row(self.path, line, kind, self.plan_id, self.client, message))


def _client(plan: Plan) -> str:
    person = plan.client
    return str(person.id or person.name or "") if person else ""


def plan_rows(result: CheckResult, options: AuditOptions) -> list[Row]:
    out = _Rows(result)
    invalid = _invalid(result)
    if invalid:
        first = f"{invalid[0].message} [{invalid[0].rule}]"
        more = f" (and {len(invalid) - 1} more error(s))" if len(invalid) > 1 else ""
        kind = "invalid" if result.plan is not None else "unreadable"
        out.add(kind, invalid[0].line, first + more)
    plan = result.plan
    if plan is None:
        return out.rows
    for finding in result.errors:
        if finding.rule.startswith("profile."):
            out.add("profile", finding.line, f"{finding.message} [{finding.rule}]")
    status = plan.info.status
    if status in OPEN_STATUSES:
        _dates(out, plan, options)
        _signatures(out, plan)
        _measurements(out, plan, options)
        _objectives(out, plan, options)
    elif status == "draft":
        since = plan.version_date or plan.info.start_date
        if since and (options.today - since).days > options.draft_days:
            days = (options.today - since).days
            out.add("old-draft", (*plan.info.at, "status"), f"a draft since {since} ({days} days)")
    return out.rows


def _dates(out: _Rows, plan: Plan, options: AuditOptions) -> None:
    info, today = plan.info, options.today
    soon = today + dt.timedelta(days=options.within_days)
    review = plan.next_review
    where = (*info.at, "next_review_date" if info.next_review_date else "start_date")
    if review and review < today:
        out.add(
            "review-overdue", where, f"review was due {review} ({(today - review).days} days ago)"
        )
    elif review and review <= soon:
        out.add("review-due", where, f"review due {review} (in {(review - today).days} days)")
    expiry = info.expiry_date
    where = (*info.at, "expiry_date")
    if expiry and expiry < today:
        out.add("expired", where, f"expired {expiry}; renew or close the plan")
    elif expiry and expiry <= soon:
        out.add("expiring", where, f"expires {expiry} (in {(expiry - today).days} days)")


def _signatures(out: _Rows, plan: Plan) -> None:
    signed = [s for s in plan.signatures if s.signed]
    where: DocPath = ("signatures",) if plan.signatures else (*plan.info.at, "status")
    if not signed:
        out.add("unsigned", where, "no signature yet on a plan in force")
        return
    waiting = [s for s in plan.signatures if not s.signed]
    if waiting:
        said = ", ".join(f"{s.role or 'signer'} {s.status}" for s in waiting)
        out.add("partly-signed", waiting[0].at, f"signatures not complete: {said}")
    elif not any(s.role == "clinician" for s in signed):
        out.add("partly-signed", where, "the clinician has not signed")


def _measurements(out: _Rows, plan: Plan, options: AuditOptions) -> None:
    start = plan.info.start_date
    since = options.today - dt.timedelta(days=options.measure_days)
    if not start or start > since or not plan.objectives:
        return
    dates = [m.date for m in plan.measurements if m.date and m.date <= options.today]
    latest = max(dates, default=None)
    if latest is None or latest < since:
        said = f"the last score is from {latest}" if latest else "no score recorded"
        where: DocPath = ("measurements",) if plan.measurements else plan.info.at
        out.add("no-measurement", where, f"{said}; none in the last {options.measure_days} days")


def _objectives(out: _Rows, plan: Plan, options: AuditOptions) -> None:
    for objective in plan.objectives:
        due = plan.due(objective)
        if due and due < options.today and objective.status not in DONE_OBJECTIVE:
            name = f"objective {objective.id}" if objective.id else "an objective"
            state = (objective.status or "no status").replace("_", " ")
            out.add("objective-overdue", objective.at, f"{name} was due {due} and is {state}")


# --- copied goals and objectives ------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    path: str
    line: int
    plan: str
    client: str
    label: str
    words: str  # normalised


_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def normalise(text: str) -> str:
    """Lower case, punctuation and quotation marks dropped, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return " ".join(_WORD.findall(folded))


def _texts(result: CheckResult) -> Iterator[_Text]:
    plan, doc = result.plan, result.document
    assert plan is not None and doc is not None
    client, plan_id = _client(plan), str(plan.info.id or "")

    def item(at: DocPath, label: str, text: str | None) -> Iterator[_Text]:
        words = normalise(text or "")
        if len(words.split()) >= MIN_WORDS:
            yield _Text(result.path, doc.locate(at)[0], plan_id, client, label, words)

    for goal in plan.goals:
        name = f"goal {goal.id}" if goal.id else "a goal"
        yield from item((*goal.at, "description"), name, goal.description)
        yield from item((*goal.at, "client_words"), f"{name} (client's words)", goal.client_words)
        for objective in goal.objectives:
            label = f"objective {objective.id}" if objective.id else "an objective"
            yield from item((*objective.at, "description"), label, objective.description)


def cloned_rows(items: Sequence[_Text], threshold: float) -> list[Row]:
    """A row for each goal or objective whose text another client's plan holds too, word for
    word or at least *threshold* alike (:func:`similarity` of the normalised texts)."""
    by_words: dict[str, list[_Text]] = defaultdict(list)
    for text in items:
        by_words[text.words].append(text)
    unique = sorted(by_words)
    groups = _UnionFind(len(unique))
    if threshold < 1.0:
        _join_near(unique, threshold, groups)
    clusters: dict[int, list[_Text]] = defaultdict(list)
    for index, words in enumerate(unique):
        clusters[groups.find(index)] += by_words[words]
    rows = []
    for members in clusters.values():
        clients = Counter(m.client for m in members)
        if len(clients) > 1:
            ordered = sorted(members, key=lambda m: (m.path, m.line))
            rows += [_clone_row(m, ordered, len(members) - clients[m.client]) for m in members]
    return rows


SHOWN = 3
"""A copied text's row names the first three other clients' copies, and how many more."""


def _clone_row(item: _Text, ordered: list[_Text], count: int) -> Row:
    """The row for *item*, one of *ordered* (its cluster, by file and line), *count* of which
    are other clients'."""
    others = list(islice((m for m in ordered if m.client != item.client), SHOWN))
    first = others[0]
    if first.words == item.words:
        how = "word for word"
    else:
        how = f"nearly ({similarity(item.words, first.words):.0%} alike)"
    shown = "; ".join(f"{o.label} in {o.path}:{o.line} (client {o.client})" for o in others)
    more = f"; and {count - SHOWN} more" if count > SHOWN else ""
    message = f"{item.label} is the same text, {how}, as {shown}{more}"
    return Row(item.path, item.line, "cloned", item.plan, item.client, message)


def signature(words: str) -> tuple[int, ...]:
    """A MinHash signature of a text's shingles, by one-permutation hashing: each shingle is
    hashed once (CRC-32, mixed; the same in every run), falls in one of BINS bins, and each
    bin keeps its smallest value; an empty bin borrows from the next bin that has one."""
    bins: list[int | None] = [None] * BINS
    for start in range(max(1, len(words) - SHINGLE + 1)):
        mixed = (zlib.crc32(words[start : start + SHINGLE].encode()) * 0x9E3779B1) & 0xFFFFFFFF
        slot, rest = mixed % BINS, mixed // BINS
        held = bins[slot]
        if held is None or rest < held:
            bins[slot] = rest
    out: list[int] = []
    for slot in range(BINS):
        step, value = 1, bins[slot]
        while value is None:  # densify: the next filled bin's value, marked by its distance
            found = bins[(slot + step) % BINS]
            value = None if found is None else found + (step << 32)
            step += 1
        out.append(value)
    return tuple(out)


def _join_near(texts: Sequence[str], threshold: float, groups: _UnionFind) -> None:
    """Join in *groups* the texts at least *threshold* alike, found through MinHash buckets:
    texts whose signatures agree on every row of one band share a bucket; in a bucket each text
    is compared with the texts that started a group there before it (leaders, at most
    :data:`MAX_LEADERS`), never every pair. Texts are taken in order, each through its buckets
    in turn, so a bucket's leaders are always earlier texts; two near copies share many bands,
    and are compared once."""
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)  # its leaders
    sigs = [signature(words) for words in texts]
    for index, sig in enumerate(sigs):
        known: dict[int, bool] = {}  # this text against each leader it has met
        for band in range(BANDS):
            leaders = buckets[(band, sig[band * ROWS : (band + 1) * ROWS])]
            for leader in leaders:
                if leader not in known:
                    known[leader] = _near(sig, sigs[leader], texts[index], texts[leader], threshold)
                if known[leader]:
                    groups.join(leader, index)
                    break
            else:
                if len(leaders) < MAX_LEADERS:
                    leaders.append(index)


def _near(
    sig: tuple[int, ...], other: tuple[int, ...], text: str, against: str, threshold: float
) -> bool:
    """Whether two texts are near copies: signatures agreeing enough to be worth it, then the
    texts themselves."""
    agree = sum(a == b for a, b in zip(sig, other, strict=True))
    return agree >= MIN_AGREEMENT and _alike(text, against, threshold)


ALIKE_CHARS = 2000
"""Texts are compared on at most this many characters: a goal longer than this is not a goal a
clinician copies by hand, and the comparison's time stays bounded."""


def similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """How alike two normalised texts are, from 0 to 1: the characters they share in order
    (their longest common subsequence), twice, over their lengths together — what difflib's
    ratio approximates, computed exactly (rapidfuzz's Indel similarity, in C). Below *cutoff*,
    0."""
    from rapidfuzz.distance import Indel

    found = Indel.normalized_similarity(a[:ALIKE_CHARS], b[:ALIKE_CHARS], score_cutoff=cutoff)
    return float(found)


def _alike(a: str, b: str, threshold: float) -> bool:
    return similarity(a, b, threshold) >= threshold


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def join(self, a: int, b: int) -> None:
        first, second = self.find(a), self.find(b)
        if first != second:
            self.parent[max(first, second)] = min(first, second)


# --- output ---------------------------------------------------------------------------------

COLUMNS = ("path", "line", "kind", "severity", "plan", "client", "message")


def table(found: Audit) -> list[str]:
    """The rows as aligned lines for a terminal: where, kind, plan, client, message."""
    lines = []
    places = [f"{r.path}:{r.line}" for r in found.rows]
    wide = max((len(p) for p in places), default=0)
    kinds = max((len(r.kind) for r in found.rows), default=0)
    for place, row in zip(places, found.rows, strict=True):
        who = f"{row.plan or '-'} / {row.client or '-'}"
        lines.append(f"{place:<{wide}}  {row.kind:<{kinds}}  {who}: {row.message}")
    return lines


def summary(found: Audit) -> str:
    counts = ", ".join(f"{n} {kind}" for kind, n in found.counts().items() if n)
    return f"{found.plans} plan(s) audited: {len(found.rows)} row(s)" + (
        f" ({counts})" if counts else ", nothing to act on"
    )
