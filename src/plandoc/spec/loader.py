"""Stage 1 — load: read a plan file as safe YAML and remember where every value came from.

The file is parsed event by event (PyYAML's C parser when present), so that:

* nothing but plain data is built — a tag such as ``!!python/object`` is an error, never code;
* a key given twice is an error, not silently the last one;
* anchors and aliases are refused, so a "billion laughs" document cannot expand;
* every key and value keeps its line and column for error messages.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Finding, PlanInvalid, Severity

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 50
MAX_NODES = 100_000
MAX_NUMBER = 10**12
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")

DocPath = tuple[str | int, ...]


def dotted(path: DocPath) -> str:
    """*path* as a reader writes it: ``goals[0].objectives[1].measure``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


Position = tuple[int, int]

_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_STR, _INT, _DATE = _TAG + "str", _TAG + "int", _TAG + "timestamp"
# How a plain scalar's type is told from its text (PyYAML's resolver, looked up by first
# character): ``yaml.resolver.Resolver.resolve`` without a call per scalar.
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(resolvers)
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    if first is not None
}
_IMPLICIT_ANY = tuple(yaml.resolver.Resolver.yaml_implicit_resolvers.get(None, ()))
_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors
# the events a plan is read from, told apart by their class
_Scalar, _Alias = yaml.ScalarEvent, yaml.AliasEvent
_SequenceStart, _SequenceEnd, _MappingEnd = (
    yaml.SequenceStartEvent,
    yaml.SequenceEndEvent,
    yaml.MappingEndEvent,
)


@dataclass
class Document:
    """A loaded plan: its data, and where each key and value stands in the file."""

    path: str
    data: dict[str, Any]
    values: dict[DocPath, Position] = field(default_factory=dict)
    keys: dict[DocPath, Position] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    """Problems found while loading that did not stop it (duplicate keys, tags, bad dates)."""

    def locate(self, path: DocPath, *, key: bool = False) -> Position:
        """Line and column (1-based) of the value at *path*, or of its key when *key* is set.

        A path that does not exist in the file (a missing field) falls back to its nearest
        existing parent, which is where the fix has to be made.
        """
        probe = tuple(path)
        if key and probe in self.keys:
            return self.keys[probe]
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


def load_file(path: str | Path, *, display: str | None = None) -> Document:
    """Read and parse *path*. Raises :class:`PlanInvalid` with findings for any problem."""
    shown = display or str(path)
    return load_bytes(read_plan_bytes(path, shown), shown)


def read_plan_bytes(path: str | Path, shown: str) -> bytes:
    """The bytes of a plan file, read safely: only a regular file is opened (a FIFO would block
    forever, a device never end), and the size limit holds from ``stat`` and while reading, so
    ``/dev/zero`` or a huge file costs nothing."""

    def refuse(message: str, rule: str = "file.read") -> PlanInvalid:
        return PlanInvalid([_finding(shown, (1, 1), message, rule)])

    try:
        info = Path(path).stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder holding no plan files (*.yaml)")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not a regular file (a pipe, device or socket); give a plan file")
        if info.st_size > MAX_BYTES:
            raise refuse(_TOO_LARGE, "file.too-large")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise refuse("file not found", "file.missing") from None
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the stat
            raise refuse("is not a regular file (a pipe, device or socket); give a plan file")
        try:
            return handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise refuse(f"cannot read file: {exc.strerror or exc}") from None


_TOO_LARGE = f"file is larger than {MAX_BYTES // 1024 // 1024} MiB; a treatment plan is far smaller — is this the right file?"


def load_bytes(raw: bytes, path: str) -> Document:
    """Parse the bytes of a plan file named *path* (used in messages)."""
    if len(raw) > MAX_BYTES:
        raise PlanInvalid([_finding(path, (1, 1), _TOO_LARGE, "file.too-large")])
    text = _decode(raw, path)
    if not text.strip():
        msg = "file is empty; start from `plandoc new --orientation NAME -o FILE`"
        raise PlanInvalid([_finding(path, (1, 1), msg, "file.empty")])
    return _Builder(path).build(text)


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        msg = (
            f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded); "
            "save it as UTF-8 in your editor"
        )
        raise PlanInvalid([_finding(path, (line, column), msg, "file.encoding")]) from None


def _finding(
    path: str, pos: Position, message: str, rule: str, severity: Severity = "error"
) -> Finding:
    return Finding(path, pos[0], pos[1], severity, message, rule)


def _position_in(text: str, offset: int, *, in_bytes: bool) -> Position:
    """Line and column (1-based) of an offset in *text*: libyaml counts bytes of UTF-8, the
    pure-Python reader characters."""
    before = text.encode("utf-8")[:offset].decode("utf-8", "replace") if in_bytes else text[:offset]
    line_start = before.rfind("\n") + 1
    return before.count("\n") + 1, len(before) - line_start + 1


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Builds plain Python data from YAML parse events, recording positions and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.doc = Document(path, {})
        self.values, self.keys = self.doc.values, self.doc.keys
        self.problems: list[Finding] = []
        self.text = ""
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()
        self.next_event: Callable[[], Any] = _no_event

    def build(self, text: str) -> Document:
        self.text = text
        parser = None
        try:
            # the parser's own get_event, not ``yaml.parse``: a generator around it and a
            # check_event before every event cost a third of the parse
            parser = _PARSER(text)
            self.next_event = parser.get_event
            root = self._stream()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = _pos(mark) if mark else (1, 1)
            problem = exc.problem or "invalid YAML"
            ctx = f" {exc.context}" if exc.context else ""
            msg = f"YAML syntax error: {problem}{ctx}; check indentation and quoting around here"
            raise PlanInvalid(
                [*self.problems, _finding(self.path, pos, msg, "yaml.syntax")]
            ) from None
        except yaml.reader.ReaderError as exc:
            char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
            msg = f"{char} is a control character, which a plan cannot hold; delete it (it may be invisible in your editor)"
            at = _position_in(text, exc.position, in_bytes=_PARSER is not yaml.SafeLoader)
            raise PlanInvalid(
                [*self.problems, _finding(self.path, at, msg, "text.control-character")]
            ) from None
        except yaml.YAMLError as exc:
            msg = f"YAML error: {exc}"
            raise PlanInvalid(
                [*self.problems, _finding(self.path, (1, 1), msg, "yaml.syntax")]
            ) from None
        except _Abort:
            raise PlanInvalid(self.problems) from None
        finally:
            if parser is not None:
                parser.dispose()
            self.next_event = _no_event
        if root is None:
            msg = "file holds no plan; start from `plandoc new --orientation NAME -o FILE`"
            raise PlanInvalid([_finding(self.path, (1, 1), msg, "file.empty")])
        if not isinstance(root, dict):
            msg = "a plan file must be a mapping of fields (`spec_version: 1`, `plan:` …), not a list or a single value"
            self.problems.append(
                _finding(self.path, self.doc.values.get((), (1, 1)), msg, "yaml.root")
            )
            raise PlanInvalid(self.problems)
        self.doc.data = root
        self.doc.problems = self.problems
        return self.doc

    def _error(self, mark: Any, message: str, rule: str) -> None:
        self.problems.append(_finding(self.path, _pos(mark), message, rule))

    def _stream(self) -> Any:
        next_event = self.next_event
        next_event()  # StreamStartEvent
        event = next_event()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        root = self._node(next_event(), (), 0)
        next_event()  # DocumentEndEvent
        extra = next_event()
        if isinstance(extra, yaml.DocumentStartEvent):
            msg = "a plan file holds one plan: remove the second YAML document (after `---`) or move it to its own file"
            self._error(extra.start_mark, msg, "yaml.multiple-documents")
        return root

    def _node(self, event: Any, path: DocPath, depth: int) -> Any:
        self.nodes += 1
        mark = event.start_mark
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            what = "nested too deeply" if depth > MAX_DEPTH else "too large"
            self._error(mark, f"document is {what} to be a treatment plan", "yaml.limits")
            raise _Abort
        self.values[path] = (mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is _Alias:
            msg = "YAML aliases (`*name`) are not allowed in a plan; write the value out in full"
            self._error(mark, msg, "yaml.alias")
            return None
        if event.anchor:
            msg = "YAML anchors (`&name`) are not allowed in a plan; remove the anchor"
            self._error(mark, msg, "yaml.anchor")
        tag = event.tag
        if tag is not None:
            self._check_tag(event)
        elif kind is _Scalar and event.implicit[0]:
            value = event.value
            if value[:1] not in _IMPLICIT and not _IMPLICIT_ANY:
                # plain text no resolver can claim, most of a plan: as _scalar returns it
                if CONTROL_CHARACTERS.search(value):
                    self._check_text(value, event)
                if event.style in (">", "|"):
                    self._check_block_comment(event)
                return value
        if kind is _Scalar:
            return self._scalar(event)
        if kind is _SequenceStart:
            return self._sequence(path, depth, flow=bool(event.flow_style))
        return self._mapping(path, depth, flow=bool(event.flow_style))

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag is None or tag == "!" or tag in _ALLOWED_TAGS:
            return
        if isinstance(event, yaml.MappingStartEvent) and tag == _TAG + "map":
            return
        if isinstance(event, yaml.SequenceStartEvent) and tag == _TAG + "seq":
            return
        msg = f"YAML tag `{tag}` is not allowed: a plan holds plain text, numbers and dates only; remove the tag"
        self._error(event.start_mark, msg, "yaml.tag")

    def _scalar(self, event: Any) -> Any:
        if event.tag in _ALLOWED_TAGS:
            tag = event.tag
        elif event.tag == "!" or not event.implicit[0]:
            tag = _TAG + "str"
        else:
            tag = _implicit_tag(event.value)
        if tag not in _ALLOWED_TAGS or tag == _STR:
            # text, most of a plan: the constructor would return the event's value as it is
            self._check_text(event.value, event)
            if event.style in (">", "|"):
                self._check_block_comment(event)
            return event.value
        try:
            value = self._construct(tag, event)
        except (ValueError, yaml.constructor.ConstructorError):
            kind = tag[len(_TAG) :].replace("timestamp", "date (YYYY-MM-DD, a day that exists)")
            self._error(event.start_mark, f"`{event.value}` is not a valid {kind}", "yaml.value")
            return event.value
        if isinstance(value, dt.datetime):
            msg = f"`{event.value}` has a time of day; a plan records dates only — write {value.date().isoformat()}"
            self._error(event.start_mark, msg, "yaml.value")
            return value.date()
        if isinstance(value, float) and not math.isfinite(value):
            self._error(event.start_mark, f"`{event.value}` is not a finite number", "yaml.value")
            return None
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and abs(value) > MAX_NUMBER
        ):
            msg = f"`{event.value[:20]}` is too large a number for a treatment plan (at most {MAX_NUMBER:,})"
            self._error(event.start_mark, msg, "yaml.value")
            return None
        if isinstance(value, str):
            self._check_text(value, event)
            if event.style in (">", "|"):
                self._check_block_comment(event)
        return value

    def _construct(self, tag: str, event: Any) -> Any:
        """The value of a scalar of *tag*, as PyYAML's safe constructor makes it; a whole
        number in decimals and a date (``YYYY-MM-DD``, the only form ten characters long) are
        made directly."""
        text = event.value
        if tag == _INT and text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
            return int(text)
        if tag == _DATE and len(text) == 10:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        return _CONSTRUCTORS[tag](self.constructor, node)

    def _check_text(self, value: str, event: Any) -> None:
        """A control character (from an escape such as ``"\\x07"``) cannot be shown in a document:
        report it here, so that ``check`` and ``render`` agree."""
        found = CONTROL_CHARACTERS.search(value)
        if found:
            char = f"U+{ord(found.group(0)):04X}"
            msg = f"the text holds {char}, a control character documents cannot show; remove it"
            self._error(event.start_mark, msg, "text.control-character")

    def _check_block_comment(self, event: Any) -> None:
        """Inside a ``>`` or ``|`` block a ``#`` line is text, not a comment: it would reach the
        documents. A warning, since a hash can be meant (``# of drinks``)."""
        block = self.text[event.start_mark.index : event.end_mark.index]
        for number, line in enumerate(block.split("\n")[1:], start=event.start_mark.line + 2):
            if line.lstrip().startswith("#"):
                column = len(line) - len(line.lstrip()) + 1
                msg = (
                    f"`{line.strip()[:40]}` is inside a `{event.style}` block, so it is text that "
                    "will appear in the documents, not a comment; move the comment above the "
                    "field, or keep it if it is meant as text"
                )
                at = (number, column)
                self.problems.append(
                    _finding(self.path, at, msg, "yaml.comment-in-text", "warning")
                )
                return

    def _sequence(self, path: DocPath, depth: int, *, flow: bool = False) -> list[Any]:
        items: list[Any] = []
        next_event = self.next_event
        while (event := next_event()) is not None:
            if type(event) is _SequenceEnd:
                return items
            if flow and items and _split_credentials(event, items[-1]):
                whole = f"{items[-1]}, {event.value}"
                msg = (
                    f"`{event.value}` is read as an item of its own: inside `[ ]` a comma "
                    f'separates items; if it belongs to the item before, quote them together ("{whole}")'
                )
                self.problems.append(
                    _finding(self.path, _pos(event.start_mark), msg, "yaml.flow-comma", "warning")
                )
            items.append(self._node(event, (*path, len(items)), depth + 1))
        raise _Abort  # pragma: no cover - the parser always closes a sequence

    def _mapping(self, path: DocPath, depth: int, *, flow: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {}
        next_event, keys = self.next_event, self.keys
        while (event := next_event()) is not None:
            kind = type(event)
            if kind is _MappingEnd:
                return result
            key = str(event.value) if kind is _Scalar else "?"
            here = (*path, key)
            if kind is _Scalar and here not in keys:  # a new plain key, as _key takes it
                keys[here] = _pos(event.start_mark)
                duplicate = False
            else:
                key, here, duplicate = self._key(event, path, depth)
            value_event = next_event()
            if flow and result and _bare_key(event, value_event):
                free = path[:1] == ("extensions",)  # any key is allowed there: keep it
                self._comma_in_flow(event, result, free=free)
                if not free:
                    continue
            value = self._node(value_event, here, depth + 1)
            if not duplicate:  # a duplicate key was reported; the first value stands
                result[key] = value
        raise _Abort  # pragma: no cover - the parser always closes a mapping

    def _comma_in_flow(self, key_event: Any, result: dict[str, Any], *, free: bool) -> None:
        """``{name: Rosa Delgado, PsyD}``: the comma ended ``name`` and ``PsyD`` became a key.
        An error, except in free-form ``extensions``, where a key without a value is allowed."""
        previous, value = list(result.items())[-1]
        key = key_event.value
        if isinstance(value, str):
            fix = f'quote a value that contains a comma (`{previous}: "{value}, {key}"`)'
        else:
            fix = f"quote a value that contains a comma, or give `{key}` a value (`{key}: …`)"
        msg = f"`{key}` has no value: inside `{{ }}` a comma separates fields; {fix}"
        severity: Severity = "warning" if free else "error"
        self.problems.append(
            _finding(self.path, _pos(key_event.start_mark), msg, "yaml.flow-comma", severity)
        )

    def _key(self, event: Any, path: DocPath, depth: int) -> tuple[str, DocPath, bool]:
        """The key's text, its value's path, and whether it repeats an earlier key (reported
        here)."""
        if not isinstance(event, yaml.ScalarEvent):
            self._error(
                event.start_mark, "a key must be a plain name, not a list or mapping", "yaml.key"
            )
            self._node(event, (*path, "?"), depth + 1)
            return "?", (*path, "?"), True
        key = str(event.value)
        here = (*path, key)
        keys = self.doc.keys
        if here in keys:
            first = keys[here]
            msg = (
                f"`{key}` is given twice (first at line {first[0]}); keep one and delete the other"
            )
            self._error(event.start_mark, msg, "yaml.duplicate-key")
            return key, here, True
        keys[here] = _pos(event.start_mark)
        return key, here, False


def _implicit_tag(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar: the first implicit resolver for its
    first character whose pattern matches, else text."""
    for tag, pattern in _IMPLICIT.get(value[:1], ()) + _IMPLICIT_ANY:
        if pattern.match(value):
            return str(tag)
    return _STR


def _no_event() -> Any:
    return None


# Credentials that follow a name after a comma ("Rosa Delgado, PsyD"): in a `[ ]` list the
# comma makes them an item of their own.
CREDENTIALS = frozenset(
    [
        "APRN",
        "BCBA",
        "CADC",
        "DNP",
        "DO",
        "EdD",
        "LAC",
        "LADC",
        "LCADC",
        "LCDC",
        "LCPC",
        "LCSW",
        "LICSW",
        "LISW",
        "LMFT",
        "LMHC",
        "LMHCA",
        "LMSW",
        "LPC",
        "LPCC",
        "LPCA",
        "LSW",
        "MA",
        "MD",
        "MFT",
        "MS",
        "MSW",
        "NP",
        "PA",
        "PhD",
        "PMHNP",
        "PsyD",
        "RN",
    ]
)


def _split_credentials(event: Any, previous: Any) -> bool:
    """A plain list item that is a credential, right after a plain text item: almost always
    one value split in two by the comma between a name and its credentials."""
    return (
        isinstance(event, yaml.ScalarEvent)
        and not event.style
        and event.value in CREDENTIALS
        and isinstance(previous, str)
        and previous not in CREDENTIALS
        and " " in previous
    )


def _bare_key(key: Any, value: Any) -> bool:
    """A key written with no ``:`` at all: the parser gives it an empty value that starts
    right where the key ends (after ``key:`` it would start past the colon)."""
    return (
        isinstance(key, yaml.ScalarEvent)
        and isinstance(value, yaml.ScalarEvent)
        and value.value == ""
        and not value.style
        and getattr(value.start_mark, "index", None) == getattr(key.end_mark, "index", -1)
    )


class _Abort(Exception):
    """Stop building: the document is past a safety limit."""
