"""The date functions of the expression language, vectorized (UTC throughout).

DATE reads text as a date; YEAR, MONTH, DAY, HOUR, MINUTE and WEEKDAY (Monday = 1 ...
Sunday = 7) take it apart; DATEADD adds seconds to years (calendar months clamp the day, so
Jan 31 + 1 month = Feb 29); DATEDIFF counts the unit boundaries crossed (as SQL Server
does); DATEFORMAT writes strftime text; TODAY and NOW read the clock the caller passes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc
from qinbound_nb.core.expressions.values import (
    Context,
    Handler,
    Value,
    as_date,
    as_number,
    as_text,
    fail,
    text_arg,
)

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


def _to_date(args: list[Value], context: Context, at: int) -> Value:
    value = args[0]
    if value.constant or value.kind in ("date", "blank"):
        return as_date(value, context)
    return Value(to_utc(as_text(value).data), "date", at)


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
    unit = text_arg(value, context, "the unit").strip().lower().removesuffix("s")
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
    pattern = text_arg(args[1], context, "the date format") if len(args) > 1 else "%Y-%m-%d"
    return Value(pc.strftime(as_date(args[0], context).data, format=pattern), "text", at)


def _now(args: list[Value], context: Context, at: int) -> Value:
    return Value(context.now, "date", at)


def _today(args: list[Value], context: Context, at: int) -> Value:
    return Value(pc.floor_temporal(context.now, unit="day"), "date", at)


DATE_HANDLERS: dict[str, Handler] = {
    "DATE": _to_date,
    **{name: _date_part(name) for name in (*DATE_PARTS, "WEEKDAY")},
    "DATEADD": _date_add,
    "DATEDIFF": _date_diff,
    "DATEFORMAT": _format_date,
    "NOW": _now,
    "TODAY": _today,
}
