"""What a redaction returns: the redacted Series in its input's dtype, the spans frame, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from qinbound_nb.core.redaction.rules import RedactionRules
from qinbound_nb.core.redaction.spantable import SpanTable
from qinbound_nb.core.redaction.textbuffer import TextBuffer

SPAN_COLUMNS = ["row", "start", "end", "input_start", "input_end", "length", "kind", "rule"]


def empty_frame(rules: RedactionRules, index: pd.Index) -> pd.DataFrame:
    empty = TextBuffer.from_arrow(pa.array([], pa.large_string()))
    return spans_frame(SpanTable.empty(), empty, empty, index[:0], rules)


def to_series(column: pa.Array, like: pd.Series) -> pd.Series:
    dtype = like.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype):
        values = pd.array(column.cast(pa.string()), dtype=dtype)
    elif _is_arrow_text(dtype):
        values = pd.array(column, dtype=dtype)
    else:
        values = pd.array(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    return pd.Series(values, index=like.index, name=like.name, copy=False)


def _is_arrow_text(dtype: object) -> bool:
    if isinstance(dtype, pd.ArrowDtype):
        return pa.types.is_large_string(dtype.pyarrow_dtype)
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def spans_frame(
    spans: SpanTable,
    buffer: TextBuffer,
    original: TextBuffer,
    labels: pd.Index,
    rules: RedactionRules,
) -> pd.DataFrame:
    rows = buffer.rows_of(spans.start)
    input_start = original.char_offsets(spans.in_start, rows)
    input_end = original.char_offsets(spans.in_end, rows)
    start, end = _output_offsets(spans, buffer, rows, input_start, input_end)
    names = pa.array(rules.rule_names or [""], pa.large_string())
    kinds = pa.array([name.split(":")[0] for name in names.to_pylist()], pa.large_string())
    codes = pa.array(spans.rule)
    columns = {
        "row": labels[rows],
        "start": start,
        "end": end,
        "input_start": input_start,
        "input_end": input_end,
        "length": input_end - input_start,
        "kind": _text(kinds.take(codes)),
        "rule": _text(names.take(codes)),
    }
    return pd.DataFrame(columns, copy=False)  # the dict is already in SPAN_COLUMNS order


def _output_offsets(
    spans: SpanTable,
    buffer: TextBuffer,
    rows: np.ndarray,
    input_start: np.ndarray,
    input_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where each replacement stands in its output row, in characters.

    Outside the spans a row is its input, so this follows from the input positions and the
    replacements before it in its row, without a pass over the buffer; unless two spans'
    inputs overlap (a hit that swallowed an empty replacement next to it), then it is read
    from the buffer.
    """
    same_row = rows[1:] == rows[:-1]
    if np.any(same_row & (spans.in_start[1:] < spans.in_end[:-1])):
        return buffer.char_offsets(spans.start, rows), buffer.char_offsets(spans.end, rows)
    replaced = _char_lengths(buffer.data, spans.start, spans.end)
    start = input_start + _sum_before_in_row(replaced - (input_end - input_start), rows)
    return start, start + replaced


def _char_lengths(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The length in characters of each ``data[starts[i]:ends[i]]`` (sorted, disjoint)."""
    if len(starts) == 0 or data.isascii():
        return ends - starts
    cuts = np.empty(2 * len(starts), dtype=np.int64)
    cuts[0::2], cuts[1::2] = starts, ends
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(cuts) - 1, [None, pa.py_buffer(cuts), pa.py_buffer(data)]
    )
    taken = pieces.take(pa.array(np.arange(0, len(cuts) - 1, 2)))
    offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)[: len(starts) + 1]
    if offsets[-1] == 0:  # every replacement is empty
        return ends - starts
    raw = np.frombuffer(taken.buffers()[2], dtype=np.uint8)[: int(offsets[-1])]
    continuing = np.zeros(len(raw) + 1, dtype=np.int64)
    np.cumsum((raw & 0xC0) == 0x80, out=continuing[1:])
    return (ends - starts) - (continuing[offsets[1:]] - continuing[offsets[:-1]])


def _sum_before_in_row(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each item, the sum of the values before it in its row (items sorted by row)."""
    before = np.cumsum(values) - values
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
    return before - before[group_start]


def _text(values: pa.Array) -> pd.arrays.ArrowStringArray:
    """Arrow strings as the ``str`` dtype, without a Python object per value."""
    return pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def empty_spans(columns: list[str]) -> pd.DataFrame:
    text_columns = ("field", "kind", "rule")
    return pd.DataFrame(
        {name: pd.Series(dtype="str" if name in text_columns else "int64") for name in columns}
    )


def counts_of(codes: np.ndarray, rules: RedactionRules) -> dict[str, int]:
    totals = np.bincount(codes.astype(np.int64), minlength=len(rules.rule_names))
    return {
        name: int(hits)
        for code, (name, hits) in enumerate(zip(rules.rule_names, totals, strict=True))
        if hits or code < len(rules.pii)
    }
