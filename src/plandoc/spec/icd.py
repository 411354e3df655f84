"""ICD-10-CM codes, from the CMS table (April 2026 release, fiscal year 2026).

The table comes from ``simple-icd-10-cm``; ``scripts/build_icd_index.py`` turns it into the
compact index shipped beside this module (``icd10cm.tsv.gz``: code, billable flag, title), so a
lookup costs milliseconds from the first run on, needs no cache and never imports that package.
The index is checked when it is read: a damaged or truncated file is an error that says to
reinstall, never a silent "unknown code".
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import PlandocError

INDEX = Path(__file__).with_name("icd10cm.tsv.gz")
MAGIC = "# plandoc ICD-10-CM index"


class IndexDamaged(PlandocError):
    """The shipped ICD-10-CM index cannot be read: the installation is broken."""


@dataclass(frozen=True)
class Code:
    code: str
    billable: bool
    title: str


@dataclass(frozen=True)
class _Index:
    release: str
    text: str
    """One ``code<TAB>billable<TAB>title`` line per entry, in the table's order (every
    category is followed by its codes), starting with a newline so each line can be found by
    searching for ``\nCODE\t`` — a few milliseconds, far cheaper than building 98 000 objects
    when a plan names two or three codes."""
    found: dict[str, Code | None] = field(default_factory=dict)
    """Codes already looked up (a caseload names the same few codes again and again)."""


@cache
def _index() -> _Index:
    try:
        text = gzip.decompress(INDEX.read_bytes()).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise _damaged(f"{exc.__class__.__name__}: {exc}") from None
    header, _, body = text.partition("\n")
    fields = header.split("\t")
    if len(fields) != 4 or fields[0] != MAGIC or not fields[3].isdigit():
        raise _damaged("its header is missing")
    if body.count("\n") != int(fields[3]) or not body.endswith("\n"):
        raise _damaged(f"it does not hold the {fields[3]} codes it should")
    return _Index(fields[1], "\n" + body)


def _damaged(detail: str) -> IndexDamaged:
    return IndexDamaged(
        f"plandoc's ICD-10-CM index ({INDEX}) is damaged ({detail}); reinstall plandoc"
    )


def release() -> str:
    """The ICD-10-CM release the codes come from (for example "April 2026 (FY2026)")."""
    return _index().release


def _normalise(code: str) -> str:
    clean = code.strip().upper()
    if "." not in clean and len(clean) > 3:
        clean = f"{clean[:3]}.{clean[3:]}"
    return clean


def lookup(code: str) -> Code | None:
    """The code's entry, accepting it with or without its dot; None when it does not exist."""
    clean = _normalise(code)
    index = _index()
    if clean not in index.found:
        at = index.text.find(f"\n{clean}\t")
        if at < 0 or not clean:
            index.found[clean] = None
        else:
            line = index.text[at + 1 : index.text.index("\n", at + 1)]
            _, billable, title = line.split("\t", 2)
            index.found[clean] = Code(clean, billable == "1", title)
    return index.found[clean]


def billable_children(code: str, *, limit: int = 4) -> list[str]:
    """A few billable codes under *code*, to suggest when a category is given."""
    prefix, text = _normalise(code), _index().text
    at = text.find(f"\n{prefix}")
    found: list[str] = []
    while at >= 0 and len(found) < limit:
        end = text.find("\n", at + 1)
        entry, billable, _ = text[at + 1 : end].split("\t", 2)
        if not entry.startswith(prefix):
            break
        if billable == "1":
            found.append(entry)
        at = end if end + 1 < len(text) else -1
    return found
