"""The comparison view: the preview as one self-contained, escaped HTML fragment.

One line per sampled response: a sticky block (row number, response id, status badge with
its reason), then each verbatim's raw text beside its document text (full text, wrapped),
then every other mapped attribute's raw value beside its document value. Each redaction
or substitution is highlighted in both texts in its kind's colour, its hover naming the
rule. Above the table: the counts, one legend of hits, charts where they say something,
quick filters (a small inline script), and the mapping problems; the raw columns nobody
mapped are folded away below. Nothing here imports ipywidgets: the application layer, the
notebook and the wizard render the same HTML.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from qinbound_nb.render.charts import bar_chart, column_chart, responses_per_day
from qinbound_nb.render.compare import compare_frame, unmapped_columns
from qinbound_nb.render.extras import legend, problems_list, summary, unmapped_table
from qinbound_nb.render.spans import highlight_css, rule_kind, spans_by_cell
from qinbound_nb.render.table import render_table

P = ".qinbound-preview"
T = f"{P} table.compare"
CSS = "".join(
    (
        f"{P}{{font-size:12px;line-height:1.4;color:#111827}}",
        f"{P} .scroll{{overflow-x:auto;max-width:100%}}",
        f"{T}{{border-collapse:separate;border-spacing:0;width:100%}}",
        f"{T} td,{T} th{{border:0;border-bottom:1px solid #e5e7eb;padding:3px 6px;",
        "vertical-align:top;text-align:left;line-height:1.4}",
        f"{T} th{{background:#f3f4f6;font-weight:600;white-space:nowrap}}",
        f"{T} td.text{{white-space:pre-wrap;overflow-wrap:anywhere;min-width:20em;width:30%}}",
        f"{T} td.value{{white-space:nowrap}}",
        f"{T} td.raw{{background:#f9fafb}}",
        f"{T} td.doc,{T} th.doc{{border-right:2px solid #e5e7eb}}",
        f'{T} td.value.doc::before{{content:"→ ";color:#9ca3af}}',
        f"{T} td.value.doc.changed{{background:#fef9c3}}",
        f"{T} .lead{{position:sticky;left:0;z-index:1;background:#fff;min-width:11em;",
        "max-width:13em;border-right:2px solid #c7d2fe;overflow-wrap:anywhere}",
        f"{T} th.lead{{background:#f3f4f6}}",
        f"{T} .rownum{{color:#6b7280}}",
        f"{T} .rid{{font-family:monospace;font-size:11px;white-space:nowrap}}",
        f"{T} .reason{{color:#6b7280;font-size:11px}}",
        f"{T} tr.status-dropped td.raw,{T} tr.status-dropped td.doc,",
        f"{T} tr.status-skipped td.raw,{T} tr.status-skipped td.doc{{color:#9ca3af}}",
        f"{P} .badge{{border-radius:8px;padding:0 6px;font-size:11px;color:#fff}}",
        f"{P} .badge-new{{background:#16a34a}}",
        f"{P} .badge-replaces{{background:#2563eb}}",
        f"{P} .badge-updates{{background:#7c3aed}}",
        f"{P} .badge-skipped{{background:#6b7280}}",
        f"{P} .badge-dropped{{background:#b91c1c}}",
        f"{P} .badge-kept{{background:#0f766e}}",
        f"{P} .chip{{display:inline-block;margin:0 6px 4px 0;padding:0 6px;border-radius:6px}}",
        f"{P} .filters label{{margin-right:1em}}",
        f"{P} .filters input[type=search]{{width:16em}}",
        f"{P} table.plain td,{P} table.plain th{{padding:2px 6px;text-align:left}}",
    )
)
# The quick filters: rows carry data-hits / data-dropped / data-problem; a search matches text.
FILTER_SCRIPT = (
    "var v=this.closest('.qinbound-preview'),"
    "q=this.querySelector('input[type=search]').value.toLowerCase(),"
    "k=Array.from(this.querySelectorAll('input[type=checkbox]:checked'),"
    "function(c){return c.value});"
    "v.querySelectorAll('table.compare tbody tr').forEach(function(r){"
    "var ok=k.every(function(f){return r.getAttribute('data-'+f)==='1'})"
    "&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.style.display=ok?'':'none'})"
)
FILTERS = (
    ("hits", "rows with hits"),
    ("dropped", "dropped or skipped rows"),
    ("problem", "rows with mapping problems"),
)


def render_preview_html(
    raw: pd.DataFrame,
    documents: pd.DataFrame,
    spans: pd.DataFrame | None = None,
    dropped: pd.DataFrame | None = None,
    outcomes: pd.Series | None = None,
    counts: Mapping[str, Any] | None = None,
    *,
    field_sources: Mapping[str, str] | None = None,
    verbatims: Collection[str] | None = None,
    problems: pd.DataFrame | None = None,
    rule_titles: Mapping[str, str] | None = None,
    id_column: str = "responseId",
) -> str:
    """Render the comparison view of a preview as escaped HTML.

    Args:
        raw: the sampled raw rows (index = position in the export).
        documents: the documents, same index as the raw rows they came from.
        spans: ``row, field, start, end, rule`` in the document text (optionally
            ``input_start``/``input_end`` or ``original_length`` for the raw text).
        dropped: rows the filter, limit or dedupe dropped: ``outcome``, ``reason``.
        outcomes: per document index: ``new`` / ``replaces`` / ``updates`` / ``skipped``.
        counts: the sample's counts (``hits …`` keys are left to the legend).
        field_sources: attribute → raw column, in the order to show.
        verbatims: the attributes shown as full text (default: those with spans).
        problems: mapping problems: ``row, field, value, problem``.
        rule_titles: a rule's hover text (default: its name).
        id_column: the raw column naming the response.
    """
    sources = dict(field_sources or {})
    cells = spans_by_cell(spans)
    if verbatims is None:
        verbatims = {str(field) for _, field in cells}
    ordered = {k: v for k, v in sources.items() if k in verbatims} | sources
    frame = compare_frame(
        raw, documents, ordered, dropped=dropped, outcomes=outcomes, id_column=id_column
    )
    problem_rows = [] if problems is None or problems.empty else problems["row"].tolist()
    table = render_table(
        frame,
        cells,
        verbatims=verbatims,
        problem_rows=problem_rows,
        titles=rule_titles,
        sources=ordered,
    )
    hits = _hits(spans)
    hidden = unmapped_table(raw, unmapped_columns(raw, ordered, id_column), id_column)
    return (
        f'<div class="qinbound-preview"><style>{CSS}{highlight_css()}</style>'
        f"{summary(counts or {})}{legend(hits, rule_titles or {})}{_charts(hits, documents)}"
        f"{_filters()}{problems_list(problems)}"
        f'<div class="scroll">{table}</div>{hidden}</div>'
    )


def _charts(hits: Mapping[str, int], documents: pd.DataFrame) -> str:
    """Hits per kind when there are several kinds; documents per day over several days."""
    kinds: dict[str, int] = {}
    for rule, count in hits.items():
        kinds[rule_kind(rule)] = kinds.get(rule_kind(rule), 0) + count
    dates = documents["document_date"] if "document_date" in documents.columns else None
    days = responses_per_day(dates)
    charts = (bar_chart(kinds, "Hits per kind") if len(kinds) > 1 else "") + (
        column_chart(days, "Documents per day") if len(days) > 1 else ""
    )
    return f'<div class="charts">{charts}</div>' if charts else ""


def _filters() -> str:
    boxes = "".join(
        f'<label><input type="checkbox" value="{key}"> {html.escape(text)}</label>'
        for key, text in FILTERS
    )
    return (
        f'<div class="filters" oninput="{html.escape(FILTER_SCRIPT)}" '
        f'onchange="{html.escape(FILTER_SCRIPT)}"><b>Show only:</b> {boxes}'
        '<input type="search" placeholder="search the rows…" aria-label="search the rows"></div>'
    )


def _hits(spans: pd.DataFrame | None) -> dict[str, int]:
    if spans is None or spans.empty:
        return {}
    return {str(rule): int(n) for rule, n in spans["rule"].value_counts(sort=True).items()}
