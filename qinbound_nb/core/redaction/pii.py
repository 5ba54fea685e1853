"""The built-in PII detectors (email, phone, credit_card, ssn, ip) over a joined text buffer.

How one scan works: a single RE2 pattern, the alternatives of the enabled kinds, runs once
over the whole buffer (rows joined by newlines) in Latin-1 mode, so positions are UTF-8 byte
offsets and the DFA stays small. RE2 has no lookarounds, so each alternative consumes the one
byte before its value as a left boundary, and the checks look at the byte after it. The
checks also do what a regular expression cannot: the Luhn checksum for cards, digit counts for
international phones, IPv6 syntax, and context words (``version 10.2.0.1`` is not an IP; a
bare nine-digit number is an SSN only after "SSN"); :mod:`qinbound_nb.core.redaction.pii_batch` runs
them over all candidates at once. Ranges that a pattern can state, it states: IPv4 octets
0-255 without leading zeros, SSN areas other than 000/666/900-999, groups other than 00,
serials other than 0000, NANP area codes 2-9.

The patterns and what each kind accepts: :mod:`qinbound_nb.core.redaction.pii_patterns`.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from hashlib import sha256
from typing import Any

import numpy as np

from qinbound_nb.core.redaction.pii_address import find_addresses
from qinbound_nb.core.redaction.pii_batch import judge_all
from qinbound_nb.core.redaction.pii_iban import find_ibans
from qinbound_nb.core.redaction.pii_lines import Lines, Triggers
from qinbound_nb.core.redaction.pii_ner import find_entities
from qinbound_nb.core.redaction.pii_patterns import PII_KINDS, PREFILTERS, SCANNERS
from qinbound_nb.core.redaction.pii_person import find_people
from qinbound_nb.core.redaction.re2scan import match_array
from qinbound_nb.core.redaction.textbuffer import TextBuffer
from qinbound_nb.job.vocab import MaskStyle, PiiKind

__all__ = ["PII_KINDS", "PREFILTERS", "PiiHits", "find_pii", "normalize", "pii_token"]

_NON_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)


@dataclass(frozen=True)
class PiiHits:
    """Accepted values: byte spans in the buffer and their kind (an index into ``PII_KINDS``)."""

    starts: np.ndarray
    ends: np.ndarray
    kinds: np.ndarray


FINDERS = {"iban": find_ibans, "address": find_addresses, "person": find_people}
PERSON = PII_KINDS.index(PiiKind.PERSON)


def find_pii(
    data: bytes,
    kinds: frozenset[str],
    ner_model: str | None = None,
    buffer: TextBuffer | None = None,
) -> PiiHits:
    """Scan ``data`` (rows joined by ``\\n``, starting with one) for the enabled PII kinds.

    Where values of two kinds overlap, the first in this order stands: ``iban`` (a valid
    checksum is the strongest evidence), the five pattern kinds, ``address``, ``person``
    ("25 Angela Crescent" is an address, not a person), then the entities of ``ner_model``
    (an optional spaCy pipeline, :mod:`.pii_ner`). ``buffer``: the
    :class:`.textbuffer.TextBuffer` whose ``data`` this is, so the scanners read only rows
    that can hold their values (:mod:`.pii_lines`) and the detectors share its byte indexes.
    """
    triggers = Triggers(data, buffer)
    found = [_on(triggers.iban_openings(), _finder("iban"), data)] if "iban" in kinds else []
    patterned = frozenset(kinds & SCANNERS.keys())
    numbered = triggers.numbered() if patterned or "address" in kinds else None
    if patterned:
        found.append(_on(numbered, partial(_find_patterned, kinds=patterned), data))
    if "address" in kinds:
        found.append(_on(numbered, _finder("address"), data))
    if "person" in kinds:
        shared = (buffer.high_bytes, buffer.ascii_capitals) if buffer is not None else (None, None)
        starts, ends = find_people(data, *shared)
        found.append(PiiHits(starts, ends, np.full(len(starts), PERSON, dtype=np.int64)))
    if ner_model and kinds & {"person", "address"}:
        starts, ends, named = find_entities(data, ner_model, kinds)
        codes = np.asarray([PII_KINDS.index(kind) for kind in named], dtype=np.int64)
        found.append(PiiHits(starts, ends, codes))
    return _first_wins(found)


def _found(kind: str, data: bytes) -> PiiHits:
    starts, ends = FINDERS[kind](data)
    return PiiHits(starts, ends, np.full(len(starts), PII_KINDS.index(kind), dtype=np.int64))


def _finder(kind: str) -> Callable[[bytes], PiiHits]:
    return partial(_found, kind)


def _on(lines: Lines | None, find: Callable[[bytes], PiiHits], data: bytes) -> PiiHits:
    """``find`` over only ``lines`` of ``data`` (all of it when None), in ``data``'s positions."""
    if lines is None:
        return find(data)
    hits = find(lines.data)
    return PiiHits(lines.to_whole(hits.starts), lines.to_whole(hits.ends), hits.kinds)


def _first_wins(found: list[PiiHits]) -> PiiHits:
    """All hits, in buffer order, without those overlapping a hit of an earlier group."""
    starts, ends, kinds = (np.zeros(0, dtype=np.int64) for _ in range(3))
    for hits in found:
        keep = np.ones(len(hits.starts), dtype=bool)
        if len(starts):
            after = np.minimum(np.searchsorted(ends, hits.starts, side="right"), len(starts) - 1)
            keep = ~((ends[after] > hits.starts) & (starts[after] < hits.ends))
        starts = np.concatenate([starts, hits.starts[keep]])
        ends = np.concatenate([ends, hits.ends[keep]])
        kinds = np.concatenate([kinds, hits.kinds[keep]])
        order = np.argsort(starts, kind="stable")
        starts, ends, kinds = starts[order], ends[order], kinds[order]
    return PiiHits(starts, ends, kinds)


def _find_patterned(data: bytes, kinds: frozenset[str]) -> PiiHits:
    """The five pattern kinds: one RE2 scan, then the batch checks."""
    spans = match_array(_scanner(kinds), data)
    starts = spans[:, 0] + 1  # the consumed left-boundary byte
    codes, ends = judge_all(data, starts, spans[:, 1])
    # shapes tell kinds apart, so only enabled kinds come back; keep it so if a pattern changes
    accepted = np.isin(codes, [PII_KINDS.index(kind) for kind in kinds])
    return PiiHits(starts[accepted], ends[accepted], codes[accepted])


def normalize(kind: str, value: bytes) -> bytes:
    """The form a value is hashed in: lower-case emails, names and addresses, digits of
    numbers, canonical IPs, IBANs without spaces."""
    if kind in (PiiKind.EMAIL, PiiKind.PERSON, PiiKind.ADDRESS, "redacted"):
        return b" ".join(value.decode("utf-8", "replace").casefold().encode().split())
    if kind == PiiKind.IBAN:
        return value.replace(b" ", b"").upper()
    if kind == PiiKind.EMAIL:
        return value.decode("utf-8", "replace").lower().encode()
    if kind == PiiKind.IP:
        address = value.split(b"%", 1)[0].decode("ascii")
        return ipaddress.ip_address(address).compressed.encode()
    digits = value.replace(b"(0)", b"").translate(None, _NON_DIGITS)
    if kind != PiiKind.PHONE or value.startswith(b"+") or digits.startswith(b"0"):
        return (b"+" if value.startswith(b"+") else b"") + digits
    return b"+" + digits if len(digits) == 11 else b"+1" + digits


def pii_token(kind: str, normalized: bytes, style: str, mask: str, key: bytes | None) -> str:
    """The text that stands for a value: the fixed mask, ``[EMAIL]``, or ``[EMAIL:<hmac>]``."""
    if style == MaskStyle.FIXED:
        return mask
    label = kind.upper()
    if style == MaskStyle.TYPED or key is None:
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
    ordered = [SCANNERS[kind] for kind in PII_KINDS if kind in kinds and kind in SCANNERS]
    return re2.compile(b"|".join(b"(?:" + pattern + b")" for pattern in ordered), options)
