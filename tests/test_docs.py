"""Docs that cannot drift: the spec reference, the rule list, the README's commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from plandoc.authoring.specdoc import render
from tests.conftest import ROOT


def test_spec_reference_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m plandoc.authoring.specdoc > docs/spec.md"


def test_every_rule_in_the_code_is_documented() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "src" / "plandoc").rglob("*.py")
    )
    rules = set(
        re.findall(
            r'"((?:schema|yaml|file|text|template|ids|dates|icd|diagnoses|measures|signatures|safety|services|revisions|emdr|gas|narrative|participants|npi|smart|starter|goals|substance|coverage|history)\.[a-z-]+)"',
            source,
        )
    )
    rules |= {f"smart.no-{field}" for field in ("baseline", "target")}
    rules |= {f"profile.<name>.{r}" for r in re.findall(r'f"\{rule\}\.([a-z-]+)"', source)}
    documented = set(
        re.findall(
            r"`([a-z]+(?:\.<name>)?\.[a-z-]+)`",
            (ROOT / "docs" / "checks.md").read_text(encoding="utf-8"),
        )
    )
    assert rules - documented == set(), "rules missing from docs/checks.md"
    assert len(rules) > 60


def test_the_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["plan"].client.name == "Maya Okafor"  # type: ignore[attr-defined]


def test_every_orientation_rule_is_in_the_spec_reference() -> None:
    from plandoc.spec.orientations import orientations

    spec = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    rules = [rule.id for o in orientations().values() for rule in o.rules]
    assert rules and [r for r in rules if f"| `{r}` |" not in spec] == []


def readme_commands() -> list[str]:
    """The shell lines of the README's ```sh blocks that call plandoc."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("plandoc ")
    ]


def test_readme_has_the_two_commands_and_ci_runs_the_test_one() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    install_and_run, install_and_test = re.findall(r"```sh\n(.*?)\n```", text, flags=re.DOTALL)[:2]
    assert "pip install ." in install_and_run and "plandoc render" in install_and_run
    assert "pytest" in install_and_test
    assert install_and_test.strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def readme_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `out/` for all the README's examples: they build on each other, in order."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("command", readme_commands())
def test_readme_examples_run(command: str, readme_out: Path) -> None:
    """Each documented plandoc command runs from the repository as written."""
    args = shlex.split(command.split("  #")[0].replace("out/", f"{readme_out}/out/"))
    needs_pdf = "pdf" in args
    from plandoc.render.pdf.libreoffice import soffice

    if needs_pdf and soffice() is None:
        pytest.skip("LibreOffice is not installed")
    expanded = []
    for arg in args[1:]:
        expanded += sorted(str(p) for p in ROOT.glob(arg)) if "*" in arg else [arg]
    done = subprocess.run(
        [sys.executable, "-m", "plandoc", *expanded],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    expected = 1 if "# exits 1" in command else 0
    assert done.returncode == expected, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_the_cli_reference_is_generated_from_help() -> None:
    """Every command's help is in docs/cli.md, as --help prints it today."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_cli_docs", ROOT / "scripts" / "build_cli_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == module.render(), "run: python scripts/build_cli_docs.py > docs/cli.md"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in module.commands(module.main):
        assert f"`plandoc {' '.join(path)}" in readme or path[0] == "templates", (
            f"{path} is not in the README"
        )
        assert "Show this message and exit." in committed


def test_every_template_variable_is_documented() -> None:
    from plandoc.authoring.template_tools import PLAN_VARIABLES

    text = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    assert sorted(v for v in PLAN_VARIABLES if f"`{v}`" not in text) == []


def test_the_readme_shows_page_one() -> None:
    """The README's picture of page 1 is in the repository and is a PNG."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/page-1.png)" in readme
    assert (ROOT / "docs" / "page-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
