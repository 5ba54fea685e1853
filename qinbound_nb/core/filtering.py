"""The connector filter and the record limit: which documents load, and why others do not.

The filter is one true/false expression over the document columns (attribute names and
default fields). ``include`` keeps the rows where it is true; ``exclude`` drops them. A
blank answer (say, comparing a blank field) counts as "does not match": such a row is
dropped by ``include`` and kept by ``exclude``. The record limit applies after the filter,
across chunks: pass how many documents earlier chunks already kept as ``already``.
Dropped rows come back with a ``reason`` column, so a run can report what it skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from qinbound_nb.core.expressions.evaluate import compile_expression
from qinbound_nb.errors import ExpressionError
from qinbound_nb.job.config import Filter
from qinbound_nb.job.vocab import FilterAction


@dataclass(frozen=True)
class FilterResult:
    """Documents kept, and documents dropped with a ``reason`` column."""

    kept: pd.DataFrame
    dropped: pd.DataFrame


def apply_filter(documents: pd.DataFrame, spec: Filter) -> FilterResult:
    """Keep or drop documents by the connector filter expression (no expression: keep all).

    Raises:
        ExpressionError: the expression does not parse, names an unknown field, or does
            not answer true or false.
    """
    if spec.expression is None:
        return FilterResult(documents, _with_reason(documents.iloc[:0], ""))
    expression = compile_expression(spec.expression)
    answer = expression.evaluate(documents)
    if not pd.api.types.is_bool_dtype(answer.dtype):
        raise ExpressionError(
            "a connector filter must answer true or false; compare a field (x = 1) or use "
            "ISBLANK / CONTAINS",
            expression=spec.expression,
            position=0,
        )
    matches = answer.fillna(False).to_numpy(dtype=bool)
    keep = matches if spec.action == FilterAction.INCLUDE else ~matches
    reason = f"filtered out by filter: {spec.expression}"
    reason += f" (action: {spec.action})" if spec.action == FilterAction.EXCLUDE else ""
    return FilterResult(documents[keep], _with_reason(documents[~keep], reason))


def apply_record_limit(
    documents: pd.DataFrame, limit: Literal["all"] | int, *, already: int = 0
) -> FilterResult:
    """Keep documents until ``limit`` is reached, counting ``already`` kept before.

    Args:
        documents: this chunk's documents (after the filter).
        limit: ``"all"`` or the most documents one run loads.
        already: documents earlier chunks of the same run kept.
    """
    if limit == "all":
        return FilterResult(documents, _with_reason(documents.iloc[:0], ""))
    room = max(0, int(limit) - already)
    kept, over = documents.iloc[:room], documents.iloc[room:]
    return FilterResult(kept, _with_reason(over, f"over the record limit of {limit}"))


def _with_reason(dropped: pd.DataFrame, reason: str) -> pd.DataFrame:
    reasons = pd.Series(np.full(len(dropped), reason, dtype=object), index=dropped.index)
    return dropped.assign(reason=reasons.astype(pd.ArrowDtype(pa.string())))
