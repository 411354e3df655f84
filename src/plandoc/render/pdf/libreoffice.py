"""PDF by converting the Word output with LibreOffice (``soffice``), when it is installed.

Each conversion runs in a private temporary folder with its own LibreOffice profile, in a
process group of its own with a time limit: on timeout the whole group (``soffice`` and the
``soffice.bin`` it starts) is killed, so nothing keeps running. The Word file it converts has
already passed plandoc's package inspection (no links or fields that read other files).

LibreOffice stamps each PDF with the time of conversion and a random document ID; both are
replaced — with the plan's date and a hash of the Word file — so the same plan gives the same
PDF bytes. The replacements keep every byte offset in the file as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ...errors import MissingFeature, RenderError

TIMEOUT_SECONDS = 60


def soffice() -> str | None:
    """The LibreOffice command, or None when it is not installed."""
    return shutil.which(os.environ.get("PLANDOC_SOFFICE", "soffice")) or shutil.which("libreoffice")


def require_soffice() -> str:
    found = soffice()
    if found is None:
        raise MissingFeature(
            "PDF output needs LibreOffice, which is not installed: install it "
            "(for example `apt-get install libreoffice-writer-nogui`) or render -f docx instead"
        )
    return found


def docx_to_pdf(
    docx: bytes, *, when: dt.date | None = None, timeout: float = TIMEOUT_SECONDS
) -> bytes:
    """Convert a .docx (as bytes) to PDF bytes with headless LibreOffice."""
    command = require_soffice()
    with tempfile.TemporaryDirectory(prefix="plandoc-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "plan.docx"
        source.write_bytes(docx)
        args = [
            command,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        _run(args, timeout)
        target = folder / "plan.pdf"
        if not target.is_file():
            raise RenderError("LibreOffice could not convert the document (it wrote no PDF)")
        return reproducible(target.read_bytes(), docx, when)


def _run(args: list[str], timeout: float) -> None:
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed as a whole on timeout
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise RenderError(
                f"LibreOffice did not finish converting within {timeout:g} s; it was stopped"
            ) from None
        finally:
            _kill_group(process)  # anything it left running in its group
    if process.returncode != 0:
        last = output.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RenderError(f"LibreOffice could not convert the document: {last[0]}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


_CREATED = re.compile(rb"/CreationDate\(D:(\d{14})")
_ID = re.compile(rb"/ID \[ <([0-9A-F]{32})>\s*<([0-9A-F]{32})> \]")
_CHECKSUM = re.compile(rb"/DocChecksum /([0-9A-F]{32})")


def reproducible(pdf: bytes, docx: bytes, when: dt.date | None) -> bytes:
    """*pdf* with its creation time and document ID fixed, byte offsets unchanged."""
    stamp = (when or dt.date(1980, 1, 1)).strftime("%Y%m%d").encode() + b"000000"
    digest = hashlib.md5(docx, usedforsecurity=False).hexdigest().upper().encode()
    pdf = _CREATED.sub(lambda m: m.group(0).replace(m.group(1), stamp), pdf)
    pdf = _ID.sub(lambda m: m.group(0).replace(m.group(1), digest).replace(m.group(2), digest), pdf)
    return _CHECKSUM.sub(lambda m: m.group(0).replace(m.group(1), digest), pdf)
