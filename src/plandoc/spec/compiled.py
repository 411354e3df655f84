"""A schema compiled once into plain Python checks that answer one question: would cerberus find
nothing wrong with this document?

Cerberus walks a plan through a child validator for every mapping and list, looks up a handler
for every rule of every field and queues, drops and reports rules one by one: most of a
``check``'s time, for plans that are nearly always valid. The compiled check does the same
tests, in closures made once per schema, and says only yes or no. When it says yes, nothing
more is done; when it says no, cerberus runs as before and its errors become the findings, so
the messages are always cerberus's own.

The checks mirror, rule by rule, cerberus 1.3's ``Validator`` with the changes that
:class:`plandoc.spec.validate._Validator` makes (true/false is not a number, a pattern must
match the whole text, text of only spaces is empty):

* ``nullable`` is checked first for every field: ``None`` is valid exactly when the field is
  nullable, and no other rule looks at it;
* ``type`` next: a value of another type is invalid, and no other rule looks at it;
* ``empty``, when given: a blank text or an empty value is invalid unless ``empty`` is true; an
  empty value that may be empty skips ``allowed``, ``minlength``, ``maxlength`` and ``regex``;
* then every other rule: ``allowed`` (each item of a list), ``min``/``max`` (values that cannot
  be compared pass), ``minlength``/``maxlength``, ``regex`` (texts only), ``schema`` (a mapping's
  fields, or each item of a list);
* in a mapping, a field the schema does not know is invalid unless ``allow_unknown`` (which a
  mapping inherits from the one holding it), and every ``required`` field must be present
  (even as ``None``) — except in ``update`` mode, which checks no required field anywhere.

A schema using anything else (another rule, a registry reference, a type given by a method, a
``schema`` on a field that is not exactly a ``dict`` or a ``list``) is not compiled: the caller
then asks cerberus every time. A value of a kind a YAML file never gives (a mapping that is
also a sequence …) makes the check answer None, "ask cerberus", rather than guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from typing import Any, Protocol

Check = Callable[[Any], bool]
"""A compiled check of one value: True when cerberus would report no error for it."""
TypeTest = tuple[dict[type, bool], Check]
"""A type rule: its answer for each plain class, and the check of any value."""

KNOWN_RULES = frozenset(
    {"type", "required", "empty", "nullable", "schema", "allow_unknown", "meta"}
    | {"min", "max", "regex", "allowed", "minlength", "maxlength"}
)
_NOT_QUEUED = frozenset({"type", "empty", "nullable", "meta", "required", "allow_unknown"})
_NOT_RULES = frozenset({"meta", "required", "allow_unknown"})  # not checks of the value itself
_ONLY_TYPE_AND_SCHEMA = {"type", "schema"}
_DROPPED_WHEN_EMPTY = frozenset({"allowed", "minlength", "maxlength", "regex"})
# The classes a loaded YAML document is made of: their answer to each ABC is worked out once.
_PLAIN = (str, list, dict, int, float, bool, dt.date, dt.datetime, type(None))


class TypeDef(Protocol):
    """What the compiler needs of a cerberus ``TypeDefinition``."""

    @property
    def included_types(self) -> tuple[type, ...]: ...

    @property
    def excluded_types(self) -> tuple[type, ...]: ...


class Unsupported(Exception):
    """The schema uses something the compiler does not mirror: cerberus decides alone."""


class Undecided(Exception):
    """A value of a kind no YAML file holds: cerberus decides for this document."""


def compile_schema(
    schema: Mapping[str, Any],
    types: Mapping[str, TypeDef],
    *,
    allow_unknown: Any = False,
    require_all: Any = False,
    update: bool = False,
) -> Callable[[Mapping[str, Any]], bool | None] | None:
    """A check of a whole document against *schema* (as cerberus expanded it), or None when the
    schema uses something the compiler does not mirror. *types* is the validator's
    ``types_mapping``; *allow_unknown* and *require_all* its settings; *update* as cerberus's
    ``validate(update=…)``. The check answers True (valid), False (cerberus reports at least
    one error) or None (ask cerberus)."""
    try:
        check = _Compiler(types, update).mapping(schema, allow_unknown, require_all)
    except Unsupported:
        return None

    def document(data: Mapping[str, Any]) -> bool | None:
        try:
            return check(data)
        except Undecided:
            return None

    return document


def _decided(test: Callable[[type], bool]) -> dict[type, bool]:
    """*test*'s answer for each plain class, so that a value of exactly that class is answered
    with a dict lookup (``isinstance(v, C)`` is ``issubclass(type(v), C)``)."""
    return {cls: test(cls) for cls in _PLAIN}


_SIZED = _decided(lambda cls: issubclass(cls, Sized))
_ITERABLE = _decided(lambda cls: issubclass(cls, Iterable))


def _is_empty(value: Any) -> bool:
    """``isinstance(value, Sized) and len(value) == 0``."""
    sized = _SIZED.get(type(value))
    if sized is None:
        sized = isinstance(value, Sized)
    return sized and len(value) == 0


def _is_iterable(value: Any) -> bool:
    iterable = _ITERABLE.get(type(value))
    return isinstance(value, Iterable) if iterable is None else iterable


class _Compiler:
    def __init__(self, types: Mapping[str, TypeDef], update: bool) -> None:
        self.types = types
        self.update = update
        self.type_tests: dict[tuple[str, ...], TypeTest] = {}  # one per type rule's names

    def mapping(self, schema: Any, allow_unknown: Any, require_all: Any) -> Check:
        """The check of a mapping against *schema*, the rules of each of its fields."""
        if not isinstance(schema, Mapping) or not isinstance(allow_unknown, bool):
            raise Unsupported
        fields: dict[Any, Check] = {}
        required: list[Any] = []
        for name, rules in schema.items():
            if not isinstance(rules, Mapping):
                raise Unsupported  # a rules-set registry name
            fields[name] = self.field(rules, allow_unknown, require_all)
            if rules.get("required", require_all) is True and not self.update:
                required.append(name)
        return _mapping_check(fields, frozenset(required), allow_unknown)

    def field(self, rules: Mapping[str, Any], allow_unknown: Any, require_all: Any) -> Check:
        """The check of one value against its field's *rules*; *allow_unknown* and
        *require_all* are the settings of the validator that holds the field."""
        if not KNOWN_RULES.issuperset(rules):
            raise Unsupported
        type_test = self.type_check(rules.get("type"))
        if {r for r in rules if r not in _NOT_RULES} == _ONLY_TYPE_AND_SCHEMA:
            inner = self.inner(rules, allow_unknown, require_all)
            if inner is not None:
                return _nested(rules["type"], inner, type_test)
        queued = [
            (rule, self.rule(rule, rules, allow_unknown, require_all))
            for rule in rules
            if rule not in _NOT_QUEUED
        ]
        rest = tuple(check for _, check in queued if check is not None)
        when_empty = tuple(
            check for rule, check in queued if check is not None and rule not in _DROPPED_WHEN_EMPTY
        )
        return _field_check(
            nullable=bool(rules.get("nullable")),
            type_test=type_test,
            empty=(bool(rules["empty"]) if "empty" in rules else None),
            rest=rest,
            when_empty=when_empty,
        )

    def type_check(self, data_type: Any) -> TypeTest | None:
        """``type``: one type name or a list of them, as the validator's types mapping
        defines them; None when there is no type to check."""
        if not data_type:
            return None
        names = (data_type,) if isinstance(data_type, str) else data_type
        if not isinstance(names, list | tuple):
            raise Unsupported
        key = tuple(names)
        if key not in self.type_tests:
            self.type_tests[key] = self._type_test(key)
        return self.type_tests[key]

    def _type_test(self, names: tuple[Any, ...]) -> TypeTest:
        definitions: list[tuple[tuple[type, ...], tuple[type, ...]]] = []
        for name in names:
            definition = self.types.get(name) if isinstance(name, str) else None
            if definition is None:
                raise Unsupported  # a type checked by a `_validate_type_*` method
            definitions.append((tuple(definition.included_types), tuple(definition.excluded_types)))

        def matches(cls: type) -> bool:
            return any(
                issubclass(cls, inc) and not issubclass(cls, exc) for inc, exc in definitions
            )

        decided = _decided(matches)

        def type_ok(value: Any) -> bool:
            answer = decided.get(type(value))
            if answer is None:
                return any(
                    isinstance(value, inc) and not isinstance(value, exc)
                    for inc, exc in definitions
                )
            return answer

        return decided, type_ok

    def rule(
        self, rule: str, rules: Mapping[str, Any], allow_unknown: Any, require_all: Any
    ) -> Check | None:
        """The check of one of the rules cerberus runs after ``nullable``, ``type`` and
        ``empty``; None for a rule that can never fail (``schema: null``)."""
        constraint = rules[rule]
        if rule in ("min", "max"):
            return _bound(constraint, below=rule == "min")
        if rule in ("minlength", "maxlength"):
            return _length(constraint, shortest=rule == "minlength")
        if rule == "regex":
            if not isinstance(constraint, str):
                raise Unsupported
            return _regex(re.compile(constraint))
        if rule == "allowed":
            if not isinstance(constraint, list | tuple):
                raise Unsupported  # a set would raise on an unhashable value
            return _allowed(tuple(constraint))
        return self.schema(rules, allow_unknown, require_all)

    def schema(
        self, rules: Mapping[str, Any], allow_unknown: Any, require_all: Any
    ) -> Check | None:
        """``schema``: a mapping's fields, or each item of a list."""
        inner = self.inner(rules, allow_unknown, require_all)
        if inner is None:
            return None
        return _mapping_only(inner) if rules["type"] == "dict" else _items(inner)

    def inner(self, rules: Mapping[str, Any], allow_unknown: Any, require_all: Any) -> Check | None:
        """What ``schema`` checks: a mapping's fields (with its own ``allow_unknown`` and
        ``require_all``, else the holder's), or one item of a list (with the holder's)."""
        inner = rules["schema"]
        if inner is None:
            return None
        kind = rules.get("type")
        if kind == "dict":
            return self.mapping(
                inner,
                rules.get("allow_unknown", allow_unknown),
                rules.get("require_all", require_all),
            )
        if kind == "list":
            if not isinstance(inner, Mapping):
                raise Unsupported
            return self.field(inner, allow_unknown, require_all)
        raise Unsupported


def _nested(kind: str, inner: Check, type_test: TypeTest | None) -> Check:
    """A field with no rule but ``type: dict`` or ``type: list`` and its ``schema``: a plain
    dict or list is checked at once (it is of the type, and not None); anything else as any
    field is."""
    wrapped = _mapping_only(inner) if kind == "dict" else _items(inner)
    general = _field_check(
        nullable=False, type_test=type_test, empty=None, rest=(wrapped,), when_empty=(wrapped,)
    )
    if kind == "dict":

        def mapping(value: Any) -> bool:
            return inner(value) if type(value) is dict else general(value)

        return mapping

    def items(value: Any) -> bool:
        return all(map(inner, value)) if type(value) is list else general(value)

    return items


def _mapping_check(
    fields: dict[Any, Check], required: frozenset[Any], allow_unknown: bool
) -> Check:
    def check(document: Any) -> bool:
        get = fields.get
        for key, value in document.items():
            field = get(key)
            if field is None:
                if not allow_unknown:
                    return False
            elif not field(value):
                return False
        return not required or document.keys() >= required

    return check


def _field_check(
    *,
    nullable: bool,
    type_test: TypeTest | None,
    empty: bool | None,
    rest: tuple[Check, ...],
    when_empty: tuple[Check, ...],
) -> Check:
    if nullable or type_test is None or empty is True:
        return _any_field(nullable, type_test, empty, rest, when_empty)
    decided, type_ok = type_test
    # the common cases, written out: a field that must hold something of its type …
    if empty is None:

        def typed(value: Any) -> bool:
            if value is None:
                return False
            answer = decided.get(type(value))
            if not (type_ok(value) if answer is None else answer):
                return False
            for check in rest:  # noqa: SIM110 - a loop, not all(…): a generator costs more
                if not check(value):
                    return False
            return True

        return typed

    # … and that must not be empty or blank
    def filled(value: Any) -> bool:
        if value is None:
            return False
        answer = decided.get(type(value))
        if not (type_ok(value) if answer is None else answer):
            return False
        if type(value) is str:
            if not value.strip():  # empty, or blank
                return False
        elif (isinstance(value, str) and not value.strip()) or _is_empty(value):
            return False
        for check in rest:  # noqa: SIM110 - as above
            if not check(value):
                return False
        return True

    return filled


def _any_field(
    nullable: bool,
    type_test: TypeTest | None,
    empty: bool | None,
    rest: tuple[Check, ...],
    when_empty: tuple[Check, ...],
) -> Check:
    type_ok = type_test[1] if type_test is not None else None

    def field(value: Any) -> bool:
        if value is None:
            return nullable
        if type_ok is not None and not type_ok(value):
            return False
        checks = rest
        if empty is not None:
            if isinstance(value, str) and value and not value.strip():
                if not empty:
                    return False
            elif _is_empty(value):
                if not empty:
                    return False
                checks = when_empty
        for check in checks:  # noqa: SIM110 - as above
            if not check(value):
                return False
        return True

    return field


def _bound(limit: Any, *, below: bool) -> Check:
    def at_least(value: Any) -> bool:
        try:
            return not value < limit
        except TypeError:
            return True

    def at_most(value: Any) -> bool:
        try:
            return not value > limit
        except TypeError:
            return True

    return at_least if below else at_most


def _length(limit: Any, *, shortest: bool) -> Check:
    def long_enough(value: Any) -> bool:
        return not (_is_iterable(value) and len(value) < limit)

    def short_enough(value: Any) -> bool:
        return not (_is_iterable(value) and len(value) > limit)

    return long_enough if shortest else short_enough


def _regex(pattern: re.Pattern[str]) -> Check:
    def matches(value: Any) -> bool:
        return not isinstance(value, str) or pattern.fullmatch(value) is not None

    return matches


def _allowed(options: tuple[Any, ...]) -> Check:
    def allowed(value: Any) -> bool:
        if type(value) is str:
            return value in options
        if _is_iterable(value) and not isinstance(value, str):
            return all(item in options for item in value)
        return value in options

    return allowed


def _mapping_only(check: Check) -> Check:
    """A ``dict`` field's ``schema``: cerberus checks a mapping's fields (the type rule has
    already refused anything else)."""

    def mapping(value: Any) -> bool:
        if type(value) is dict:
            return check(value)
        if isinstance(value, Sequence) and not isinstance(value, str):
            raise Undecided  # cerberus would read the fields as rules for items
        return check(value) if isinstance(value, Mapping) else True

    return mapping


def _items(check: Check) -> Check:
    """A ``list`` field's ``schema``: the rules of each item."""

    def items(value: Any) -> bool:
        if type(value) is list:
            return all(map(check, value))
        if isinstance(value, Sequence) and not isinstance(value, str):
            return all(check(item) for item in value)
        if isinstance(value, Mapping):
            raise Undecided  # cerberus would read the item's rules as fields
        return True

    return items
