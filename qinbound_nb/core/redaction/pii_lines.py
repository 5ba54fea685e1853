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
    """Where a buffer's digits, ``@``, ``:`` and IBAN openings are, and the lines they are on."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw = np.frombuffer(data, dtype=np.uint8)

    @cached_property
    def _newlines(self) -> np.ndarray:
        return np.flatnonzero(self.raw == 0x0A)

    @cached_property
    def _marks(self) -> np.ndarray:
        """Bytes 0x30-0x40: the digits, ``:`` and ``@`` (and ``;<=>?``, harmless extras)."""
        shifted = np.subtract(self.raw, np.uint8(0x30))
        return np.flatnonzero(np.less(shifted, np.uint8(17), out=shifted.view(bool)))

    @cached_property
    def _digits(self) -> np.ndarray:
        return self._marks[self.raw[self._marks] <= 0x39]

    def numbered(self) -> Lines | None:
        """The lines with a digit, ``@`` or ``:`` (None: use the whole buffer)."""
        return self._lines(self._marks)

    def iban_openings(self) -> Lines | None:
        """The lines with two capitals, then two digits."""
        digits = self._digits
        digits = digits[(digits >= 2) & (digits < len(self.raw) - 1)]
        raw = self.raw
        capital = ((raw[digits - 1] - np.uint8(0x41)) < 26) & (
            (raw[digits - 2] - np.uint8(0x41)) < 26
        )
        following = (raw[digits + 1] - np.uint8(0x30)) < 10
        return self._lines(digits[capital & following])

    def _lines(self, positions: np.ndarray) -> Lines | None:
        newlines = self._newlines
        picked = np.zeros(len(newlines) - 1, dtype=bool)
        picked[np.searchsorted(newlines, positions, side="right") - 1] = True
        chosen = np.flatnonzero(picked)
        sizes = newlines[chosen + 1] - newlines[chosen]
        if sizes.sum() > FULL_SHARE * len(self.raw):
            return None
        return _cut_lines(self.data, newlines, chosen)


def _cut_lines(data: bytes, newlines: np.ndarray, chosen: np.ndarray) -> Lines:
    """One Arrow ``take`` of the chosen lines (each with its newline) into a new buffer."""
    offsets = (newlines + 1).astype(np.int64)
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    taken = pieces.take(pa.array(chosen))
    taken_offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)[: len(chosen) + 1]
    body = taken.buffers()[2][: int(taken_offsets[-1])].to_pybytes() if len(chosen) else b""
    return Lines(b"\n" + body, taken_offsets[:-1] + 1, offsets[chosen])
