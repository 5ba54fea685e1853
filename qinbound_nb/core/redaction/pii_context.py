"""Context words before PII candidates, for a whole batch: version words and SSN words.

A dotted quad right after "version", "build", "v"... is a version, not an IP; a bare
nine-digit number is an SSN only after "SSN", "social security", "tax id"... Version words
are checked with numpy (the word must end where the gap of spaces, '.', ':' or '#' before
the value begins, so one position per candidate is tried); SSN words may stand anywhere in
the 40 bytes before, and bare nine-digit numbers are few, so those go one by one through
:func:`qinbound_nb.core.redaction.pii_judge.after_ssn_word`. Both agree with :mod:`pii_judge`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from qinbound_nb.core.redaction import pii_judge

_LETTER = np.zeros(256, dtype=bool)
_LETTER[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] = True
_GAP = np.zeros(256, dtype=bool)  # what may stand between a version word and its value
_GAP[list(b" \t\r\x0b\x0c.:#")] = True
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[0x41:0x5B] += 0x20


def after_version_word(data: bytes, raw: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """True where a version word stands right before ``starts`` (as ``pii_judge`` decides)."""
    reach = pii_judge.VERSION_REACH
    near = starts < reach  # the window would run off the buffer's start: one by one
    found = np.zeros(len(starts), dtype=bool)
    if len(raw) > reach and len(starts):
        found = _words_end_at_gap(raw, np.maximum(starts - reach, 0), reach)
    for index in np.flatnonzero(near).tolist():
        found[index] = pii_judge.after_version_word(data, int(starts[index]))
    return found


def after_ssn_word(data: bytes, starts: np.ndarray) -> np.ndarray:
    """True where an SSN word stands within reach before ``starts``."""
    return np.fromiter(
        (pii_judge.after_ssn_word(data, start) for start in starts.tolist()),
        dtype=bool,
        count=len(starts),
    )


def _words_end_at_gap(raw: np.ndarray, window_starts: np.ndarray, reach: int) -> np.ndarray:
    """Whether a version word, at a word boundary, ends where the gap before the value does.

    Windows are read backwards: ``before[:, 0]`` is the byte just before the value. A window
    is cut at its last newline, so a word that starts the window counts as at a boundary.
    """
    before = _LOWER[sliding_window_view(raw, reach)[window_starts][:, ::-1]]
    rows = np.arange(len(window_starts))
    word_end = np.argmax(~_GAP[before], axis=1)  # the first byte, going back, not in the gap
    found = np.zeros(len(window_starts), dtype=bool)
    for word in pii_judge.VERSION_WORDS:
        size = len(word)
        taken = word_end[:, None] + np.arange(size)
        fits = word_end + size <= reach
        spelled = (before[rows[:, None], np.minimum(taken, reach - 1)] == list(word[::-1])).all(1)
        edge = np.minimum(word_end + size, reach - 1)
        bounded = (word_end + size == reach) | ~_LETTER[before[rows, edge]]
        found |= fits & spelled & bounded
    return found
