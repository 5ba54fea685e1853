"""The side-by-side preview as one self-contained, escaped HTML fragment.

Raw responses (left) and the documents made from them (right) share one table, so each row
stays aligned by index. Every redacted or substituted span is marked in the document and,
where it can be located, the original value in the raw response. Rows the filter or the
record limit drops are greyed with their reason; outcome badges say new / replaces / skipped.
Everything from the data is escaped with ``html.escape``; nothing here imports ipywidgets,
so the application layer can render the same HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from qinbound_nb.render.charts import bar_chart, column_chart, responses_per_day
from qinbound_nb.render.spans import highlight_css, kind_colour, rule_kind, spans_by_cell
from qinbound_nb.render.table import render_table

P = ".qinbound-preview"
CSS = "".join(
    f"{P} {rule}"
    for rule in (
        "table{border-collapse:collapse;font-size:12px}",
        "th,{P} td{border:1px solid #ddd;padding:2px 6px;vertical-align:top;text-align:left}",
        "td div{max-height:8em;overflow:auto;white-space:pre-wrap}",
        "th.group-raw{background:#f3f4f6}",
        "th.group-doc{background:#eef2ff}",
        "td.split,{P} th.split{border-left:3px solid #6366f1}",
        "tr.dropped td{color:#9ca3af;background:#f9fafb}",
        "tr.dropped mark{opacity:.6}",
        ".badge{border-radius:8px;padding:0 6px;font-size:11px;color:#fff}",
        ".badge-new{background:#16a34a}",
        ".badge-replaces{background:#2563eb}",
        ".badge-updates{background:#7c3aed}",
        ".badge-skipped{background:#6b7280}",
        ".chip{display:inline-block;margin:0 6px 4px 0;padding:0 6px;border-radius:6px}",
    )
).replace("{P}", P)


def render_preview_html(
    raw: pd.DataFrame,
    documents: pd.DataFrame,
    spans: pd.DataFrame | None = None,
    dropped: pd.DataFrame | None = None,
    outcomes: pd.Series | None = None,
    counts: Mapping[str, Any] | None = None,
    *,
    field_sources: Mapping[str, str] | None = None,
    raw_columns: Sequence[str] | None = None,
) -> str:
    """Render raw responses and documents side by side as escaped HTML.

    Args:
        raw: the sampled raw rows (index = position in the export).
        documents: the documents, same index as the raw rows they came from.
        spans: ``row, field, start, end, rule`` in the document text (optionally
            ``input_start``/``input_end`` or ``original_length`` for the raw text).
        dropped: rows the filter or record limit dropped, with a ``reason`` column.
        outcomes: per document index: ``new`` / ``replaces`` / ``updates`` / ``skipped``.
        counts: run counts shown as a summary strip (nested mappings are flattened).
        field_sources: document field → raw column it came from, to mark originals.
        raw_columns: the raw columns to show (default: all).
    """
    field_sources = dict(field_sources or {})
    shown_raw = list(raw_columns) if raw_columns is not None else list(raw.columns)
    cells = spans_by_cell(spans)
    table = render_table(raw, documents, dropped, outcomes, shown_raw, cells, field_sources)
    hits = _hits(spans)
    kinds: dict[str, int] = {}
    for rule, count in hits.items():
        kinds[rule_kind(rule)] = kinds.get(rule_kind(rule), 0) + count
    dates = documents["document_date"] if "document_date" in documents.columns else None
    charts = column_chart(responses_per_day(dates), "Documents per day") + bar_chart(
        kinds, "Hits per kind"
    )
    return (
        f'<div class="qinbound-preview"><style>{CSS}{highlight_css()}</style>'
        f"{_summary(counts or {})}{_legend(hits)}<div>{charts}</div>"
        f'<div style="overflow:auto;max-height:640px">{table}</div></div>'
    )


def _hits(spans: pd.DataFrame | None) -> dict[str, int]:
    if spans is None or spans.empty:
        return {}
    return {str(rule): int(n) for rule, n in spans["rule"].value_counts(sort=True).items()}


def _summary(counts: Mapping[str, Any], prefix: str = "") -> str:
    chips = []
    for key, value in counts.items():
        if isinstance(value, Mapping):
            chips.append(_summary(value, f"{prefix}{key}."))
        else:
            chips.append(
                f'<span class="chip" style="background:#f3f4f6">{html.escape(f"{prefix}{key}")}: '
                f"<b>{html.escape(str(value))}</b></span>"
            )
    return f'<div class="summary">{"".join(chips)}</div>' if not prefix else "".join(chips)


def _legend(hits: Mapping[str, int]) -> str:
    if not hits:
        return '<div class="legend"><small>No redaction or substitution hits.</small></div>'
    chips = "".join(
        f'<span class="chip legend-rule" data-rule="{html.escape(rule)}" '
        f'style="background:{kind_colour(rule_kind(rule))}">'
        f"{html.escape(rule)}: <b>{count}</b></span>"
        for rule, count in hits.items()
    )
    return f'<div class="legend">{chips}</div>'
