"""Two tiny inline SVG bar charts for the preview: responses per day and hits per rule kind."""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.render.spans import kind_colour

WIDTH, HEIGHT = 320, 90


def responses_per_day(dates: pd.Series | None) -> dict[str, int]:
    """Count documents per UTC day (ISO date → count), oldest first."""
    if dates is None or dates.empty:
        return {}
    stamps = pd.to_datetime(dates, utc=True, errors="coerce")
    values = pa.array(stamps, from_pandas=True)
    if not pa.types.is_timestamp(values.type):
        return {}
    utc = pc.cast(values, pa.timestamp(values.type.unit))  # the UTC wall clock, no zone
    counted = pc.value_counts(pc.drop_null(pc.cast(utc, pa.date32())))
    days = sorted(zip(counted.field(0).to_pylist(), counted.field(1).to_pylist(), strict=True))
    return {day.isoformat(): int(count) for day, count in days}


def column_chart(counts: Mapping[str, int], title: str) -> str:
    """Vertical bars, one per key, each with a tooltip; empty when there is nothing to show."""
    if not counts:
        return ""
    top = max(counts.values()) or 1
    width = max(4.0, (WIDTH - 10) / len(counts))
    bars = []
    for number, (label, count) in enumerate(counts.items()):
        height = max(1.0, (HEIGHT - 20) * count / top)
        x, y = 5 + number * width, HEIGHT - 15 - height
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width * 0.8:.1f}" height="{height:.1f}" '
            f'fill="#60a5fa"><title>{html.escape(label)}: {count}</title></rect>'
        )
    first, last = html.escape(next(iter(counts))), html.escape(list(counts)[-1])
    axis = (
        f'<text x="5" y="{HEIGHT - 2}" font-size="9">{first}</text>'
        f'<text x="{WIDTH - 5}" y="{HEIGHT - 2}" font-size="9" text-anchor="end">{last}</text>'
    )
    return _figure(title, "".join(bars) + axis)


def bar_chart(counts: Mapping[str, int], title: str) -> str:
    """Horizontal bars coloured by rule kind, labelled with their counts."""
    if not counts:
        return ""
    top = max(counts.values()) or 1
    row = (HEIGHT - 10) / max(len(counts), 1)
    bars = []
    for number, (kind, count) in enumerate(counts.items()):
        length = max(1.0, (WIDTH - 130) * count / top)
        y = 5 + number * row
        bars.append(
            f'<text x="0" y="{y + row * 0.7:.1f}" font-size="10">{html.escape(kind)}</text>'
            f'<rect x="90" y="{y:.1f}" width="{length:.1f}" height="{row * 0.8:.1f}" '
            f'fill="{kind_colour(kind)}"><title>{html.escape(kind)}: {count}</title></rect>'
            f'<text x="{95 + length:.1f}" y="{y + row * 0.7:.1f}" font-size="10">{count}</text>'
        )
    return _figure(title, "".join(bars))


def _figure(title: str, body: str) -> str:
    return (
        f'<figure class="qinbound-chart" style="display:inline-block;margin:0 1em 0 0">'
        f'<figcaption style="font-size:11px">{html.escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{html.escape(title)}">{body}</svg></figure>'
    )
