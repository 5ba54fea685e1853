"""A labelled corpus of survey-style comments with PII in varied formats and look-alike decoys.

Deterministic from a seed. Each comment is a few sentences of survey feedback; some carry one
or two PII values (email, phone, credit_card, ssn, ip) whose character spans are recorded, some
carry decoys that a careless detector flags (order and tracking numbers, Luhn-invalid card
numbers, dates, versions, prices, ZIP+4, times, out-of-range SSNs and IPs). Run as a script to
write a JSON sample: ``python bench/corpus/comments.py --n 300 --seed 7 -o sample.json``.
"""

# ruff: noqa: E501  (the format tables read best with one format per line)
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FEEDBACK = [
    "The checkout was slow and the staff seemed overwhelmed.",
    "Love the new app, but it crashes when I upload photos.",
    "Delivery arrived two days late and the box was damaged.",
    "Customer service was friendly and solved my problem quickly.",
    "I waited 45 minutes on hold before anyone answered.",
    "Prices went up again this month, which is disappointing.",
    "The store was clean and the shelves were well stocked.",
    "Great experience overall, I would recommend you to friends.",
    "The website keeps logging me out after a few minutes.",
    "My refund still has not been processed after 3 weeks.",
    "Staff at the front desk were rude and unhelpful.",
    "The product quality has improved a lot since last year.",
    "Please bring back the old loyalty programme, the new one is confusing.",
    "I gave 9/10 because the parking lot is always full.",
    "Nothing to add, everything was fine.",
    "Le service était excellent, merci beaucoup à toute l'équipe.",
    "Die Lieferung war pünktlich, aber die Verpackung war beschädigt.",
    "Très déçu par la qualité — je ne reviendrai pas.",
    "The agent, Zoë, was patient and explained everything 👍",
    "Wait times at the pharmacy are too long on weekends.",
    "I tried the chat three times and it never connected.",
    "The mobile app is fast now, thank you for fixing it.",
    "Rooms were noisy and the air conditioning did not work.",
    "The technician arrived on time and was very professional.",
    "I was charged twice for the same order and nobody replied to my emails.",
    "Stop sending me so many promotional messages.",
    "The survey is too long; please keep it to 5 questions.",
    "Good value for money, but the sizes run small.",
    "Your return policy is generous and easy to use.",
    "The self-checkout machines are always broken at this location.",
]

PII_TEMPLATES = {
    "email": [
        "You can reach me at {}.",
        "Please email {} with the update",
        "My account is registered under {} if that helps.",
        "Contact: <{}>",
        "send the receipt to {}, thanks",
    ],
    "phone": [
        "Call me back on {}.",
        "My number is {} and I am available after 5pm.",
        "Please phone {} tomorrow",
        "(mobile: {})",
        "You can text {} anytime.",
    ],
    "credit_card": [
        "My card {} was charged twice.",
        "I paid with {} and never got a receipt.",
        "The charge on card number {} is wrong.",
        "Refund it to {} please.",
    ],
    "ssn": [
        "They asked for my SSN {} on the phone, which felt wrong.",
        "My social security number is {} - why do you need it?",
        "SSN: {}",
        "I had to type my ssn {} twice.",
    ],
    "ip": [
        "The error page showed my IP as {}.",
        "Login attempts came from {} according to the alert.",
        "Your firewall blocked {} for no reason.",
        "My router at {} cannot reach your servers.",
    ],
}

DECOY_TEMPLATES = [
    "Order #{order} never arrived.",
    "My order number is {order10} and it was cancelled.",
    "Reference ORD-{year}-{n6} is still pending.",
    "The tracking number {tracking} has not updated in a week.",
    "Invoice {bad_card} looks wrong.",
    "The gift card {bad_card} did not work at the till.",
    "I visited on {date} and again on {date2}.",
    "Since version {version} the app is much slower.",
    "After updating to build {version4} everything broke.",
    "It cost {price}, which is too much.",
    "Shipping to {zip4} took forever.",
    "The store opens at {time} but staff arrive late.",
    "Ticket {ticket} was closed without a fix.",
    "The form rejected {bad_ssn} as an employee id.",
    "The app showed error code {bad_ip} again.",
    "Card ending in {last4} was declined.",
    "The book (ISBN 978-{n1}-{n2}-{n6}-{d}) arrived damaged.",
    "Windows {winver} keeps crashing on your app.",
    "The store at {lat}, {lon} was closed.",
    "Account {account} shows a balance of {price}.",
    "Serial no. SN-{bad_card} stopped working.",
    "Call 911 if it happens again, the room was 1203 and the flight UA {n4}.",
    "My new address has ZIP {zip4} and the ticket {ticket}.",
    "I have been a member since {year} with {n6} points.",
]

AREA_CODES = ["212", "305", "415", "555", "617", "702", "213", "646", "917", "808"]


def luhn_digit(digits: str) -> str:
    """The check digit that makes ``digits + check`` pass the Luhn test."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def card_number(rng: random.Random, valid: bool = True) -> str:
    prefix, length, groups = rng.choice(
        [("4", 16, [4, 4, 4, 4]), ("51", 16, [4, 4, 4, 4]), ("2221", 16, [4, 4, 4, 4]),
         ("6011", 16, [4, 4, 4, 4]), ("34", 15, [4, 6, 5]), ("37", 15, [4, 6, 5]),
         ("4", 13, [13]), ("4", 19, [4, 4, 4, 4, 3])]
    )  # fmt: skip
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    check = luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    digits = body + check
    separator = rng.choice([" ", "-", ""]) if len(groups) > 1 else ""
    parts, position = [], 0
    for size in groups:
        parts.append(digits[position : position + size])
        position += size
    return separator.join(parts)


def phone_number(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    exchange = f"{rng.randint(200, 999)}"
    line = f"{rng.randint(0, 9999):04d}"
    return rng.choice(
        [
            f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}", f"+1 {area} {exchange} {line}",
            f"+1-{area}-{exchange}-{line}", f"1-800-{exchange}-{line}",
            f"{area} {exchange} {line}", f"({area}){exchange}-{line}",
            f"+44 20 {rng.randint(7000, 8999)} {rng.randint(0, 9999):04d}",
            f"+44 (0)20 {rng.randint(7000, 8999)} {rng.randint(0, 9999):04d}",
            f"+49 30 {rng.randint(100000, 999999)}", f"+49 89 {rng.randint(1000000, 9999999)}",
            f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            f"+91 {rng.randint(70000, 99999)} {rng.randint(10000, 99999)}",
            f"+61 2 {rng.randint(8000, 9999)} {rng.randint(0, 9999):04d}",
            f"+81 3-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}",
            f"+1 ({area}) {exchange}-{line}", f"020 {rng.randint(7000, 8999)} {line}",
            f"0{rng.randint(151, 199)} {rng.randint(100, 999)} {line}",
        ]
    )  # fmt: skip


def ssn(rng: random.Random, valid: bool = True) -> str:
    if valid:
        area = rng.choice([n for n in range(1, 900) if n != 666])
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    else:
        area = rng.choice([0, 666, rng.randint(900, 999)])
        group, serial = rng.randint(0, 99), rng.randint(0, 9999)
    separator = rng.choice(["-", "-", "-", " ", ""] if valid else ["-", "-", " "])
    return f"{area:03d}{separator}{group:02d}{separator}{serial:04d}"


def email(rng: random.Random) -> str:
    first = rng.choice(["john", "maria", "li", "ahmed", "sarah", "o.brien", "zoe", "kim"])
    last = rng.choice(["doe", "garcia", "wei", "khan", "miller", "smith-jones", "lee"])
    user = rng.choice([f"{first}.{last}", f"{first}_{last}{rng.randint(1, 99)}",
                       f"{first}+survey", f"{first[0]}{last}", f"{first.upper()}.{last.upper()}"])  # fmt: skip
    domain = rng.choice(["example.com", "gmail.com", "mail.co.uk", "uni-bonn.de",
                         "sub.company.org", "outlook.fr", "EXAMPLE.NET"])  # fmt: skip
    return f"{user}@{domain}"


def ip_address(rng: random.Random) -> str:
    octets = lambda: ".".join(str(rng.randint(1, 254)) for _ in range(4))  # noqa: E731
    hexes = lambda k: ":".join(f"{rng.randint(1, 0xFFFF):x}" for _ in range(k))  # noqa: E731
    return rng.choice(
        [
            octets(), f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}", f"10.0.0.{rng.randint(1, 254)}",
            f"2001:db8:{hexes(2)}::{hexes(2)}", f"2001:0db8:85a3:0000:0000:8a2e:0370:{rng.randint(0, 0xFFFF):04x}",
            "::1", f"fe80::{hexes(4)}", f"::ffff:{octets()}", hexes(8).upper(),
        ]
    )  # fmt: skip


def decoy_values(rng: random.Random) -> dict[str, str]:
    year = rng.randint(2015, 2025)
    return {
        "order": str(rng.randint(10000, 9999999)),
        "order10": str(rng.randint(10**9, 10**10 - 1)),
        "year": str(year),
        "n6": str(rng.randint(100000, 999999)),
        "tracking": rng.choice([
            f"1Z{rng.randint(100, 999)}AA1{rng.randint(10**9, 10**10 - 1)}",
            " ".join(str(rng.randint(1000, 9999)) for _ in range(5)) + f" {rng.randint(10, 99)}",
        ]),
        "bad_card": card_number(rng, valid=False),
        "date": rng.choice([f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                            f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{year}",
                            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"]),
        "date2": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{year % 100:02d}",
        "version": f"{rng.randint(1, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "version4": f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 200)}",
        "price": rng.choice([f"${rng.randint(1, 2999):,}.{rng.randint(0, 99):02d}",
                             f"€{rng.randint(1, 500)},{rng.randint(0, 99):02d}",
                             f"USD {rng.randint(1000, 99999):,}"]),
        "zip4": f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
        "time": rng.choice([f"{rng.randint(6, 11)}:{rng.randint(0, 59):02d}",
                            f"{rng.randint(10, 23)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"]),
        "ticket": f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}",
        "bad_ssn": ssn(rng, valid=False),
        "bad_ip": f"{rng.randint(256, 999)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
        "last4": f"{rng.randint(0, 9999):04d}",
        "n1": str(rng.randint(0, 9)), "n2": str(rng.randint(10, 99)), "d": str(rng.randint(0, 9)),
        "n4": str(rng.randint(100, 9999)),
        "winver": f"10.0.{rng.randint(10000, 22999)}.{rng.randint(100, 4000)}",
        "lat": f"{rng.uniform(-80, 80):.4f}", "lon": f"{rng.uniform(-170, 170):.4f}",
        "account": f"{rng.randint(0, 10**12 - 1):012d}",
    }  # fmt: skip


VALUE_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "email": email,
    "phone": phone_number,
    "credit_card": card_number,
    "ssn": ssn,
    "ip": ip_address,
}


@dataclass
class Comment:
    """One comment and the character spans of the PII it holds."""

    text: str = ""
    entities: list[dict[str, object]] = field(default_factory=list)

    def add(self, sentence: str, value: str | None = None, kind: str | None = None) -> None:
        prefix = self.text + (" " if self.text else "")
        if value is not None and kind is not None:
            start = len(prefix) + sentence.index("{}")
            self.entities.append({"start": start, "end": start + len(value), "kind": kind})
            sentence = sentence.replace("{}", value)
        self.text = prefix + sentence


def comment(rng: random.Random, pii_share: float, decoy_share: float) -> Comment:
    """One comment: feedback sentences, maybe PII, maybe decoys, in random order."""
    parts: list[tuple[str, str | None, str | None]] = [
        (rng.choice(FEEDBACK), None, None) for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < pii_share:
        for _ in range(rng.choice([1, 1, 1, 2])):
            kind = rng.choice(list(PII_TEMPLATES))
            parts.append((rng.choice(PII_TEMPLATES[kind]), VALUE_MAKERS[kind](rng), kind))
    if rng.random() < decoy_share:
        template = rng.choice(DECOY_TEMPLATES)
        parts.append((template.format(**decoy_values(rng)), None, None))
    rng.shuffle(parts)
    result = Comment()
    for sentence, value, kind in parts:
        result.add(sentence, value, kind)
    return result


def generate(
    n: int, seed: int = 0, *, pii_share: float = 0.5, decoy_share: float = 0.4
) -> list[Comment]:
    """``n`` labelled comments, the same for the same arguments."""
    rng = random.Random(seed)
    return [comment(rng, pii_share, decoy_share) for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    comments = [{"text": c.text, "entities": c.entities} for c in generate(args.n, args.seed)]
    args.output.write_text(json.dumps(comments, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
