"""Word packages from outside, inspected before anything in them is used.

A practice's ``plan.docx`` is a zip package it wrote itself — or one somebody sent it. Before
plandoc reads a part of it, the zip's directory is checked (entry count, sizes, compression
ratio), so a zip bomb costs nothing. Then what Word or LibreOffice would fetch or run is
refused: macros (``vbaProject.bin``, macro-enabled content types), ActiveX controls, embedded
OLE objects, external relationships (an ``attachedTemplate``, a linked picture, a ``file://``
target), sub-documents, alternative-format chunks, and fields that read other files
(``INCLUDETEXT``, ``INCLUDEPICTURE``, ``LINK``, ``DDE`` …). Plain ``http(s)``/``mailto``
hyperlinks, which nothing follows until a reader clicks, are allowed.

The rendered document is inspected again, since a template's text can assemble a field.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Iterator
from typing import TypeAlias
from urllib.parse import urlparse

from lxml import etree

from ...errors import TemplateError

MAX_ENTRIES = 1000
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
"""A part may be compressed at most this many times (Word's XML compresses 5–20 times)."""
RATIO_FROM_BYTES = 1024 * 1024
"""Only parts larger than this are held to the ratio."""

_EOCD = b"PK\x05\x06"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FORBIDDEN_TYPES = (
    "/attachedTemplate", "/oleObject", "/package", "/control", "/activeXControl",
    "/activeXControlBinary", "/vbaProject", "/subDocument", "/frame", "/aFChunk",
    "/externalLinkPath", "/mailMergeSource", "/mailMergeHeaderSource", "/recipientData",
)  # fmt: skip
_FORBIDDEN_CONTENT = ("macroEnabled", "vbaProject", "activeX", "oleObject", "vbaData")
_FORBIDDEN_PARTS = re.compile(
    r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^word/(activeX|embeddings)/", re.I
)
_FORBIDDEN_ELEMENTS = {f"{{{_W}}}{name}" for name in ("altChunk", "subDoc", "object", "control")}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def inspect_package(data: bytes, name: str) -> None:
    """Raise :class:`TemplateError` naming the first problem that makes *data* unsafe to use."""
    problems = package_problems(data)
    if problems:
        more = (
            f" (and {len(problems) - 1} more problem(s); `plandoc templates check` lists them)"
            if len(problems) > 1
            else ""
        )
        raise TemplateError(f"{name}: {problems[0]}{more}")


def package_problems(
    data: bytes,
    *,
    inspected: dict[str, str] | None = None,
    parts: dict[str, bytes] | None = None,
    digests: dict[str, str] | None = None,
) -> list[str]:
    """Every reason not to use the Word package *data*; empty when it is safe. *inspected*
    (part name → SHA-256, from :func:`part_digests`) names parts already inspected in the
    template a document was rendered from: an identical part is not read again. *parts*, when
    the caller wrote *data* itself from them (name → uncompressed bytes), spares reading the
    package back: its directory is still checked from *data*, its parts are read from *parts*.
    *digests* (name → SHA-256), from a caller that worked them out from the very bytes of
    *parts*, spare hashing those parts again."""
    directory = _directory_problem(data)
    if directory:
        return [directory]
    package: zipfile.ZipFile | _Parts
    try:
        package = zipfile.ZipFile(io.BytesIO(data)) if parts is None else _Parts(data, parts)
    except (zipfile.BadZipFile, ValueError, struct.error) as exc:
        return [f"not a Word (.docx) file ({exc})"]
    sizes = _size_problems(package)
    if sizes:
        return sizes
    known = digests if parts is not None and digests else {}
    names = set(package.namelist())
    same = {
        name for name, digest in (inspected or {}).items()
        if name in names and (known.get(name) or _digest(package, name)) == digest
    }  # fmt: skip
    return list(_content_problems(package, same))


class _Parts:
    """A package just written from its parts, read like a :class:`zipfile.ZipFile` — its
    directory from the zip itself, its parts' bytes from memory."""

    def __init__(self, data: bytes, parts: dict[str, bytes]) -> None:
        self._infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        self._parts = parts
        if [i.filename for i in self._infos] != list(parts):
            raise ValueError("the package does not hold the parts it was written from")

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self._infos

    def namelist(self) -> list[str]:
        return list(self._parts)

    def read(self, name: str) -> bytes:
        return self._parts[name]

    def open(self, name: str) -> io.BytesIO:
        return io.BytesIO(self._parts[name])


_Package: TypeAlias = zipfile.ZipFile | _Parts


def part_digests(data: bytes) -> dict[str, str]:
    """Each part's SHA-256 (a package already inspected, to skip its parts next time)."""
    package = zipfile.ZipFile(io.BytesIO(data))
    return {name: _digest(package, name) for name in package.namelist()}


def _digest(package: zipfile.ZipFile | _Parts, name: str) -> str:
    return hashlib.sha256(package.read(name)).hexdigest()


def _directory_problem(data: bytes) -> str:
    """Checked from the end-of-directory record, before the zip library reads any entry."""
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + 22:
        return "not a Word (.docx) file (no zip directory)"
    entries, _, offset = struct.unpack("<HII", data[at + 10 : at + 20])
    if entries == 0xFFFF or offset == 0xFFFFFFFF:
        return "a ZIP64 package; a Word template is a small ordinary zip — save it again in Word"
    if entries > MAX_ENTRIES:
        return f"holds {entries} entries; a Word template holds far fewer than {MAX_ENTRIES}"
    return ""


def _size_problems(package: _Package) -> list[str]:
    infos = package.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        return ["holds the same part twice"]
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        return [f"unpacks to {total // 1024 // 1024} MiB; a Word template is far smaller"]
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            return [f"its part {info.filename} unpacks to {info.file_size // 1024 // 1024} MiB"]
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            return [f"its part {info.filename} is compressed {ratio:.0f} times (a zip bomb?)"]
    return []


def _content_problems(package: _Package, same: set[str]) -> Iterator[str]:
    names = package.namelist()
    for name in names:
        if _FORBIDDEN_PARTS.search(name):
            yield f"holds {name}: macros, ActiveX controls and embedded objects are not allowed; remove them in Word and save as .docx"
    types = _read(package, "[Content_Types].xml")
    if types is None:
        yield "not a Word (.docx) file (no [Content_Types].xml)"
        return
    for word in _FORBIDDEN_CONTENT:
        if word.lower() in types.lower():
            yield f"declares {word} content: save it in Word as a plain Word document (.docx), not a macro-enabled one"
    if (
        "word/document.xml" not in names
        or MAIN_TARGET.search(_read(package, "_rels/.rels") or "") is None
    ):
        yield "its main document is not word/document.xml: open it in Word and save it again as .docx"
    roots: dict[str, etree._Element | None] = {}  # each part parsed once
    for name in names:
        if name.endswith(".rels"):
            if name not in same or _source_of(name) not in same | {""}:
                yield from _relationship_problems(package, name, roots)
        elif name not in same and _looks_like_xml(package, name):
            if name not in roots:
                roots[name] = _xml(_read(package, name) or "")
            yield from xml_part_problems(name, "", root=roots[name])


MAIN_TARGET = re.compile(
    r'Type="[^"]*/officeDocument"\s+Target="/?word/document\.xml"|Target="/?word/document\.xml"\s+Type="[^"]*/officeDocument"'
)


def _looks_like_xml(package: _Package, name: str) -> bool:
    """Every part that is XML, whatever it is called (pictures and fonts are not)."""
    with package.open(name) as part:
        head = part.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _read(package: _Package, name: str) -> str | None:
    try:
        return package.read(name).decode("utf-8", "replace")
    except KeyError:
        return None


def _xml(text: str) -> etree._Element | None:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None
    try:
        return etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError:
        return None


def _source_of(rels: str) -> str:
    """The part a relationships part belongs to: ``word/_rels/document.xml.rels`` →
    ``word/document.xml``; the package's own (``_rels/.rels``) → ""."""
    folder, _, name = rels.rpartition("_rels/")
    return f"{folder}{name.removesuffix('.rels')}" if name != ".rels" else ""


def _relationship_problems(
    package: _Package, name: str, roots: dict[str, etree._Element | None]
) -> Iterator[str]:
    root = _xml(_read(package, name) or "")
    if root is None:
        yield f"its part {name} is not valid XML (or declares entities)"
        return
    uses = _uses(package, _source_of(name), roots)
    for rel in root.iter(f"{{{_REL_NS}}}Relationship"):
        kind, target, ident = rel.get("Type", ""), rel.get("Target", ""), rel.get("Id", "")
        external = rel.get("TargetMode", "").lower() == "external"
        if any(kind.endswith(t) for t in _FORBIDDEN_TYPES):
            yield f"{name} links a {kind.rsplit('/', 1)[-1]} ({target[:80]}); Word would fetch or run it — remove it"
        elif target.lower().startswith("file:") or target.startswith("\\\\"):
            yield f"{name} points at a local file ({target[:80]}); remove the link"
        elif not external:
            continue
        elif not (kind.endswith("/hyperlink") and _web_link(target)):
            yield f"{name} links outside content ({target[:80]}); Word would fetch it — remove the link or embed the picture"
        elif uses.get(ident, set()) - _CLICKED:
            yield f"{name}: the web link {target[:80]} is used as something other than a link a reader clicks; Word or LibreOffice would fetch it — remove it"


# The elements that may use a web hyperlink: a link the reader clicks, nothing fetched.
_CLICKED = {
    f"{{{_W}}}hyperlink",
    "{http://schemas.openxmlformats.org/drawingml/2006/main}hlinkClick",
    "{http://schemas.openxmlformats.org/drawingml/2006/main}hlinkHover",
}
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _uses(
    package: _Package, source: str, roots: dict[str, etree._Element | None]
) -> dict[str, set[str]]:
    """For each relationship id, the elements of *source* that use it (by any attribute in the
    relationships namespace: ``r:id``, ``r:link``, ``r:embed`` …)."""
    found: dict[str, set[str]] = {}
    if source and source not in roots:
        roots[source] = _xml(_read(package, source) or "")
    root = roots[source] if source else None
    # every attribute in the namespace, found by libxml2 rather than element by element in
    # Python; in document order, as a walk of the elements would find them
    for attribute in _R_ATTRIBUTES(root) if root is not None else ():
        found.setdefault(str(attribute), set()).add(attribute.getparent().tag)
    return found


_R_ATTRIBUTES = etree.XPath("//@r:*", namespaces={"r": _R_NS})


def _web_link(target: str) -> bool:
    return urlparse(target).scheme.lower() in ("http", "https", "mailto")


# The fields a treatment-plan template may use: page numbers, references, document
# properties, web links, formulas. Anything else — fields that read files or run programs
# (INCLUDETEXT, INCLUDEPICTURE, LINK, DDE …), or that differ at each opening (DATE, TIME,
# FILENAME, USERNAME) — is refused, judged by the whole first word of each field.
ALLOWED_FIELDS = frozenset(
    [
        "PAGE",
        "NUMPAGES",
        "SECTIONPAGES",
        "SECTION",
        "TOC",
        "PAGEREF",
        "REF",
        "NOTEREF",
        "SEQ",
        "STYLEREF",
        "TITLE",
        "SUBJECT",
        "AUTHOR",
        "KEYWORDS",
        "COMMENTS",
        "DOCPROPERTY",
        "NUMWORDS",
        "NUMCHARS",
        "HYPERLINK",
        "IF",
        "=",
        "QUOTE",
        "FORMTEXT",
        "FORMCHECKBOX",
        "FORMDROPDOWN",
        "XE",
        "TC",
        "TA",
        "INDEX",
        "LISTNUM",
        "SYMBOL",
        "ADVANCE",
        "EQ",
    ]
)


def field_instructions(root: etree._Element) -> Iterator[str]:
    """Each field's instruction, nested fields on their own, however Word split it into runs."""
    stack: list[list[str]] = []
    for element in root.iter(f"{{{_W}}}fldChar", f"{{{_W}}}instrText", f"{{{_W}}}fldSimple"):
        tag = etree.QName(element).localname
        if tag == "fldSimple":
            yield element.get(f"{{{_W}}}instr", "")
        elif tag == "instrText":
            if stack:
                stack[-1].append(element.text or "")
            else:
                yield element.text or ""
        else:
            kind = element.get(f"{{{_W}}}fldCharType")
            if kind == "begin":
                stack.append([])
            elif stack and kind in ("separate", "end"):
                yield "".join(stack.pop())
    yield from ("".join(parts) for parts in stack)


def xml_part_problems(
    name: str, text: str, *, root: etree._Element | str | None = ""
) -> Iterator[str]:
    """What any XML part must not hold: entity declarations, embedded objects and outside
    content, and fields other than the allowed ones. *root* is *text* already parsed (None
    when it could not be)."""
    root = _xml(text) if isinstance(root, str) else root
    if root is None:
        yield f"its part {name} is not valid XML (or declares entities)"
        return
    for element in root.iter(*_FORBIDDEN_ELEMENTS):
        tag = etree.QName(element).localname
        yield f"{name} holds a <w:{tag}> (an embedded object or outside content); remove it"
        break
    for instruction in field_instructions(root):
        words = instruction.replace("\\", " ").split()
        first = words[0].upper() if words else ""
        if first and first not in ALLOWED_FIELDS:
            yield f"{name} holds the field {first[:20]}, which plan templates may not use (it reads other files or programs, or changes each time the document opens); remove the field"
        elif first == "HYPERLINK" and any(w.strip('"').lower().startswith("file:") for w in words):
            yield f"{name} holds a link to a local file; remove it"
