"""The payer's page and the parts a document is signed and dated by.

Page 1 holds what a reviewer needs to authorise care without turning the page — who, which
version and its status, the plan's dates, the clinician, the diagnoses, the services and the
signatures — as label and value rows both documents print the same way. The signature block
gives each signer a line to sign on, the sentence they attest to, and their notes on a line of
their own. The banner and the "as of" line keep a superseded, draft or later-updated version
from passing for something it is not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...spec.model import Plan
from . import describe as d
from .formatting import label, show_date
from .labels import Labels, fill, load_labels

SIGNATURE_LINE = "_" * 34
DATE_LINE = "_" * 14


def facts(
    plan: Plan, coverage: list[dict[str, Any]], labels: Labels | None = None
) -> list[dict[str, str]]:
    """Page 1's label and value rows, in the order a reviewer reads them; *coverage* is each
    payer as the context shows it, *labels* the locale's fixed words (default en-US)."""
    data = plan.data
    words = (labels or load_labels())["facts"]
    rows = [
        (words["client"], _client(plan)),
        *[row for payer in coverage for row in _coverage(payer, words)],
        (words["plan"], _version(plan)),
        (words["status"], status_text(plan, labels)),
        (words["plan_dates"], _dates(plan)),
        (words["clinician"], _clinician(data)),
        (words["diagnoses"], _diagnoses(plan)),
        (words["signatures"], signature_status(plan, labels)),
        (words["data_as_of"], as_of_text(plan, labels)),
    ]
    return [{"label": name, "value": value} for name, value in rows if value]


def _client(plan: Plan) -> str:
    client = plan.client
    if client is None:
        return ""
    raw = plan.data["participants"][client.at[-1]]
    born = d.born(raw)
    return d.join(
        client.name,
        f"born {born}" if raw.get("date_of_birth") else born,
        f"client id {client.id}" if client.id else "",
        sep=" · ",
    )


def _coverage(payer: dict[str, Any], words: dict[str, str]) -> list[tuple[str, str]]:
    """A payer's row (plan, member ID, group) and, when it has one, its authorization's."""
    rows = [
        (
            words["coverage"],
            d.join(
                d.join(payer["payer"], payer["plan_name"], sep=", "),
                f"member ID {payer['member_id']}",
                f"group {payer['group_number']}" if payer["group_number"] else "",
            ),
        )
    ]
    if payer["authorized"]:
        number = f"{payer['authorization_number']}: " if payer["authorization_number"] else ""
        rows.append(
            (
                words["authorization"],
                f"{number}{payer['authorized_text']}, {payer['period_text']}; "
                f"{payer['planned_text']}",
            )
        )
    return rows


def _version(plan: Plan) -> str:
    info, revision = plan.info, plan.revision
    dated = f" of {show_date(plan.version_date)}" if plan.version_date else ""
    why = f" ({label(revision.reason).lower()})" if revision and revision.reason else ""
    return f"{info.id}, version {info.version}{dated}{why}"


def _dates(plan: Plan) -> str:
    info = plan.info
    every = f" (every {info.review_interval_days} days)" if info.review_interval_days else ""
    return d.join(
        f"Started {show_date(info.start_date)}" if info.start_date else "",
        f"last reviewed {show_date(info.last_review_date)}" if info.last_review_date else "",
        f"next review {show_date(plan.next_review)}{every}" if plan.next_review else "",
        f"expires {show_date(info.expiry_date)}" if info.expiry_date else "",
    )


def _clinician(data: dict[str, Any]) -> str:
    person = data["clinician"] or {}
    return d.join(
        d.join(person.get("name"), person.get("credentials"), sep=", "),
        f"NPI {person['npi']}" if person.get("npi") else "",
        sep="; ",
    )


def _diagnoses(plan: Plan) -> str:
    """The codes and titles, primary first, each with its kind: the whole list in a line or
    two (the notes are in the Diagnoses section)."""
    shown = d.primary_first(d.diagnosis(plan, raw) for raw in plan.data["assessment"]["diagnoses"])
    return "; ".join(
        d.qualified(
            f"{x['code_text']} {x['description']}", d.join(x["kind"].lower(), x["person"], sep=", ")
        )
        for x in shown
    )


# --- status ------------------------------------------------------------------------------------


def status_text(plan: Plan, labels: Labels | None = None) -> str:
    info, words = plan.info, (labels or load_labels())["status"]
    if info.status == "superseded":
        return fill(words["superseded"], **_replaced(plan, words))
    if info.status == "draft":
        return str(words["draft"])
    return label(info.status)


def banner(plan: Plan, labels: Labels | None = None) -> str:
    """The line a superseded or draft version carries at its top (and a mark in its header),
    so it cannot pass for the plan in force; empty for any other status."""
    info, words = plan.info, (labels or load_labels())["status"]
    if info.status == "draft":
        return str(words["draft_banner"])
    if info.status != "superseded":
        return ""
    return fill(words["superseded_banner"], **_replaced(plan, words))


def _replaced(plan: Plan, words: dict[str, str]) -> dict[str, str]:
    info = plan.info
    by = info.superseded_by
    on = info.superseded_on
    return {
        "by": fill(words["by_version"], version=by) if by else words["by_later"],
        "on": " " + fill(words["on_date"], date=show_date(on)) if on else "",
    }


def mark(plan: Plan, labels: Labels | None = None) -> str:
    """The header's short form of the banner."""
    words = (labels or load_labels())["status"]
    marks = {"draft": words["draft_mark"], "superseded": words["superseded_mark"]}
    return str(marks.get(plan.info.status or "", ""))


# --- dates -------------------------------------------------------------------------------------


def recorded_dates(plan: Plan) -> list[dt.date]:
    """Every day the plan records something happening on: scores, reviews, assessments,
    objectives met, signatures, revisions."""
    data = plan.data
    days: list[Any] = [m.date for m in plan.measurements]
    days += [plan.info.last_review_date, data["assessment"]["date"]]
    days += [s.date for s in plan.signatures] + [r.date for r in plan.revisions]
    days += [o.get("achieved_on") for g in data["goals"] for o in g["objectives"]]
    risk = data["assessment"]["risk"]
    days += [risk["assessed_on"] if risk else None]
    days += [r["assessed_on"] for r in data["assessment"]["risks"]]
    days += [(data["safety_plan"] or {}).get("reviewed_on")]
    return [day for day in days if isinstance(day, dt.date)]


def as_of(plan: Plan) -> dt.date | None:
    """The day of the latest thing the plan records: what its data is as of."""
    days = recorded_dates(plan)
    return max(days) if days else None


def as_of_text(plan: Plan, labels: Labels | None = None) -> str:
    latest = as_of(plan)
    if latest is None:
        return ""
    text = show_date(latest)
    signed = plan.signed_on
    if signed and latest > signed:
        words = labels or load_labels()
        said, mark = words["text"]["after_signing"], words["text"]["after_signing_mark"]
        note = words["facts"]["signed_note"]
        text += ". " + fill(note, date=show_date(signed), words=said, mark=mark)
    return f"{text}."


# --- signatures --------------------------------------------------------------------------------

ATTESTED = ("client", "assent", "guardian", "clinician", "supervisor")
"""The roles with an attestation sentence (``signature.<role>`` in the labels)."""


def signature_status(plan: Plan, labels: Labels | None = None) -> str:
    """One line for page 1: who has signed, who has not."""
    words = labels or load_labels()
    parts = []
    for s in plan.data["signatures"]:
        state = label(s["status"]).lower()
        dated = f" {show_date(s['date'])}" if s["date"] else ""
        parts.append(f"{d.qualified(s['name'], _role(plan, s, words).lower())}: {state}{dated}")
    if not parts:
        return str(words["facts"]["no_signatures"]) if plan.info.signed_status else ""
    return "; ".join(parts)


def _role(plan: Plan, raw: dict[str, Any], labels: Labels) -> str:
    """The signer's role, as the identification table names the person: a partner who signs
    as a client is a partner, a minor who signs gives assent."""
    person = plan.person(raw["participant"])
    if raw["role"] == "client" and person is not None:
        if plan.minor(person):
            return fill(labels["signature"]["assent_role"], role=label(person.role))
        return label(person.role)
    return label(raw["role"])


def signature(plan: Plan, raw: dict[str, Any], labels: Labels | None = None) -> dict[str, Any]:
    """A signer's block: role, printed name, the sentence they attest to, the line they sign
    on (or the electronic signature recorded), and notes on a line of their own."""
    words = labels or load_labels()
    person = plan.person(raw["participant"])
    minor = raw["role"] == "client" and person is not None and plan.minor(person)
    asked = d.attempts(raw)
    said = words["signature"]
    prefix = said["asked"]
    return {
        "role_text": _role(plan, raw, words),
        "printed": d.join(raw["name"], raw["credentials"], sep=", "),
        "attestation": fill(
            said["assent" if minor else raw["role"]],
            client=plan.client.display_name if plan.client else "",
        ),
        "line": _line(raw, said),
        "state": _state(raw, said),
        "notes": d.join(raw["note"], f"{prefix}: {asked}." if asked else "", sep=" "),
    }


def _line(raw: dict[str, Any], said: dict[str, str]) -> str:
    if raw["status"] == "signed" and raw.get("electronic"):
        at = " " + fill(said["at_time"], time=raw["time"]) if raw.get("time") else ""
        return fill(said["electronic"], name=raw["name"], date=show_date(raw["date"])) + at
    day = show_date(raw["date"]) if raw["status"] == "signed" and raw["date"] else DATE_LINE
    return f"{said['signature']}: {SIGNATURE_LINE}   {said['date']}: {day}"


def _state(raw: dict[str, Any], said: dict[str, str]) -> str:
    """``Signed 5 Oct 2026; the signed copy is kept on file`` for a signature on paper, so a
    reader knows the original exists; else the status and its date."""
    status = label(raw["status"])
    text = f"{status} {show_date(raw['date'])}" if raw["date"] else status
    if raw["status"] == "signed" and not raw.get("electronic"):
        text = fill(said["on_paper"], state=text)
    return text
