"""The version chain of a plan: every version in order, and whether the chain holds together.

``history_files(paths)`` checks each file, groups the plans by ``plan.id`` and orders each
group by ``plan.version``. A chain holds together when no version number is missing or given
twice, exactly one version — the highest — is current (not ``superseded``), each superseded
version names the next one as ``superseded_by``, every version is for the same client, and no
version rewrites an earlier version's revision entry (the history is appended to, never edited).
What does not hold is a :class:`~plandoc.errors.Finding` at its place in the file, like
``check``'s. A file with errors is reported with them and, when it has no plan id or version,
left out of the chain; it never stops the others from being listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..check.pipeline import CheckResult, check_file
from ..check.report import Reporter
from ..errors import Finding, HasFindings
from ..spec.model import Plan, Revision
from ..spec.practice import Practice

SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Version:
    """One file of a chain: the plan version it holds and the file it came from."""

    path: str
    plan: Plan
    reporter: Reporter

    @property
    def number(self) -> int:
        return self.plan.info.version or 0

    @property
    def current(self) -> bool:
        return self.plan.info.status != SUPERSEDED

    @property
    def client(self) -> str:
        client = self.plan.client
        return (client.id or client.name or "") if client else ""

    def row(self) -> dict[str, str]:
        """The version as the history table shows it."""
        entry = self.plan.revision
        day = self.plan.version_date
        return {
            "version": str(self.number),
            "date": day.isoformat() if day else "",
            "status": (self.plan.info.status or "").replace("_", " "),
            "reason": (entry.reason or "").replace("_", " ") if entry else "",
            "author": (entry.author or "") if entry else "",
            "signed": signatures(self.plan),
            "file": self.path,
        }


@dataclass(frozen=True)
class Chain:
    """The versions of one plan, oldest first."""

    plan_id: str
    versions: tuple[Version, ...]

    @property
    def clients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.client for v in self.versions if v.client))

    def as_dict(self) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "clients": list(self.clients),
            "versions": [{**v.row(), "version": v.number} for v in self.versions],
        }


@dataclass(frozen=True)
class History(HasFindings):
    chains: tuple[Chain, ...]
    findings: tuple[Finding, ...]
    files: int

    def as_dict(self) -> dict[str, object]:
        return {
            "chains": [c.as_dict() for c in self.chains],
            "findings": [f.as_dict() for f in self.findings],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def signatures(plan: Plan) -> str:
    """Who has signed this version: "client, clinician", with pending and refused ones named."""
    by_status: dict[str, list[str]] = {}
    for signature in plan.signatures:
        by_status.setdefault(signature.status or "", []).append(signature.role or "")
    parts = [", ".join(by_status.pop("signed", []))]
    parts += [f"{status}: {', '.join(roles)}" for status, roles in by_status.items()]
    return "; ".join(p for p in parts if p) or "none"


def history_files(
    paths: Sequence[Path],
    *,
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
    practice: Practice | None = None,
) -> History:
    """Check each file, group the plans into chains by plan id, and check every chain."""
    findings: list[Finding] = []
    versions: list[Version] = []
    for path in paths:
        result = check_file(path, today=today, templates=templates, practice=practice)
        findings += result.errors
        version = _version(result)
        if version is None:
            findings.append(_left_out(result))
        else:
            versions.append(version)
    chains = _chains(versions)
    for chain in chains:
        for check in CHAIN_CHECKS:
            check(chain)
        findings += [f for v in chain.versions for f in v.reporter.findings]
    if len(chains) > 1:
        findings.append(_mixed(chains))
    return History(chains, tuple(sorted(set(findings))), len(paths))


def _version(result: CheckResult) -> Version | None:
    plan, doc = result.plan, result.document
    if plan is None or doc is None or not plan.info.id or not plan.info.version:
        return None
    return Version(result.path, plan, Reporter(doc))


def _left_out(result: CheckResult) -> Finding:
    first = result.errors[0] if result.errors else None
    return Finding(
        result.path,
        first.line if first else 1,
        first.column if first else 1,
        "error",
        "left out of the history: the file's plan id and version could not be read "
        "(its errors are listed; `plandoc check` shows them all)",
        "history.unreadable",
    )


def _chains(versions: Sequence[Version]) -> tuple[Chain, ...]:
    grouped: dict[str, list[Version]] = {}
    for version in versions:
        grouped.setdefault(str(version.plan.info.id), []).append(version)
    return tuple(
        Chain(plan_id, tuple(sorted(group, key=lambda v: (v.number, v.path))))
        for plan_id, group in grouped.items()
    )


def _check_numbers(chain: Chain) -> None:
    """No version given twice; no version missing between the first and the last given."""
    previous: Version | None = None
    for version in chain.versions:
        info = version.plan.info
        if previous and version.number == previous.number:
            version.reporter.error(
                (*info.at, "version"),
                f"version {version.number} of {chain.plan_id} is also in {previous.path}: "
                "each version needs a number of its own",
                "history.duplicate",
            )
        elif previous and version.number > previous.number + 1:
            first, last = previous.number + 1, version.number - 1
            missing = (
                f"version {first} of {chain.plan_id} is"
                if first == last
                else (f"versions {first} to {last} of {chain.plan_id} are")
            )
            version.reporter.error(
                (*info.at, "version"),
                f"{missing} missing between version {previous.number} "
                f"({previous.path}) and this one: give every version's file",
                "history.gap",
            )
        previous = version


def _check_current(chain: Chain) -> None:
    """Exactly one version is current, and it is the highest."""
    latest = chain.versions[-1]
    for version in chain.versions[:-1]:
        if version.current and version.number < latest.number:
            version.reporter.error(
                (*version.plan.info.at, "status"),
                f"version {version.number} is {version.plan.info.status}, but version "
                f"{latest.number} ({latest.path}) is newer: only the latest version is current; "
                f"set `status: superseded`, `superseded_by` and `superseded_on` here",
                "history.current",
            )
    if not latest.current:
        latest.reporter.warning(
            (*latest.plan.info.at, "status"),
            f"every version of {chain.plan_id} given is superseded; the newest given, "
            f"version {latest.number}, names version {latest.plan.info.superseded_by or '?'}, "
            "which is not among the files",
            "history.current",
        )


def _check_superseded_by(chain: Chain) -> None:
    """A superseded version names the version after it in the chain."""
    for version, after in zip(chain.versions, chain.versions[1:], strict=False):
        info = version.plan.info
        if version.current or after.number == version.number:
            continue
        if info.superseded_by is None:
            version.reporter.warning(
                (*info.at, "status"),
                f"version {version.number} is superseded but does not say by which version: "
                f"add `superseded_by: {after.number}`",
                "history.superseded-by",
            )
        elif info.superseded_by != after.number:
            version.reporter.error(
                (*info.at, "superseded_by"),
                f"version {version.number} says it was superseded by version "
                f"{info.superseded_by}, but the next version is {after.number} ({after.path})",
                "history.superseded-by",
            )


def _check_revisions(chain: Chain) -> None:
    """Each version keeps the earlier versions' revision entries as they were written, and
    has an entry of its own."""
    for index, version in enumerate(chain.versions):
        earlier = chain.versions[:index]
        entries = {r.version: r for r in version.plan.revisions}
        for before in earlier:
            for old in before.plan.revisions:
                new = entries.get(old.version)
                if new is not None and _entry(new) != _entry(old):
                    version.reporter.error(
                        new.at,
                        f"the revision entry for version {old.version} differs from the one in "
                        f"{before.path} ({', '.join(_differences(old, new))}): earlier entries "
                        "are kept as written",
                        "history.revisions",
                    )
        if version.plan.revision is None:
            version.reporter.warning(
                ("revisions",),
                f"version {version.number} has no revision entry of its own saying when and "
                "why it was made",
                "history.revisions",
            )


def _entry(entry: Revision) -> tuple[object, ...]:
    return (entry.date, entry.reason, entry.summary, entry.author)


def _differences(old: Revision, new: Revision) -> Iterator[str]:
    for name in ("date", "reason", "summary", "author"):
        if getattr(old, name) != getattr(new, name):
            yield name


def _check_client(chain: Chain) -> None:
    """Every version of a plan is for the same client."""
    first = chain.versions[0]
    for version in chain.versions[1:]:
        if version.client != first.client:
            client = version.plan.client
            version.reporter.error(
                (*client.at, "id") if client else ("participants",),
                f"version {version.number} of {chain.plan_id} is for client "
                f"{version.client or '(none)'}, but version {first.number} ({first.path}) is for "
                f"{first.client or '(none)'}: a plan id belongs to one client",
                "history.client",
            )


CHAIN_CHECKS = (
    _check_numbers,
    _check_current,
    _check_superseded_by,
    _check_revisions,
    _check_client,
)


def _mixed(chains: Sequence[Chain]) -> Finding:
    """One warning, at the first file's plan id, when the files hold more than one plan."""
    names = ", ".join(c.plan_id for c in chains)
    first = chains[0].versions[0]
    line, column = first.reporter.doc.locate((*first.plan.info.at, "id"))
    return Finding(
        first.path,
        line,
        column,
        "warning",
        f"the files hold {len(chains)} plans ({names}); each is listed as a chain of its own",
        "history.mixed",
    )


COLUMNS = ("version", "date", "status", "reason", "author", "signed", "file")


def table(chain: Chain) -> list[str]:
    """The chain as lines of a plain-text table: a heading, then one row per version."""
    clients = ", ".join(chain.clients) or "no client id"
    count = len(chain.versions)
    heading = f"{chain.plan_id} (client {clients}): {count} version{'s' if count > 1 else ''}"
    rows = [dict(zip(COLUMNS, COLUMNS, strict=True))] + [v.row() for v in chain.versions]
    widths = {c: max(len(r[c]) for r in rows) for c in COLUMNS}
    lines = ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    return [heading, *lines]
