"""Capitalised words of a UTF-8 buffer, found with numpy; byte slices and word sets in Arrow.

A word is a run of letters (ASCII letters and non-ASCII characters other than punctuation,
symbols and emoji), with an apostrophe or hyphen inside it when a capital follows
("O'Neill", "Anne-Marie"). A word is capitalised when its first character is upper case and
its second, if any, is not ("Sarah", "Łukasz", "McDonald"; not "ATM"). Two-byte characters
(Latin-1 Supplement, Latin Extended, Greek, Cyrillic) are classed by Python's own case tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import sliding_window_view

_UPPER_2BYTE = np.array([chr(point).isupper() for point in range(0x800)], dtype=bool)
_LETTER_2BYTE = np.array([chr(point).isalpha() for point in range(0x800)], dtype=bool)


@dataclass(frozen=True)
class TokenTable:
    """Byte spans of the capitalised words, in buffer order."""

    starts: np.ndarray
    ends: np.ndarray


def capitalised_words(
    raw: np.ndarray, high: np.ndarray | None = None, capitals: np.ndarray | None = None
) -> TokenTable:
    """Every capitalised word of ``raw`` (the buffer's bytes; it starts and ends with a newline).

    Only two passes look at every byte (letters, capitals); the rest works on the capitals
    and the bytes next to them. ``high`` and ``capitals``: where the bytes >= 0x80 and A-Z
    are, when the caller has them already.
    """
    letter, leads = _letters(raw, np.flatnonzero(raw >= 0x80) if high is None else high)
    if capitals is None:  # ASCII capitals, upper case already
        capitals = np.flatnonzero(_below(raw, 0x41, 26))
    leads = leads[_UPPER_2BYTE[_point(raw, leads)]]
    candidates = np.sort(np.concatenate([capitals, leads]))
    candidates = candidates[candidates > 0]
    # an apostrophe or hyphen inside a word joins it to the capital after it ("O'Neill")
    before = candidates - 1
    joined = (before >= 1) & ((raw[before] == 0x27) | (raw[before] == 0x2D))
    joined[joined] = letter[before[joined] - 1]
    letter[before[joined]] = True
    starts = candidates[~joined & ~letter[before]]
    ends = _word_ends(letter, starts)
    first_size = np.where(raw[starts] >= 0xC0, 2, 1)
    second = np.minimum(starts + first_size, len(raw) - 1)
    capital = (second >= ends) | ~_upper_at(raw, second)
    return TokenTable(starts[capital].astype(np.int64), ends[capital].astype(np.int64))


def _below(raw: np.ndarray, low: int, span: int) -> np.ndarray:
    """``low <= raw < low + span`` with one uint8 temporary (wrap-around arithmetic)."""
    shifted = np.subtract(raw, np.uint8(low))
    return np.less(shifted, np.uint8(span), out=shifted.view(bool))


def _word_ends(letter: np.ndarray, starts: np.ndarray, width: int = 16) -> np.ndarray:
    """The first non-letter at or after each start, ``width`` bytes at a time: most words
    end in the first window, the longer ones go round again (the buffer ends with a
    newline, so every word ends)."""
    ends = starts.astype(np.int64, copy=True)
    pending = np.arange(len(starts))
    while len(pending):
        at = ends[pending]
        far = at > len(letter) - width
        if far.any():  # the last few bytes: a search, not a window past the buffer's end
            tail = max(len(letter) - 2 * width, 0)
            breaks = np.flatnonzero(~letter[tail:]) + tail
            ends[pending[far]] = breaks[np.searchsorted(breaks, at[far])]
            pending, at = pending[~far], at[~far]
            if len(pending) == 0:
                break
        windows = sliding_window_view(letter, width)[at]
        offsets = np.argmin(windows, axis=1)
        ended = ~windows[np.arange(len(at)), offsets]
        ends[pending] = at + np.where(ended, offsets, width)
        pending = pending[~ended]
    return ends


def cut(data: bytes, starts: np.ndarray, ends: np.ndarray) -> pa.LargeBinaryArray:
    """``data[starts[i]:ends[i]]`` for sorted, non-overlapping spans, as one Arrow array."""
    count = len(starts)
    if count == 0:
        return pa.array([], pa.large_binary())
    cuts = np.empty(2 * count, dtype=np.int64)
    cuts[0::2], cuts[1::2] = starts, ends
    pieces = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 2 * count - 1, [None, pa.py_buffer(cuts), pa.py_buffer(data)]
    )
    return pieces.take(pa.array(np.arange(0, 2 * count - 1, 2)))


def _letters(raw: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ASCII letters, and every byte of a multi-byte character that is a letter; and where
    the two-byte characters start (judged among the bytes >= 0x80, at ``high``, only)."""
    # uint8 arithmetic, not a 256-entry table: indexing by a byte array widens every byte
    folded = np.bitwise_or(raw, np.uint8(0x20))  # one temporary, reused in place
    np.subtract(folded, np.uint8(0x61), out=folded)
    letter = np.less(folded, np.uint8(26), out=folded.view(bool))
    lead = raw[high]
    lead2 = high[(lead >= 0xC0) & (lead < 0xE0) & (high < len(raw) - 1)]
    alpha = _LETTER_2BYTE[_point(raw, lead2)]
    letter[lead2[alpha]] = True
    letter[lead2[alpha] + 1] = True
    # three-byte characters outside General Punctuation and symbols (CJK, Indic...) are letters
    lead3 = high[(lead >= 0xE0) & (lead < 0xF0) & (lead != 0xE2) & (high < len(raw) - 2)]
    for offset in range(3):
        letter[lead3 + offset] = True
    return letter, lead2


def _upper_at(raw: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Whether the character starting at each position is upper case."""
    lead = raw[positions]
    upper = (lead - np.uint8(0x41)) < 26
    two_byte = (lead >= 0xC0) & (lead < 0xE0)
    upper[two_byte] = _UPPER_2BYTE[_point(raw, positions[two_byte])]
    return upper


def _point(raw: np.ndarray, leads: np.ndarray) -> np.ndarray:
    return ((raw[leads].astype(np.int64) & 0x1F) << 6) | (raw[leads + 1] & 0x3F)


def joined_single(gaps: pa.Array) -> np.ndarray:
    """Gaps that are exactly one space."""
    return np.asarray(pc.equal(gaps, pa.scalar(b" ", pa.large_binary())).to_numpy(False))


def is_letter_byte(values: np.ndarray) -> np.ndarray:
    """ASCII letters and every byte of a non-ASCII character."""
    lower = values | 0x20
    return ((lower >= 0x61) & (lower <= 0x7A)) | (values >= 0x80)


def among(words: pa.Array, listed: str) -> np.ndarray:
    """Which ``words`` are in the space-separated list ``listed``."""
    return found_in(words, _word_set(listed))


@lru_cache(maxsize=4)
def _word_set(listed: str) -> pa.Array:
    return pa.array([word.encode() for word in listed.split()], pa.large_binary())


def found_in(values: pa.Array, value_set: pa.Array | str) -> np.ndarray:
    """Which ``values`` are in ``value_set``, or match the pattern ``value_set``."""
    if isinstance(value_set, str):
        found = pc.match_substring_regex(values, value_set)
    else:
        found = pc.is_in(values, value_set=value_set)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
