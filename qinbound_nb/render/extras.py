"""The parts around the comparison table: counts, the legend, mapping problems, unmapped columns."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.render.spans import kind_colour, rule_kind
from qinbound_nb.render.table import escaped_array, format_value

COUNT_WORDS = {
    "sampled": "sampled",
    "kept": "to load",
    "filtered_out": "filtered out",
    "over_limit": "over the record limit",
    "skipped_duplicate": "duplicates skipped",
    "failed": "without a source id",
    "mapping_problems": "mapping problems",
}


def rule_label(rule: str) -> str:
    """``redaction:3`` → ``redaction line 3``; a PII kind stays as it is."""
    kind, _, line = rule.partition(":")
    return f"{kind} line {line}" if line else rule


def summary(counts: Mapping[str, Any], prefix: str = "") -> str:
    """The sample's counts as chips (hit counts are the legend's)."""
    chips = []
    for key, value in counts.items():
        if str(key).startswith("hits "):
            continue
        if isinstance(value, Mapping):
            chips.append(summary(value, f"{prefix}{key}."))
            continue
        word = COUNT_WORDS.get(str(key), str(key)) if not prefix else f"{prefix}{key}"
        chips.append(
            f'<span class="chip count" data-count="{html.escape(str(key))}" '
            f'style="background:#f3f4f6">{html.escape(word)}: '
            f"<b>{html.escape(str(value))}</b></span>"
        )
    return "".join(chips) if prefix else f'<div class="summary">{"".join(chips)}</div>'


def legend(hits: Mapping[str, int], titles: Mapping[str, str]) -> str:
    """One chip per rule that hit, in its highlight colour, with its count."""
    if not hits:
        return '<div class="legend"><small>No redaction or substitution hits.</small></div>'
    chips = "".join(
        f'<span class="chip legend-rule" data-rule="{html.escape(rule)}" '
        f'title="{html.escape(titles.get(rule, rule))}" '
        f'style="background:{kind_colour(rule_kind(rule))}">'
        f"{html.escape(rule_label(rule))}: <b>{count}</b></span>"
        for rule, count in hits.items()
    )
    return f'<div class="legend"><b>Hits:</b> {chips}</div>'


def problems_list(problems: pd.DataFrame | None) -> str:
    """Every mapping problem: the row, the field, the value and why it could not be mapped."""
    if problems is None or problems.empty:
        return ""
    lines = "".join(
        f"<tr><td>{html.escape(format_value(row))}</td><td>{html.escape(format_value(field))}</td>"
        f"<td><code>{html.escape(format_value(value))}</code></td>"
        f"<td>{html.escape(format_value(problem))}</td></tr>"
        for row, field, value, problem in zip(
            problems["row"], problems["field"], problems["value"], problems["problem"], strict=True
        )
    )
    count = len(problems)
    return (
        f'<details class="problems" open><summary style="color:#b91c1c">{count} mapping '
        f"problem{'s' if count != 1 else ''}: these values would load empty</summary>"
        '<table class="plain"><thead><tr><th>row</th><th>field</th><th>value</th>'
        f"<th>reason</th></tr></thead><tbody>{lines}</tbody></table></details>"
    )


def unmapped_table(raw: pd.DataFrame, columns: Sequence[str], id_column: str) -> str:
    """The raw columns nobody mapped, folded behind one toggle."""
    if not columns:
        return ""
    shown = [c for c in (id_column, *columns) if c in raw.columns]
    labels = [html.escape(str(row)) for row in raw.index]
    texts = [escaped_array(raw[c]).cast(pa.large_string()) for c in shown]
    lines = pc.binary_join_element_wise(
        pa.array(labels, pa.large_string()), *texts, pa.scalar("</td><td>", pa.large_string())
    )
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown)
    rows = "".join(
        f'<tr data-row="{label}"><td>{line}</td></tr>'
        for label, line in zip(labels, lines.to_pylist(), strict=True)
    )
    return (
        f'<details class="unmapped"><summary>{len(columns)} raw columns not mapped '
        "(not loaded)</summary>"
        f'<div class="scroll"><table class="plain"><thead><tr><th>#</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details>"
    )
