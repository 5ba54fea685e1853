"""The rows of the side-by-side preview: raw cells beside document cells, escaped, with spans.

Columns are formatted and escaped whole with pyarrow compute kernels; only the cells that
hold redaction or substitution spans are built one by one.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.job.vocab import DuplicateMode, PreviewOutcome
from qinbound_nb.render.spans import is_missing, locate_in_input, mark_text

ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def format_value(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays, scalars
        return format_value(value.tolist())
    return str(value)


def _cells(column: pd.Series) -> list[str]:
    """Each value of a column as an escaped ``<td>``, vectorized where pyarrow can do it."""
    try:
        text = _as_text(column)
    except (TypeError, ValueError, pa.ArrowException):
        return [
            f"<td><div>{html.escape(format_value(value))}</div></td>" for value in column.tolist()
        ]
    for character, entity in ESCAPES:
        if pc.any(pc.match_substring(text, character)).as_py():  # rewrite only when needed
            text = pc.replace_substring(text, character, entity)
    kind = text.type
    opening, closing = pa.scalar("<td><div>", kind), pa.scalar("</div></td>", kind)
    text = pc.fill_null(text, pa.scalar("", kind))
    cells = pc.binary_join_element_wise(opening, text, closing, pa.scalar("", kind))
    return cast(list[str], cells.to_pylist())


def _as_text(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    if column.dtype == object:
        raise TypeError("mixed Python values: format them one by one")
    values = pa.array(column, from_pandas=True)
    kind = values.type
    if pa.types.is_timestamp(kind):  # whole seconds: the preview needs no fractions
        seconds = pc.cast(values, pa.timestamp("s", kind.tz), safe=False)
        return pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S" + (" %Z" if kind.tz else ""))
    if pa.types.is_nested(kind) or pa.types.is_dictionary(kind):
        raise TypeError("lists and categories are formatted one by one")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return values
    return pc.cast(values, pa.string())


def render_table(
    raw: pd.DataFrame,
    documents: pd.DataFrame,
    dropped: pd.DataFrame | None,
    outcomes: pd.Series | None,
    shown_raw: list[str],
    cells: dict[tuple[Hashable, str], list[Any]],
    field_sources: dict[str, str],
) -> str:
    """The table: one row per index (raw, documents, dropped), raw cells then document cells."""
    reasons = _reasons(dropped)
    order = pd.Index(list(dict.fromkeys([*raw.index, *documents.index, *reasons])))
    docs = _documents_in_order(documents, dropped, order)
    raws = raw.reindex(order)
    columns = {("raw", c): _cells(raws[c]) for c in shown_raw}
    columns |= {("doc", c): _cells(docs[c]) for c in documents.columns}
    _mark(columns, cells, raws, docs, order, field_sources)
    first_doc = ("doc", documents.columns[0]) if len(documents.columns) else None
    if first_doc:
        columns[first_doc] = [
            cell.replace("<td>", '<td class="split">', 1) for cell in columns[first_doc]
        ]
    badges = (
        dict(zip(outcomes.index, outcomes.tolist(), strict=True)) if outcomes is not None else {}
    )
    has_document = set(docs.dropna(how="all").index) if len(docs.columns) else set()
    lines = [_header(shown_raw, list(documents.columns))]
    for row, row_cells in zip(
        order, zip(*columns.values(), strict=True) or [()] * len(order), strict=True
    ):
        label = html.escape(str(row))
        css = ' class="dropped"' if row in reasons else ""
        status = _status(row, reasons, badges, row in has_document)
        head = f'<tr{css} data-row="{label}"><td>{label}</td><td>{status}</td>'
        lines.append(f"{head}{''.join(row_cells)}</tr>")
    return f'<table class="preview-table">{"".join(lines)}</tbody></table>'


def _documents_in_order(
    documents: pd.DataFrame, dropped: pd.DataFrame | None, order: pd.Index
) -> pd.DataFrame:
    """Documents by row order, with those the filter dropped when that frame carries them."""
    extra = [c for c in documents.columns if dropped is not None and c in dropped.columns]
    if extra and dropped is not None:
        missing = dropped.loc[~dropped.index.isin(documents.index), extra]
        documents = pd.concat([documents, missing])
    return documents.reindex(order)


def _mark(
    columns: dict[tuple[str, str], list[str]],
    cells: dict[tuple[Hashable, str], list[Any]],
    raws: pd.DataFrame,
    docs: pd.DataFrame,
    order: pd.Index,
    field_sources: dict[str, str],
) -> None:
    """Replace the cells that hold spans with marked-up text (document and raw original)."""
    position = {row: number for number, row in enumerate(order)}
    texts: dict[tuple[str, str], list[Any]] = {}  # the columns that hold spans, as Python values

    def values(side: str, frame: pd.DataFrame, column: str) -> list[Any]:
        if (side, column) not in texts:
            texts[(side, column)] = frame[column].tolist()
        return texts[(side, column)]

    for (row, field), found in cells.items():
        at = position.get(row)
        if at is None or ("doc", field) not in columns:
            continue
        output = values("doc", docs, field)[at]
        if not isinstance(output, str):
            continue
        marked = mark_text(output, [span for span, _ in found])
        columns[("doc", field)][at] = f"<td><div>{marked}</div></td>"
        source = field_sources.get(field, field)
        original = values("raw", raws, source)[at] if ("raw", source) in columns else None
        located = locate_in_input(output, original, found) if isinstance(original, str) else []
        if located and isinstance(original, str):
            columns[("raw", source)][at] = f"<td><div>{mark_text(original, located)}</div></td>"


def _header(shown_raw: list[str], doc_columns: list[str]) -> str:
    raw_heads = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown_raw)
    doc_heads = "".join(
        f"<th{' class=split' if i == 0 else ''}>{html.escape(str(c))}</th>"
        for i, c in enumerate(doc_columns)
    )
    return (
        f'<thead><tr><th rowspan="2">#</th><th rowspan="2">status</th>'
        f'<th class="group-raw" colspan="{len(shown_raw)}">Raw response</th>'
        f'<th class="group-doc split" colspan="{len(doc_columns)}">Document</th></tr>'
        f"<tr>{raw_heads}{doc_heads}</tr></thead><tbody>"
    )


def _reasons(dropped: pd.DataFrame | None) -> dict[Hashable, str]:
    if dropped is None or dropped.empty:
        return {}
    reasons = (
        dropped["reason"].tolist()
        if "reason" in dropped.columns
        else [PreviewOutcome.DROPPED] * len(dropped)
    )
    return {row: format_value(reason) for row, reason in zip(dropped.index, reasons, strict=True)}


def _status(
    row: Hashable, reasons: dict[Hashable, str], badges: dict[Hashable, Any], has_document: bool
) -> str:
    if row in reasons:
        return f'<span class="reason">{html.escape(reasons[row])}</span>'
    if not has_document:
        return '<span class="reason">no document</span>'
    outcome = badges.get(row)
    if outcome is None or is_missing(outcome):
        return ""
    label = _badge(str(outcome))
    return f'<span class="badge badge-{html.escape(label)}">{html.escape(label)}</span>'


def _badge(outcome: str) -> str:
    """The badge for a preview outcome; a duplicate mode shows as what it does to a document."""
    if outcome in tuple(DuplicateMode):
        return PreviewOutcome.for_duplicate(outcome)
    return outcome
