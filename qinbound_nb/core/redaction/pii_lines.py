"""The lines of a joined buffer that can hold a kind, cut out so a scan reads only those.

Every value the IBAN, address and pattern scanners accept holds a digit, an ``@`` or a
``:``; an IBAN starts with two capitals and two digits. In a survey column most lines hold
none of these, so each scanner gets a buffer of only the lines that do (found with numpy, a
few passes over the bytes), and its positions are mapped back. No scanner's match crosses a
newline and no check reads past one, so the matches are the same as over the whole buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa

from qinbound_nb.core.redaction.textbuffer import TextBuffer

FULL_SHARE = 0.8  # a subset holding more of the bytes than this is not worth the copy


@dataclass(frozen=True)
class Lines:
    """Some lines of a buffer: ``data`` is ``\\n`` and each line with its newline."""

    data: bytes
    starts: np.ndarray  # where each line starts in ``data``
    origin: np.ndarray  # where it starts in the whole buffer

    def to_whole(self, positions: np.ndarray) -> np.ndarray:
        """Positions in ``data`` as positions in the whole buffer."""
        if len(self.starts) == 0 or len(positions) == 0:
            return positions
        line = np.searchsorted(self.starts, positions, side="right") - 1
        return positions + (self.origin - self.starts)[line]


class Triggers:
    """Which lines of a buffer hold a digit, ``@`` or ``:``, or an IBAN's opening."""

    def __init__(self, data: bytes, buffer: TextBuffer | None = None) -> None:
        """``buffer``: the :class:`.textbuffer.TextBuffer` whose ``data`` this is (its rows
        and byte indexes are used); without it every newline starts a line."""
        self.data = data
        self.raw = np.frombuffer(data, dtype=np.uint8)
        self.buffer = buffer
        if buffer is None:
            self.bounds = np.flatnonzero(self.raw == 0x0A) + 1
        else:
            self.bounds = buffer.bounds.astype(np.int64, copy=False)

    @cached_property
    def capitals(self) -> np.ndarray:
        """Where the bytes A-Z are (the buffer's own index when there is one)."""
        if self.buffer is not None:
            return self.buffer.ascii_capitals
        return np.flatnonzero(_within(self.raw, 0x41, 26))

    @cached_property
    def _marked(self) -> np.ndarray:
        """Bytes 0x30-0x40: the digits, ``:`` and ``@`` (``;<=>?`` come along, harmlessly)."""
        return _within(self.raw, 0x30, 17)

    def numbered(self) -> Lines | None:
        """The lines with a digit, ``@`` or ``:`` (None: use the whole buffer)."""
        bounds = self.bounds
        return self._lines(np.flatnonzero(np.logical_or.reduceat(self._marked, bounds[:-1] - 1)))

    def iban_openings(self) -> Lines | None:
        """The lines with two capitals, then two digits (read next to each capital only)."""
        raw = self.raw
        first = self.capitals[self.capitals < len(raw) - 3]
        following = ((raw[first + 1] - np.uint8(0x41)) < 26) & (
            (raw[first + 2] - np.uint8(0x30)) < 10
        )
        first = first[following]
        opening = first[(raw[first + 3] - np.uint8(0x30)) < 10]
        return self._lines(np.unique(np.searchsorted(self.bounds, opening, side="right") - 1))

    def _lines(self, chosen: np.ndarray) -> Lines | None:
        bounds = self.bounds
        if (bounds[chosen + 1] - bounds[chosen]).sum() > FULL_SHARE * len(self.raw):
            return None
        return _cut_lines(self.data, bounds, chosen)


def _within(raw: np.ndarray, low: int, span: int) -> np.ndarray:
    """``low <= raw < low + span``, with one temporary (uint8 wrap-around)."""
    shifted = np.subtract(raw, np.uint8(low))
    return np.less(shifted, np.uint8(span), out=shifted.view(bool))


def _cut_lines(data: bytes, bounds: np.ndarray, chosen: np.ndarray) -> Lines:
    """One Arrow ``take`` of the chosen lines (each with its newline) into a new buffer."""
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(bounds) - 1, [None, pa.py_buffer(bounds), pa.py_buffer(data)]
    )
    taken = pieces.take(pa.array(chosen))
    offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)[: len(chosen) + 1]
    body = memoryview(taken.buffers()[2])[: int(offsets[-1])] if len(chosen) else b""
    return Lines(b"\n" + body, offsets[:-1] + 1, bounds[chosen])
