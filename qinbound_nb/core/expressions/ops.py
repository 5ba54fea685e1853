"""The operators of the expression language, vectorized with pyarrow compute.

Three-valued logic as in SQL: a comparison with a blank value is blank, ``AND``/``OR`` use
Kleene logic (``FALSE AND blank`` is false, ``TRUE OR blank`` is true), and ``NOT blank``
is blank. Whoever uses the answer decides what blank means; the connector filter treats it
as "does not match". ``&`` joins text and treats blank as empty text; ``+ - * /`` are for
numbers only (dividing by zero gives blank).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.expressions.values import (
    Context,
    Value,
    as_bool,
    as_date,
    as_number,
    as_text,
    describe,
    fail,
)

COMPARISONS = {
    "=": pc.equal,
    "==": pc.equal,
    "!=": pc.not_equal,
    "<>": pc.not_equal,
    "<": pc.less,
    ">": pc.greater,
    "<=": pc.less_equal,
    ">=": pc.greater_equal,
}
ARITHMETIC = {"+": pc.add, "-": pc.subtract, "*": pc.multiply, "/": pc.divide}


def compare(op: str, left: Value, right: Value, context: Context, position: int) -> Value:
    """Compare two values of the same kind; a quoted constant beside a date is a date."""
    if any(side.kind == "blank" and side.constant for side in (left, right)):
        raise fail(
            context,
            "comparing with NULL is always blank; use ISBLANK(x) to test for a missing value",
            position,
        )
    if "list" in (left.kind, right.kind):
        raise fail(
            context,
            'a multi-select list cannot be compared; use CONTAINS(field, "choice")',
            position,
        )
    left, right = same_kind(left, right, context, position)
    if op not in ("=", "==", "!=", "<>") and left.kind == "bool":
        raise fail(context, f"true/false values cannot be ordered with {op}", position)
    return Value(COMPARISONS[op](left.data, right.data), "bool", position)


def same_kind(left: Value, right: Value, context: Context, position: int) -> tuple[Value, Value]:
    if left.kind == "blank":
        left = _retype(left, right, context)
    elif right.kind == "blank":
        right = _retype(right, left, context)
    if left.kind == "date" or right.kind == "date":
        return as_date(left, context), as_date(right, context)
    if left.kind != right.kind:
        hint = ""
        if {left.kind, right.kind} == {"number", "text"}:
            hint = (
                "; quoted values are text: write numbers without quotes, or convert "
                "with NUMBER(...) or TEXT(...)"
            )
        raise fail(
            context,
            f"cannot compare {describe(left.kind)} with {describe(right.kind)}{hint}",
            position,
        )
    return left, right


def _retype(blank: Value, other: Value, context: Context) -> Value:
    converters = {"number": as_number, "date": as_date, "bool": as_bool}
    if other.kind in converters:
        return converters[other.kind](blank, context)
    if other.kind == "text":
        return as_text(blank)
    return blank


def logical(op: str, left: Value, right: Value, context: Context, position: int) -> Value:
    """``AND`` / ``OR`` with Kleene logic."""
    left, right = as_bool(left, context), as_bool(right, context)
    function = pc.and_kleene if op == "AND" else pc.or_kleene
    return Value(function(left.data, right.data), "bool", position)


def negate_bool(operand: Value, context: Context, position: int) -> Value:
    """``NOT x``."""
    return Value(pc.invert(as_bool(operand, context).data), "bool", position)


def negate_number(operand: Value, context: Context, position: int) -> Value:
    """Unary minus."""
    return Value(pc.negate(as_number(operand, context).data), "number", position)


def arithmetic(op: str, left: Value, right: Value, context: Context, position: int) -> Value:
    """``+ - * /`` on numbers; dates and text get a hint towards the right function."""
    for side in (left, right):
        if side.kind == "date":
            raise fail(
                context,
                "dates do not take + or -; use DATEADD(date, amount, "
                '"day") or DATEDIFF(start, end, "day")',
                position,
            )
        if side.kind == "text" and op == "+":
            raise fail(context, 'text is joined with &, not +: write a & "-" & b', position)
    left, right = as_number(left, context), as_number(right, context)
    if op == "/":
        zero = pc.equal(right.data, 0.0)
        quotient = pc.divide(left.data, pc.if_else(zero, 1.0, right.data))
        return Value(pc.if_else(zero, pa.scalar(None, pa.float64()), quotient), "number", position)
    return Value(ARITHMETIC[op](left.data, right.data), "number", position)


def join_text(values: list[Value], position: int) -> Value:
    """``a & b`` and CONCAT: everything as text, blank as empty text."""
    parts = [pc.coalesce(as_text(value).data, "") for value in values]
    return Value(pc.binary_join_element_wise(*parts, ""), "text", position)
