"""The person, address and iban detectors: what they catch, the decoys they leave alone."""

from __future__ import annotations

import random

import pandas as pd
import pytest
import re2

from qinbound_nb import RedactionRules, redact
from qinbound_nb.core.redaction import pii_iban
from qinbound_nb.core.redaction import redact as redact_module

NEW_KINDS = ("person", "address", "iban")
EVERY_KIND = ("email", "phone", "credit_card", "ssn", "ip", *NEW_KINDS)
TYPED = RedactionRules(pii=EVERY_KIND, mask_style="typed")


def typed(text: str) -> str:
    return str(redact(pd.Series([text]), TYPED).text[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks to Sarah Miller at the front desk", "thanks to [PERSON] at the front desk"),
        ("my name is Jan Kowalski, call me back", "my name is [PERSON], call me back"),
        ("Dr. Okafor explained everything", "Dr. [PERSON] explained everything"),
        ("Sarah was great.", "[PERSON] was great."),
        ("I spoke with Zorblat Quenn yesterday", "I spoke with [PERSON] yesterday"),
        ("ask for Łukasz next time", "ask for [PERSON] next time"),
        ("Merci à Mme Dubois pour son aide", "Merci à Mme [PERSON] pour son aide"),
        ("Herr Müller war sehr nett", "Herr [PERSON] war sehr nett"),
        ("La Sra. García me ayudó mucho", "La Sra. [PERSON] me ayudó mucho"),
        ("Grazie a Giulia Bianchi!", "Grazie a [PERSON]!"),
        ("Mark Johnson helped me", "[PERSON] helped me"),
        ("I met Kwame Mensah at the desk", "I met [PERSON] at the desk"),
        ("and Kwabena explained the fees", "and [PERSON] explained the fees"),
        ("Anne-Marie O'Neill called back", "[PERSON] called back"),
        ("this is Sven again", "this is [PERSON] again"),
        ("This is Zorblat again, still waiting", "This is [PERSON] again, still waiting"),
        ("I'm Kwame Mensah from Leeds", "I'm [PERSON] from Leeds"),
        ("agent Tomasz was quick", "agent [PERSON] was quick"),
        ("Cheers, Zorblat", "Cheers, [PERSON]"),
        ("hi Zorblat", "hi [PERSON]"),
        ("Great stay. Best, Zorblat.", "Great stay. Best, [PERSON]."),
        ("Kwabena explained the fees", "[PERSON] explained the fees"),
        ("Sorry. Tortelan apologised twice.", "Sorry. [PERSON] apologised twice."),
        ("Grace apologised for the wait.", "[PERSON] apologised for the wait."),
        ("Viele Grüße, Hannah Schmidt", "Viele Grüße, [PERSON]"),
        ("Cordialement, Quenor Valix", "Cordialement, [PERSON]"),
        ("Pozdrawiam, Zorblat", "Pozdrawiam, [PERSON]"),
    ],
)
def test_person_names_are_caught(text: str, expected: str) -> None:
    assert typed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mark my words, this is bad",
        "I paid the bill late",
        "I will call again",
        "the grace period was short",
        "we stayed in the Rose Garden suite",
        "Apple Pay did not work",
        "Microsoft Teams kept crashing",
        "Premium Plus is too expensive",
        "I flew to New York and Berlin",
        "See you on Monday in May",
        "Great service overall. Delivery was late.",
        "Kowloon is beautiful",
        "we visited Kowloon in May",
        "Die Lieferung war pünktlich, aber die Verpackung war beschädigt.",
        "Best Buy had it cheaper",
        "I'm Canadian and annoyed",
        "This is Ridiculous",
        "the Grand Hyatt was lovely",
        "Harry Potter World was packed",
        "Ich bin Kunde seit Jahren",
        "Je suis Client depuis 2010",
        "Nobody listened to me",
        "Shipping took forever",
        "Reception explained nothing",
        "Management promised a refund",
        "Best, the team",
        "Cheers, Zorblat and the others were late",
        "Will you apologise? I will call again.",
    ],
)
def test_person_decoys_are_left_alone(text: str) -> None:
    assert typed(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send it to 25 Angela Crescent please", "send it to [ADDRESS] please"),
        ("Flat 3, 12 High Street, London SW1A 1AA", "[ADDRESS]"),
        ("I live at 1423 Oak Street.", "I live at [ADDRESS]."),
        ("Hauptstraße 5, 10115 Berlin", "[ADDRESS]"),
        ("bring it to Berliner Straße 12", "bring it to [ADDRESS]"),
        ("Calle Mayor 12, Madrid", "[ADDRESS], Madrid"),
        ("Rua Augusta, 100", "[ADDRESS]"),
        ("ul. Długa 7", "[ADDRESS]"),
        ("Via Roma 12, 00184 Roma", "[ADDRESS]"),
        ("12 rue de la Paix, 75002 Paris", "[ADDRESS]"),
        ("Keizersgracht 123", "[ADDRESS]"),
        ("1600 Pennsylvania Avenue NW, Washington, DC 20500", "[ADDRESS]"),
    ],
)
def test_street_addresses_are_caught(text: str, expected: str) -> None:
    assert typed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hauptstraße is always busy",
        "Calle Mayor was lovely at night",
        "I love Berlin",
        "waited 20 minutes on the road",
        "Gate 5 was closed",
        "room 12 was noisy",
    ],
)
def test_a_street_or_city_alone_is_not_an_address(text: str) -> None:
    assert typed(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please"),
        ("pay to DE89370400440532013000.", "pay to [IBAN]."),
        ("GB82 WEST 1234 5698 7654 32", "[IBAN]"),
        ("NL91ABNA0417164300 ok", "[IBAN] ok"),
        ("FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
    ],
)
def test_valid_ibans_are_caught(text: str, expected: str) -> None:
    assert typed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE89 3704 0044 0532 0130 01 (one digit off)",
        "DE89370400440532013000123 is too long",
        "XX89 3704 0044 0532 0130 00 is no country",
        "order AB12 3456 7890 1234 shipped",
    ],
)
def test_invalid_ibans_are_left_alone(text: str) -> None:
    assert typed(text) == text


def test_iban_checksum_and_lengths() -> None:
    assert pii_iban.is_valid(b"DE89 3704 0044 0532 0130 00")
    assert not pii_iban.is_valid(b"DE89 3704 0044 0532 0130 0")
    assert pii_iban.LENGTHS["DE"] == 22 and pii_iban.LENGTHS["NO"] == 15


def test_an_address_wins_over_a_name_inside_it() -> None:
    result = redact(pd.Series(["post it to 25 Angela Crescent, Sarah"]), TYPED)
    assert result.text[0] == "post it to [ADDRESS], [PERSON]"
    assert result.counts["address"] == 1 and result.counts["person"] == 1


def test_the_new_kinds_hash_like_the_others() -> None:
    rules = RedactionRules(pii=NEW_KINDS, mask_style="hash", hash_key=b"k")
    texts = pd.Series(["thanks to Sarah Miller", "THANKS TO sarah miller", "Sarah Miller helped"])
    tokens = redact(texts, rules).text
    assert tokens[0].startswith("thanks to [PERSON:") and tokens[0][10:] == tokens[2][:-7]


def test_the_existing_kinds_are_unchanged_by_the_new_ones() -> None:
    text = "card 4111 1111 1111 1111, call 555-123-4567, Sarah"
    assert typed(text) == "card [CREDIT_CARD], call [PHONE], [PERSON]"


def test_the_batch_iban_check_agrees_with_the_one_by_one_check() -> None:
    rng = random.Random(5)
    texts = []
    for _ in range(400):
        body = "".join(rng.choice("0123456789") for _ in range(18))
        check = rng.choice((98 - int(body + "131400") % 97, rng.randint(2, 98)))
        iban = f"DE{check:02d}{body}" + rng.choice(("", "7", " 12", "X"))
        spaced = " ".join(iban[at : at + 4] for at in range(0, len(iban), 4))
        texts.append(rng.choice((iban, spaced)))
    data = ("\n" + "\n".join(texts) + "\n").encode()
    starts, ends = pii_iban.find_ibans(data)
    expected = []
    for match in re2.finditer(pii_iban.SCANNER, data):
        end = pii_iban.iban_end(data, match.start() + 1, match.end())
        if end is not None:
            expected.append((match.start() + 1, end))
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected
    assert 50 < len(expected) < 350


def test_batches_of_rows_give_what_one_batch_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = pd.Series(
        ["thanks to Sarah Miller", "no pii", "IBAN DE89 3704 0044 0532 0130 00", "mail a@b.co"] * 5,
        index=range(100, 120),
    )
    whole = redact(texts, TYPED)
    monkeypatch.setattr(redact_module, "BATCH_ROWS", 3)
    batched = redact(texts, TYPED)
    assert batched.text.tolist() == whole.text.tolist()
    pd.testing.assert_frame_equal(batched.spans, whole.spans)
    assert batched.counts == whole.counts


def test_names_among_rows_picked_for_other_kinds_are_found_as_alone() -> None:
    texts = [
        "mail me at anna@example.com",
        "thanks to Sarah Miller at the desk",
        "call 555-123-4567 today",
        "Cheers, Zorblat",
        "",
        "IBAN DE89 3704 0044 0532 0130 00, Dr. Okafor",
        "Kwabena explained the fees at 25 Angela Crescent",
    ]
    together = redact(pd.Series(texts), TYPED).text.tolist()
    assert together == [typed(text) for text in texts]
    assert "[PERSON]" in together[1] and "[PERSON]" in together[5]
