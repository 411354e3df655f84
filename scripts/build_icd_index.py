"""Build plandoc's ICD-10-CM index from the CMS table that ``simple-icd-10-cm`` ships.

    python scripts/build_icd_index.py

writes ``src/plandoc/spec/icd10cm.tsv.gz``: one ``code<TAB>billable<TAB>title`` line per
category and code, under a header naming the release and the count. plandoc reads this file at
run time, so no user pays the package's slow import (it parses its whole XML table) and nothing
is written to a cache. ``tests/test_icd.py`` fails when the committed index no longer matches
the pinned ``simple-icd-10-cm``: upgrade the pin, run this script, commit both.
"""

from __future__ import annotations

import gzip
import warnings
from importlib import metadata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "plandoc" / "spec" / "icd10cm.tsv.gz"
RELEASE = "April 2026 (FY2026)"


def index_text() -> str:
    """The index as text, from the installed ``simple-icd-10-cm``."""
    with warnings.catch_warnings():  # it uses importlib.resources' deprecated read_text
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    lines = [
        f"{code}\t{int(icd.is_leaf(code))}\t{' '.join(icd.get_description(code).split())}\n"
        for code in dict.fromkeys(icd.get_all_codes(with_dots=True))  # it lists a few twice
        if icd.is_category_or_subcategory(code)
    ]
    version = metadata.version("simple-icd-10-cm")
    header = f"# plandoc ICD-10-CM index\t{RELEASE}\tsimple-icd-10-cm {version}\t{len(lines)}\n"
    return header + "".join(lines)


def main() -> None:
    TARGET.write_bytes(gzip.compress(index_text().encode("utf-8"), 9, mtime=0))
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
