"""The checks of all PII candidates at once: each candidate's bytes are one row of a numpy grid.

Every check of :mod:`.pii_judge` that looks only at a value and the bytes next
to it (boundaries, digit counts, separators, the Luhn sum, IPv4 octets, IPv6 groups) is done
here for the whole batch in a few array operations; context words are checked by
:mod:`.pii_context`. What needs more (a candidate longer than the grid, a
number after a non-ASCII byte, a card with mixed separators) goes to
:func:`.pii_judge.judge` one by one. The two must agree; a test holds them to
it.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from qinbound_nb.core.redaction import pii_context, pii_judge
from qinbound_nb.core.redaction.pii_patterns import PII_KINDS
from qinbound_nb.job.vocab import PiiKind

WIDTH = 64  # longest value judged in the grid; the longest phone or IPv6 is under 60 bytes
CARD_WIDTH = 24  # 19 digits and 4 separators at most
IPV4_WIDTH = 16  # 15 bytes at most, and one zero after
EMAIL, PHONE, CARD, SSN, IP = (
    PII_KINDS.index(k)
    for k in (PiiKind.EMAIL, PiiKind.PHONE, PiiKind.CREDIT_CARD, PiiKind.SSN, PiiKind.IP)
)
REJECTED = -1


def _table(members: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(members)] = True
    return table


_DIGIT = _table(b"0123456789")
_WORDISH = _table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@")
_CONTINUING = _table(b".-/")
_GROUPING = _table(b" -.")
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def judge_all(data: bytes, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Judge candidates ``data[starts[i]:ends[i]]`` (values, after their boundary byte).

    Returns:
        Each candidate's kind code (an index into ``PII_KINDS``; -1 when rejected) and the
        end of the accepted value.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    kinds = np.full(len(starts), REJECTED, dtype=np.int64)
    ends = ends.astype(np.int64, copy=True)
    one_by_one = (ends - starts > WIDTH) | (starts + WIDTH > len(raw))
    grid = _Grid(raw, starts[~one_by_one], ends[~one_by_one])
    inside = np.flatnonzero(~one_by_one)
    kinds[inside], single = grid.judge()
    one_by_one[inside[single]] = True
    _context(data, raw, kinds, starts)
    for index in np.flatnonzero(one_by_one).tolist():
        kind, end = pii_judge.judge(data, int(starts[index]), int(ends[index]))
        kinds[index] = PII_KINDS.index(kind) if end is not None else REJECTED
        ends[index] = end if end is not None else ends[index]
    return kinds, ends


def _context(data: bytes, raw: np.ndarray, kinds: np.ndarray, starts: np.ndarray) -> None:
    """Reject IPv4 values after a version word, bare nine-digit SSNs without an SSN word."""
    ipv4 = np.flatnonzero(kinds == IP + len(PII_KINDS))
    kinds[ipv4] = np.where(pii_context.after_version_word(data, raw, starts[ipv4]), REJECTED, IP)
    bare = np.flatnonzero(kinds == SSN + len(PII_KINDS))
    kinds[bare] = np.where(pii_context.after_ssn_word(data, starts[bare]), SSN, REJECTED)


def _octets_ok(grid: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Four octets 0-255, no leading zeros: digits and exactly three dots, runs of 1-3."""
    digit, dot = _DIGIT[grid], grid == 0x2E
    only = ~(~digit & ~dot & (grid != 0)).any(axis=1)
    shape = only & (np.count_nonzero(dot, axis=1) == 3) & (length <= 15)
    run_start = digit.copy()
    run_start[:, 1:] &= ~digit[:, :-1]
    empty_part = (dot[:, 1:] & dot[:, :-1]).any(axis=1) | dot[:, 0]
    empty_part |= dot[np.arange(len(grid)), np.clip(length - 1, 0, grid.shape[1] - 1)]
    four = (digit[:, :-3] & digit[:, 1:-2] & digit[:, 2:-1] & digit[:, 3:]).any(axis=1)
    leading_zero = (run_start[:, :-1] & (grid[:, :-1] == 0x30) & digit[:, 1:]).any(axis=1)
    wide = grid.astype(np.int16) - 0x30
    value = wide[:, :-2] * 100 + wide[:, 1:-1] * 10 + wide[:, 2:]
    three = run_start[:, :-2] & digit[:, 1:-1] & digit[:, 2:]
    too_big = (three & (value > 255)).any(axis=1)
    return shape & ~empty_part & ~four & ~leading_zero & ~too_big


class _Grid:
    """Candidates as rows of a ``len x WIDTH`` byte grid, zero past each value's end."""

    def __init__(self, raw: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.raw, self.starts, self.ends = raw, starts, ends
        self.length = ends - starts
        columns = np.arange(WIDTH)
        if len(starts):
            grid = sliding_window_view(raw, WIDTH)[starts]
        else:
            grid = np.zeros((0, WIDTH), np.uint8)
        self.grid = np.where(columns < self.length[:, None], grid, np.uint8(0))

    def judge(self) -> tuple[np.ndarray, np.ndarray]:
        """Kind codes (+5 for an IPv4 or bare SSN that still needs its context) and the rows
        to judge one by one."""
        grid, raw, starts = self.grid, self.raw, self.starts
        kinds = np.full(len(starts), REJECTED, dtype=np.int64)
        email = (grid == 0x40).any(axis=1)
        single = ~email & (raw[starts - 1] >= 0x80)
        undecided = ~email & ~single
        ip6 = undecided & (grid == 0x3A).any(axis=1)
        undecided &= ~ip6
        signed = undecided & ((grid[:, 0] == 0x2B) | (grid[:, 0] == 0x28))
        undecided &= ~signed
        single |= undecided & (self.length > CARD_WIDTH)  # no such value; judge it if one comes
        undecided &= ~single
        ip4 = undecided & (self.length <= 15)
        ip4[ip4] = self._ipv4(np.flatnonzero(ip4))
        undecided &= ~ip4
        digits = np.count_nonzero(_DIGIT[grid[:, :CARD_WIDTH]], axis=1)
        card = undecided & (digits >= 13)
        ssn = undecided & (digits == 9)
        phone = signed | (undecided & ~card & ~ssn)
        right = self._right_ok()
        edge = right & ~self._continues_left()
        kinds[email] = EMAIL
        ip6_rows = np.flatnonzero(ip6)
        kinds[ip6_rows[self._ipv6(ip6_rows) & right[ip6_rows]]] = IP
        kinds[ip4 & right] = IP + len(PII_KINDS)
        card_rows = np.flatnonzero(card & edge)
        card_ok, card_single = self._card(card_rows)
        kinds[card_rows[card_ok]] = CARD
        single[card_rows[card_single]] = True
        ssn_rows = np.flatnonzero(ssn & edge)
        kinds[ssn_rows] = np.where(self.length[ssn_rows] == 9, SSN + len(PII_KINDS), SSN)
        phone_rows = np.flatnonzero(phone & right)
        kinds[phone_rows[self._phone_ok(phone_rows)]] = PHONE
        kinds[single] = REJECTED
        return kinds, single

    def _right_ok(self) -> np.ndarray:
        after = self.raw[self.ends]  # the buffer ends with a newline, after any value
        next_after = self.raw[np.minimum(self.ends + 1, len(self.raw) - 1)]
        return ~_WORDISH[after] & ~(_CONTINUING[after] & _DIGIT[next_after])

    def _continues_left(self) -> np.ndarray:
        starts = self.starts
        two_back = self.raw[np.maximum(starts - 2, 0)]
        return (starts >= 2) & _GROUPING[self.raw[starts - 1]] & _DIGIT[two_back]

    def _ipv4(self, rows: np.ndarray) -> np.ndarray:
        return _octets_ok(self.grid[rows, :IPV4_WIDTH], self.length[rows])

    def _ipv6(self, rows: np.ndarray) -> np.ndarray:
        """IPv6 syntax as :func:`pii_judge._ipv6_ok` states it, an IPv4 tail included."""
        grid, index = self.grid[rows], np.arange(len(rows))
        percent = grid == 0x25
        address_end = np.where(percent.any(axis=1), np.argmax(percent, axis=1), self.length[rows])
        in_address = np.arange(WIDTH) < address_end[:, None]
        colon = (grid == 0x3A) & in_address
        colons = np.count_nonzero(colon, axis=1)
        doubled = np.count_nonzero(colon[:, 1:] & colon[:, :-1], axis=1)
        leading, trailing = colon[:, 0], colon[index, np.maximum(address_end - 1, 0)]
        leading_ok = ~leading | colon[:, 1]
        trailing_ok = ~trailing | colon[index, np.maximum(address_end - 2, 0)]
        dotted = ((grid == 0x2E) & in_address).any(axis=1)  # the pattern puts dots last only
        groups = np.where(doubled == 1, colons - leading - trailing, colons + 1) + dotted
        count_ok = np.where(doubled == 1, groups < 8, groups == 8)
        ok = (doubled <= 1) & leading_ok & trailing_ok & count_ok
        return ok & (~dotted | self._ipv4_tail(grid, colon, address_end))

    @staticmethod
    def _ipv4_tail(grid: np.ndarray, colon: np.ndarray, address_end: np.ndarray) -> np.ndarray:
        tail = WIDTH - np.argmax(colon[:, ::-1], axis=1)  # just after the last colon
        columns = np.minimum(tail[:, None] + np.arange(IPV4_WIDTH), WIDTH - 1)
        length = address_end - tail
        octets = grid[np.arange(len(grid))[:, None], columns]
        return _octets_ok(np.where(np.arange(IPV4_WIDTH) < length[:, None], octets, 0), length)

    def _card(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """13-19 digits, one kind of separator, not one repeated digit, Luhn-valid."""
        grid, index = self.grid[rows, :CARD_WIDTH], np.arange(len(rows))
        digit = _DIGIT[grid]
        digits = np.count_nonzero(digit, axis=1)
        separator = ~digit & (grid != 0)
        first_separator = grid[index, np.argmax(separator, axis=1)]
        one_kind = ~(separator & (grid != first_separator[:, None])).any(axis=1)
        first_digit = grid[index, np.argmax(digit, axis=1)]
        varied = (digit & (grid != first_digit[:, None])).any(axis=1)
        from_right = np.cumsum(digit[:, ::-1], axis=1, dtype=np.int8)[:, ::-1]
        values = np.where(digit, grid - np.uint8(0x30), np.uint8(0))
        doubled = np.where(from_right % 2 == 0, _DOUBLED[values], values)
        luhn = doubled.sum(axis=1, dtype=np.int64) % 10 == 0
        mixed = (grid == 0x20).any(axis=1) & (grid == 0x2D).any(axis=1)
        ok = (digits <= 19) & one_kind & varied & luhn & ~mixed
        return ok, mixed

    def _phone_ok(self, rows: np.ndarray) -> np.ndarray:
        """Digit counts: +CC 8-15, trunk 0 10-11, NANP 10 or 11 with a leading 1."""
        grid = self.grid[rows]
        digit = _DIGIT[grid]
        trunk = (grid[:, :-2] == 0x28) & (grid[:, 1:-1] == 0x30) & (grid[:, 2:] == 0x29)
        digit[:, 1:-1] &= ~trunk
        digits = np.count_nonzero(digit, axis=1)
        first = grid[np.arange(len(rows)), np.argmax(digit, axis=1)]
        return np.where(
            grid[:, 0] == 0x2B,
            (digits >= 8) & (digits <= 15),
            np.where(
                first == 0x30,
                (digits >= 10) & (digits <= 11),
                np.where(digits == 11, first == 0x31, digits == 10),
            ),
        )
