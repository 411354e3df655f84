"""ICD-10-CM codes, from the CMS table that ``simple-icd-10-cm`` ships.

Importing that package parses its whole XML table (well over a second), so the first use writes
a compact index (code, billable flag, title) to the user's cache folder, keyed by the package's
version; later runs read the index in milliseconds. Where the cache cannot be written, the
package is used directly.
"""

from __future__ import annotations

import os
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


def _read_index(path: Path) -> dict[str, Code]:
    index = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            code, billable, title = line.rstrip("\n").split("\t", 2)
            index[code] = Code(code, billable == "1", title)
    return index


@cache
def codes() -> dict[str, Code]:
    """Every ICD-10-CM category and subcategory, by dotted code."""
    path = _cache_file()
    try:
        return _read_index(path)
    except (OSError, ValueError):
        pass
    index = _build_index()
    try:
        _write_index(path, index)
    except OSError:
        pass  # a read-only home: stay correct, just slower next time
    return index


def lookup(code: str) -> Code | None:
    """The code's entry, accepting it with or without its dot; None when it does not exist."""
    table = codes()
    clean = code.strip().upper()
    if "." not in clean and len(clean) > 3:
        clean = f"{clean[:3]}.{clean[3:]}"
    return table.get(clean)
