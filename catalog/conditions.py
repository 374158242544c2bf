"""Row conditions: ``field op value`` filters as grants store them and clients send them.

A :class:`Condition` is parsed from JSON here and checked against a dataset contract here
(:func:`condition_problem`); whether a principal may use it is decided by ``catalog.policy``, and
``lakehouse.read`` compiles it to SQL with the value as a bound parameter, never pasted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from catalog.errors import InvalidInput

__all__ = [
    "MAX_IN_VALUES",
    "Condition",
    "Op",
    "Scalar",
    "condition_problem",
    "first_outside",
    "reaches_outside",
    "type_family",
    "within",
]


class _Typed(Protocol):
    @property
    def duckdb_type(self) -> str: ...


class FieldTyped(Protocol):
    """What a condition is checked against: named fields with DuckDB types (a contract, or a
    dataset's terms as the catalog holds them)."""

    @property
    def field_names(self) -> tuple[str, ...]: ...

    def field(self, name: str) -> _Typed: ...


Scalar = str | int | float
"""A filter value: what a client may compare a column with."""

MAX_IN_VALUES = 1_000
"""The most values one ``in`` condition may list."""

_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "INT",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "DECIMAL",
    "NUMERIC",
    "REAL",
    "FLOAT",
    "DOUBLE",
)
_MIN_INT, _MAX_INT = -(2**63), 2**63 - 1
_TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR")


class Op(StrEnum):
    """A comparison a row filter may make."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    PREFIX = "prefix"


@dataclass(frozen=True, slots=True)
class Condition:
    """One structured row condition ``field op value``; values are always bound, never pasted."""

    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        """Parse ``{"field", "op", "value"}`` as stored on grants and sent by clients.

        Raises :class:`catalog.errors.InvalidInput` (code ``filter.invalid``) on a malformed
        shape. Whether the condition fits a dataset is decided later, by :func:`decide`.
        """
        if not isinstance(data, Mapping) or set(data) != {"field", "op", "value"}:
            raise InvalidInput(
                "a filter is an object with exactly 'field', 'op' and 'value'",
                code="filter.invalid",
            )
        field, op, value = data["field"], data["op"], data["value"]
        if not isinstance(field, str):
            raise InvalidInput("filter 'field' must be a string", code="filter.invalid")
        try:
            parsed_op = Op(op)
        except ValueError:
            allowed = ", ".join(o.value for o in Op)
            raise InvalidInput(
                f"filter op {op!r} is not one of {allowed}", code="filter.invalid"
            ) from None
        parsed: Scalar | tuple[Scalar, ...]
        if isinstance(value, list | tuple):
            if not all(_is_scalar(v) for v in value):
                raise InvalidInput(
                    "filter values must be strings or numbers", code="filter.invalid"
                )
            parsed = tuple(value)
        elif _is_scalar(value):
            parsed = value
        else:
            raise InvalidInput(
                "filter value must be a string, a number or a list", code="filter.invalid"
            )
        return cls(field=field, op=parsed_op, value=parsed)

    def to_json(self) -> dict[str, Any]:
        value: Any = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, "op": self.op.value, "value": value}


def condition_problem(
    contract: FieldTyped, visible: tuple[str, ...], condition: Condition
) -> str | None:
    if condition.field not in contract.field_names:
        return f"filter names unknown field {condition.field!r}"
    if condition.field not in visible:
        return f"filter names field {condition.field!r}, which is not in the grant"
    kind = type_family(contract.field(condition.field).duckdb_type)
    value = condition.value
    if condition.op is Op.IN:
        if not isinstance(value, tuple) or not 1 <= len(value) <= MAX_IN_VALUES:
            return f"'in' needs a list of 1 to {MAX_IN_VALUES} values"
        values: tuple[object, ...] = value
    elif condition.op is Op.PREFIX:
        if not isinstance(value, str) or kind != "text":
            return "'prefix' needs a string value and a text field"
        values = (value,)
    else:
        if isinstance(value, tuple):
            return f"{condition.op.value!r} needs a single value"
        values = (value,)
    for item in values:
        if not _fits(kind, item):
            return f"value does not fit field {condition.field!r} ({kind})"
    return None


def reaches_outside(bound: Condition, condition: Condition) -> bool:
    """Whether ``condition`` asks for rows that ``bound`` (a grant's row condition) excludes.

    Only conditions whose value sets can be compared are judged: ``eq``, ``in`` and ``prefix``
    on the same field as an ``eq``, ``in`` or ``prefix`` bound. ``eq``/``in`` reach outside when
    any value falls outside the bound; ``prefix q`` when it is not confined to the bound (a
    ``prefix`` bound ``p`` holds it only if ``q`` starts with ``p``). Anything else is left to
    the AND of the two, which can only narrow.
    """
    if condition.field != bound.field or not _comparable(bound) or not _comparable(condition):
        return False
    if condition.op is Op.PREFIX:
        return not (
            bound.op is Op.PREFIX
            and isinstance(condition.value, str)
            and isinstance(bound.value, str)
            and condition.value.startswith(bound.value)
        )
    values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    return any(not _admits(bound, value) for value in values)


def within(bound: Condition, condition: Condition) -> bool:
    """Whether ``condition`` is a value-set condition on ``bound``'s field that keeps to it."""
    return (
        condition.field == bound.field
        and _comparable(condition)
        and not reaches_outside(bound, condition)
    )


def first_outside(
    bounds: tuple[Condition, ...], conditions: tuple[Condition, ...]
) -> tuple[Condition, Condition] | None:
    """The first ``(bound, condition)`` pair where ``condition`` reaches outside ``bound``."""
    for condition in conditions:
        for bound in bounds:
            if reaches_outside(bound, condition):
                return bound, condition
    return None


_SET_OPS = (Op.EQ, Op.IN, Op.PREFIX)


def _comparable(condition: Condition) -> bool:
    return condition.op in _SET_OPS


def _admits(bound: Condition, value: Scalar) -> bool:
    if bound.op is Op.PREFIX:
        return (
            isinstance(value, str)
            and isinstance(bound.value, str)
            and (value.startswith(bound.value))
        )
    allowed = bound.value if isinstance(bound.value, tuple) else (bound.value,)
    return value in allowed


def type_family(duckdb_type: str) -> str:
    """``text``, ``number`` or ``other``: which kind of value a column of this type compares with
    (``other``, a date say, with text such as ``2026-10-01``)."""
    base = duckdb_type.upper().split("(", 1)[0].strip()
    if base in _TEXT_TYPES:
        return "text"
    if base in _NUMERIC_TYPES:
        return "number"
    return "other"


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _fits(kind: str, value: object) -> bool:
    if not _is_scalar(value):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, int) and not _MIN_INT <= value <= _MAX_INT:
        return False
    if isinstance(value, str) and "\x00" in value:
        return False
    if kind == "text":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float)
    return isinstance(value, str)
