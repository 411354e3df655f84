"""The one place Jinja environments are made: sandboxed, strict, bounded.

Templates are untrusted — a practice writes its own. Three layers keep one in its place:

1. **What it can reach.** Every environment is an ``ImmutableSandboxedEnvironment`` with
   ``StrictUndefined``, and the template context is plain data only (text, numbers, dates,
   lists, mappings — :func:`plandoc.render.sandbox.plain.plain` checks it), so there is no object
   whose methods touch files, the network or the process.
2. **What one operation can build.** Every operation that can grow a value — ``+`` and ``~``
   concatenation, ``*`` repetition, ``**``, ``%`` and ``str.format`` widths, ``join``,
   ``center``, ``replace``, ``indent`` and the other growing filters and string methods — is
   checked *before* it allocates, and refused past :data:`MAX_VALUE` characters (or items).
3. **What the whole render can use.** Templates render in a worker process with an
   address-space and CPU limit (:mod:`plandoc.render.sandbox.worker`), which also catches what a
   per-operation bound cannot see (many large values at once, long loops).

Template files are found through the template library, which never follows a symbolic link
and bounds every read (:mod:`plandoc.spec.library`).
"""

from __future__ import annotations

import re
import string
import types
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ...errors import TemplateError
from ...spec.library import Library, library, read_template_bytes
from ...text import typographic, words
from ..context.formatting import label, show, show_date, show_number

MAX_VALUE = 1_000_000
"""Characters (or items) one value in a template may grow to."""
MAX_OUTPUT = 20_000_000
"""Characters one rendered document part may reach."""
MAX_WIDTH = 10_000
"""The widest field or longest precision a format specification may ask for."""
MAX_INT_BITS = 4096
"""The largest whole number (in bits) a template may compute."""

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$^])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
# Extensions some readers switch on: an emoji shortcode (GitHub, pandoc's gfm, markdown-it's
# emoji plugin) and a citation (pandoc's @key); each escaped at its first character.
_MD_EXTENSION = re.compile(r":(?=[\w+-]+:)|(?<![A-Za-z0-9])@(?=\w)")
_SPACE = re.compile(r"\s+")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
PICTURE_MARK = re.compile("[\ue000\ue001]")
"""The two private-use characters that frame a picture marker (see :class:`Picture`); they are
removed from every other value, so a plan's text can never forge one."""
# Only what would change meaning at the start of a line: a heading, quote, list item or rule.
_MD_LINE_START = re.compile(r"^(#|>|[-+*](?=\s|$)|\d+[.)](?=\s|$)|=+$|-+$)")
_MD_NOTHING_TO_ESCAPE = re.compile(
    r"(?![#>=+*\d-])"  # nothing that marks the start of a line
    r"(?:[^\s\\`*_\[\]<>|~$^&:@\x00-\x1f\ufffe\uffff\ud800-\udfff\ue000\ue001]| (?!\s))*"
)
"""Text none of :func:`md_escape`'s escapes would change: no mark, no control character, no
whitespace but single spaces, nothing special at its start."""


class Picture(str):
    """A marker for a picture the Word renderer puts in after the template has run (a progress
    chart). It is only text — ``\\ue000picture:N\\ue001`` — so a template holding it can do
    nothing with it but place it."""

    __slots__ = ()

    @classmethod
    def numbered(cls, number: int) -> Picture:
        return cls(f"\ue000picture:{number}\ue001")


def md_escape(value: Any) -> str:
    """Text that Markdown shows exactly as written (its quotation marks typeset), on one line
    (safe inside a table cell)."""
    if isinstance(value, Markup):
        return str(value)
    text = typographic(value if isinstance(value, str) else show(value))
    if _MD_NOTHING_TO_ESCAPE.fullmatch(text):  # most text: one scan instead of seven
        return text
    return escape_every_mark(text)


def escape_every_mark(text: str) -> str:
    """:func:`md_escape`'s escapes, each applied in turn."""
    text = _SPACE.sub(" ", PICTURE_MARK.sub("", XML_ILLEGAL.sub("", text)))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_EXTENSION.sub(lambda m: "\\" + m.group(0), text)
    return _MD_LINE_START.sub(lambda m: _escape_last(m.group(1)), text)


def _escape_last(marker: str) -> str:
    if marker[0] in "#>-+*=" and not marker[0].isdigit():
        return "\\" + marker
    return marker[:-1] + "\\" + marker[-1]


# --- bounds -----------------------------------------------------------------------------------


def _refuse(what: str = "a value in the template grows too large") -> SecurityError:
    return SecurityError(what)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def _check_width(number: Any, what: str) -> None:
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_VALUE:
        raise _refuse(f"{what} {number} is too large for a template")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[+\- ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?[a-zA-Z%]?")


def _check_number_text(text: str | None) -> None:
    if text and (len(text) > 6 or int(text) > MAX_WIDTH):
        raise _refuse(f"a format width or precision of {text[:12]} is too large for a template")


def check_percent_format(fmt: str) -> None:
    """Refuse ``%``-formatting that would build a huge string (``%5000000000d``, ``%*d``)."""
    for match in _PERCENT_SPEC.finditer(fmt):
        for part in match.group(1), match.group(2):
            if part == "*":
                raise _refuse("`*` widths are not allowed in template formatting")
            _check_number_text(part)


def check_format_string(fmt: str) -> None:
    """Refuse ``str.format`` fields that would build a huge string or nest specifications."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise _refuse(f"a broken format string: {exc}") from None
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise _refuse("nested format specifications are not allowed in templates")
        match = _FORMAT_SPEC.fullmatch(spec)
        if match is None:
            raise _refuse(f"the format specification `{spec[:20]}` is not allowed in templates")
        _check_number_text(match.group(1))
        _check_number_text(match.group(2))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "+":
        same = (isinstance(left, str) and isinstance(right, str)) or (
            isinstance(left, list | tuple) and isinstance(right, list | tuple)
        )
        if same and len(left) + len(right) > MAX_VALUE:
            raise _refuse()
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            repeats = isinstance(seq, str | list | tuple) and isinstance(times, int)
            if repeats and len(seq) * times > MAX_VALUE:
                raise _refuse()
        numbers = isinstance(left, int) and isinstance(right, int)
        if numbers and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
            raise _refuse("a number in the template grows too large")
    elif operator == "**":
        if isinstance(right, int | float) and abs(right) > 64:
            raise _refuse("exponent too large for a template")
        numbers = isinstance(left, int) and isinstance(right, int) and right > 0
        if numbers and abs(left).bit_length() * right > MAX_INT_BITS:
            raise _refuse("a number in the template grows too large")
    elif operator == "%" and isinstance(left, str):
        check_percent_format(left)


def _bounded(value: Any) -> Any:
    if _length(value) > MAX_VALUE:
        raise _refuse()
    return value


def _total_text(items: Iterable[Any]) -> tuple[list[Any], int]:
    listed = list(items)
    if len(listed) > MAX_VALUE:
        raise _refuse()
    return listed, sum(len(x) if isinstance(x, str) else len(str(x)) for x in listed)


def _bounded_join(separator: str, items: Iterable[Any]) -> tuple[list[Any], None]:
    listed, total = _total_text(items)
    if total + len(separator) * max(len(listed) - 1, 0) > MAX_VALUE:
        raise _refuse()
    return listed, None


def _replace_size(text: str, old: str, new: str, count: int = -1) -> int:
    times = len(text) + 1 if not old else text.count(old)
    if count is not None and count >= 0:
        times = min(times, count)
    return len(text) + times * max(len(new) - len(old), 0)


def _guard_method(value: Any) -> Any:
    """String methods that can grow a value, bounded before they run."""
    owner = getattr(value, "__self__", None)
    if not isinstance(value, types.BuiltinMethodType) or not isinstance(owner, str | bytes):
        return value
    name = value.__name__
    if name == "translate":
        return _refusing("`translate` is not available in templates")
    if name in ("center", "ljust", "rjust", "zfill"):

        def widened(width: Any, *rest: Any) -> Any:
            _check_width(width, "a width of")
            return value(width, *rest)

        return widened
    if name == "expandtabs":

        def expanded(tabsize: int = 8) -> Any:
            _check_width(tabsize, "a tab size of")
            tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
            if len(owner) + tabs * tabsize > MAX_VALUE:
                raise _refuse()
            return value(tabsize)

        return expanded
    if name == "replace":

        def replaced(old: Any, new: Any, count: int = -1) -> Any:
            if isinstance(owner, str) and isinstance(old, str) and isinstance(new, str):  # noqa: SIM102
                if _replace_size(owner, old, new, count) > MAX_VALUE:
                    raise _refuse()
            return value(old, new, count)

        return replaced
    if name == "join":

        def joined(items: Iterable[Any]) -> Any:
            listed, _ = _bounded_join(str(owner), items)
            return value(listed)

        return joined
    return value


def _refusing(message: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise SecurityError(message)

    return refuse


# --- filters, bounded before they allocate ---------------------------------------------------


def _filter_checks() -> dict[str, Callable[..., None]]:
    def center(value: Any, width: Any = 80, *rest: Any, **kw: Any) -> None:
        _check_width(width, "a width of")

    def indent(value: Any, width: Any = 4, *rest: Any, **kw: Any) -> None:
        each = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _check_width(each, "an indent of")
        if len(str(value)) + (str(value).count("\n") + 1) * each > MAX_VALUE:
            raise _refuse()

    def wordwrap(
        value: Any, width: Any = 79, *rest: Any, wrapstring: Any = None, **kw: Any
    ) -> None:
        gap = len(wrapstring) if isinstance(wrapstring, str) else 1
        if isinstance(width, int) and width > 0 and len(str(value)) * (1 + gap / width) > MAX_VALUE:
            raise _refuse()

    def replace(value: Any, old: Any = "", new: Any = "", count: Any = None, **kw: Any) -> None:
        if isinstance(old, str) and isinstance(new, str):
            limit = count if isinstance(count, int) else -1
            if _replace_size(str(value), old, new, limit) > MAX_VALUE:
                raise _refuse()

    def join(value: Any, d: Any = "", attribute: Any = None, **kw: Any) -> None:
        if attribute is None and isinstance(value, list | tuple):
            _bounded_join(str(d), value)

    def fmt(value: Any, *args: Any, **kw: Any) -> None:
        check_percent_format(str(value))

    def counted(value: Any, count: Any = 1, *rest: Any, **kw: Any) -> None:
        _check_width(count, "a count of")

    def tojson(value: Any, indent: Any = None, **kw: Any) -> None:
        if isinstance(indent, int) and indent > 16:
            raise _refuse("a JSON indent over 16 is not allowed in templates")

    def sum_(value: Any, attribute: Any = None, start: Any = 0, **kw: Any) -> None:
        lists = isinstance(start, list | tuple) and isinstance(value, list | tuple)
        if lists and sum(_length(v) for v in value) + len(start) > MAX_VALUE:
            raise _refuse()

    return {
        "center": center, "indent": indent, "wordwrap": wordwrap, "replace": replace,
        "join": join, "format": fmt, "batch": counted, "slice": counted, "tojson": tojson,
        "sum": sum_,
    }  # fmt: skip


_CHECKS = _filter_checks()


def _linear_sum(original: Callable[..., Any]) -> Callable[..., Any]:
    """``sum`` of lists in linear time (Python's own copies the running list at every step)."""

    @wraps(original)
    def summed(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        if isinstance(start, list | tuple) and attribute is None:
            items = list(iterable)
            if all(isinstance(i, list | tuple) for i in items):
                return [*start, *(x for i in items for x in i)]
        return original(environment, iterable, attribute, start)

    return summed


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    check = _CHECKS.get(name)
    passes_context = getattr(function, "jinja_pass_arg", None)

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*(args[1:] if passes_context else args), **kwargs)
        return _bounded(function(*args, **kwargs))

    return bounded


# --- the environment ------------------------------------------------------------------------


class _BoundedCodeGenerator(CodeGenerator):
    """``a ~ b`` compiles to a bounded join instead of Jinja's own."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        markup = (
            "context.eval_ctx.volatile"
            if frame.eval_ctx.volatile
            else str(frame.eval_ctx.autoescape)
        )
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {markup})")


_DICT_NAMES = frozenset(dir(dict))
"""What ``getattr`` finds on a plain dict: its methods and object's."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every growing operation bounded before it allocates."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``row.name`` on a plain dict: Jinja's own getattr would try the attribute, fail (a
        # dict has no attribute of that name) and then take the item; take the item at once
        if type(obj) is dict and type(attribute) is str and attribute not in _DICT_NAMES:
            try:
                return _guard_method(obj[attribute])
            except KeyError:
                pass
        return _guard_method(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _guard_method(super().getitem(obj, argument))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            check_format_string(value.__self__)
        return wrapper

    @staticmethod
    def bounded_concat(items: tuple[Any, ...], markup: bool) -> str:
        _bounded_join("", items)
        return str(markup_join(items) if markup else str_join(items))

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        """Jinja joins a captured block (``{% set x %}…``) or a macro's output with this."""
        listed = list(parts)
        if sum(len(p) for p in listed) > MAX_OUTPUT:
            raise _refuse("the template's output grows too large")
        return "".join(listed)


def bounded_render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render, stopping once the output passes :data:`MAX_OUTPUT` characters."""
    parts, size = [], 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT:
            raise _refuse("the template's output grows too large")
        parts.append(piece)
    return "".join(parts)


class LibraryLoader(jinja2.BaseLoader):
    """Templates from the template library: practice folders first, links refused, reads
    bounded (``{% include %}`` and ``{% extends %}`` go through here too)."""

    def __init__(self, found: Library) -> None:
        self.library = found

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        path = self.library.find(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        try:
            source = read_template_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateError(f"{path}: a template file is not UTF-8 text") from None
        return source, str(path), lambda: True


def make_env(*, templates: Sequence[Path] = (), markdown: bool) -> jinja2.Environment:
    """A sandboxed environment over a practice's folders and the built-ins."""
    finalize: Callable[[Any], Any] = _md_finalize if markdown else _xml_finalize
    env = BoundedSandbox(
        loader=LibraryLoader(library(tuple(Path(t) for t in templates))),
        undefined=jinja2.StrictUndefined,
        autoescape=not markdown,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.pop("lipsum", None)  # random text: output would differ from run to run
    env.filters.pop("random", None)  # likewise
    env.filters["sum"] = _linear_sum(env.filters["sum"])
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    env.filters.update(
        {"date": show_date, "label": label, "words": words, "show": show, "num": show_number}
    )
    return env


def _md_finalize(value: Any) -> Any:
    return md_escape(value)


def _xml_finalize(value: Any) -> Any:
    """Word text: dates and numbers as people read them; XML escaping is autoescape's job.

    Characters that XML 1.0 forbids (most control characters) are dropped rather than producing
    a file Word refuses to open, and so are a picture marker's framing characters, except in a
    real :class:`Picture`."""
    if isinstance(value, Picture | Markup):
        return value
    text = value if isinstance(value, str) else show(value)
    if not _XML_SPECIAL.search(text):  # most text: nothing to drop, no quotation mark to set
        return text
    return typographic(PICTURE_MARK.sub("", XML_ILLEGAL.sub("", text)))


_XML_SPECIAL = re.compile(f"{XML_ILLEGAL.pattern}|{PICTURE_MARK.pattern}|[\"']")
"""Any character :func:`_xml_finalize` changes."""


def template_error(exc: BaseException, name: str) -> TemplateError:
    """A user-facing message for anything a template did wrong."""
    if isinstance(exc, TemplateError):
        return exc if str(exc).startswith(name) else TemplateError(f"{name}: {exc}")
    if isinstance(exc, UnicodeDecodeError):
        return TemplateError(
            f"{name}: a template file is not UTF-8 text (or is not a text template at all)"
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(
            f"{exc.filename or name}:{exc.lineno}: template syntax error: {exc.message}"
        )
    if isinstance(exc, jinja2.UndefinedError):
        return TemplateError(
            f"{name}: {exc.message}; check the variable name against docs/templates.md"
        )
    if isinstance(exc, SecurityError):
        return TemplateError(f"{name}: the template tried something templates may not do: {exc}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(f"template not found: {exc.name}")
    if isinstance(exc, MemoryError):
        return TemplateError(f"{name}: the template needs more memory than templates may use")
    if isinstance(exc, RecursionError):
        return TemplateError(f"{name}: the template nests or recurses too deeply")
    return TemplateError(f"{name}: template failed: {exc.__class__.__name__}: {exc}")
