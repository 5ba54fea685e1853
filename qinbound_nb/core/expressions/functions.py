"""The functions of the expression language: text, number and logic, vectorized.

Names are case-insensitive. Text search (CONTAINS, STARTSWITH, ENDSWITH) is case-sensitive,
as XM Discover's text constants are; wrap both sides in UPPER or LOWER to ignore case.
Arguments that shape the operation (the needle of CONTAINS, the count of LEFT, the unit of
DATEADD...) must be constants. The date functions live in expression_dates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.expressions.dates import DATE_HANDLERS
from qinbound_nb.core.expressions.ops import join_text, same_kind
from qinbound_nb.core.expressions.signatures import ARITY
from qinbound_nb.core.expressions.values import (
    Context,
    Function,
    Handler,
    Value,
    as_bool,
    as_number,
    as_text,
    count_arg,
    describe,
    fail,
    text_arg,
)
from qinbound_nb.errors import ExpressionError


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
        needle = text_arg(args[1], context, "the text to look for")
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
    stop = count_arg(args[1], context)
    return Value(pc.utf8_slice_codeunits(as_text(args[0]).data, 0, stop), "text", at)


def _right(args: list[Value], context: Context, at: int) -> Value:
    count = count_arg(args[1], context)
    text = as_text(args[0]).data
    if count == 0:
        return Value(pc.if_else(pc.is_null(text), text, ""), "text", at)
    return Value(pc.utf8_slice_codeunits(text, -count), "text", at)


def _mid(args: list[Value], context: Context, at: int) -> Value:
    start = max(count_arg(args[1], context), 1) - 1
    stop = start + count_arg(args[2], context)
    return Value(pc.utf8_slice_codeunits(as_text(args[0]).data, start, stop), "text", at)


def _replace(args: list[Value], context: Context, at: int) -> Value:
    old = text_arg(args[1], context, "the text to replace")
    new = text_arg(args[2], context, "the replacement")
    text = as_text(args[0]).data
    return Value(
        pc.replace_substring(text, pattern=old, replacement=new) if old else text, "text", at
    )


def _if(args: list[Value], context: Context, at: int) -> Value:
    condition = pc.fill_null(as_bool(args[0], context).data, False)
    try:
        yes, no = same_kind(args[1], args[2], context, at)
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
    values = [same_kind(target, value, context, value.position)[1] for value in args]
    return Value(pc.coalesce(*[value.data for value in values]), values[0].kind, at)


def _number_map(function: Callable[..., pa.Array]) -> Handler:
    def handler(args: list[Value], context: Context, at: int) -> Value:
        return Value(function(as_number(args[0], context).data), "number", at)

    return handler


def _round(args: list[Value], context: Context, at: int) -> Value:
    digits = count_arg(args[1], context) if len(args) > 1 else 0
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


HANDLERS: dict[str, Handler] = {
    "ISBLANK": _is_blank,
    "CONTAINS": _search(pc.match_substring),
    "STARTSWITH": _search(pc.starts_with),
    "ENDSWITH": _search(pc.ends_with),
    "UPPER": _text_map(pc.utf8_upper),
    "LOWER": _text_map(pc.utf8_lower),
    "TRIM": _text_map(pc.utf8_trim_whitespace),
    "LEN": lambda a, c, at: Value(
        pc.cast(pc.utf8_length(as_text(a[0]).data), pa.float64()), "number", at
    ),
    "LEFT": _left,
    "RIGHT": _right,
    "MID": _mid,
    "REPLACE": _replace,
    "CONCAT": lambda a, c, at: join_text(a, at),
    "TEXT": lambda a, c, at: as_text(a[0]),
    "NUMBER": _to_number,
    "IF": _if,
    "COALESCE": _coalesce,
    "ABS": _number_map(pc.abs),
    "FLOOR": _number_map(pc.floor),
    "CEILING": _number_map(pc.ceil),
    "ROUND": _round,
    **DATE_HANDLERS,
}
# the arity comes from the one table the parser reads; a name without a handler fails here
FUNCTIONS: dict[str, Function] = {
    name: Function(least, most, HANDLERS[name]) for name, (least, most) in ARITY.items()
}
