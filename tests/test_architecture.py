"""The house: data flows one way through the stages, and no module imports its way round in a
circle. Every import counts, at the top of a module or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "plandoc"
# Each stage may import its own and earlier stages only.
STAGES = {
    "errors": 0,
    "text": 0,
    "batch": 0,
    "spec": 1,
    "check": 2,
    "render": 3,
    "fhir": 3,
    "revise": 4,
    "authoring": 5,
    "__init__": 6,
    "cli": 7,
    "__main__": 8,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The plandoc modules *path* imports, as names relative to the package."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "__init__":
        package = []
    found: set[str] = set()
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:
                candidate = ".".join([*target, alias.name])
                found.add(candidate if candidate in modules else ".".join(target) or "__init__")
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            for full in names:
                if full.startswith("plandoc."):
                    found.add(full.removeprefix("plandoc."))
    return {f for f in found if f != name}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def stage(module: str) -> int:
    return STAGES[module.split(".")[0]]


def test_no_stage_imports_a_later_one() -> None:
    backwards = sorted(
        f"{module} → {target}"
        for module, targets in graph().items()
        for target in targets
        if stage(target) > stage(module)
    )
    assert backwards == []


def test_no_import_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        for target in sorted(edges.get(node, ())):
            if target in trail:
                circles.append([*trail[trail.index(target) :], target])
            elif len(trail) < 30:
                visit(target, [*trail, target])

    for start in sorted(edges):
        visit(start, [start])
    assert circles == []


def test_the_checker_itself_sees_imports() -> None:
    """The walk above must not pass by seeing nothing: the CLI reaches every stage."""
    edges = graph()
    assert {"check.pipeline", "render.pipeline", "revise.summary"} <= edges["cli"]
    assert "spec.loader" in edges["check.pipeline"]


# Inside the renderer, a folder per concern, each importing its own and lower layers only: the
# context (the plan in its documents' words) and writing output at the bottom, the sandbox the
# templates run in above the context (its filters word values as the context does), then the
# writers, which never import one another, and the pipeline that runs them at the top.
RENDER_LAYERS = {
    "formats": 0,
    "context": 0,
    "output": 0,
    "sandbox": 1,
    "markdown": 2,
    "word": 2,
    "pdf": 2,
    "pipeline": 3,
}
WRITERS = {"markdown", "word", "pdf"}


def render_part(module: str) -> str:
    """The folder (or top-level module) of the renderer *module* belongs to."""
    return module.split(".")[1]


def render_edges() -> list[tuple[str, str]]:
    return [
        (module, target)
        for module, targets in graph().items()
        if module.startswith("render.")
        for target in targets
        if target.startswith("render.") and render_part(target) != render_part(module)
    ]


def test_the_renderer_is_a_folder_per_concern() -> None:
    loose = sorted(
        p.name
        for p in (PACKAGE / "render").glob("*.py")
        if p.stem not in {"__init__", "pipeline", "formats"}
    )
    folders = sorted(
        p.name for p in (PACKAGE / "render").iterdir() if (p / "__init__.py").is_file()
    )
    assert loose == []
    assert folders == sorted(set(RENDER_LAYERS) - {"formats", "pipeline"})


def test_the_renderer_imports_downwards_only() -> None:
    edges = render_edges()
    upwards = sorted(
        f"{m} → {t}"
        for m, t in edges
        if RENDER_LAYERS[render_part(t)] > RENDER_LAYERS[render_part(m)]
    )
    sideways = sorted(f"{m} → {t}" for m, t in edges if {render_part(m), render_part(t)} <= WRITERS)
    assert upwards == []
    assert sideways == []
    # the check sees the imports it judges: the Word writer reaches the sandbox and the output
    assert ("render.word.writer", "render.sandbox.worker") in edges
    assert ("render.word.writer", "render.output.write") in edges


def test_the_readme_names_every_folder_of_the_renderer() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("### How the code is laid out", 1)[1].split("```")[1]
    folders = sorted(set(RENDER_LAYERS) - {"formats", "pipeline"})
    missing = [f"{folder}/" for folder in folders if f"  {folder}/ " not in layout]
    assert missing == []
