"""Highlighting redaction and substitution spans inside escaped cell text.

Spans give positions in the OUTPUT text (the document). To mark the original value in the raw
response as well, each span is located in the input: exactly when the spans carry input
positions or the original's length, otherwise by aligning the unchanged text between spans.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from qinbound_nb.job.vocab import PiiKind

Span = tuple[int, int, str]  # start, end, rule
KIND_COLOURS = {
    PiiKind.EMAIL: "#fde68a",
    PiiKind.PHONE: "#bfdbfe",
    PiiKind.CREDIT_CARD: "#fecaca",
    PiiKind.SSN: "#ddd6fe",
    PiiKind.IP: "#bbf7d0",
    PiiKind.PERSON: "#fbcfe8",
    PiiKind.ADDRESS: "#d9f99d",
    PiiKind.IBAN: "#e9d5ff",
    "known_value": "#fbcfe8",
    "redaction": "#fed7aa",
    "substitution": "#a5f3fc",
}


def rule_kind(rule: str) -> str:
    """``email`` for a PII rule, ``redaction`` / ``substitution`` for ``redaction:3`` etc."""
    return rule.split(":", 1)[0] if ":" in rule else rule


def spans_by_cell(
    spans: pd.DataFrame | None,
) -> dict[tuple[Hashable, str], list[tuple[Span, Span | None]]]:
    """Group spans by (row, field): each as (output span, input span when the frame gives it)."""
    cells: dict[tuple[Hashable, str], list[tuple[Span, Span | None]]] = defaultdict(list)
    if spans is None or spans.empty:
        return cells
    columns = {name: spans[name].tolist() for name in spans.columns}
    starts_in = columns.get("input_start", columns.get("in_start"))
    ends_in = columns.get("input_end", columns.get("in_end"))
    lengths = columns.get("original_length", columns.get("length"))
    for i, (row, field, start, end, rule) in enumerate(
        zip(
            columns["row"],
            columns["field"],
            columns["start"],
            columns["end"],
            columns["rule"],
            strict=True,
        )
    ):
        given: Span | None = None
        if starts_in is not None and ends_in is not None:
            given = (int(starts_in[i]), int(ends_in[i]), str(rule))
        elif lengths is not None:
            given = (-1, int(lengths[i]), str(rule))  # start found by alignment
        cells[(row, str(field))].append(((int(start), int(end), str(rule)), given))
    for found in cells.values():
        found.sort(key=lambda pair: pair[0][0])
    return cells


def locate_in_input(
    output: str, original: str, pairs: Sequence[tuple[Span, Span | None]]
) -> list[Span]:
    """Where each output span's original value stands in ``original`` ([] when unsure)."""
    located: list[Span] = []
    out_pos = in_pos = 0
    for number, ((start, end, rule), given) in enumerate(pairs):
        if given is not None and given[0] >= 0:
            located.append(given)
            continue
        before = output[out_pos:start]
        if original[in_pos : in_pos + len(before)] != before:
            return []  # the text was changed by something else (a transformation)
        begin = in_pos + len(before)
        following_end = pairs[number + 1][0][0] if number + 1 < len(pairs) else len(output)
        after = output[end:following_end]
        if given is not None:
            finish = begin + given[1]
        elif number + 1 == len(pairs):
            finish = len(original) - len(after) if original.endswith(after) else -1
        else:
            finish = original.find(after, begin + 1) if after else -1
        if finish <= begin:
            return []
        located.append((begin, finish, rule))
        out_pos, in_pos = end, finish
    return located


def mark_text(text: str, spans: Iterable[Span], titles: Mapping[str, str] | None = None) -> str:
    """Escape ``text`` and wrap each span in a ``<mark>`` whose hover names its rule.

    ``titles`` gives a rule's hover text (default: the rule's own name).
    """
    parts, position = [], 0
    titles = titles or {}
    for start, end, rule in spans:
        if start < position or end > len(text) or start >= end:
            continue  # overlapping or out of range: leave the text unmarked there
        kind = rule_kind(rule)
        parts.append(html.escape(text[position:start]))
        parts.append(
            f'<mark class="hit hit-{html.escape(kind)}" data-rule="{html.escape(rule)}" '
            f'title="{html.escape(titles.get(rule, rule))}">{html.escape(text[start:end])}</mark>'
        )
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def kind_colour(kind: str) -> str:
    """The highlight colour of a rule kind."""
    return KIND_COLOURS.get(kind, "#e5e7eb")


def highlight_css() -> str:
    """CSS for the ``<mark>`` classes."""
    return "".join(
        f".qinbound-preview mark.hit-{kind}{{background:{colour}}}"
        for kind, colour in KIND_COLOURS.items()
    )


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA and NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value
