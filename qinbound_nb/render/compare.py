"""The comparison frame: per response, its status and each mapped field's raw and document value.

``compare_frame`` is what the comparison view shows and what ``Preview.compare()`` returns:
one row per sampled response (index = its position in the export), the columns a
two-level index ``(field, side)``: ``("response", "id" | "status" | "reason")`` first, then
``(attribute, "raw")`` beside ``(attribute, "doc")`` for every mapped attribute, verbatims
first. Statuses are ``new`` / ``replaces`` / ``updates`` / ``skipped`` / ``dropped`` /
``kept`` (kept: loaded, but no store was given to say how).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

from qinbound_nb.job.vocab import DuplicateMode, Outcome, PreviewOutcome

RESPONSE = "response"
SKIPPED_OUTCOMES = frozenset(
    {Outcome.SKIPPED_DUPLICATE, DuplicateMode.SKIP, PreviewOutcome.SKIPPED}
)


def compare_frame(
    raw: pd.DataFrame,
    documents: pd.DataFrame,
    field_sources: Mapping[str, str],
    *,
    dropped: pd.DataFrame | None = None,
    outcomes: pd.Series | None = None,
    id_column: str = "responseId",
) -> pd.DataFrame:
    """Pair each mapped attribute's raw value with its document value, row by row.

    Args:
        raw: the sampled raw rows.
        documents: the documents (same index as their raw rows; dropped rows may be absent).
        field_sources: attribute → raw column, in the order to show (verbatims first).
        dropped: rows the filter, limit or dedupe dropped (``outcome``, ``reason``).
        outcomes: per kept document, what loading would do (new / replaces / ...).
        id_column: the raw column naming the response.
    """
    order = raw.index.union(documents.index, sort=False)
    wanted = [c for c in dict.fromkeys([id_column, *field_sources.values()]) if c in raw.columns]
    raws = _aligned(raw[wanted], order)
    docs = _aligned(documents, order)
    statuses, reasons = row_statuses(order, docs.index[docs.notna().any(axis=1)], dropped, outcomes)
    columns: dict[tuple[str, str], pd.Series] = {
        (RESPONSE, "id"): _column(raws, id_column, order),
        (RESPONSE, "status"): pd.Series(statuses, index=order, dtype="string"),
        (RESPONSE, "reason"): pd.Series(reasons, index=order, dtype="string"),
    }
    for name, source in field_sources.items():
        columns[(name, "raw")] = _column(raws, source, order)
        columns[(name, "doc")] = _column(docs, name, order)
    frame = pd.DataFrame(columns, index=order)
    frame.columns = pd.MultiIndex.from_tuples(list(columns), names=["field", "side"])
    return frame


def row_statuses(
    order: pd.Index,
    with_document: Sequence[Hashable] | pd.Index,
    dropped: pd.DataFrame | None,
    outcomes: pd.Series | None,
) -> tuple[list[str], list[str]]:
    """Each row's status word and the reason behind it (empty when there is none)."""
    drop_reason, drop_outcome = _dropped(dropped)
    loads = {} if outcomes is None else dict(zip(outcomes.index, outcomes.tolist(), strict=True))
    has_document = set(with_document)
    statuses: list[str] = []
    reasons: list[str] = []
    for row in order:
        if row in drop_reason:
            skipped = drop_outcome[row] in SKIPPED_OUTCOMES
            statuses.append(PreviewOutcome.SKIPPED if skipped else PreviewOutcome.DROPPED)
            reasons.append(drop_reason[row])
        elif row not in has_document:
            statuses.append(PreviewOutcome.DROPPED)
            reasons.append("no document was made from this response")
        else:
            statuses.append(PreviewOutcome.of(loads.get(row)))
            reasons.append("")
    return statuses, reasons


def unmapped_columns(
    raw: pd.DataFrame, field_sources: Mapping[str, str], id_column: str
) -> list[str]:
    """The raw columns no attribute comes from (shown folded away)."""
    used = {id_column, *field_sources.values()}
    return [str(column) for column in raw.columns if column not in used]


def _dropped(dropped: pd.DataFrame | None) -> tuple[dict[Hashable, str], dict[Hashable, str]]:
    if dropped is None or dropped.empty:
        return {}, {}
    count = len(dropped)
    reasons = dropped["reason"].tolist() if "reason" in dropped.columns else ["dropped"] * count
    outcomes = dropped["outcome"].tolist() if "outcome" in dropped.columns else [""] * count
    rows = dropped.index.tolist()
    return (
        {row: "" if pd.isna(r) else str(r) for row, r in zip(rows, reasons, strict=True)},
        {row: str(o) for row, o in zip(rows, outcomes, strict=True)},
    )


def _aligned(frame: pd.DataFrame, order: pd.Index) -> pd.DataFrame:
    """``frame`` in row order ``order`` (no copy when it already is)."""
    return frame if frame.index.equals(order) else frame.reindex(order)


def _column(frame: pd.DataFrame, name: str, order: pd.Index) -> pd.Series:
    if name in frame.columns:
        column = frame[name]
        if isinstance(column, pd.DataFrame):  # a duplicated column name: the first one
            column = column.iloc[:, 0]
        return column
    return pd.Series(pd.NA, index=order, dtype="string")
