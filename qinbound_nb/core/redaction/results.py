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
    start = buffer.char_offsets(spans.start, rows)
    input_start = original.char_offsets(spans.in_start, rows)
    input_end = original.char_offsets(spans.in_end, rows)
    names = pa.array(rules.rule_names or [""], pa.large_string())
    kinds = pa.array([name.split(":")[0] for name in names.to_pylist()], pa.large_string())
    codes = pa.array(spans.rule)
    columns = {
        "row": labels[rows],
        "start": start,
        "end": buffer.char_offsets(spans.end, rows),
        "input_start": input_start,
        "input_end": input_end,
        "length": input_end - input_start,
        "kind": _text(kinds.take(codes)),
        "rule": _text(names.take(codes)),
    }
    return pd.DataFrame(columns, copy=False)  # the dict is already in SPAN_COLUMNS order


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
