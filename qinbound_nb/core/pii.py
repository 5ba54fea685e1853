"""The built-in PII detectors (email, phone, credit_card, ssn, ip) over a joined text buffer.

How one scan works: a single RE2 pattern, the alternatives of the enabled kinds, runs once
over the whole buffer (rows joined by newlines) in Latin-1 mode, so positions are UTF-8 byte
offsets and the DFA stays small. RE2 has no lookarounds, so each alternative consumes the one
byte before its value as a left boundary, and a short check per candidate looks at the byte
after it. The check also does what a regular expression cannot: the Luhn checksum for cards,
digit counts for international phones, IPv6 syntax, and context words
(``version 10.2.0.1`` is not an IP; a bare nine-digit number is an SSN only after "SSN").
Ranges that a pattern can state, it states: IPv4 octets 0-255 without leading zeros, SSN areas
other than 000/666/900-999, groups other than 00, serials other than 0000, NANP area codes 2-9.

The patterns and what each kind accepts: :mod:`qinbound_nb.core.pii_patterns`.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import sha256
from typing import Any

from qinbound_nb.core.pii_patterns import PII_KINDS, PREFILTERS, SCANNERS

__all__ = ["PII_KINDS", "PREFILTERS", "PiiHits", "find_pii", "normalize", "pii_token"]

_NON_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)
_WORDISH = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@")
_DIGITS = frozenset(b"0123456789")
_HEX = b"0123456789abcdefABCDEF"
_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")
_VERSION_WORDS = re.compile(
    rb"(?:^|[^a-z])(?:v|ver|version|build|release|rev|revision|firmware|fw|patch|update|"
    rb"updated to|upgraded to|ios|android|os)[\s.:#]*$"
)
_SSN_WORDS = re.compile(rb"(?:ssn|ss#|social security|social sec|taxpayer id|tax id|\btin)\b")
_CURRENCIES = frozenset("€£¥₹¢₩₽")


@dataclass
class PiiHits:
    """Accepted values: byte spans in the buffer and their kind."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def find_pii(data: bytes, kinds: frozenset[str]) -> PiiHits:
    """Scan ``data`` (rows joined by ``\\n``, starting with one) for the enabled PII kinds."""
    hits = PiiHits()
    if not kinds:
        return hits
    starts, ends, found_kinds = hits.starts, hits.ends, hits.kinds
    accepted_end: int | None
    for start, end in _match_spans(_scanner(kinds), data):
        start += 1  # the consumed left-boundary byte
        if data[start] == 0x40 or b"@" in data[start:end]:  # emails need no further check
            kind, accepted_end = "email", end
        else:
            kind, accepted_end = _judge(data, start, end)
        if accepted_end is not None:
            starts.append(start)
            ends.append(accepted_end)
            found_kinds.append(kind)
    return hits


def normalize(kind: str, value: bytes) -> bytes:
    """The form a value is hashed in: lower-case emails, digits of numbers, canonical IPs."""
    if kind == "email":
        return value.decode("utf-8", "replace").lower().encode()
    if kind == "ip":
        address = value.split(b"%", 1)[0].decode("ascii")
        return ipaddress.ip_address(address).compressed.encode()
    digits = value.replace(b"(0)", b"").translate(None, _NON_DIGITS)
    if kind != "phone" or value.startswith(b"+") or digits.startswith(b"0"):
        return (b"+" if value.startswith(b"+") else b"") + digits
    return b"+" + digits if len(digits) == 11 else b"+1" + digits


def pii_token(kind: str, normalized: bytes, style: str, mask: str, key: bytes | None) -> str:
    """The text that stands for a value: the fixed mask, ``[EMAIL]``, or ``[EMAIL:<hmac>]``."""
    if style == "fixed":
        return mask
    label = kind.upper()
    if style == "typed" or key is None:
        return f"[{label}]"
    digest = hmac.new(key, kind.encode() + b":" + normalized, sha256).hexdigest()
    return f"[{label}:{digest[:12]}]"


@lru_cache(maxsize=32)
def _scanner(kinds: frozenset[str]) -> Any:
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.log_errors = False
    # Emails first: at one start, "555.123.4567@txt.att.net" is an email, not a phone.
    ordered = [SCANNERS[kind] for kind in PII_KINDS if kind in kinds]
    return re2.compile(b"|".join(b"(?:" + pattern + b")" for pattern in ordered), options)


def _match_spans(regex: Any, data: bytes) -> Iterator[tuple[int, int]]:
    """Every match's (start, end); no pattern here matches empty text.

    google-re2's ``finditer`` builds a Match object per hit; its compiled RE2 object's own
    ``Match`` returns the spans directly and scans the dense corpus about 1.7x faster. It is
    not public API, so fall back to ``finditer`` if a release drops it.
    """
    raw = getattr(getattr(regex, "_regexp", None), "Match", None)
    if raw is None:
        yield from (match.span() for match in regex.finditer(data))
        return
    import re2

    anchor, position, size = re2._re2.RE2.Anchor.UNANCHORED, 0, len(data)
    while True:
        span = raw(anchor, data, position, size)[0]
        if span[0] < 0:
            return
        yield span
        position = span[1]


def _judge(data: bytes, start: int, end: int) -> tuple[str, int | None]:
    """Classify a candidate by its shape (the alternatives cannot be confused) and check it."""
    value = data[start:end]
    if data[start - 1] >= 0x80 and not _left_ok(data, start):
        return "", None
    if b":" in value:
        return "ip", end if _right_ok(data, end) and _ipv6_ok(value) else None
    if value[:1] in (b"+", b"("):
        return "phone", _check_phone(data, end, value)
    if value.count(b".") == 3 and _is_ipv4(value):
        return "ip", _check_ipv4(data, start, end)
    digits = value.translate(None, _NON_DIGITS)
    if len(digits) >= 13:
        return "credit_card", _check_card(data, start, end, value)
    if len(digits) == 9:
        return "ssn", _check_ssn(data, start, end)
    return "phone", _check_phone(data, end, value)


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
        if not _is_ipv4(groups.pop()):
            return False
        slots += 1
    if not all(0 < len(g) <= 4 and not g.strip(_HEX) for g in groups):
        return False
    return slots < 8 if compressed else slots == 8


def _is_ipv4(value: bytes) -> bool:
    parts = value.split(b".")
    return (
        len(parts) == 4
        and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)
        and not any(len(p) > 1 and p.startswith(b"0") for p in parts)
    )


def _check_ipv4(data: bytes, start: int, end: int) -> int | None:
    if not _right_ok(data, end):
        return None
    before = data[max(0, start - 24) : start].rsplit(b"\n", 1)[-1].lower()
    return None if _VERSION_WORDS.search(before) else end


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
    if end - start == 9:  # a bare nine-digit number needs the word "SSN" (or like) before it
        before = data[max(0, start - 40) : start].rsplit(b"\n", 1)[-1].lower()
        if not _SSN_WORDS.search(before):
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
