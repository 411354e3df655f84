"""The folders plandoc reads templates, orientations and payer profiles from.

A *library* is a search path: a practice's folders (``--templates DIR``, first wins), then the
built-in ``templates/`` folder. Every folder has the same shape::

    plan.md.j2  md/  plan.docx  diff.md.j2  diff.docx  starter.yaml.j2
    orientations/<name>/orientation.yaml   (and an orientation's own templates)
    profiles/<name>.yaml

A practice's folder comes from outside and is treated as hostile: a file is only ever read
when every part of its path inside the folder is a real folder or a regular file — a symbolic
link is refused, never followed — and reads are bounded in size.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import TemplateError

MAX_TEMPLATE_BYTES = 8 * 1024 * 1024
"""The largest template file plandoc reads (a Word template with a logo is well under 1 MiB)."""


def builtin_root() -> Path:
    """The built-in ``templates/`` folder: inside the installed package, or at the top of a
    source checkout (``src/plandoc/spec/library.py`` → ``templates/``)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent.parent / "templates"):
        if (candidate / "orientations").is_dir():
            return candidate
    raise TemplateError(
        "plandoc's built-in templates are missing from this installation; reinstall plandoc"
    )


@dataclass(frozen=True)
class Library:
    """Practice folders in front of the built-in one."""

    roots: tuple[Path, ...]

    def find(self, relative: str) -> Path | None:
        """The first regular file at *relative* in the search path, or None.

        Raises :class:`TemplateError` when a practice folder holds a symbolic link on the way."""
        for root in self.roots:
            found = safe_path(root, relative)
            if found is not None:
                return found
        return None

    def files(self, relative: str, suffix: str) -> Iterator[tuple[str, Path]]:
        """(stem, file) for each ``*suffix`` file under *relative*, first root wins."""
        seen: set[str] = set()
        for root in self.roots:
            base = safe_path(root, relative, folder=True)
            if base is None:
                continue
            for entry in sorted(base.iterdir()):
                stem = entry.name[: -len(suffix)]
                if not entry.name.endswith(suffix) or stem in seen or entry.name.startswith("."):
                    continue
                mode = os.lstat(entry).st_mode
                if stat.S_ISLNK(mode):
                    raise _link_error(root, entry)
                if stat.S_ISREG(mode):
                    seen.add(stem)
                    yield stem, entry


@cache
def library(templates: tuple[Path, ...] = ()) -> Library:
    """The library for a practice's template folders (none: the built-ins alone). A folder
    that is itself a symbolic link is refused like a link inside one: it could lead anywhere."""
    for folder in templates:
        if Path(folder).is_symlink():
            raise TemplateError(
                f"{folder}: the template folder is a symbolic link; give the folder it points to"
            )
    return Library((*(Path(t) for t in templates), builtin_root()))


def safe_path(root: Path, relative: str, *, folder: bool = False) -> Path | None:
    """*root*/*relative* when every part below *root* is a real folder and the last is a
    regular file (or a folder, with *folder*); None when something is missing. A symbolic link
    anywhere below *root* raises :class:`TemplateError`."""
    current = root
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise TemplateError(f"{relative}: a template path may not climb out of its folder")
    for index, part in enumerate(parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise TemplateError(f"{current}: cannot be read ({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            raise _link_error(root, current)
        last = index == len(parts) - 1
        wanted = stat.S_ISDIR(mode) if (folder or not last) else stat.S_ISREG(mode)
        if not wanted:
            return None
    return current


def _link_error(root: Path, link: Path) -> TemplateError:
    return TemplateError(
        f"{link}: is a symbolic link; plandoc does not follow links in a template folder "
        f"({root}) — copy the file itself into the folder"
    )


def read_template_bytes(path: Path, *, limit: int = MAX_TEMPLATE_BYTES) -> bytes:
    """The bytes of a template file found by :meth:`Library.find`: a regular file, not a
    link, no larger than *limit*."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise TemplateError(f"{path}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError(f"{path}: is not a regular file")
        if info.st_size > limit:
            raise TemplateError(
                f"{path}: is {info.st_size // 1024} KiB; a template may be at most {_size(limit)}"
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TemplateError(f"{path}: grew past {_size(limit)} while being read")
    return data


def _size(limit: int) -> str:
    """``8 MiB``, or ``256 KiB`` for a limit under a mebibyte."""
    return f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
