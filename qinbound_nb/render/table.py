"""The comparison table: a sticky response block, then each attribute's raw and document cells.

Columns are formatted and escaped whole with pyarrow compute kernels; only the cells that
hold redaction or substitution spans are built one by one. Every compared cell carries
``data-row``, ``data-field`` and ``data-side`` (``raw`` or ``doc``) so a test or a browser
check can find the pair; every row carries the flags the quick filters read.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Hashable, Mapping
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.render.compare import RESPONSE
from qinbound_nb.render.spans import Span, is_missing, locate_in_input, mark_text

ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
SIDES = {"raw": "raw", "doc": "document"}
CellSpans = Mapping[tuple[Hashable, str], list[tuple[Span, Span | None]]]


def format_value(value: Any) -> str:
    """A value as the preview prints it (lists joined, missing values empty)."""
    if is_missing(value):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays, scalars
        return format_value(value.tolist())
    return str(value)


def escaped_texts(column: pd.Series) -> list[str]:
    """Every value of a column as escaped text, vectorized where pyarrow can do it."""
    return cast(list[str], escaped_array(column).to_pylist())


def escaped_array(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """Every value of a column as escaped text, as a pyarrow string array (no nulls)."""
    try:
        text = _as_text(column)
    except (TypeError, ValueError, pa.ArrowException):
        return pa.array([html.escape(format_value(value)) for value in column.tolist()])
    for character, entity in ESCAPES:
        if pc.any(pc.match_substring(text, character)).as_py():  # rewrite only when needed
            text = pc.replace_substring(text, character, entity)
    return pc.fill_null(text, pa.scalar("", text.type))


def _as_text(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    if column.dtype == object:
        raise TypeError("mixed Python values: format them one by one")
    values = pa.array(column, from_pandas=True)
    kind = values.type
    if pa.types.is_timestamp(kind):  # to the minute: the preview needs no seconds
        seconds = pc.cast(values, pa.timestamp("s", kind.tz), safe=False)
        return pc.strftime(seconds, format="%Y-%m-%d %H:%M")
    if pa.types.is_list(kind) and pa.types.is_string(kind.value_type):  # multi-select choices
        return pc.binary_join(values, ", ")
    if pa.types.is_nested(kind) or pa.types.is_dictionary(kind):
        raise TypeError("lists and categories are formatted one by one")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return values
    return pc.cast(values, pa.string())


def render_table(
    frame: pd.DataFrame,
    cells: CellSpans,
    *,
    verbatims: Collection[str],
    problem_rows: Collection[Hashable] = (),
    titles: Mapping[str, str] | None = None,
    sources: Mapping[str, str] | None = None,
) -> str:
    """The comparison table of a :func:`~qinbound_nb.render.compare.compare_frame`."""
    labels = [html.escape(str(row)) for row in frame.index]
    fields = [str(f) for f in dict.fromkeys(frame.columns.get_level_values(0)) if f != RESPONSE]
    columns = {
        (name, side): escaped_texts(frame[(name, side)]) for name in fields for side in SIDES
    }
    marked = _mark(frame, cells, columns, titles or {})
    lines = [_header(fields, verbatims, sources or {})]
    statuses = frame[(RESPONSE, "status")].tolist()
    reasons = frame[(RESPONSE, "reason")].tolist()
    ids = escaped_texts(frame[(RESPONSE, "id")])
    problems = set(problem_rows)
    openings = {key: _openings(key, columns, key[0] in verbatims) for key in columns}
    middles = {key: _middle(*key) for key in columns}
    for at, (row, label) in enumerate(zip(frame.index, labels, strict=True)):
        status = str(statuses[at])
        dropped = int(status in ("dropped", "skipped"))
        flags = (
            f'data-hits="{int(at in marked)}" data-dropped="{dropped}"'
            f' data-problem="{int(row in problems)}"'
        )
        lead = _lead(label, ids[at], status, format_value(reasons[at]))
        body = "".join(
            f"{openings[key][at]}{label}{middles[key]}{columns[key][at]}</td>" for key in columns
        )
        lines.append(f'<tr class="status-{status}" data-row="{label}" {flags}>{lead}{body}</tr>')
    return f'<table class="compare">{"".join(lines)}</tbody></table>'


def _openings(
    key: tuple[str, str], columns: dict[tuple[str, str], list[str]], verbatim: bool
) -> list[str]:
    """Each row's cell opening; a document value that differs from its raw value is marked."""
    name, side = key
    kind = "text" if verbatim else "value"
    same = f'<td class="{kind} {side}" data-row="'
    if verbatim or side == "raw":
        return [same] * len(columns[key])
    changed = f'<td class="{kind} {side} changed" data-row="'
    raws = columns[(name, "raw")]
    return [same if doc == raw else changed for doc, raw in zip(columns[key], raws, strict=True)]


def _middle(name: str, side: str) -> str:
    return f'" data-field="{html.escape(name)}" data-side="{side}">'


def _lead(label: str, response_id: str, status: str, reason: str) -> str:
    why = f'<div class="reason">{html.escape(reason)}</div>' if reason else ""
    return (
        f'<td class="lead"><span class="rownum">{label}</span> '
        f'<span class="rid">{response_id}</span><br>'
        f'<span class="badge badge-{html.escape(status)}">{html.escape(status)}</span>{why}</td>'
    )


def _mark(
    frame: pd.DataFrame,
    cells: CellSpans,
    columns: dict[tuple[str, str], list[str]],
    titles: Mapping[str, str],
) -> set[int]:
    """Put marked-up text in the cells that hold spans; return the positions of those rows."""
    position = {row: number for number, row in enumerate(frame.index)}
    rows_with_hits: set[int] = set()
    values: dict[tuple[str, str], list[Any]] = {}  # the columns that hold spans, as Python values

    def value(name: str, side: str, at: int) -> Any:
        if (name, side) not in values:
            values[(name, side)] = frame[(name, side)].tolist()
        return values[(name, side)][at]

    for (row, name), found in cells.items():
        at = position.get(row)
        if at is None or (name, "doc") not in columns:
            continue
        output = value(name, "doc", at)
        if not isinstance(output, str):
            continue
        rows_with_hits.add(at)
        columns[(name, "doc")][at] = mark_text(output, [span for span, _ in found], titles)
        original = value(name, "raw", at)
        located = locate_in_input(output, original, found) if isinstance(original, str) else []
        if located and isinstance(original, str):
            columns[(name, "raw")][at] = mark_text(original, located, titles)
    return rows_with_hits


def _header(fields: list[str], verbatims: Collection[str], sources: Mapping[str, str]) -> str:
    top, sub = [], []
    for name in fields:
        kind = "text" if name in verbatims else "value"
        source = sources.get(name, "")
        top.append(
            f'<th class="field {kind}" colspan="2" title="{html.escape(source)} → '
            f'{html.escape(name)}">{html.escape(name)}</th>'
        )
        raw_label = f"raw {source}" if source else "raw"
        sub.append(
            f'<th class="{kind} raw">{html.escape(raw_label)}</th>'
            f'<th class="{kind} doc">document</th>'
        )
    return (
        '<thead><tr><th class="lead" rowspan="2">Response</th>'
        f"{''.join(top)}</tr><tr>{''.join(sub)}</tr></thead><tbody>"
    )
