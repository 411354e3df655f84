"""What Word does when a reviewer accepts or rejects every tracked change, applied to a
redline's body — the tests' own check, beside the real one (LibreOffice through UNO)."""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any

from lxml import etree

from plandoc.revise.redline import DOCUMENT, W, text_of

Element = Any


def _body(docx: bytes) -> Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read(DOCUMENT)).find(f"{W}body")


def accept_all(docx: bytes) -> list[str]:
    """The body's paragraph texts after accepting every tracked change."""
    return _resolve(docx, keep="ins", drop="del")


def reject_all(docx: bytes) -> list[str]:
    """The body's paragraph texts after rejecting every tracked change."""
    return _resolve(docx, keep="del", drop="ins")


def paragraph_texts(docx: bytes) -> list[str]:
    """The body's paragraph texts, in order (table cells included), of a document without changes."""
    return [text_of(p) for p in _body(docx).iter(f"{W}p")]


def _resolve(docx: bytes, *, keep: str, drop: str) -> list[str]:
    body = copy.deepcopy(_body(docx))
    for row in list(body.iter(f"{W}tr")):
        if row.find(f"{W}trPr/{W}{drop}") is not None:
            row.getparent().remove(row)
    for p in list(body.iter(f"{W}p")):
        if p.find(f"{W}pPr/{W}rPr/{W}{drop}") is not None:
            p.getparent().remove(p)
    for element in list(body.iter(f"{W}{drop}")):
        if element.getparent().tag in (f"{W}p", f"{W}r", f"{W}tc", f"{W}body"):
            element.getparent().remove(element)
    for element in list(body.iter(f"{W}{keep}")):
        parent = element.getparent()
        if parent.tag in (f"{W}rPr", f"{W}trPr"):
            parent.remove(element)
            continue
        for child in list(element):
            element.addprevious(child)
        parent.remove(element)
    for t in body.iter(f"{W}delText"):
        t.tag = f"{W}t"
    return [text_of(p) for p in body.iter(f"{W}p")]


def change_counts(docx: bytes) -> dict[str, int]:
    """How many w:ins and w:del marks the document carries."""
    body = _body(docx)
    return {"ins": len(list(body.iter(f"{W}ins"))), "del": len(list(body.iter(f"{W}del")))}
