"""The functions of the expression language: text, number, date and logic, vectorized.

Names are case-insensitive. Text search (CONTAINS, STARTSWITH, ENDSWITH) is case-sensitive,
as XM Discover's text constants are; wrap both sides in UPPER or LOWER to ignore case.
Arguments that shape the operation (the needle of CONTAINS, the count of LEFT, the unit of
DATEADD...) must be constants. WEEKDAY counts Monday = 1 ... Sunday = 7; DATEDIFF counts
the unit boundaries crossed in UTC (as SQL Server does); TODAY and NOW read the clock the
caller passes, so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS
from qinbound_nb.core.dates import to_utc as _to_utc
from qinbound_nb.core.expression_ops import _same_kind, join_text
from qinbound_nb.core.expression_values import (
    Context,
    Value,
    as_bool,
    as_date,
    as_number,
    as_text,
    describe,
    fail,
)
from qinbound_nb.errors import ExpressionError

Handler = Callable[[list[Value], Context, int], Value]
UNITS_MS = {
    "second": 1_000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "week": 604_800_000,
}
BETWEEN = {
    "second": pc.seconds_between,
    "minute": pc.minutes_between,
    "hour": pc.hours_between,
    "day": pc.days_between,
    "month": lambda a, b: pc.add(
        pc.multiply(pc.subtract(pc.year(b), pc.year(a)), 12), pc.subtract(pc.month(b), pc.month(a))
    ),
    "year": pc.years_between,
}
DATE_PARTS = {
    "YEAR": pc.year,
    "MONTH": pc.month,
    "DAY": pc.day,
    "HOUR": pc.hour,
    "MINUTE": pc.minute,
}


@dataclass(frozen=True)
class Function:
    """A function's arity and implementation."""

    least: int
    most: int | None
    handler: Handler


def _constant(value: Value, context: Context, what: str) -> object:
    if not value.constant:
        raise fail(context, f"{what} must be a constant, not a field", value.position)
    return value.data.as_py()


def _count(value: Value, context: Context) -> int:
    number = _constant(as_number(value, context), context, "the count")
    if not isinstance(number, float) or number < 0 or number != int(number):
        raise fail(context, "the count must be a whole number of 0 or more", value.position)
    return int(number)


def _text_of(value: Value, context: Context, what: str) -> str:
    return str(_constant(as_text(value), context, what) or "")


def _is_blank(args: list[Value], context: Context, at: int) -> Value:
    value = args[0]
    missing = pc.is_null(value.data)
    if value.kind == "text":
        empty = pc.equal(pc.utf8_trim_whitespace(value.data), "")
        missing = pc.or_(missing, pc.fill_null(empty, True))
    elif value.kind == "list":
        missing = pc.or_(missing, pc.fill_null(pc.equal(pc.list_value_length(value.data), 0), True))
    return Value(missing, "bool", at)


def _search(function: Callable[..., pa.Array]) -> Handler:
    def handler(args: list[Value], context: Context, at: int) -> Value:
        needle = _text_of(args[1], context, "the text to look for")
        if args[0].kind == "list" and function is pc.match_substring:
            return _list_contains(args[0], needle, at)
        return Value(function(as_text(args[0]).data, pattern=needle), "bool", at)

    return handler


def _list_contains(value: Value, needle: str, at: int) -> Value:
    """True where any choice of a multi-select list equals ``needle``."""
    column = value.data
    if isinstance(column, pa.Scalar):
        column = pa.array([column.as_py()], column.type)
    hits = pc.equal(pc.list_flatten(column), needle).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(column).to_numpy()
    counts = np.bincount(parents[hits.astype(bool)], minlength=len(column))
    found = pa.array(counts > 0, mask=pc.is_null(column).to_numpy(zero_copy_only=False))
    return Value(found if value.data is column else found[0], "bool", at)


def _text_map(function: Callable[..., pa.Array], kind: str = "text") -> Handler:
    def handler(args: list[Value], context: Context, at: int) -> Value:
        return Value(function(as_text(args[0]).data), kind, at)  # type: ignore[arg-type]

    return handler


def _left(args: list[Value], context: Context, at: int) -> Value:
    stop = _count(args[1], context)
    return Value(pc.utf8_slice_codeunits(as_text(args[0]).data, 0, stop), "text", at)


def _right(args: list[Value], context: Context, at: int) -> Value:
    count = _count(args[1], context)
    text = as_text(args[0]).data
    if count == 0:
        return Value(pc.if_else(pc.is_null(text), text, ""), "text", at)
    return Value(pc.utf8_slice_codeunits(text, -count), "text", at)


def _mid(args: list[Value], context: Context, at: int) -> Value:
    start = max(_count(args[1], context), 1) - 1
    stop = start + _count(args[2], context)
    return Value(pc.utf8_slice_codeunits(as_text(args[0]).data, start, stop), "text", at)


def _replace(args: list[Value], context: Context, at: int) -> Value:
    old = _text_of(args[1], context, "the text to replace")
    new = _text_of(args[2], context, "the replacement")
    text = as_text(args[0]).data
    return Value(
        pc.replace_substring(text, pattern=old, replacement=new) if old else text, "text", at
    )


def _if(args: list[Value], context: Context, at: int) -> Value:
    condition = pc.fill_null(as_bool(args[0], context).data, False)
    try:
        yes, no = _same_kind(args[1], args[2], context, at)
    except ExpressionError:
        raise fail(
            context,
            f"IF gives {describe(args[1].kind)} in one case and "
            f"{describe(args[2].kind)} in the other; make both the same kind, "
            "e.g. with TEXT(...)",
            at,
        ) from None
    return Value(pc.if_else(condition, yes.data, no.data), yes.kind, at)


def _coalesce(args: list[Value], context: Context, at: int) -> Value:
    target = next((value for value in args if value.kind != "blank"), args[0])
    values = [_same_kind(target, value, context, value.position)[1] for value in args]
    return Value(pc.coalesce(*[value.data for value in values]), values[0].kind, at)


def _number_map(function: Callable[..., pa.Array]) -> Handler:
    def handler(args: list[Value], context: Context, at: int) -> Value:
        return Value(function(as_number(args[0], context).data), "number", at)

    return handler


def _round(args: list[Value], context: Context, at: int) -> Value:
    digits = _count(args[1], context) if len(args) > 1 else 0
    rounded = pc.round(as_number(args[0], context).data, ndigits=digits, round_mode="half_to_even")
    return Value(rounded, "number", at)


def _to_number(args: list[Value], context: Context, at: int) -> Value:
    value = args[0]
    if value.kind in ("number", "blank"):
        return as_number(value, context)
    text = pc.utf8_trim_whitespace(as_text(value).data)
    valid = pc.match_substring_regex(text, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    cleaned = pc.if_else(valid, text, pa.scalar(None, pa.string()))
    return Value(pc.cast(cleaned, pa.float64()), "number", at)


def _to_date(args: list[Value], context: Context, at: int) -> Value:
    value = args[0]
    if value.constant or value.kind in ("date", "blank"):
        return as_date(value, context)
    return Value(_to_utc(as_text(value).data), "date", at)


def _date_part(name: str) -> Handler:
    def handler(args: list[Value], context: Context, at: int) -> Value:
        date = as_date(args[0], context).data
        if name == "WEEKDAY":
            part = pc.day_of_week(date, count_from_zero=False, week_start=1)
        else:
            part = DATE_PARTS[name](date)
        return Value(pc.cast(part, pa.float64()), "number", at)

    return handler


def _unit(value: Value, context: Context, allowed: tuple[str, ...]) -> str:
    unit = _text_of(value, context, "the unit").strip().lower().removesuffix("s")
    if unit not in allowed:
        raise fail(context, f"unit must be one of {', '.join(allowed)} (in quotes)", value.position)
    return unit


def _date_add(args: list[Value], context: Context, at: int) -> Value:
    date = as_date(args[0], context).data
    amount = as_number(args[1], context).data
    unit = _unit(args[2], context, (*UNITS_MS, "month", "year"))
    if unit in ("month", "year"):
        return Value(_add_months(date, amount, 12 if unit == "year" else 1), "date", at)
    millis = pc.cast(pc.round(pc.multiply(amount, float(UNITS_MS[unit]))), pa.int64())
    return Value(pc.add(date, pc.cast(millis, pa.duration("ms"))), "date", at)


def _add_months(date: pa.Array | pa.Scalar, amount: pa.Array | pa.Scalar, per: int) -> pa.Array:
    """Calendar months, clamping the day to the month's end (Jan 31 + 1 month = Feb 29)."""
    rows = 1 if isinstance(date, pa.Scalar) else len(date)
    stamps = np.asarray(
        _column(date, rows).cast(pa.int64()).to_numpy(zero_copy_only=False), dtype="float64"
    )
    months = (
        np.trunc(np.asarray(_column(amount, rows).to_numpy(zero_copy_only=False), dtype="float64"))
        * per
    )
    missing = np.isnan(stamps) | np.isnan(months)
    moments = np.where(missing, 0, stamps).astype("int64").astype("datetime64[ms]")
    month_start = moments.astype("datetime64[M]")
    into_month = moments - month_start.astype("datetime64[ms]")
    target = month_start + np.where(missing, 0, months).astype("int64")
    last_day = (target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")
    day = np.minimum(into_month.astype("timedelta64[D]"), last_day - 1)
    shifted = (
        target.astype("datetime64[ms]") + day + (into_month - into_month.astype("timedelta64[D]"))
    )
    result = pa.array(shifted.astype("int64"), mask=missing).cast(UTC_MS)
    return result[0] if isinstance(date, pa.Scalar) and isinstance(amount, pa.Scalar) else result


def _column(data: pa.Array | pa.Scalar, rows: int) -> pa.Array:
    if isinstance(data, pa.Scalar):
        return pa.array([data.as_py()] * rows, data.type)
    return data


def _date_diff(args: list[Value], context: Context, at: int) -> Value:
    start = as_date(args[0], context).data
    end = as_date(args[1], context).data
    unit = _unit(args[2], context, tuple(BETWEEN)) if len(args) > 2 else "day"
    return Value(pc.cast(BETWEEN[unit](start, end), pa.float64()), "number", at)


def _format_date(args: list[Value], context: Context, at: int) -> Value:
    pattern = _text_of(args[1], context, "the date format") if len(args) > 1 else "%Y-%m-%d"
    return Value(pc.strftime(as_date(args[0], context).data, format=pattern), "text", at)


def _now(args: list[Value], context: Context, at: int) -> Value:
    return Value(context.now, "date", at)


def _today(args: list[Value], context: Context, at: int) -> Value:
    return Value(pc.floor_temporal(context.now, unit="day"), "date", at)


FUNCTIONS: dict[str, Function] = {
    "ISBLANK": Function(1, 1, _is_blank),
    "CONTAINS": Function(2, 2, _search(pc.match_substring)),
    "STARTSWITH": Function(2, 2, _search(pc.starts_with)),
    "ENDSWITH": Function(2, 2, _search(pc.ends_with)),
    "UPPER": Function(1, 1, _text_map(pc.utf8_upper)),
    "LOWER": Function(1, 1, _text_map(pc.utf8_lower)),
    "TRIM": Function(1, 1, _text_map(pc.utf8_trim_whitespace)),
    "LEN": Function(
        1,
        1,
        lambda a, c, at: Value(
            pc.cast(pc.utf8_length(as_text(a[0]).data), pa.float64()), "number", at
        ),
    ),
    "LEFT": Function(2, 2, _left),
    "RIGHT": Function(2, 2, _right),
    "MID": Function(3, 3, _mid),
    "REPLACE": Function(3, 3, _replace),
    "CONCAT": Function(1, None, lambda a, c, at: join_text(a, at)),
    "TEXT": Function(1, 1, lambda a, c, at: as_text(a[0])),
    "NUMBER": Function(1, 1, _to_number),
    "DATE": Function(1, 1, _to_date),
    "IF": Function(3, 3, _if),
    "COALESCE": Function(1, None, _coalesce),
    "ABS": Function(1, 1, _number_map(pc.abs)),
    "FLOOR": Function(1, 1, _number_map(pc.floor)),
    "CEILING": Function(1, 1, _number_map(pc.ceil)),
    "ROUND": Function(1, 2, _round),
    **{name: Function(1, 1, _date_part(name)) for name in (*DATE_PARTS, "WEEKDAY")},
    "DATEADD": Function(3, 3, _date_add),
    "DATEDIFF": Function(2, 3, _date_diff),
    "DATEFORMAT": Function(1, 2, _format_date),
    "NOW": Function(0, 0, _now),
    "TODAY": Function(0, 0, _today),
}
