"""The checks of one PII candidate, in Python: the reference the batch checks must agree with.

:mod:`qinbound_nb.core.redaction.pii_batch` judges most candidates at once with numpy; the shapes it
leaves to this module are rare (a long candidate, a number after a non-ASCII letter, an IPv6
address ending in IPv4, a card with mixed separators) or need context words before the value
(``version 10.2.0.1`` is not an IP; a bare nine-digit number is an SSN only after "SSN").
"""

from __future__ import annotations

import re

from qinbound_nb.job.vocab import PiiKind

_NON_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)
_WORDISH = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@")
_DIGITS = frozenset(b"0123456789")
_HEX = b"0123456789abcdefABCDEF"
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
# Words that make a dotted quad a version number when they stand right before it.
VERSION_WORDS = (
    *(b"v", b"ver", b"version", b"build", b"release", b"rev", b"revision", b"firmware"),
    *(b"fw", b"patch", b"update", b"updated to", b"upgraded to", b"ios", b"android", b"os"),
)
_VERSION_WORDS = re.compile(rb"(?:^|[^a-z])(?:" + b"|".join(VERSION_WORDS) + rb")[\s.:#]*$")
_SSN_WORDS = re.compile(rb"(?:ssn|ss#|social security|social sec|taxpayer id|tax id|\btin)\b")
_CURRENCIES = frozenset("€£¥₹¢₩₽")
# How far before a value its context words may stand.
VERSION_REACH = 24
SSN_REACH = 40


def judge(data: bytes, start: int, end: int) -> tuple[str, int | None]:
    """The kind of the candidate ``data[start:end]`` and where it ends if accepted (else None)."""
    if data[start] == 0x40 or b"@" in data[start:end]:  # emails need no further check
        return PiiKind.EMAIL, end
    value = data[start:end]
    if data[start - 1] >= 0x80 and not _left_ok(data, start):
        return "", None
    if b":" in value:
        return PiiKind.IP, end if _right_ok(data, end) and _ipv6_ok(value) else None
    if value[:1] in (b"+", b"("):
        return PiiKind.PHONE, _check_phone(data, end, value)
    if value.count(b".") == 3 and is_ipv4(value):
        accepted = _right_ok(data, end) and not after_version_word(data, start)
        return PiiKind.IP, end if accepted else None
    digits = value.translate(None, _NON_DIGITS)
    if len(digits) >= 13:
        return PiiKind.CREDIT_CARD, _check_card(data, start, end, value)
    if len(digits) == 9:
        return PiiKind.SSN, _check_ssn(data, start, end)
    return PiiKind.PHONE, _check_phone(data, end, value)


def after_version_word(data: bytes, start: int) -> bool:
    """True when "version", "build", "v"... stands right before ``start`` on its line."""
    before = data[max(0, start - VERSION_REACH) : start].rsplit(b"\n", 1)[-1].lower()
    return _VERSION_WORDS.search(before) is not None


def after_ssn_word(data: bytes, start: int) -> bool:
    """True when "SSN", "social security", "tax id"... stands shortly before ``start``."""
    before = data[max(0, start - SSN_REACH) : start].rsplit(b"\n", 1)[-1].lower()
    return _SSN_WORDS.search(before) is not None


def is_ipv4(value: bytes) -> bool:
    """Four decimal octets 0-255 without leading zeros."""
    parts = value.split(b".")
    return (
        len(parts) == 4
        and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)
        and not any(len(p) > 1 and p.startswith(b"0") for p in parts)
    )


def _left_ok(data: bytes, start: int) -> bool:
    """A number right after a non-ASCII letter or a currency sign is not PII."""
    if start == 0 or data[start - 1] < 0x80:
        return True
    lead = start - 1
    while lead > 0 and 0x80 <= data[lead] < 0xC0:
        lead -= 1
    char = data[lead:start].decode("utf-8", "replace")
    return not (char.isalpha() or char in _CURRENCIES)


def _right_ok(data: bytes, end: int) -> bool:
    """The value ends here: no letter, digit or '@' next, nor '.5' / '-5' continuing it."""
    after = data[end]  # the buffer always ends with a newline, after any value
    if after in _WORDISH:
        return False
    if after in b".-/":
        return data[end + 1] not in _DIGITS
    return True


def _continues_left(data: bytes, start: int) -> bool:
    """True when a digit group sits one separator before ``start`` (a longer grouped number)."""
    return start >= 2 and data[start - 1] in b" -." and data[start - 2] in _DIGITS


def _ipv6_ok(value: bytes) -> bool:
    """IPv6 syntax (what :mod:`ipaddress` accepts), checked without building an address."""
    address = value.split(b"%", 1)[0]
    head, compressed, tail = address.partition(b"::")
    if b"::" in tail or address.startswith(b":::") or address.endswith(b":::"):
        return False
    groups = [g for part in (head, tail) if part for g in part.split(b":")]
    slots = len(groups)
    if groups and b"." in groups[-1]:
        if not is_ipv4(groups.pop()):
            return False
        slots += 1
    if not all(0 < len(g) <= 4 and not g.strip(_HEX) for g in groups):
        return False
    return slots < 8 if compressed else slots == 8


def _check_card(data: bytes, start: int, end: int, value: bytes) -> int | None:
    if _continues_left(data, start):
        return None
    stops = [end]
    if b" " in value and b"-" in value:  # "4111-1111-1111-1111 2024": the last group is not ours
        stops.append(start + max(value.rfind(b" "), value.rfind(b"-")))
    for stop in stops:
        candidate = data[start:stop]
        digits = candidate.translate(None, _NON_DIGITS)
        separators = set(candidate.translate(None, b"0123456789"))
        if (
            13 <= len(digits) <= 19
            and len(separators) <= 1
            and _right_ok(data, stop)
            and len(set(digits)) > 1
            and _luhn_ok(digits)
        ):
            return stop
    return None


def _luhn_ok(digits: bytes) -> bool:
    doubled = digits[-2::-2].translate(_DOUBLED)
    return (sum(digits[-1::-2]) + sum(doubled) - 48 * len(digits)) % 10 == 0


def _check_ssn(data: bytes, start: int, end: int) -> int | None:
    if not _right_ok(data, end) or _continues_left(data, start):
        return None
    if end - start == 9 and not after_ssn_word(data, start):  # a bare nine-digit number
        return None
    return end


def _check_phone(data: bytes, end: int, value: bytes) -> int | None:
    if not _right_ok(data, end):
        return None
    digits = value.replace(b"(0)", b"").translate(None, _NON_DIGITS)
    if value.startswith(b"+"):
        return end if 8 <= len(digits) <= 15 else None
    if digits.startswith(b"0"):  # a national number with trunk prefix, e.g. UK 020 7946 0958
        return end if 10 <= len(digits) <= 11 else None
    if len(digits) == 11:
        return end if digits.startswith(b"1") else None
    return end if len(digits) == 10 else None
