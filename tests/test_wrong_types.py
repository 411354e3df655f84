"""A value of the wrong type is one schema finding, never an internal error (issue 25)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import SAMPLES, TODAY

Run = Callable[..., Result]
Write = Callable[[str, str], Path]


@pytest.mark.parametrize("value", ["yes", "-1", "2026-01-05", "{a: 1}", "hello"])
@pytest.mark.parametrize(
    "field", ["warning_signs", "internal_coping", "means_safety", "professional_contacts"]
)
def test_a_safety_plan_list_of_the_wrong_type_is_a_schema_error(
    run: Run, write: Write, field: str, value: str
) -> None:
    text = (SAMPLES / "cbt.yaml").read_text(encoding="utf-8")
    start = text.index(f"\n  {field}:")
    end = text.index("\n  ", start + 1)
    while text[end + 3] in " -":  # past the list's items
        end = text.index("\n  ", end + 1)
    changed = text[:start] + f"\n  {field}: {value}" + text[end:]
    result = run("check", str(write(changed, "cbt.yaml")), "--today", TODAY.isoformat())
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert f"safety_plan.{field}` must be a list" in result.output
