"""What a clinician signs and a payer reads: the status banner, the signature block and the
facts on page 1, in Markdown and in the Word XML plandoc writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plandoc.check.pipeline import check_file
from plandoc.render.context.build import build_context
from plandoc.render.pipeline import render_bytes
from tests.conftest import SAMPLES, TODAY, plan_at
from tests.test_complete import markdown_text, variant
from tests.test_render import body_text, docx_parts

REVISIONS = SAMPLES / "revisions"


def word_parts(path: Path) -> dict[str, str]:
    parts = docx_parts(render_bytes(build_context(plan_at(path)), "docx"))
    return {name: body_text(parts, name) for name in parts if name.startswith("word/")}


def headers(parts: dict[str, str]) -> str:
    return "\n".join(text for name, text in parts.items() if "header" in name)


def test_a_superseded_version_says_so_at_the_top_and_in_its_header() -> None:
    path = REVISIONS / "agoraphobia-v1.yaml"
    banner = "SUPERSEDED — replaced by version 2 on 2 Nov 2026."
    markdown = markdown_text(plan_at(path))
    assert markdown.index(banner) < markdown.index("- **Client:**")
    parts = word_parts(path)
    body = parts["word/document.xml"]
    assert body.index(banner) < body.index("Client")
    assert "SUPERSEDED · Client CL-31207" in headers(parts)


def test_the_version_in_force_has_no_banner() -> None:
    path = REVISIONS / "agoraphobia-v2.yaml"
    parts = word_parts(path)
    assert "SUPERSEDED" not in parts["word/document.xml"] + headers(parts)
    assert "DRAFT" not in markdown_text(plan_at(path))


def test_a_draft_says_it_is_not_signed(tmp_path: Path) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = variant(text, "  status: active\n", "  status: draft\n")
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    markdown = markdown_text(plan_at(path))
    assert "**DRAFT — not signed**" in render_bytes(build_context(plan_at(path)), "md").decode()
    assert "- **Status:** Draft — not signed" in markdown
    parts = word_parts(path)
    assert parts["word/document.xml"].startswith(
        "CBT treatment plan — panic and agoraphobia\nDRAFT — not signed"
    )
    assert "DRAFT · Client" in headers(parts)


def test_each_signer_has_a_line_an_attestation_and_notes_of_their_own() -> None:
    body = word_parts(SAMPLES / "family-systems.yaml")["word/document.xml"]
    signatures = body[body.index("\nSignatures\n") :]
    assert (
        "Guardian: Marisol Vega\nI took part in making this plan for Lucía, and I consent to it."
        in (signatures)
    )
    assert "Electronically signed by Rafael Pérez on 5 Oct 2026 at 19:42 CT" in signatures
    assert (
        "Client, giving assent: Lucía Vega-Pérez\nI took part in making this plan, and I agree to it."
        in (signatures)
    )
    assert "Signed 5 Oct 2026; the signed copy is kept on file. Signed to show her assent." in (
        signatures
    )
    clinician = signatures[signatures.index("Clinician: Ruth Abernathy-Lowe") :]
    assert "The services in it are medically necessary." in clinician
    assert re.search(r"Signature: _{20,}\s+Date: 5 Oct 2026", clinician)


def test_a_partner_signs_as_a_partner() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "integrative.yaml"))
    signatures = markdown[markdown.index("## Signatures") :]
    assert "**Partner: Samuel Whitfield**" in signatures
    assert "**Client: Nadia Haddad**" in signatures


def test_a_pending_signature_leaves_a_line_to_sign_and_date(tmp_path: Path) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    text = variant(
        text,
        "{role: client, name: Maya Okafor, status: signed, date: 2026-10-05}",
        "{role: client, name: Maya Okafor, status: pending, attempts: [{date: 2026-10-05, method: in session, outcome: took it home to read}]}",
    )
    path = tmp_path / "pending.yaml"
    path.write_text(text, encoding="utf-8")
    body = word_parts(path)["word/document.xml"]
    client = body[body.index("Client: Maya Okafor\n") :]
    assert re.match(
        r"Client: Maya Okafor\n.*\nSignature: _{20,}\s+Date: _{10,}\nPending\. Asked: 5 Oct 2026, in session: took it home to read\.",
        client,
    )


@pytest.mark.parametrize(
    ("path", "facts"),
    [
        (
            SAMPLES / "cbt.yaml",
            {
                "Client": "Maya Okafor · born 14 Mar 1991 · client id CL-20418",
                "Plan": "PLAN-CBT-0001, version 1 of 5 Oct 2026 (initial)",
                "Status": "Active",
                "Plan dates": "Started 5 Oct 2026; next review 3 Jan 2027 (every 90 days); expires 4 Oct 2027",
                "Clinician": "Daniel Reyes, LCSW; NPI 1457382913",
                "Diagnoses": "F40.01 Agoraphobia with panic disorder (primary)",
            },
        ),
        (
            SAMPLES / "substance-use-iop.yaml",
            {
                "Plan": "PLAN-SUD-0047, version 2 of 9 Nov 2026 (scheduled review)",
                "Plan dates": "Started 12 Oct 2026; last reviewed 9 Nov 2026; next review 7 Dec 2026 (every 30 days); expires 11 Apr 2027",
            },
        ),
    ],
    ids=lambda v: v.stem if isinstance(v, Path) else "",
)
def test_page_one_facts(path: Path, facts: dict[str, str]) -> None:
    shown = {f["label"]: f["value"] for f in build_context(plan_at(path))["facts"]}
    assert {k: shown.get(k) for k in facts} == facts


def test_the_services_table_gives_code_dates_and_amount() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "cbt.yaml"))
    assert (
        "| 90837 | Individual psychotherapy, 53 minutes | 53 minutes | once a week "
        "| 26 weeks: 5 Oct 2026 – 4 Apr 2027 | 26 sessions |"
    ) in markdown


def test_diagnosis_notes_have_their_own_column() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "cbt.yaml"))
    assert (
        "| F40.01 | Agoraphobia with panic disorder | Primary | Panic attacks began about 18 "
        "months ago after a panic attack on a bus. |"
    ) in markdown


def test_the_diary_card_shows_each_behaviour_not_its_id() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "dbt.yaml"))
    card = markdown[markdown.index("### Diary card") :]
    assert "| LT1: Self-harm (cutting) | Yes or no |" in card
    assert "| Skills used | Skills use, 0–7 |" in card  # a free name stays as written


def test_a_goal_attainment_scale_marks_the_current_level() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "strengths-based.yaml"))
    scale = markdown[markdown.index("#### Goal G1") : markdown.index("#### Goal G2")]
    marked = [line for line in scale.splitlines() if "current level" in line]
    assert marked == [
        "| 0 | Non-essential work after 6 PM on one or two weekday evenings a week. "
        "| current level (23 Nov 2026) |"
    ]


def test_negative_numbers_use_one_minus_sign() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "strengths-based.yaml"))
    assert "GAS: −1 → 0" in markdown
    assert not re.search(r"(?<![\w-])-\d", markdown), "a hyphen used as a minus sign"


PLANS = sorted(SAMPLES.glob("*.yaml")) + sorted(REVISIONS.glob("*.yaml"))
PLANS += sorted((Path(__file__).parent / "plans").glob("*.yaml"))


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_one_baseline_rule_everywhere(path: Path) -> None:
    """An objective's progress and the progress table's row for the same scores start from the
    same baseline and end at the same latest score, so a document never shows two changes."""
    plan = plan_at(path)
    for objective in plan.objectives:
        own = plan.objective_progress(objective)
        if own is None:
            continue
        rows = [
            row
            for row in plan.progress
            if row.instrument.name == own.instrument.name
            and row.participant == own.participant
            and row.objective in (None, objective.id)
            and set(row.points) & set(own.points)
        ]
        for row in rows:
            assert (row.start, row.latest) == (own.start, own.latest), objective.id


def test_data_recorded_after_signing_is_marked_and_dated() -> None:
    """The EMDR plan was signed on 24 August; its November scores say they came later, and
    page 1 says what the data is as of."""
    path = SAMPLES / "emdr.yaml"
    facts = {f["label"]: f["value"] for f in build_context(plan_at(path))["facts"]}
    assert facts["Data as of"].startswith("16 Nov 2026. This version was signed on 24 Aug 2026")
    markdown = markdown_text(plan_at(path))
    assert "| 52 (probable PTSD), 17 Aug 2026 | 37 (probable PTSD), 16 Nov 2026 † |" in markdown
    assert "| 17 Aug 2026 | PCL-5 | 52 |" in markdown  # before signing: unmarked
    body = word_parts(path)["word/document.xml"]
    assert "16 Nov 2026 †" in body
    assert "† Recorded after this version was signed on 24 Aug 2026." in body


def test_an_unsigned_draft_marks_nothing_after_signing(tmp_path: Path) -> None:
    text = (SAMPLES / "emdr.yaml").read_text(encoding="utf-8")
    path = tmp_path / "draft.yaml"
    path.write_text(variant(text, "  status: active\n", "  status: draft\n"), encoding="utf-8")
    context = build_context(plan_at(path))
    assert context["signed_on"] is None
    assert "recorded after signing" not in markdown_text(plan_at(path))


def test_a_safety_plan_reviewed_after_signing_says_so() -> None:
    markdown = markdown_text(plan_at(SAMPLES / "emdr.yaml"))
    assert "Reviewed with the client on 16 Nov 2026 (recorded after signing)." in markdown


def findings_of(path: Path) -> list[tuple[str, str, str]]:
    result = check_file(path, today=TODAY)
    return [(f.severity, f.rule, f.message) for f in result.findings]


def test_a_draft_with_signed_signatures_is_warned(tmp_path: Path) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    path = tmp_path / "draft.yaml"
    path.write_text(variant(text, "  status: active\n", "  status: draft\n"), encoding="utf-8")
    found = findings_of(path)
    assert any(
        rule == "revisions.superseded" and "draft, but signatures are marked signed" in message
        for _, rule, message in found
    ), found


def test_a_superseded_version_that_does_not_name_its_successor_is_warned(tmp_path: Path) -> None:
    text = (REVISIONS / "agoraphobia-v1.yaml").read_text(encoding="utf-8")
    path = tmp_path / "old.yaml"
    path.write_text(variant(text, "  superseded_by: 2\n", ""), encoding="utf-8")
    assert ("warning", "revisions.superseded") in {(s, r) for s, r, _ in findings_of(path)}
    assert findings_of(REVISIONS / "agoraphobia-v1.yaml") == []
    banner = build_context(plan_at(path))["status_banner"]
    assert banner.startswith("SUPERSEDED — replaced by a later version on 2 Nov 2026.")


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_brackets_inside_or_after_brackets(path: Path) -> None:
    """What plandoc composes never puts one bracket inside another or two side by side:
    "(after 10 group sessions (S1))" and "(0 to 10) (Theo)" read badly."""
    markdown = markdown_text(plan_at(path))
    assert not re.findall(r"\([^()\n]*\([^()\n]*\)[^()\n]*\)", markdown)
    assert not re.findall(r".{30}\) \(.{30}", markdown)
