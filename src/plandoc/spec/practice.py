"""The practice file: one group practice's identity, logo, clinicians and defaults.

A practice writes ``plandoc-practice.yaml`` once; every command that reads plans takes it with
``--practice FILE``, from the ``PLANDOC_PRACTICE`` environment variable, or — when neither is
given — finds it in the current folder or the nearest parent that holds one. The file is read
like a plan (the same safe loader, limits and ``file:line:col`` messages) and checked against
its own schema. A plan's own values always win over the practice's (see :func:`apply`).
"""

from __future__ import annotations

import copy
import os
import stat
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Finding, PlanInvalid, UsageError
from .loader import DocPath, Document, load_file
from .schema import NPI_PATTERN, Schema, _person, ident, integer, record, records, text, texts

FILE_NAME = "plandoc-practice.yaml"
ENVIRONMENT = "PLANDOC_PRACTICE"
MAX_LOGO_BYTES = 2 * 1024 * 1024
LOGO_PIXELS = (16, 6000)
"""The smallest and largest width or height, in pixels, a logo may have."""
LOGO_HEIGHT_MM = 12.0
LOGO_MAX_WIDTH_MM = 45.0
"""How a logo is placed in a Word header: this tall, unless that makes it wider than the
maximum width, when it is scaled down to that width."""
PRACTICE_VERSIONS = (1,)

SCHEMA: Schema = {
    "practice_version": {
        "type": "integer",
        "allowed": list(PRACTICE_VERSIONS),
        "required": True,
        "meta": {"description": "Version of the practice file format; `1`."},
    },
    "name": text("The practice's name as it appears on documents.", required=True),
    "address": text("Postal address."),
    "phone": text("Telephone number."),
    "npi": text("Group NPI (10 digits).", regex=NPI_PATTERN),
    "tax_id": text("Employer identification number (tax id), for example `93-1234567`.",
                   regex=r"[0-9]{2}-?[0-9]{7}"),
    "logo": text("A PNG or JPEG file, relative to the practice file; at most 2 MiB."),
    "confidentiality": text("The confidentiality notice every document's footer carries."),
    "review_interval_days": integer(
        "Days between reviews for a plan that sets neither an interval nor a next review date.",
        min=7,
        max=366,
    ),
    "profiles": texts("Payer profiles `check` and `render` apply when no --profile is given.",
                      item="Profile"),
    "required_sections": texts(
        "Parts of a plan the practice requires, by field name (`safety_plan`, `discharge`, "
        "`assessment.strengths` …): `check` reports a plan without them as an error.",
        item="Section",
    ),
    "locale": text("The language of the documents' fixed words when no --locale is given."),
    "templates": text("The practice's template folder, relative to the practice file."),
    "render_limits": record(
        "What one document's render may use, for plans larger than the defaults allow.",
        {
            "memory_mb": integer(
                "Memory (MB) of the template worker; 512 by default.", min=256, max=4096
            ),
            "cpu_seconds": integer(
                "Processor seconds one document may take; 5 by default.", min=1, max=120
            ),
        },
    ),
    "clinicians": records(
        "The practice's clinicians; a plan names one by id (`clinician: {id: C2}`).",
        {"id": ident("The clinician's id in the practice (what plans write)."),
         **_person("clinician", credentials_required=True)},
        item="Clinician",
    ),
}  # fmt: skip

IDENTITY = ("name", "address", "phone", "npi", "tax_id")
"""The practice fields a plan's ``practice:`` record takes from the practice file."""
PEOPLE = ("clinician", "supervisor")
"""The plan fields that may name one of the practice's clinicians by id."""


@dataclass(frozen=True)
class Logo:
    """A checked logo: its bytes, kind and size in pixels."""

    path: Path
    data: bytes = field(repr=False)
    kind: str  # "png" or "jpeg"
    width: int
    height: int

    @property
    def file_name(self) -> str:
        """The name the logo is copied under beside a Markdown plan: fixed, whatever its own
        file is called, so that it can never take the name of a plan or another output."""
        return f"practice-logo.{'jpg' if self.kind == 'jpeg' else 'png'}"

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height in a Word header, keeping the picture's shape."""
        height = LOGO_HEIGHT_MM
        width = height * self.width / self.height
        if width > LOGO_MAX_WIDTH_MM:
            width, height = LOGO_MAX_WIDTH_MM, LOGO_MAX_WIDTH_MM * self.height / self.width
        return width, height


@dataclass(frozen=True)
class Practice:
    """A loaded, checked practice file. ``origin`` says how it was found (for messages)."""

    path: Path
    origin: str
    data: dict[str, Any]
    document: Document = field(repr=False)
    logo: Logo | None = None
    templates: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(self.data.get("profiles") or ())

    @property
    def locale(self) -> str | None:
        value = self.data.get("locale")
        return str(value) if value else None

    @property
    def confidentiality(self) -> str | None:
        value = self.data.get("confidentiality")
        return str(value) if value else None

    @property
    def render_limits(self) -> dict[str, int]:
        """The practice's render limits (``memory_mb``, ``cpu_seconds``) that it sets."""
        given = self.data.get("render_limits") or {}
        return {key: int(value) for key, value in given.items() if value is not None}

    @property
    def required_sections(self) -> tuple[str, ...]:
        return tuple(self.data.get("required_sections") or ())

    @property
    def clinicians(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.data.get("clinicians") or () if isinstance(c, dict)}

    def describe(self) -> str:
        """Which practice file is in use and how it was found, for messages."""
        return f"practice file {self.path} ({self.origin})"


class PracticeInvalid(PlanInvalid):
    """The practice file has problems; ``note`` says how it was found."""

    def __init__(self, findings: list[Finding], note: str) -> None:
        super().__init__(findings)
        self.note = note

    def format(self) -> str:
        return super().format() + "\n" + self.note


# --- finding the file -----------------------------------------------------------------------


def profiles_in_effect(profiles: Sequence[str], practice: Practice | None) -> tuple[str, ...]:
    """The payer profiles a command applies: those given (``--profile``), else the practice
    file's defaults."""
    return tuple(dict.fromkeys(profiles)) or (practice.profiles if practice else ())


def locate(
    explicit: Path | None, environ: Mapping[str, str], cwd: Path | None
) -> tuple[Path, str] | None:
    """The practice file to use and how it was found: ``--practice`` first, then
    ``PLANDOC_PRACTICE``, then ``plandoc-practice.yaml`` in *cwd* or the nearest parent."""
    if explicit is not None:
        return explicit, "given with --practice"
    named = environ.get(ENVIRONMENT, "").strip()
    if named:
        path = Path(named)
        if not path.is_file():
            raise UsageError(f"{ENVIRONMENT} names {named}, which is not a file")
        return path, f"from {ENVIRONMENT}"
    for folder in (cwd, *cwd.parents) if cwd else ():
        candidate = folder / FILE_NAME
        try:
            if candidate.is_file():
                where = "the current folder" if folder == cwd else f"{folder}, a parent folder"
                return candidate, f"found in {where}"
        except OSError:
            continue
    return None


Verify = Callable[[Document, tuple[Path, ...]], list[Finding]]
"""A later stage's check of what a practice file names (its profiles, its locale)."""


def find_practice(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    *,
    verify: Verify | None = None,
) -> Practice | None:
    """The practice in effect for a command, or None when there is none."""
    if cwd is None:
        try:
            cwd = Path.cwd()
        except OSError:  # the folder the command runs in was removed: nothing to find there
            cwd = None
    found = locate(explicit, os.environ if environ is None else environ, cwd)
    return None if found is None else load_practice(*found, verify=verify)


# --- reading and checking it ----------------------------------------------------------------


def load_practice(path: Path, origin: str = "given", *, verify: Verify | None = None) -> Practice:
    """Read and check a practice file; raise :class:`PracticeInvalid` with every problem.
    *verify* checks what it names that only later stages know (profiles, locales)."""
    note = f"(the {_describe(path, origin)}; fix it, or pass --practice to use another)"
    try:
        doc = load_file(path)
    except PlanInvalid as exc:
        raise PracticeInvalid([_reworded(f) for f in exc.findings], note) from None
    from .validate import findings_for  # cerberus is only needed here once the file parsed

    findings = list(doc.problems) + findings_for(doc, SCHEMA)
    logo: Logo | None = None
    templates: tuple[Path, ...] = ()
    if not findings:
        logo, more = _logo(doc, path)
        findings += more
        templates, more = _templates(doc, path)
        findings += more
        findings += _references(doc)
        findings += verify(doc, templates) if verify else []
    if findings:
        raise PracticeInvalid(sorted(set(findings)), note)
    return Practice(path, origin, doc.data, doc, logo, templates)


def _describe(path: Path, origin: str) -> str:
    return f"practice file {path}, {origin}"


def _reworded(finding: Finding) -> Finding:
    """The loader speaks of plans; a practice file's empty or odd root is said its own way."""
    if finding.rule == "file.empty":
        msg = "practice file is empty; start from samples/practice/plandoc-practice.yaml"
        return Finding(finding.path, finding.line, finding.column, "error", msg, finding.rule)
    if finding.rule == "yaml.root":
        msg = "a practice file must be a mapping of fields (`practice_version: 1`, `name:` …)"
        return Finding(finding.path, finding.line, finding.column, "error", msg, finding.rule)
    return finding


def at(doc: Document, where: DocPath, message: str, rule: str) -> Finding:
    line, column = doc.locate(where)
    return Finding(doc.path, line, column, "error", message, rule)


def _logo(doc: Document, source: Path) -> tuple[Logo | None, list[Finding]]:
    raw = doc.data.get("logo")
    if raw is None:
        return None, []
    path = source.parent / str(raw)
    try:
        return read_logo(path), []
    except ValueError as exc:
        return None, [at(doc, ("logo",), f"logo `{raw}`: {exc}", "practice.logo")]


def read_logo(path: Path) -> Logo:
    """A logo file, checked: a regular file of at most 2 MiB, a whole PNG or JPEG picture of
    sane pixel dimensions. Raises ValueError saying what is wrong."""
    try:
        info = path.stat()
    except OSError:
        raise ValueError("file not found (the path is relative to the practice file)") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("is not a regular file")
    if info.st_size > MAX_LOGO_BYTES:
        raise ValueError(f"is {info.st_size // 1024} KiB; a logo may be at most 2 MiB")
    with path.open("rb") as handle:
        data = handle.read(MAX_LOGO_BYTES + 1)
    kind, width, height = _picture_size(data)
    low, high = LOGO_PIXELS
    if not (low <= width <= high and low <= height <= high):
        raise ValueError(
            f"is {width}×{height} pixels; a logo's width and height must each be {low}–{high}"
        )
    return Logo(path, data, kind, width, height)


_PNG = b"\x89PNG\r\n\x1a\n"


def _picture_size(data: bytes) -> tuple[str, int, int]:
    """The kind and pixel size of a whole PNG or JPEG picture."""
    if data.startswith(_PNG):
        if data[12:16] != b"IHDR" or len(data) < 33:
            raise ValueError("is not a readable PNG picture (no image header)")
        width, height = struct.unpack(">II", data[16:24])
        if b"IEND" not in data[-12:]:
            raise ValueError("is a PNG picture cut short (no end chunk); export it again")
        return "png", width, height
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise ValueError("is a JPEG picture cut short (no end marker); export it again")
        return "jpeg", *size
    raise ValueError("is not a PNG or JPEG picture; save the logo as PNG")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's start-of-frame segment."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise ValueError("is not a readable JPEG picture (no frame header)")


def _templates(doc: Document, source: Path) -> tuple[tuple[Path, ...], list[Finding]]:
    raw = doc.data.get("templates")
    if raw is None:
        return (), []
    folder = source.parent / str(raw)
    if not folder.is_dir():
        msg = f"template folder `{raw}` not found (the path is relative to the practice file)"
        return (), [at(doc, ("templates",), msg, "practice.templates")]
    return (folder,), []


def _references(doc: Document) -> list[Finding]:
    """Required sections are parts of a plan; clinician ids are unique."""
    findings = []
    for index, section in enumerate(doc.data.get("required_sections") or ()):
        if not _known_section(section):
            msg = f"`{section}` is not a part of a plan; write a field name from docs/spec.md (for example `discharge` or `assessment.strengths`)"
            findings.append(at(doc, ("required_sections", index), msg, "practice.section"))
    seen: set[str] = set()
    for index, clinician in enumerate(doc.data.get("clinicians") or ()):
        if clinician["id"] in seen:
            msg = f"clinician id `{clinician['id']}` is given twice; each clinician needs their own"
            findings.append(at(doc, ("clinicians", index, "id"), msg, "practice.clinician"))
        seen.add(clinician["id"])
    return findings


def _known_section(section: str) -> bool:
    from .schema import plan_schema

    rules: Schema | None = plan_schema(None)
    for part in section.split("."):
        if not isinstance(rules, dict) or part not in rules:
            return False
        nested = rules[part]
        rules = nested.get("schema") if nested.get("type") == "dict" else None
    return True


# --- the practice's values in a plan --------------------------------------------------------


def apply(doc: Document, practice: Practice) -> tuple[Document, list[Finding]]:
    """*doc* with the practice's values where the plan has none, and the findings that brings:
    a clinician id the practice does not know. The plan's own values always win."""
    data = copy.deepcopy(doc.data)
    findings = []
    _apply_identity(data, practice)
    for role in PEOPLE:
        person = data.get(role)
        if not isinstance(person, dict) or "id" not in person:
            continue
        known = practice.clinicians.get(str(person["id"]))
        if known is None:
            names = ", ".join(practice.clinicians) or "none"
            msg = f"the practice knows no clinician `{person['id']}` (its clinicians: {names}); check the id in {practice.path}"
            findings.append(at(doc, (role, "id"), msg, "practice.clinician"))
            continue
        data[role] = {**copy.deepcopy(known), **person}
    plan = data.get("plan")
    interval = practice.data.get("review_interval_days")
    if (
        isinstance(plan, dict)
        and interval
        and not {"review_interval_days", "next_review_date"} & set(plan)
    ):
        plan["review_interval_days"] = interval
    merged = Document(doc.path, data, doc.values, doc.keys, doc.problems)
    return merged, findings


def _apply_identity(data: dict[str, Any], practice: Practice) -> None:
    """The plan's ``practice:`` gets the practice's identity for the fields it leaves out —
    unless it names another practice, which is then the plan's to describe in full."""
    own = data.get("practice")
    if own is not None and not isinstance(own, dict):
        return
    own = own or {}
    if own.get("name") not in (None, practice.name):
        return
    identity = {k: practice.data[k] for k in IDENTITY if practice.data.get(k) is not None}
    data["practice"] = {**identity, **own}


def named_by_id(doc: Document) -> list[Finding]:
    """Without a practice file, a clinician named only by id cannot be found: say so."""
    findings = []
    for role in PEOPLE:
        person = doc.data.get(role)
        if isinstance(person, dict) and "id" in person and "name" not in person:
            msg = (
                f"the {role} is named by id (`{person['id']}`), but no practice file is in use: "
                f"pass --practice FILE, set {ENVIRONMENT}, or put {FILE_NAME} in this folder or a parent"
            )
            findings.append(at(doc, (role, "id"), msg, "practice.missing"))
    return findings


def missing_sections(doc: Document, practice: Practice) -> list[Finding]:
    """The sections the practice requires that the plan leaves out or empty."""
    findings = []
    for section in practice.required_sections:
        parts = tuple(section.split("."))
        value: Any = doc.data
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            msg = f"{practice.name} requires `{section}` in every plan; add it"
            findings.append(at(doc, parts, msg, "practice.required"))
    return findings
