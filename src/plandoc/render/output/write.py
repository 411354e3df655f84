"""Stage 5 — write: deterministic bytes, written atomically, as a set.

Each file is first written complete and flushed to disk where nobody can see it — an unnamed
temporary file (``O_TMPFILE``) in the target folder where the file system has them, so even a
``kill -9`` leaves nothing behind; a short hidden ``.plandoc-XXXXXXXX.tmp`` elsewhere — then
moved into place. A plan's outputs are a set: all of them are staged before any is moved, so a
full disk or a missing permission leaves every existing file as it was. An input file is never a
target. Zip packages (.docx) get fixed timestamps and a fixed entry order, so the same plan
always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import OutputError, UsageError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class _Staged:
    target: Path
    fd: int = -1  # an unnamed file, until linked
    temp: Path | None = None  # a named temporary file, until renamed


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to *path* all at once, or not at all (an OutputError says why)."""
    write_set({path: data})


def write_set(outputs: Mapping[Path, bytes], *, protect: Iterable[Path] = ()) -> list[Path]:
    """Write every file of *outputs*, or none of them; never one of the *protect* files."""
    _refuse_inputs(outputs, protect)
    staged: list[_Staged] = []
    current = next(iter(outputs), Path())
    try:
        for current, data in outputs.items():
            staged.append(_stage(current, data))
        for item in staged:
            current = item.target
            _name(item)
        _commit(staged)
        for folder in {item.target.parent for item in staged}:
            _sync_folder(folder)
        return [item.target for item in staged]
    except OSError as exc:
        raise OutputError(
            f"cannot write {current}: {exc.strerror or exc}; check the output folder"
        ) from None
    finally:
        for item in staged:
            _discard(item)


def refuse_template_folders(target: Path, templates: Iterable[Path]) -> None:
    """An output never goes into a practice's template folder: it could replace a template
    (a rendered plan written over ``plan.docx`` would print one client's data for every other)."""
    where = target.resolve()
    for folder in templates:
        root = Path(folder).resolve()
        if where == root or root in where.parents:
            raise UsageError(
                f"{target} is inside the template folder {folder}; write the output somewhere else"
            )


def _refuse_inputs(outputs: Mapping[Path, bytes], protect: Iterable[Path]) -> None:
    for source in protect:
        for target in outputs:
            with contextlib.suppress(OSError):
                if target.exists() and Path(source).samefile(target):
                    raise UsageError(
                        f"{target} is an input of this command; plandoc never overwrites an input — choose another output"
                    )


def _stage(path: Path, data: bytes) -> _Staged:
    path.parent.mkdir(parents=True, exist_ok=True)
    item = _Staged(path)
    flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        item.fd = os.open(path.parent, flags | os.O_TMPFILE, 0o644)
    except (AttributeError, OSError):  # no O_TMPFILE here: a short, hidden named file
        item.fd, name = tempfile.mkstemp(dir=path.parent, prefix=".plandoc-", suffix=".tmp")
        item.temp = Path(name)
        Path(name).chmod(0o644 & ~_umask())
    view = memoryview(data)
    while view:
        view = view[os.write(item.fd, view) :]
    os.fsync(item.fd)
    return item


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _name(item: _Staged) -> None:
    """Give an unnamed staged file a short temporary name beside its target."""
    if item.temp is not None:
        return
    temp = item.target.parent / f".plandoc-{secrets.token_hex(4)}.tmp"
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(item.fd), temp, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)
    item.temp = temp


def _commit(staged: list[_Staged]) -> None:
    """Move every staged file into place, or — if one cannot be — put back what was there."""
    for item in staged:
        if item.target.is_dir() and not item.target.is_symlink():
            raise IsADirectoryError(21, "a folder is in the way", str(item.target))
    backups: dict[Path, Path | None] = {}
    try:
        for item in staged:
            backups[item.target] = _backup(item.target)
        for item in staged:
            assert item.temp is not None
            item.temp.replace(item.target)  # replaces a link at the target, never writes through it
            item.temp = None
    except OSError:
        for target, backup in backups.items():
            with contextlib.suppress(OSError):
                if backup is not None:
                    backup.replace(target)
                elif not any(i.target == target and i.temp is not None for i in staged):
                    target.unlink()
        raise
    finally:
        for backup in backups.values():
            with contextlib.suppress(OSError):
                if backup is not None:
                    backup.unlink()


def _backup(target: Path) -> Path | None:
    """A second name for the file at *target* (if any), to restore it should the set fail."""
    if not target.exists() and not target.is_symlink():
        return None
    backup = target.parent / f".plandoc-{secrets.token_hex(4)}.bak"
    os.link(target, backup, follow_symlinks=False)
    return backup


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(item: _Staged) -> None:
    if item.fd >= 0:
        with contextlib.suppress(OSError):
            os.close(item.fd)
        item.fd = -1
    if item.temp is not None:
        with contextlib.suppress(OSError):
            item.temp.unlink()
        item.temp = None


def stable_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and attributes, ``[Content_Types].xml`` first."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    order = sorted(names, key=lambda n: (n != "[Content_Types].xml", names.index(n)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


_DEFLATED: dict[bytes, tuple[int, bytes]] = {}  # a part's digest → its CRC and deflated bytes
_SEEN: set[bytes] = set()  # the digests of parts compressed once
_CACHE_MAX = 256


def deflated(data: bytes) -> tuple[int, bytes]:
    """*data*'s CRC-32 and its raw deflate stream, as :mod:`zipfile` writes it. A template's
    unchanged parts (styles, numbering, theme, fonts) are the same from document to document:
    a part met a second time is kept compressed and copied after that; a part met once (a
    plan's own text, its charts) is not kept, so memory stays flat over a caseload."""
    key = hashlib.blake2b(data, digest_size=20).digest()
    found = _DEFLATED.get(key)
    if found is not None:
        return found
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    found = (zlib.crc32(data), compressor.compress(data) + compressor.flush())
    if key in _SEEN:
        if len(_DEFLATED) >= _CACHE_MAX:
            _DEFLATED.clear()
        _DEFLATED[key] = found
    else:
        if len(_SEEN) >= 16 * _CACHE_MAX:
            _SEEN.clear()
        _SEEN.add(key)
    return found


def stable_zip_of(
    entries: Sequence[tuple[str, bytes]], known: Mapping[str, tuple[int, bytes]] | None = None
) -> bytes:
    """The package :func:`stable_zip` makes of a zip holding *entries* in this order — the same
    bytes — written directly, with each part's compressed bytes from :func:`deflated`, or from
    *known* (a part's CRC and deflate stream, worked out by the caller from the same bytes)."""
    order = sorted(entries, key=lambda e: e[0] != "[Content_Types].xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in order:
            crc, packed = known[name] if known and name in known else deflated(data)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.file_size, info.compress_size, info.CRC = len(data), len(packed), crc
            info.header_offset = out.tell()
            out.write(info.FileHeader(False))
            out.write(packed)
            target.filelist.append(info)
            target.NameToInfo[name] = info
            target.start_dir = out.tell()
            target._didModify = True  # type: ignore[attr-defined]
    return out.getvalue()
