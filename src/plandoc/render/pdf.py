"""PDF by converting the Word output with LibreOffice (``soffice``), when it is installed.

Each conversion runs in a private temporary folder with its own LibreOffice profile, so two
conversions never share state and nothing is left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MissingFeature, RenderError

TIMEOUT_SECONDS = 180


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


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert a .docx (as bytes) to PDF bytes with headless LibreOffice."""
    command = require_soffice()
    with tempfile.TemporaryDirectory(prefix="plandoc-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "plan.docx"
        source.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        args = [
            command,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"LibreOffice did not finish converting within {TIMEOUT_SECONDS} s"
            ) from None
        target = folder / "plan.pdf"
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RenderError(f"LibreOffice could not convert the document: {detail[0]}")
        return target.read_bytes()
