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

_UPPER_2BYTE = np.array([chr(point).isupper() for point in range(0x800)], dtype=bool)
_LETTER_2BYTE = np.array([chr(point).isalpha() for point in range(0x800)], dtype=bool)


@dataclass(frozen=True)
class TokenTable:
    """Byte spans of the capitalised words, in buffer order."""

    starts: np.ndarray
    ends: np.ndarray


def capitalised_words(raw: np.ndarray) -> TokenTable:
    """Every capitalised word of ``raw`` (the buffer's bytes; it starts and ends with a newline).

    Only two passes look at every byte (letters, capitals); the rest works on the capitals
    and the bytes next to them.
    """
    letter, leads = _letters(raw)
    capitals = np.flatnonzero(_below(raw, 0x41, 26))  # ASCII capitals, upper case already
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


def _word_ends(letter: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The first non-letter at or after each start, eight bytes at a time: the letter flags
    (0 or 1 per byte) are read as one little-endian 64-bit word per start, and the lowest
    byte that is 0 is the end (the buffer ends with a newline, so every word ends)."""
    ends = starts.astype(np.int64, copy=True)
    pending = np.arange(len(starts))
    while len(pending):
        at = ends[pending]
        far = at > len(letter) - 8
        if far.any():  # the last few bytes: a search, not a read past the buffer
            tail = max(len(letter) - 16, 0)
            tail_breaks = np.flatnonzero(~letter[tail:]) + tail
            ends[pending[far]] = tail_breaks[np.searchsorted(tail_breaks, at[far])]
            pending, at = pending[~far], at[~far]
            if len(pending) == 0:
                break
        flags = _as_words(letter)[at]
        breaks = ~flags & np.uint64(0x0101010101010101)
        lowest = breaks & (~breaks + np.uint64(1))
        done = breaks != 0
        _, exponent = np.frexp(lowest[done].astype(np.float64))
        ends[pending[done]] = at[done] + (exponent - 1) // 8
        ends[pending[~done]] = at[~done] + 8
        pending = pending[~done]
    return ends


def _as_words(flags: np.ndarray) -> np.ndarray:
    """Every 8-byte window of a bool array as a little-endian uint64 (a view, unaligned)."""
    return np.ndarray(shape=(len(flags) - 7,), dtype="<u8", buffer=flags.data, strides=(1,))


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


def _letters(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ASCII letters, and every byte of a multi-byte character that is a letter; and where
    the two-byte characters start."""
    # uint8 arithmetic, not a 256-entry table: indexing by a byte array widens every byte
    letter = _below(np.bitwise_or(raw, np.uint8(0x20)), 0x61, 26)
    high = np.flatnonzero(raw >= 0x80)  # one pass; the lead bytes are judged among these only
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
