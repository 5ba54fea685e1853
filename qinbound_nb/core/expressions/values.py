"""Typed column values for the expression evaluator, and the conversions between kinds.

A value is a pyarrow array (a column) or scalar (a constant) with one of six kinds:
``number`` (float64), ``text``, ``date`` (UTC timestamp), ``bool``, ``list`` (of text, a
multi-select answer) and ``blank`` (an all-null column or the ``NULL`` keyword, which fits
any kind). Conversions are explicit: a quoted constant becomes a date only where a date is
expected, and mixing numbers with text is an error that says how to convert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc
from qinbound_nb.errors import ExpressionError

Kind = Literal["number", "text", "date", "bool", "list", "blank"]
Data: TypeAlias = pa.Array | pa.Scalar


@dataclass(frozen=True)
class Value:
    """An evaluated sub-expression: its data, its kind, and where it stands in the text."""

    data: Data
    kind: Kind
    position: int = 0

    @property
    def constant(self) -> bool:
        """True for a literal (a scalar), False for a column."""
        return isinstance(self.data, pa.Scalar)


@dataclass(frozen=True)
class Context:
    """What evaluation needs besides the AST: the expression text, row count and clock."""

    text: str
    rows: int
    now: pa.Scalar


def fail(context: Context, message: str, position: int) -> ExpressionError:
    """An ExpressionError pointing at ``position`` in the expression text."""
    return ExpressionError(message, expression=context.text, position=position)


def column_value(values: pa.Array | pa.ChunkedArray, position: int) -> Value:
    """Wrap a frame column, giving it the kind its Arrow type implies."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return Value(values.cast(pa.float64()), "number", position)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return Value(values.cast(pa.string()), "text", position)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return Value(to_utc(values), "date", position)
    if pa.types.is_boolean(kind):
        return Value(values, "bool", position)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return Value(values.cast(pa.list_(pa.string())), "list", position)
    if pa.types.is_null(kind):
        return Value(values, "blank", position)
    return Value(values.cast(pa.string()), "text", position)


def as_text(value: Value) -> Value:
    """Any value as text: numbers without a trailing .0, dates as ISO 8601, lists joined."""
    data, kind = value.data, value.kind
    if kind == "text":
        return value
    if kind == "blank":
        return Value(_cast(data, pa.string()), "text", value.position)
    if kind == "date":
        data = pc.strftime(data, format="%Y-%m-%dT%H:%M:%SZ")
    elif kind == "list":
        data = pc.binary_join(data, ", ")
    else:
        data = _cast(data, pa.string())
    return Value(data, "text", value.position)


def as_date(value: Value, context: Context) -> Value:
    """A date, or a quoted constant read as one; any other kind is an error."""
    if value.kind in ("date", "blank"):
        return Value(_cast(value.data, UTC_MS), "date", value.position)
    if value.kind == "text" and value.constant:
        text = value.data.as_py()
        parsed = to_utc(pa.array([text], pa.string()))[0]
        if parsed.is_valid:
            return Value(parsed, "date", value.position)
        raise fail(
            context,
            f'"{text}" is not a date; write "2024-01-31" or "2024-01-31 13:45:00"',
            value.position,
        )
    raise fail(
        context,
        f"expected a date here, not {describe(value.kind)}; use DATE(...) to read text as a date",
        value.position,
    )


def as_number(value: Value, context: Context) -> Value:
    """A number (or blank); text is an error that suggests NUMBER(...)."""
    if value.kind == "number":
        return value
    if value.kind == "blank":
        return Value(_cast(value.data, pa.float64()), "number", value.position)
    hint = "; quoted values are text: write numbers without quotes, or use NUMBER(...)"
    raise fail(context, f"expected a number here, not {describe(value.kind)}{hint}", value.position)


def as_bool(value: Value, context: Context) -> Value:
    """A true/false value (or blank)."""
    if value.kind == "bool":
        return value
    if value.kind == "blank":
        return Value(_cast(value.data, pa.bool_()), "bool", value.position)
    raise fail(
        context,
        f"expected true/false here, not {describe(value.kind)}; compare "
        "it, e.g. x = 1, or test it with ISBLANK(x)",
        value.position,
    )


def describe(kind: str) -> str:
    """A kind in words for error messages."""
    return {"list": "a multi-select list", "blank": "blank", "bool": "true/false"}.get(
        kind, "a " + kind if kind != "text" else "text"
    )


def broadcast(data: Data, rows: int) -> pa.Array:
    """A column of ``rows`` values from a column or a constant."""
    if isinstance(data, pa.Scalar):
        column = pa.nulls(rows, data.type)
        return column if not data.is_valid else pc.fill_null(column, data)
    return data


def _cast(data: Data, target: pa.DataType) -> Data:
    if isinstance(data, pa.Scalar):
        return pa.scalar(None, target) if not data.is_valid else data.cast(target)
    return data.cast(target)


Handler = Callable[[list[Value], Context, int], Value]


@dataclass(frozen=True)
class Function:
    """A function's arity and implementation."""

    least: int
    most: int | None
    handler: Handler


def constant_arg(value: Value, context: Context, what: str) -> object:
    """The value of a constant argument; a field there is an error."""
    if not value.constant:
        raise fail(context, f"{what} must be a constant, not a field", value.position)
    return value.data.as_py()


def count_arg(value: Value, context: Context) -> int:
    """A whole, non-negative constant (a count or a number of digits)."""
    number = constant_arg(as_number(value, context), context, "the count")
    if not isinstance(number, float) or number < 0 or number != int(number):
        raise fail(context, "the count must be a whole number of 0 or more", value.position)
    return int(number)


def text_arg(value: Value, context: Context, what: str) -> str:
    """A constant argument as text."""
    return str(constant_arg(as_text(value), context, what) or "")
