"""ICD-10-CM codes, from the CMS table that ``simple-icd-10-cm`` ships.

Importing that package parses its whole XML table (well over a second), so the first use writes
a compact index (code, billable flag, title) to the user's cache folder, keyed by the package's
version; later runs read the index in milliseconds. Where the cache cannot be written, the
package is used directly.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Code:
    code: str
    billable: bool
    title: str


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    version = metadata.version("simple-icd-10-cm")
    return Path(base) / "plandoc" / f"icd10cm-{version}.tsv"


def _build_index() -> dict[str, Code]:
    import simple_icd_10_cm as icd  # slow import, deliberately local

    index = {}
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_category_or_subcategory(code):
            index[code] = Code(code, icd.is_leaf(code), icd.get_description(code))
    return index


def _write_index(path: Path, index: dict[str, Code]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (f"{c.code}\t{int(c.billable)}\t{c.title}\n" for c in index.values())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".icd-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    Path(tmp).replace(path)


@cache
def _table() -> str:
    """The index as one string, one ``code<TAB>billable<TAB>title`` line each.

    Looking a code up is a regular-expression search over it (a few milliseconds), which is
    far cheaper than building a dict of 70 000 entries when a plan names two or three codes.
    """
    path = _cache_file()
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    index = _build_index()
    with contextlib.suppress(OSError):  # a read-only home: stay correct, just slower next time
        _write_index(path, index)
    return "".join(f"{c.code}\t{int(c.billable)}\t{c.title}\n" for c in index.values())


def _normalise(code: str) -> str:
    clean = code.strip().upper()
    if "." not in clean and len(clean) > 3:
        clean = f"{clean[:3]}.{clean[3:]}"
    return clean


@cache
def lookup(code: str) -> Code | None:
    """The code's entry, accepting it with or without its dot; None when it does not exist."""
    clean = _normalise(code)
    found = re.search(rf"^{re.escape(clean)}\t([01])\t(.*)$", _table(), re.MULTILINE)
    return Code(clean, found.group(1) == "1", found.group(2)) if found else None


def billable_children(code: str, *, limit: int = 4) -> list[str]:
    """A few billable codes under *code*, to suggest when a category is given."""
    pattern = rf"^({re.escape(_normalise(code))}[^\t]*)\t1\t"
    return [
        m.group(1) for m in itertools.islice(re.finditer(pattern, _table(), re.MULTILINE), limit)
    ]
