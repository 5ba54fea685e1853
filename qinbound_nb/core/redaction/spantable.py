"""Where replacements stand in a rewritten buffer, and merging one stage's hits into them.

Each stage (substitutions, detectors, custom redactions) finds hits in the current buffer.
Merging applies them and keeps one table of spans, positions both in the current buffer and
in the original one. The rules for hits that meet earlier replacements: a hit wholly inside
an earlier replacement is dropped (the earlier rule already decided what stands there); a hit
that overlaps one swallows it whole, so no mask is ever cut in half; overlapping hits of one
stage merge into the first. All of it is vectorized unless some hit overlaps something.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from qinbound_nb.core.redaction.textbuffer import Edits, TextBuffer, apply_edits, binary

INT = np.int64


@dataclass(frozen=True)
class Hits:
    """One stage's matches: byte ranges in the current buffer, rule codes, replacement bytes."""

    starts: np.ndarray
    ends: np.ndarray
    rules: np.ndarray
    replacements: pa.LargeBinaryArray

    @classmethod
    def build(
        cls, starts: list[int], ends: list[int], rules: list[int], replacements: list[bytes]
    ) -> Hits:
        return cls(
            np.asarray(starts, dtype=INT),
            np.asarray(ends, dtype=INT),
            np.asarray(rules, dtype=INT),
            binary(replacements),
        )


@dataclass
class HitList:
    """Hits collected one by one (substitutions, custom patterns)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)
    replacements: list[bytes] = field(default_factory=list)

    def add(self, start: int, end: int, rule: int, replacement: bytes) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.rules.append(rule)
        self.replacements.append(replacement)

    def hits(self) -> Hits:
        return Hits.build(self.starts, self.ends, self.rules, self.replacements)


@dataclass(frozen=True)
class SpanTable:
    """Sorted, non-overlapping spans: ``start``/``end`` now, ``in_start``/``in_end`` originally."""

    start: np.ndarray
    end: np.ndarray
    in_start: np.ndarray
    in_end: np.ndarray
    rule: np.ndarray

    @classmethod
    def empty(cls) -> SpanTable:
        return cls(*(np.zeros(0, dtype=INT) for _ in range(5)))

    def take(self, index: np.ndarray) -> SpanTable:
        return SpanTable(*(column[index] for column in self._columns()))

    def concat(self, other: SpanTable) -> SpanTable:
        joined = [
            np.concatenate(pair) for pair in zip(self._columns(), other._columns(), strict=True)
        ]
        order = np.argsort(joined[0], kind="stable")
        return SpanTable(*(column[order] for column in joined))

    def to_original(self, positions: np.ndarray) -> np.ndarray:
        """Map current positions (outside every span) back to the original buffer."""
        delta = (self.end - self.start) - (self.in_end - self.in_start)
        cumulative = np.zeros(len(delta) + 1, dtype=INT)
        np.cumsum(delta, out=cumulative[1:])
        return positions - cumulative[np.searchsorted(self.end, positions, side="right")]

    def _columns(self) -> tuple[np.ndarray, ...]:
        return (self.start, self.end, self.in_start, self.in_end, self.rule)


def merge_hits(
    buffer: TextBuffer, spans: SpanTable, hits: Hits
) -> tuple[TextBuffer, SpanTable, np.ndarray]:
    """Apply ``hits`` to ``buffer``; return the new buffer, spans and the rule codes counted."""
    if len(hits.starts) == 0:
        return buffer, spans, hits.rules
    order = np.lexsort((-hits.ends, hits.starts))
    starts, ends, rules = hits.starts[order], hits.ends[order], hits.rules[order]
    replacements = hits.replacements.take(order)
    absorbed = np.zeros(len(spans.start), dtype=bool)
    counted = rules
    if _any_overlap(starts, ends, spans):
        starts, ends, rules, replacements, absorbed, counted = _resolve(
            starts, ends, rules, replacements, spans
        )
    in_start, in_end = spans.to_original(starts), spans.to_original(ends)
    edits = Edits(starts, ends, replacements)
    kept = spans.take(~absorbed)
    moved = SpanTable(
        edits.shift(kept.start), edits.shift(kept.end), kept.in_start, kept.in_end, kept.rule
    )
    new_starts = edits.new_starts()
    added = SpanTable(new_starts, new_starts + edits.new_lengths, in_start, in_end, rules)
    return apply_edits(buffer, edits), moved.concat(added), counted


def _any_overlap(starts: np.ndarray, ends: np.ndarray, spans: SpanTable) -> bool:
    if np.any(starts[1:] < ends[:-1]):
        return True
    first = np.searchsorted(spans.end, starts, side="right")
    after_last = np.searchsorted(spans.start, ends, side="left")
    return bool(np.any(after_last > first))


def _resolve(
    starts: np.ndarray,
    ends: np.ndarray,
    rules: np.ndarray,
    replacements: pa.LargeBinaryArray,
    spans: SpanTable,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.LargeBinaryArray, np.ndarray, np.ndarray]:
    """The slow path: walk the hits in order, dropping, swallowing and merging."""
    absorbed = np.zeros(len(spans.start), dtype=bool)
    kept: list[list[int]] = []  # [start, end, rule, replacement index]
    counted: list[int] = []
    triples = zip(starts.tolist(), ends.tolist(), rules.tolist(), strict=True)
    for index, (start, end, rule) in enumerate(triples):
        first = int(np.searchsorted(spans.end, start, side="right"))
        after_last = int(np.searchsorted(spans.start, end, side="left"))
        if after_last > first:
            if after_last - first == 1 and spans.start[first] <= start and end <= spans.end[first]:
                continue
            start = min(start, int(spans.start[first]))
            end = max(end, int(spans.end[after_last - 1]))
            absorbed[first:after_last] = True
        counted.append(rule)
        if kept and start < kept[-1][1]:
            kept[-1][1] = max(kept[-1][1], end)
            continue
        kept.append([start, end, rule, index])
    table = np.asarray(kept, dtype=INT).reshape(-1, 4)
    chosen = replacements.take(table[:, 3])
    return table[:, 0], table[:, 1], table[:, 2], chosen, absorbed, np.asarray(counted, dtype=INT)
