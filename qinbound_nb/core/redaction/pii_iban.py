"""The ``iban`` detector: IBANs of any country, spaced or not, checked by ISO 13616 mod-97.

One RE2 scan over the joined buffer finds a country code, two check digits and 11-30 more
letters or digits (single spaces allowed between them); each candidate is then cut to its
country's registered length, which must end where the text's word ends, and the whole is
checked with mod 97, for every candidate at once with numpy (:func:`iban_end` is the same
check for one candidate, the reference the batch agrees with).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from qinbound_nb.core.redaction.re2scan import match_array

# ISO 13616 registry: country code -> IBAN length.
_REGISTRY = (
    "AD:24 AE:23 AL:28 AT:20 AZ:28 BA:20 BE:16 BG:22 BH:22 BI:27 BR:29 BY:28 CH:21 "
    "CR:22 CY:28 CZ:24 DE:22 DJ:27 DK:18 DO:28 EE:20 EG:29 ES:24 FI:18 FK:18 FO:18 "
    "FR:27 GB:22 GE:22 GI:23 GL:18 GR:27 GT:28 HN:28 HR:21 HU:28 IE:22 IL:23 IQ:23 "
    "IS:26 IT:27 JO:30 KW:30 KZ:20 LB:28 LC:32 LI:21 LT:20 LU:20 LV:21 LY:25 MC:27 "
    "MD:24 ME:22 MK:19 MN:20 MR:27 MT:31 MU:30 NI:28 NL:18 NO:15 OM:23 PK:24 PL:28 "
    "PS:29 PT:25 QA:29 RO:24 RS:22 RU:33 SA:24 SC:31 SD:18 SE:24 SI:19 SK:24 SM:27 "
    "SO:23 ST:25 SV:28 TL:23 TN:24 TR:26 UA:29 VA:22 VG:24 XK:20 YE:30"
)
# ISO 13616 registry: country code -> IBAN length.
LENGTHS = {pair[:2]: int(pair[3:]) for pair in _REGISTRY.split(" ")}
WIDTH = 64  # the longest candidate: 34 characters with a space between each
MAX_LENGTH = 34
_LENGTH_TABLE = np.zeros(676, dtype=np.int64)
for _code, _size in LENGTHS.items():
    _LENGTH_TABLE[(ord(_code[0]) - 65) * 26 + ord(_code[1]) - 65] = _size
_ALNUM_TABLE = np.zeros(256, dtype=bool)
_ALNUM_TABLE[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")] = True
SCANNER = rb"[^A-Za-z0-9][A-Z]{2}\d\d(?: ?[A-Z0-9]){11,30}"
PREFILTER = r"[A-Z]{2}\d\d ?[A-Z0-9]{4}"
_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_TO_DIGITS = {code: str(int(chr(code), 36)) for code in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def find_ibans(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of every valid IBAN in ``data`` (rows joined by newlines)."""
    spans = match_array(_scanner(), data)
    starts = spans[:, 0] + 1  # the consumed left-boundary byte
    ends, valid = _judge(np.frombuffer(data, dtype=np.uint8), starts, spans[:, 1])
    return starts[valid], ends[valid]


def _judge(raw: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every candidate at once: cut to its country's length, boundary, mod 97 (as
    :func:`iban_end` does one by one)."""
    columns = np.arange(WIDTH)
    grid = raw[np.minimum(starts[:, None] + columns, len(raw) - 1)]
    taken = (grid != 0x20) & (columns < (stops - starts)[:, None])
    counted = np.cumsum(taken, axis=1)
    country = (grid[:, 0].astype(np.int64) - 65) * 26 + grid[:, 1] - 65
    length = _LENGTH_TABLE[np.clip(country, 0, 675)]
    enough = counted[:, -1] >= length
    cut = np.argmax(counted >= np.maximum(length, 1)[:, None], axis=1) + 1
    ends = starts + cut
    bounded = ~_ALNUM_TABLE[raw[np.minimum(ends, len(raw) - 1)]]
    chars = np.zeros((len(starts), MAX_LENGTH), dtype=np.int64)
    rows, cols = np.nonzero(taken & (counted <= length[:, None]))
    chars[rows, counted[rows, cols] - 1] = grid[rows, cols]
    return ends, (length > 0) & enough & bounded & (_remainder(chars, length) == 1)


def _remainder(chars: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The rearranged IBAN (BBAN, then country and check digits) modulo 97, digit by digit."""
    value = np.where(chars >= 65, chars - 55, chars - 48)
    scale = np.where(value >= 10, 100, 10)
    remainder = np.zeros(len(chars), dtype=np.int64)
    for position in (*range(4, MAX_LENGTH), *range(4)):
        active = position < length
        step = (remainder * scale[:, position] + value[:, position]) % 97
        remainder = np.where(active, step, remainder)
    return remainder


def iban_end(data: bytes, start: int, stop: int) -> int | None:
    """Where the IBAN starting at ``start`` ends, if its length and checksum are right."""
    length = LENGTHS.get(data[start : start + 2].decode("latin-1"))
    if length is None:
        return None
    taken, position = 0, start
    while position < stop and taken < length:
        taken += data[position] != 0x20
        position += 1
    if taken < length or data[position] in _ALNUM:
        return None
    return position if is_valid(data[start:position]) else None


def is_valid(value: bytes) -> bool:
    """ISO 13616: the rearranged IBAN, letters as 10-35, is 1 modulo 97."""
    compact = value.replace(b" ", b"").upper()
    if LENGTHS.get(compact[:2].decode("latin-1")) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    if any(code not in _TO_DIGITS for code in rearranged):
        return False
    return int("".join(_TO_DIGITS[code] for code in rearranged)) % 97 == 1


@lru_cache(maxsize=1)
def _scanner() -> Any:
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.log_errors = False
    return re2.compile(SCANNER, options)
