"""The bundled samples: every orientation, the seed article's examples, the revision pairs."""

from __future__ import annotations

import pytest

from plandoc import check_file, load_file
from tests.conftest import ORIENTATIONS, SAMPLES, TODAY

ALL = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "revisions").glob("*.yaml"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_sample_passes_strict_check(path) -> None:  # type: ignore[no-untyped-def]
    result = check_file(path, strict=True, today=TODAY)
    assert result.ok, "\n".join(f.format() for f in result.findings)


def test_one_sample_per_orientation() -> None:
    for name in ORIENTATIONS:
        assert load_file(SAMPLES / f"{name}.yaml").data["plan"]["orientation"] == name


SEED_EXAMPLES = {
    "cbt": "park for 30 minutes",  # agoraphobia
    "psychodynamic": "three things she accomplished",  # self-esteem
    "narrative": "starting conversations himself",  # a hesitant teenager
    "strengths-based": "after 6 PM",  # work burnout
    "dbt": "coping strateg",  # self-harm
    "emdr": "flashbacks",  # trauma
    "integrative": "statements",  # a couple's communication: "I" statements
}


@pytest.mark.parametrize(("name", "phrase"), SEED_EXAMPLES.items())
def test_seed_article_examples_are_expressed(name: str, phrase: str) -> None:
    data = load_file(SAMPLES / f"{name}.yaml").data
    goals = " ".join(
        g.get("description", "") + " " + " ".join(o["description"] for o in g.get("objectives", []))
        for g in data["goals"]
    )
    assert phrase.lower() in " ".join(goals.split()).lower()


def test_the_teenager_is_a_minor_with_a_guardian_and_the_couple_has_two_participants() -> None:
    teen = load_file(SAMPLES / "narrative.yaml").data
    assert "guardian" in teen
    couple = load_file(SAMPLES / "integrative.yaml").data
    assert len(couple["participants"]) == 2


@pytest.mark.parametrize(
    ("name", "reason"), [("agoraphobia", "progress"), ("burnout", "life_event")]
)
def test_revision_pairs_are_two_versions_of_one_plan(name: str, reason: str) -> None:
    old = load_file(SAMPLES / "revisions" / f"{name}-v1.yaml").data
    new = load_file(SAMPLES / "revisions" / f"{name}-v2.yaml").data
    assert old["plan"]["id"] == new["plan"]["id"]
    assert new["plan"]["version"] == old["plan"]["version"] + 1
    assert old["plan"]["status"] == "superseded"
    assert new["revisions"][-1]["reason"] == reason
    assert old["participants"][0]["id"] == new["participants"][0]["id"]


def test_every_sample_is_a_different_person_and_plan() -> None:
    """Two fictional people must not share a record number (a revision pair is one plan)."""
    seen: dict[str, str] = {}
    for path in sorted(SAMPLES.glob("*.yaml")):
        data = load_file(path).data
        for ident in [data["plan"]["id"], *(p["id"] for p in data["participants"])]:
            assert ident not in seen, f"{path.name} reuses {ident} from {seen[ident]}"
            seen[ident] = path.name
