"""A non-editable install carries everything the package needs at run time."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from plandoc.orientations import builtin_orientations
from plandoc.profiles import available_profiles
from tests.conftest import ORIENTATIONS, ROOT


def test_installed_package_has_every_data_and_template_file() -> None:
    source = ROOT / "src" / "plandoc"
    installed = Path(str(resources.files("plandoc")))
    wanted = {
        p.relative_to(source)
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    missing = sorted(str(p) for p in wanted if not (installed / p).is_file())
    assert not missing, f"not installed with the package: {missing}"


def test_orientations_and_profiles_are_found() -> None:
    assert tuple(sorted(builtin_orientations())) == tuple(sorted(ORIENTATIONS))
    assert {"medicare", "medicaid-90", "carf", "joint-commission"} <= set(available_profiles())
