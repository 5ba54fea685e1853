"""The built-in PII detectors: formats they catch, look-alikes they leave, quality on a sample."""

from __future__ import annotations

import hmac
import json
import random
from collections import Counter
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from qinbound_nb.core.redaction import pii, pii_batch, pii_judge, re2scan
from qinbound_nb.core.redaction.redact import RedactionRules, redact

ALL_KINDS = ("email", "phone", "credit_card", "ssn", "ip")
SAMPLE = Path(__file__).parents[1] / "fixtures" / "redaction" / "comments_sample.json"
TYPED = RedactionRules(pii=ALL_KINDS, mask_style="typed")


def typed(text: str) -> str:
    return str(redact(pd.Series([text]), TYPED).text[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at john.doe@example.com.", "mail me at [EMAIL]."),
        ("Contact: <J.Doe+promo@mail.co.uk>", "Contact: <[EMAIL]>"),
        ("MARIA_GARCIA88@Sub.Domain.ORG, thanks", "[EMAIL], thanks"),
        ("call (555) 123-4567 today", "call [PHONE] today"),
        ("call 555-123-4567", "call [PHONE]"),
        ("call 555.123.4567!", "call [PHONE]!"),
        ("call +1 555 123 4567", "call [PHONE]"),
        ("call +1 (212) 555-0199", "call [PHONE]"),
        ("toll free 1-800-555-0199.", "toll free [PHONE]."),
        ("London +44 20 7946 0958", "London [PHONE]"),
        ("London +44 (0)20 7946 0958", "London [PHONE]"),
        ("Berlin +49 30 123456", "Berlin [PHONE]"),
        ("Paris +33 1 23 45 67 89.", "Paris [PHONE]."),
        ("UK office 020 7946 0958", "UK office [PHONE]"),
        ("text 555.123.4567@txt.att.net", "text [EMAIL]"),
        ("visa 4111 1111 1111 1111 expired", "visa [CREDIT_CARD] expired"),
        ("visa 4111-1111-1111-1111", "visa [CREDIT_CARD]"),
        ("visa 4111111111111111, exp 12/25", "visa [CREDIT_CARD], exp 12/25"),
        ("amex 3782 822463 10005", "amex [CREDIT_CARD]"),
        ("old visa 4222222222222", "old visa [CREDIT_CARD]"),
        ("card 4111-1111-1111-1111 2024", "card [CREDIT_CARD] 2024"),
        ("SSN 123-45-6789.", "SSN [SSN]."),
        ("ssn: 123 45 6789", "ssn: [SSN]"),
        ("my SSN is 123456789", "my SSN is [SSN]"),
        ("from 192.168.1.20.", "from [IP]."),
        ("host 10.0.0.1:8080 down", "host [IP]:8080 down"),
        ("v6 2001:db8:85a3::8a2e:370:7334 seen", "v6 [IP] seen"),
        ("v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334", "v6 [IP]"),
        ("loopback ::1 and fe80::1ff:fe23:4567:890a%eth0", "loopback [IP] and [IP]"),
        ("mapped ::ffff:192.0.2.128 here", "mapped [IP] here"),
        ("bracketed [2001:db8::1]:443", "bracketed [[IP]]:443"),
    ],
)
def test_detectors_mask_the_formats_users_write(text: str, expected: str) -> None:
    assert typed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order #48213376 never arrived; order number 1029384756 was cancelled.",
        "Reference ORD-2024-558812 and ticket 639-2504-82.",
        "Invoice 4111 1111 1111 1112 looks wrong (fails the Luhn check).",
        "tracking 9400 1111 2222 3333 4444 55 and 1Z999AA10123456784",
        "I visited on 2024-03-15, 03/15/2024, 15.03.2024 and 3/5/24.",
        "Since version 2.14.3 and build 10.4.2.100 and v1.2.3.4 it is slow.",
        "Windows 10.0.19045.3693 crashes; firmware 4.0.0.1 too.",
        "It cost $1,299.99 or €45,50 or USD 12,000.",
        "Ship to 98109-1234, opens at 10:30 and closes 22:15:00.",
        "Form rejected 000-12-3456, 666-12-3456, 987-65-4321, 123-00-4567 and 123-45-0000.",
        "Error code 500.10.211.27 and 256.1.1.1 and 1.2.3.4.5.",
        "The store at 47.6062, -122.3321 is closed; ISBN 978-3-16-148410-0.",
        "Account 000123456789 and a bare 123456789 without context.",
        "Call 911, room 1203, flight UA 1234, rated 9/10, 45 minutes.",
        "Serial no. SN-4111-1111-1111-1111 stopped working.",
        "SKU 123-456-7890 is not a phone (area codes start with 2-9).",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert typed(text) == text


def test_hash_tokens_are_keyed_stable_and_normalized() -> None:
    rules = RedactionRules(pii=ALL_KINDS, mask_style="hash", hash_key=b"project-secret")
    texts = pd.Series(
        [
            "Mail John.Doe@Example.com",
            "mail john.doe@example.com",
            "(555) 123-4567",
            "+1 555 123 4567",
        ]
    )
    out = redact(texts, rules).text.tolist()
    digest = hmac.new(b"project-secret", b"email:john.doe@example.com", sha256).hexdigest()
    assert out[0] == f"Mail [EMAIL:{digest[:12]}]"
    assert out[1] == f"mail [EMAIL:{digest[:12]}]"
    assert out[2] == out[3] and out[2].startswith("[PHONE:")
    other = RedactionRules(pii=ALL_KINDS, mask_style="hash", hash_key=b"another-project")
    assert redact(texts, other).text[0] != out[0]


def test_only_enabled_kinds_are_detected() -> None:
    rules = RedactionRules(pii=("email",), mask_style="typed")
    out = redact(pd.Series(["a@b.com 555-123-4567 10.0.0.1"]), rules)
    assert out.text[0] == "[EMAIL] 555-123-4567 10.0.0.1"
    assert out.counts == {"email": 1}


def test_the_fast_scan_path_agrees_with_public_finditer() -> None:
    regex = pii._scanner(frozenset(ALL_KINDS))

    class PublicOnly:
        def finditer(self, data: bytes) -> Iterator[Any]:
            return regex.finditer(data)

    texts = [c["text"] for c in json.loads(SAMPLE.read_text())]
    data = ("\n" + "\n".join(texts) + "\n").encode()
    fast = list(re2scan.match_spans(regex, data))
    assert len(fast) == 292
    assert list(re2scan.match_spans(PublicOnly(), data)) == fast
    assert re2scan.match_array(regex, data).tolist() == [list(span) for span in fast]
    assert re2scan.match_array(PublicOnly(), data).tolist() == [list(span) for span in fast]


# Pieces that build every shape the detectors weigh: grouped digits, dots, colons, zones,
# trunk "(0)", context words, non-ASCII letters and currency signs before numbers.
PIECES = [
    *"0123456789" * 6,
    *" -.:()+/%@#abcfAFsSvVt",
    *("::", "(0)", "é", "€", "\n", "\t", "ssn ", "version ", "v", "x", "1.", "555", "4111"),
    *("192.168.", "fe80::", "::ffff:", "+44 ", "SSN: ", "Tax ID", "tin ", "xos "),
    *("10.0.0.1", "8.8.8.8 ", "Updated To ", "iOS", "Build#", "fw:", "REV.", "123456789"),
]


def _candidates(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    spans = list(re2scan.match_spans(pii._scanner(frozenset(ALL_KINDS)), data))
    table = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return table[:, 0] + 1, table[:, 1]


def _one_by_one(data: bytes, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    verdicts = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        kind, accepted = pii_judge.judge(data, start, end)
        verdicts.append((pii.PII_KINDS.index(kind), accepted) if accepted else (-1, -1))
    return verdicts


@pytest.mark.parametrize("seed", range(3))
def test_batch_checks_agree_with_the_one_by_one_checks(seed: int) -> None:
    chooser = random.Random(seed)
    # context words at every distance from the value and from the start of the buffer
    texts = [
        f"{'aB'[k % 2] * k}{word}{gap}10.0.0.1 {'x' * k}ssn{gap}123456789 zz{word}{' ' * k}1.2.3.4"
        for k in range(30)
        for word in ("Version", "v", "UPDATED TO", "os")
        for gap in (" ", "\r", "\x0b\x0c", ": #", "")
    ]
    texts += [  # IPv6 with an IPv4 tail at the edges of the group count
        f"{head}{tail}1.2.3.4 "
        for head in ("1:2:3:4:5:", "1:2:3:4:5:6:")
        for tail in (":", "7:", "")
    ]
    texts += [
        "".join(chooser.choice(PIECES) for _ in range(chooser.randint(1, 60))) for _ in range(4000)
    ]
    texts += [c["text"] for c in json.loads(SAMPLE.read_text())]
    data = ("\n" + "\n".join(texts) + "\n").encode()
    starts, ends = _candidates(data)
    kinds, accepted = pii_batch.judge_all(data, starts, ends)
    batch = [
        (k, e if k >= 0 else -1) for k, e in zip(kinds.tolist(), accepted.tolist(), strict=True)
    ]
    assert set(kinds.tolist()) == {-1, 0, 1, 2, 3, 4}  # every kind accepted, some rejected
    assert batch == _one_by_one(data, starts, ends)


def _score(comments: list[dict], spans: pd.DataFrame) -> tuple[Counter, Counter, Counter]:
    """Span-overlap matching: a prediction is right when it overlaps a gold span of its kind."""
    found, missed, wrong = Counter(), Counter(), Counter()
    for row, comment in enumerate(comments):
        predicted = spans[spans["row"] == row]
        predicted = list(
            zip(predicted.input_start, predicted.input_end, predicted.kind, strict=True)
        )
        used: set[int] = set()
        for gold in comment["entities"]:
            hits = [
                i
                for i, (start, end, kind) in enumerate(predicted)
                if kind == gold["kind"] and start < gold["end"] and gold["start"] < end
            ]
            (found if hits else missed)[gold["kind"]] += 1
            used.update(hits)
        for i, (_, _, kind) in enumerate(predicted):
            if i not in used:
                wrong[kind] += 1
    return found, missed, wrong


def test_detection_quality_on_the_labelled_sample() -> None:
    comments = json.loads(SAMPLE.read_text())
    result = redact(pd.Series([c["text"] for c in comments]), TYPED)
    found, missed, wrong = _score(comments, result.spans)
    for kind in ALL_KINDS:
        assert found[kind] >= 40, f"the sample should hold enough {kind} values"
        recall = found[kind] / (found[kind] + missed[kind])
        precision = found[kind] / (found[kind] + wrong[kind])
        assert recall >= 0.97, (kind, recall)
        assert precision >= 0.97, (kind, precision)
    total_found = sum(found.values())
    f1 = 2 * total_found / (2 * total_found + sum(missed.values()) + sum(wrong.values()))
    assert f1 >= 0.99
