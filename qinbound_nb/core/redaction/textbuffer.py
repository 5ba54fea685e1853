"""One Arrow string column held as a single UTF-8 buffer, and the edits that rewrite it.

Rows are joined with a newline before each row and after the last one, so one RE2 scan covers
the whole column, a pattern that does not cross newlines cannot run from one row into the next,
and every row sits between two non-word bytes (as a text's start and end do). Positions are
byte offsets into that buffer; :meth:`TextBuffer.char_offsets` turns them into the code-point
offsets Python strings use. Rewriting applies sorted, non-overlapping edits in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NEWLINE = pa.scalar("\n", pa.large_string())
EMPTY = pa.scalar("", pa.large_string())


@dataclass(frozen=True)
class TextBuffer:
    """Rows joined as ``\\n row_0 \\n ... \\n``; row i is ``data[bounds[i]:bounds[i+1] - 1]``."""

    data: bytes
    bounds: np.ndarray

    @classmethod
    def from_arrow(cls, rows: pa.Array) -> TextBuffer:
        """Join the rows (no nulls) of a string array."""
        rows = rows.cast(pa.large_string())
        if len(rows) == 0:
            return cls(b"\n", np.ones(1, dtype=np.int64))
        joined = pc.binary_join_element_wise(rows, EMPTY, NEWLINE)
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
        offsets = offsets[joined.offset : joined.offset + len(rows) + 1]
        body = joined.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
        return cls(b"\n" + memoryview(body), offsets - offsets[0] + 1)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def to_arrow(self) -> pa.Array:
        """The rows as a ``large_string`` array."""
        offsets = pa.py_buffer(self.bounds.astype(np.int64).tobytes())
        with_newlines = pa.LargeStringArray.from_buffers(
            len(self), offsets, pa.py_buffer(self.data)
        )
        return pc.utf8_slice_codeunits(with_newlines, 0, -1)

    def row(self, index: int) -> bytes:
        """The bytes of row ``index``."""
        return self.data[self.bounds[index] : self.bounds[index + 1] - 1]

    def rows_of(self, positions: np.ndarray) -> np.ndarray:
        """The row each byte position falls in."""
        return np.searchsorted(self.bounds, positions, side="right") - 1

    def char_offsets(self, positions: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Code-point offsets of byte ``positions`` within their ``rows``."""
        local = positions - self.bounds[rows]
        if len(positions) == 0 or self.data.isascii():
            return local
        continuation = self._continuation_bytes
        before = np.searchsorted(continuation, positions)
        return local - (before - np.searchsorted(continuation, self.bounds[rows]))

    @cached_property
    def high_bytes(self) -> np.ndarray:
        """Where the bytes >= 0x80 sit (the detectors and the offsets share this pass)."""
        return np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) >= 0x80)

    @cached_property
    def ascii_capitals(self) -> np.ndarray:
        """Where the bytes A-Z sit (the IBAN and person detectors share this pass)."""
        shifted = np.subtract(np.frombuffer(self.data, dtype=np.uint8), np.uint8(0x41))
        return np.flatnonzero(np.less(shifted, np.uint8(26), out=shifted.view(bool)))

    @cached_property
    def _continuation_bytes(self) -> np.ndarray:
        """Where UTF-8 continuation bytes sit (few in most text, so a search beats a cumsum)."""
        raw, high = np.frombuffer(self.data, dtype=np.uint8), self.high_bytes
        return high[(raw[high] & 0xC0) == 0x80]


def binary(values: list[bytes]) -> pa.LargeBinaryArray:
    """Replacement bytes as the Arrow array :class:`Edits` takes."""
    return pa.array(values, pa.large_binary())


@dataclass(frozen=True)
class Edits:
    """Sorted, non-overlapping byte ranges and what replaces each (one Arrow value per edit)."""

    starts: np.ndarray
    ends: np.ndarray
    replacements: pa.LargeBinaryArray

    def shift(self, positions: np.ndarray) -> np.ndarray:
        """Where positions outside every edit land once the edits are applied."""
        return positions + self._cumulative[np.searchsorted(self.starts, positions, "left")]

    def new_starts(self) -> np.ndarray:
        """Where each edit's replacement starts in the rewritten buffer."""
        return self.starts + self._cumulative[:-1]

    @cached_property
    def new_lengths(self) -> np.ndarray:
        """The byte length of each replacement."""
        return _offsets(self.replacements)[1:] - _offsets(self.replacements)[:-1]

    @cached_property
    def _cumulative(self) -> np.ndarray:
        delta = self.new_lengths - (self.ends - self.starts)
        cumulative = np.zeros(len(delta) + 1, dtype=np.int64)
        np.cumsum(delta, out=cumulative[1:])
        return cumulative


def apply_edits(buffer: TextBuffer, edits: Edits) -> TextBuffer:
    """Rewrite ``buffer`` with ``edits`` in one pass; row bounds move with them.

    The buffer is cut, without copying, into an Arrow array of alternating kept and replaced
    pieces; one ``take`` puts the replacements in place of the replaced pieces and copies the
    result into one contiguous buffer. Per-piece Python objects (slices) would cost more, and
    most of that in garbage collection.
    """
    count = len(edits.starts)
    if count == 0:
        return buffer
    cuts = np.empty(2 * count + 2, dtype=np.int64)
    cuts[0], cuts[-1] = 0, len(buffer.data)
    cuts[1:-1:2], cuts[2:-1:2] = edits.starts, edits.ends
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(cuts) - 1, [None, pa.py_buffer(cuts), pa.py_buffer(buffer.data)]
    )
    order = np.arange(2 * count + 1, dtype=np.int64)
    order[1::2] = len(pieces) + np.arange(count)
    joined = pa.concat_arrays([pieces, edits.replacements.cast(pa.large_binary())]).take(order)
    offsets = _offsets(joined)
    data = joined.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
    return TextBuffer(data, edits.shift(buffer.bounds))


def _offsets(values: pa.Array) -> np.ndarray:
    """The value offsets of a large binary or string array (no copy)."""
    raw = np.frombuffer(values.buffers()[1], dtype=np.int64)
    return raw[values.offset : values.offset + len(values) + 1]
