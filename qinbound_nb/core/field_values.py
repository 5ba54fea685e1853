"""One custom field's values: its transformation, then the cast to its attribute type.

Transformations work on the value as text, except expressions, which see every raw
column. A lookup replaces values found in its table and keeps the others (or gives them
``default``); a regex replaces every match (RE2 semantics, ``\\1`` for groups). Casting
never raises for bad data: a value that is not a number or a date becomes blank, and the
caller gets its rows so it can report them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc, unparsed
from qinbound_nb.core.expressions.evaluate import compile_expression
from qinbound_nb.core.expressions.values import Value, as_text
from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import FieldMapping, LookupTransform, RegexTransform
from qinbound_nb.job.vocab import FieldType, TransformKind

ATTRIBUTE_TYPES: dict[FieldType, pa.DataType] = {
    FieldType.TEXT: pa.string(),
    FieldType.VERBATIM: pa.string(),
    FieldType.NUMBER: pa.float64(),
    FieldType.DATE: UTC_MS,
}
NUMBER_TEXT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass(frozen=True)
class Cast:
    """A column cast to its attribute type, with the rows whose value did not fit."""

    values: pa.Array
    bad_rows: np.ndarray
    problem: str = ""


def column(frame: pd.DataFrame, name: str) -> pa.Array:
    """A frame column as one pyarrow array."""
    values = pa.array(frame[name].array)
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def text_of(values: pa.Array) -> pa.Array:
    """Any raw column as text (numbers without ``.0``, lists joined by ``", "``)."""
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), pa.string())
    if pa.types.is_floating(values.type):
        small = pc.less(pc.abs(values), 1e15)  # beyond this, whole floats print as 1e+20
        whole = pc.fill_null(pc.and_(pc.equal(values, pc.trunc(values)), small), False)
        as_int = pc.cast(pc.if_else(whole, values, 0.0), pa.int64(), safe=False)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(values, pa.string()))
    if pa.types.is_timestamp(values.type):
        return as_text(Value(to_utc(values), "date")).data
    if pa.types.is_list(values.type):
        return as_text(Value(values, "list")).data
    return values.cast(pa.string())


def transform(frame: pd.DataFrame, field: FieldMapping) -> pa.Array:
    """Apply the field's transformation (if any) to its source column."""
    rule = field.transform
    if rule is not None and rule.kind == TransformKind.EXPRESSION:
        return column_of(compile_expression(rule.expression).evaluate(frame))
    values = column(frame, field.source)
    if isinstance(rule, LookupTransform):
        return lookup(text_of(values), rule)
    if isinstance(rule, RegexTransform):
        return regex_replace(text_of(values), rule, field.source)
    return values


def column_of(series: pd.Series) -> pa.Array:
    """A Series as one pyarrow array."""
    values = pa.array(series.array)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def lookup(text: pa.Array, rule: LookupTransform) -> pa.Array:
    """Replace values found in the table; others keep their value or take the default."""
    keys = pa.array(list(rule.table), pa.string())
    found = pc.take(pa.array(list(rule.table.values()), pa.string()), pc.index_in(text, keys))
    fallback = (
        text
        if rule.default is None
        else pc.if_else(pc.is_valid(text), rule.default, pa.scalar(None, pa.string()))
    )
    return pc.if_else(pc.is_valid(found), found, fallback)


def regex_replace(text: pa.Array, rule: RegexTransform, source: str) -> pa.Array:
    """Replace every match of the pattern (RE2, vectorized in pyarrow)."""
    try:
        return pc.replace_substring_regex(text, pattern=rule.pattern, replacement=rule.replacement)
    except pa.ArrowInvalid as exc:
        raise ConfigError(
            f"the regex transformation of field {source!r} cannot run: {rule.pattern!r} uses "
            "syntax the RE2 engine lacks (lookarounds, backreferences in the pattern); "
            "rewrite it without them"
        ) from exc


def cast(values: pa.Array, field_type: FieldType) -> Cast:
    """Cast to the attribute type; values that do not fit become blank and are listed."""
    if field_type in (FieldType.TEXT, FieldType.VERBATIM):
        return Cast(text_of(values), np.array([], dtype=np.int64))
    if field_type == FieldType.NUMBER:
        return _to_number(values)
    if field_type == FieldType.DATE:
        if pa.types.is_floating(values.type) or pa.types.is_list(values.type):
            return _unfit(values, UTC_MS, "is not a date")
        dates = to_utc(values)
        return Cast(dates, np.flatnonzero(_mask(unparsed(values, dates))), "is not a date")
    raise ValueError(f"unknown attribute type {field_type!r}")


def _to_number(values: pa.Array) -> Cast:
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        return Cast(values.cast(pa.float64()), np.array([], dtype=np.int64))
    if not pa.types.is_string(kind) and not pa.types.is_null(kind):
        return _unfit(values, pa.float64(), "is not a number")
    text = pc.utf8_trim_whitespace(text_of(values))
    fits = pc.match_substring_regex(text, NUMBER_TEXT)
    numbers = pc.cast(pc.if_else(fits, text, pa.scalar(None, pa.string())), pa.float64())
    blank = pc.equal(text, "")
    bad = pc.and_(pc.invert(pc.fill_null(fits, True)), pc.invert(pc.fill_null(blank, False)))
    return Cast(numbers, np.flatnonzero(_mask(bad)), "is not a number")


def _unfit(values: pa.Array, target: pa.DataType, problem: str) -> Cast:
    return Cast(pa.nulls(len(values), target), np.flatnonzero(_mask(pc.is_valid(values))), problem)


def _mask(flags: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)
