"""Substitution and redaction of text columns: the ``redact`` stage and its results.

Order, per text: (1) substitutions — exact, case-sensitive phrases, whole words where a phrase
begins or ends with a letter or digit, longest phrase first, all at once (a replacement is not
substituted again); (2) the built-in PII detectors (:mod:`qinbound_nb.core.redaction.pii`); (3) the
custom redaction patterns, each row on its own. Each step sees the previous step's output,
but a match wholly inside an earlier replacement is left alone, and one overlapping it
swallows it whole (:mod:`qinbound_nb.core.redaction.spantable`).

Speed: one pyarrow RE2 prefilter over the whole column picks the rows that can contain a hit;
only those rows are joined into one buffer, scanned by one google-re2 pass per step (the
IBAN, address and pattern scanners only over the rows holding a digit, ``@`` or ``:``:
:mod:`qinbound_nb.core.redaction.pii_lines`), and rewritten in one pass; the other rows
are never touched by Python. The stages themselves are in
:mod:`qinbound_nb.core.redaction.stages`. The regex flavour is RE2
(see :mod:`qinbound_nb.job.rulesyntax`), so matching is linear in the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.redaction import known as known_values
from qinbound_nb.core.redaction import stages
from qinbound_nb.core.redaction.results import (
    SPAN_COLUMNS,
    counts_of,
    empty_frame,
    empty_spans,
    spans_frame,
    to_series,
)
from qinbound_nb.core.redaction.rules import RedactionRules, check_fields
from qinbound_nb.core.redaction.spantable import SpanTable, merge_hits
from qinbound_nb.core.redaction.textbuffer import TextBuffer
from qinbound_nb.errors import ConfigError

__all__ = ["Redacted", "RedactedDocuments", "RedactionRules", "redact", "redact_documents"]

BATCH_ROWS = 50_000  # candidate rows redacted together


@dataclass(frozen=True)
class Redacted:
    """The result of :func:`redact`.

    Attributes:
        text: the redacted texts, same index and name, Arrow-backed strings; nulls stay null.
        spans: one row per replacement: ``row`` (index label), ``start``/``end`` (where the
            replacement stands in the output text), ``input_start``/``input_end`` (where the
            replaced value stood in the input), ``length`` (of that value), ``kind``
            (``email``... ``substitution``, ``redaction``) and ``rule`` (``email``...,
            ``substitution:<line>``, ``redaction:<line>``). Positions count characters.
        counts: hits per rule; every enabled PII kind appears, other rules once they hit.
    """

    text: pd.Series
    spans: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RedactedDocuments:
    """The result of :func:`redact_documents`: ``frame``, ``spans`` (with ``field``), counts."""

    frame: pd.DataFrame
    spans: pd.DataFrame
    counts: dict[str, int]
    counts_by_field: dict[str, dict[str, int]]


def redact(texts: pd.Series, rules: RedactionRules, known: pd.DataFrame | None = None) -> Redacted:
    """Apply substitutions, known values, PII detectors and custom redactions to ``texts``.

    Args:
        texts: a text Series (any string dtype); it is not modified.
        rules: the rules, e.g. ``RedactionRules.from_config(job.rules, hash_key=key)``.
        known: the respondent's own details, one row per text (aligned by index), one column
            per field (``RecipientFirstName``...); each value is redacted where its own row
            mentions it (rule ``known_value``).

    Returns:
        The redacted Series, the spans of every replacement and the hits per rule.
    """
    column = _to_arrow(texts)
    values = known_values.values_by_row(known, texts.index)
    rows = _candidate_rows(column, rules, values)
    texts_out, frames, counted = [], [], []
    for start in range(0, len(rows), BATCH_ROWS):  # memory bounded by a batch, not the column
        batch = rows[start : start + BATCH_ROWS]
        redacted, frame, codes = _redact_rows(column, batch, rules, values, texts.index[batch])
        texts_out.append(redacted)
        frames.append(frame)
        counted.append(codes)
    text = column
    if len(rows):
        mask = np.zeros(len(column), dtype=bool)
        mask[rows] = True
        text = pc.replace_with_mask(column, pa.array(mask), pa.concat_arrays(texts_out))
    spans = pd.concat(frames, ignore_index=True) if len(frames) > 1 else None
    pa.default_memory_pool().release_unused()  # see _to_arrow
    return Redacted(
        text=to_series(text, texts),
        spans=spans
        if spans is not None
        else frames[0]
        if frames
        else empty_frame(rules, texts.index),
        counts=counts_of(np.concatenate(counted or [np.zeros(0, np.int64)]), rules),
    )


def _redact_rows(
    column: pa.Array,
    rows: np.ndarray,
    rules: RedactionRules,
    values: dict[int, list[tuple[str, str]]],
    labels: pd.Index,
) -> tuple[pa.Array, pd.DataFrame, np.ndarray]:
    """One batch of candidate rows through every stage: texts, spans, rule codes counted."""
    original = TextBuffer.from_arrow(column.take(pa.array(rows)))
    buffer, spans = original, SpanTable.empty()
    counted = []
    in_rows = (
        {at: values[row] for at, row in enumerate(rows.tolist()) if row in values} if values else {}
    )
    redact_known = partial(stages.redact_known, in_rows)
    for stage in (stages.substitute, redact_known, stages.detect, stages.redact_custom):
        hits = stage(buffer, spans, rules, column, rows)
        buffer, spans, applied = merge_hits(buffer, spans, hits)
        counted.append(applied)
    frame = spans_frame(spans, buffer, original, labels, rules)
    return buffer.to_arrow(), frame, np.concatenate(counted)


def redact_documents(
    documents: pd.DataFrame,
    rules: RedactionRules,
    fields: Sequence[str],
    known: pd.DataFrame | None = None,
) -> RedactedDocuments:
    """Redact the text columns ``fields`` of ``documents`` (a copy; the input is kept).

    ``known`` holds each document's own details (see :func:`redact`), aligned by index.

    Returns:
        The frame with those columns redacted, every span with its ``field``, the hits per
        rule over all fields and per field.
    """
    check_fields(list(documents.columns), fields)
    frame = documents.copy(deep=False)
    spans, by_field = [], {}
    for name in fields:
        result = redact(documents[name], rules, known)
        frame[name] = result.text
        spans.append(result.spans.assign(field=name))
        by_field[name] = result.counts
    totals: dict[str, int] = {name: 0 for name in rules.pii}
    for counts in by_field.values():
        for rule, hits in counts.items():
            totals[rule] = totals.get(rule, 0) + hits
    columns = ["field", *SPAN_COLUMNS]
    all_spans = pd.concat(spans, ignore_index=True)[columns] if spans else empty_spans(columns)
    return RedactedDocuments(frame, all_spans, totals, by_field)


def _to_arrow(texts: pd.Series) -> pa.Array:
    # Freed Arrow buffers go back to the system before and after a call, so a run's peak
    # does not creep up chunk by chunk with the allocator's leftovers (about 40 MiB over
    # 12 chunks of 50,000 comments without it).
    pa.default_memory_pool().release_unused()
    try:
        column = pa.array(texts, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ConfigError(f"column {texts.name!r} is not text, so it cannot be redacted") from exc
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    textual = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if not textual and not pa.types.is_null(column.type):
        raise ConfigError(f"column {texts.name!r} holds {column.type}, not text")
    return column.cast(pa.large_string())


def _candidate_rows(
    column: pa.Array, rules: RedactionRules, values: dict[int, list[tuple[str, str]]]
) -> np.ndarray:
    """Positions of the rows some rule might hit: pyarrow's RE2 kernels for the rules (no
    Python per row), a substring test for rows that carry known values."""
    found = np.zeros(len(column), dtype=bool)
    if rules.active and len(column):
        found = stages.matches_any(column, rules.prefilters)
    if values:
        with_values = np.fromiter(values, dtype=np.int64, count=len(values))
        texts = column.take(pa.array(with_values)).to_pylist()
        hit = known_values.mentioned(texts, list(values.values()))
        found[with_values[hit]] = True
    return np.flatnonzero(found)
