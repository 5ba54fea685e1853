"""Scanning only the lines that can hold a value finds what scanning the whole buffer finds."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from qinbound_nb.core.redaction import pii
from qinbound_nb.core.redaction.pii_lines import Triggers
from qinbound_nb.core.redaction.textbuffer import TextBuffer

QUIET = ["the staff were friendly", "Die Lieferung war pünktlich.", "Merci à Sophie", "ok"]
LOUD = [
    "pay to DE89 3704 0044 0532 0130 00 please",
    "mail jan@example.com or call 020 7946 0958",
    "send it to 25 Angela Crescent, London SW1A 1AA",
    "Hauptstraße 5, 10115 Berlin",
    "ssn 123-45-6789 and card 4111 1111 1111 1111",
    "server ::1 and 10.0.0.7; version 10.2.0.1",
    "é12 then GB82WEST12345698765432",
]


def joined(lines: list[str]) -> bytes:
    return ("\n" + "\n".join(lines) + "\n").encode()


def whole_buffer(data: bytes, kinds: frozenset[str]) -> pii.PiiHits:
    """find_pii as it was: every scanner over the whole buffer."""
    found = [pii._found("iban", data)] if "iban" in kinds else []
    patterned = frozenset(kinds & pii.SCANNERS.keys())
    if patterned:
        found.append(pii._find_patterned(data, patterned))
    found += [pii._found(kind, data) for kind in ("address", "person") if kind in kinds]
    return pii._first_wins(found)


@pytest.mark.parametrize("seed", range(5))
def test_lines_find_what_the_whole_buffer_finds(seed: int) -> None:
    rng = random.Random(seed)
    lines = [rng.choice(QUIET * 6 + LOUD) for _ in range(400)]
    data = joined(lines)
    kinds = frozenset(pii.PII_KINDS)
    ours, theirs = pii.find_pii(data, kinds), whole_buffer(data, kinds)
    assert len(ours.starts) > 0
    for name in ("starts", "ends", "kinds"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))


def test_sparse_lines_are_cut_out_and_mapped_back() -> None:
    data = joined(QUIET * 20 + [LOUD[0]] + QUIET * 20)
    lines = Triggers(data).iban_openings()
    assert lines is not None
    assert lines.data == b"\n" + LOUD[0].encode() + b"\n"
    at = np.array([lines.data.index(b"DE89")])
    assert data[int(lines.to_whole(at)[0]) :].startswith(b"DE89")


def test_dense_lines_use_the_whole_buffer() -> None:
    assert Triggers(joined(LOUD * 10)).numbered() is None


def test_no_trigger_leaves_an_empty_buffer() -> None:
    lines = Triggers(joined(QUIET)).iban_openings()
    assert lines is not None and lines.data == b"\n"
    assert len(pii.find_pii(joined(QUIET), frozenset({"iban", "address"})).starts) == 0


def test_a_buffers_shared_indexes_change_nothing() -> None:
    lines = [random.Random(9).choice(QUIET + LOUD) for _ in range(300)]
    buffer = TextBuffer.from_arrow(pa.array(lines, pa.large_string()))
    kinds = frozenset(pii.PII_KINDS)
    shared, alone = pii.find_pii(buffer.data, kinds, None, buffer), pii.find_pii(buffer.data, kinds)
    assert len(shared.starts) > 0
    for name in ("starts", "ends", "kinds"):
        np.testing.assert_array_equal(getattr(shared, name), getattr(alone, name))
