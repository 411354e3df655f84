"""Accept or reject every tracked change in Word files with LibreOffice itself, through UNO.

Run with the system Python that has LibreOffice's UNO bridge (Debian's ``python3-uno``), not
the project's virtual environment::

    /usr/bin/python3 tests/lo_resolve.py accept|reject|none IN.docx OUT.txt [IN OUT ...]

Each document is opened hidden, every tracked change is accepted or rejected (``none`` leaves
them, for the plain text of a document without changes), and the result is saved as UTF-8
text: one line per paragraph, as LibreOffice reads it. A real client is the judge of a
redline, not an oracle written with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

COMMANDS = {"accept": ".uno:AcceptAllTrackedChanges", "reject": ".uno:RejectAllTrackedChanges"}


def prop(name: str, value: object) -> PropertyValue:
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found


def connect(pipe: str, deadline: float) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def resolve(ctx: object, action: str, source: Path, target: Path) -> None:
    smgr = ctx.ServiceManager  # type: ignore[attr-defined]
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(str(source.resolve())), "_blank", 0, (prop("Hidden", True),)
    )
    try:
        if action in COMMANDS:
            helper = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
            frame = doc.getCurrentController().getFrame()
            helper.executeDispatch(frame, COMMANDS[action], "", 0, ())
        doc.storeToURL(
            uno.systemPathToFileUrl(str(target.resolve())),
            (prop("FilterName", "Text (encoded)"), prop("FilterOptions", "UTF8,LF")),
        )
    finally:
        doc.close(True)


def main(argv: list[str]) -> int:
    action, pairs = argv[0], argv[1:]
    if action not in (*COMMANDS, "none") or len(pairs) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    profile = tempfile.mkdtemp(prefix="plandoc-lo-")
    pipe = f"plandoc{os.getpid()}"
    office = subprocess.Popen(
        [
            "soffice", "--headless", "--invisible", "--norestore", "--nolockcheck",
            f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        ctx = connect(pipe, time.monotonic() + 60)
        for source, target in zip(pairs[::2], pairs[1::2], strict=True):
            resolve(ctx, action, Path(source), Path(target))
    finally:
        office.terminate()
        try:
            office.wait(10)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
