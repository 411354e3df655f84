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

from ..spec.model import Plan
from . import describe as d
from .formatting import label, show_date

AFTER_SIGNING = "recorded after signing"
"""How a document marks what was recorded after its version was signed."""
SIGNATURE_LINE = "_" * 34
DATE_LINE = "_" * 14


def facts(plan: Plan, coverage: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Page 1's label and value rows, in the order a reviewer reads them; *coverage* is each
    payer as the context shows it."""
    data = plan.data
    rows = [
        ("Client", _client(plan)),
        *[row for payer in coverage for row in _coverage(payer)],
        ("Plan", _version(plan)),
        ("Status", status_text(plan)),
        ("Plan dates", _dates(plan)),
        ("Clinician", _clinician(data)),
        ("Diagnoses", _diagnoses(plan)),
        ("Signatures", signature_status(plan)),
        ("Data as of", as_of_text(plan)),
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


def _coverage(payer: dict[str, Any]) -> list[tuple[str, str]]:
    """A payer's row (plan, member ID, group) and, when it has one, its authorization's."""
    rows = [
        (
            "Coverage",
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
                "Authorization",
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
    shown = [d.diagnosis(plan, raw) for raw in plan.data["assessment"]["diagnoses"]]
    shown.sort(key=lambda x: not x["kind"].startswith("Primary"))
    return "; ".join(
        d.qualified(
            f"{x['code_text']} {x['description']}", d.join(x["kind"].lower(), x["person"], sep=", ")
        )
        for x in shown
    )


# --- status ------------------------------------------------------------------------------------


def status_text(plan: Plan) -> str:
    info = plan.info
    if info.status == "superseded":
        return banner(plan).split(". ")[0].replace("SUPERSEDED", "Superseded")
    if info.status == "draft":
        return "Draft — not signed"
    return label(info.status)


def banner(plan: Plan) -> str:
    """The line a superseded or draft version carries at its top (and a mark in its header),
    so it cannot pass for the plan in force; empty for any other status."""
    info = plan.info
    if info.status == "draft":
        return "DRAFT — not signed"
    if info.status != "superseded":
        return ""
    by = f"version {info.superseded_by}" if info.superseded_by else "a later version"
    on = f" on {show_date(info.superseded_on)}" if info.superseded_on else ""
    return f"SUPERSEDED — replaced by {by}{on}. Kept for the record; do not use it for care."


def mark(plan: Plan) -> str:
    """The header's short form of the banner."""
    return {"draft": "DRAFT", "superseded": "SUPERSEDED"}.get(plan.info.status or "", "")


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


def after_signing(plan: Plan, day: Any) -> bool:
    """Whether *day* is after this version was signed (so recorded after signing)."""
    signed = plan.signed_on
    return bool(signed and isinstance(day, dt.date) and day > signed)


def as_of_text(plan: Plan) -> str:
    latest = as_of(plan)
    if latest is None:
        return ""
    text = show_date(latest)
    signed = plan.signed_on
    if signed and latest > signed:
        text += (
            f". This version was signed on {show_date(signed)}; anything dated after that is "
            f"marked “{AFTER_SIGNING}”"
        )
    return f"{text}."


# --- signatures --------------------------------------------------------------------------------

ATTESTATIONS = {
    "client": "I took part in making this plan. It was explained to me, and I agree with it.",
    "assent": "I took part in making this plan, and I agree to it.",
    "guardian": "I took part in making this plan for the person named, and I consent to it.",
    "clinician": (
        "I developed this plan with the client and reviewed it with them. The services in it "
        "are medically necessary."
    ),
    "supervisor": (
        "I have reviewed this plan. The services in it are medically necessary, and I agree "
        "with it."
    ),
}


def signature_status(plan: Plan) -> str:
    """One line for page 1: who has signed, who has not."""
    parts = []
    for s in plan.data["signatures"]:
        state = label(s["status"]).lower()
        dated = f" {show_date(s['date'])}" if s["date"] else ""
        parts.append(f"{d.qualified(s['name'], _role(plan, s).lower())}: {state}{dated}")
    if not parts:
        return "none recorded" if plan.info.signed_status else ""
    return "; ".join(parts)


def _role(plan: Plan, raw: dict[str, Any]) -> str:
    """The signer's role, as the identification table names the person: a partner who signs
    as a client is a partner, a minor who signs gives assent."""
    person = plan.person(raw["participant"])
    if raw["role"] == "client" and person is not None:
        if plan.minor(person):
            return f"{label(person.role)}, giving assent"
        return label(person.role)
    return label(raw["role"])


def signature(plan: Plan, raw: dict[str, Any]) -> dict[str, Any]:
    """A signer's block: role, printed name, the sentence they attest to, the line they sign
    on (or the electronic signature recorded), and notes on a line of their own."""
    person = plan.person(raw["participant"])
    minor = raw["role"] == "client" and person is not None and plan.minor(person)
    asked = d.attempts(raw)
    return {
        "role_text": _role(plan, raw),
        "printed": d.join(raw["name"], raw["credentials"], sep=", "),
        "attestation": ATTESTATIONS["assent" if minor else raw["role"]],
        "line": _line(raw),
        "state": _state(raw),
        "notes": d.join(raw["note"], f"Asked: {asked}." if asked else "", sep=" "),
    }


def _line(raw: dict[str, Any]) -> str:
    if raw["status"] == "signed" and raw.get("electronic"):
        at = f" at {raw['time']}" if raw.get("time") else ""
        return f"Electronically signed by {raw['name']} on {show_date(raw['date'])}{at}"
    day = show_date(raw["date"]) if raw["status"] == "signed" and raw["date"] else DATE_LINE
    return f"Signature: {SIGNATURE_LINE}   Date: {day}"


def _state(raw: dict[str, Any]) -> str:
    status = label(raw["status"])
    return f"{status} {show_date(raw['date'])}" if raw["date"] else status
