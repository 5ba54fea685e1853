"""Open-text comments for the sandbox: four languages, planted personal data, and decoys.

Planted values are realistic in shape (Luhn-valid card numbers in the usual groupings, SSNs
in the valid ranges, North American and international phone formats, IPv4 and compressed
IPv6) but use reserved ranges where one exists (555-01xx numbers, documentation IPs,
``example`` domains). Decoys look close to personal data and are not: order numbers,
Luhn-invalid 16-digit numbers, dates, versions, prices, ZIP+4 codes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

FIRST = ("anna", "jonas", "marie", "lucas", "sofia", "liam", "emma", "noah", "chloe", "mateo")
LAST = ("schmidt", "martin", "garcia", "miller", "dubois", "lopez", "weber", "smith", "moreau")
DOMAINS = ("example.com", "example.org", "mail.example.net", "beispiel.example.de", "example.fr")

OPENINGS = {
    "EN": {
        "detractor": ("Very disappointed with the service.", "The delivery was late again."),
        "passive": ("It was okay, nothing special.", "Decent, but the wait was long."),
        "promoter": ("Great experience, friendly staff!", "Fast delivery and good quality."),
    },
    "DE": {
        "detractor": ("Sehr enttäuscht vom Service.", "Die Lieferung kam wieder zu spät."),
        "passive": ("War in Ordnung, nichts Besonderes.", "Ganz gut, aber lange Wartezeit."),
        "promoter": ("Tolles Erlebnis, freundliches Personal!", "Schnelle Lieferung, top."),
    },
    "FR": {
        "detractor": ("Très déçu du service.", "La livraison était encore en retard."),
        "passive": ("C'était correct, sans plus.", "Bien, mais l'attente était longue."),
        "promoter": ("Super expérience, personnel aimable !", "Livraison rapide, bonne qualité."),
    },
    "ES": {
        "detractor": ("Muy decepcionado con el servicio.", "La entrega llegó tarde otra vez."),
        "passive": ("Estuvo bien, nada especial.", "Correcto, pero la espera fue larga."),
        "promoter": ("¡Gran experiencia, personal amable!", "Entrega rápida y buena calidad."),
    },
}
PII_SENTENCES = {
    "EN": ("You can reach me at {email}.", "Call me back on {phone}, please.",
           "I paid with card {card} and was charged twice.",
           "Why did the clerk ask for my SSN {ssn}?", "The app says I logged in from {ip}."),
    "DE": ("Sie erreichen mich unter {email}.", "Rufen Sie mich bitte unter {phone} zurück.",
           "Ich habe mit der Karte {card} bezahlt und wurde doppelt belastet.",
           "Die Seite zeigte eine Anmeldung von {ip}."),
    "FR": ("Vous pouvez me joindre à {email}.", "Rappelez-moi au {phone}, s'il vous plaît.",
           "J'ai payé avec la carte {card} et j'ai été débité deux fois.",
           "Connexion inconnue depuis {ip} sur mon compte."),
    "ES": ("Pueden escribirme a {email}.", "Llámenme al {phone}, por favor.",
           "Pagué con la tarjeta {card} y me cobraron dos veces.",
           "Mi número de seguro social {ssn} aparece en la factura.",
           "Hubo un acceso desde {ip} a mi cuenta."),
}  # fmt: skip
DECOY_SENTENCES = {
    "EN": ("My order number is {order}.", "Gift card {fake_card} did not work.",
           "I visited on {date}.", "Since version {version} it crashes.", "It cost {price}.",
           "Ship to ZIP {zip4}."),
    "DE": ("Meine Bestellnummer ist {order}.", "Gutschein {fake_card} ging nicht.",
           "Ich war am {date} dort.", "Seit Version {version} stürzt es ab.",
           "Es kostete {price}."),
    "FR": ("Ma commande porte le numéro {order}.", "La carte cadeau {fake_card} a échoué.",
           "J'y suis allé le {date}.", "Depuis la version {version}, ça plante.",
           "Ça coûtait {price}."),
    "ES": ("Mi número de pedido es {order}.", "La tarjeta regalo {fake_card} no funcionó.",
           "Fui el {date}.", "Desde la versión {version} se cuelga.", "Costó {price}."),
}  # fmt: skip


def luhn_digit(digits: str) -> str:
    """The check digit that makes ``digits`` + it pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _card_digits(rng: random.Random) -> str:
    prefix, length = rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15),
                                 ("34", 15), ("6011", 16)))  # fmt: skip
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def _group(digits: str, rng: random.Random) -> str:
    sizes = (4, 6, 5) if len(digits) == 15 else (4, 4, 4, 4)
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return rng.choice((" ", "-", "")).join(parts)


def credit_card(rng: random.Random) -> str:
    """A Luhn-valid card number in a usual grouping."""
    return _group(_card_digits(rng), rng)


def fake_card(rng: random.Random) -> str:
    """A 16-digit number that fails the Luhn test (a decoy)."""
    digits = _card_digits(rng)
    while len(digits) != 16:
        digits = _card_digits(rng)
    broken = digits[:-1] + str((int(digits[-1]) + rng.randint(1, 9)) % 10)
    return _group(broken, rng)


def email(rng: random.Random) -> str:
    """An email address in one of several common shapes."""
    first, last, domain = rng.choice(FIRST), rng.choice(LAST), rng.choice(DOMAINS)
    shape = rng.randrange(4)
    if shape == 0:
        return f"{first}.{last}@{domain}"
    if shape == 1:
        return f"{first}{last}{rng.randint(1, 99)}@{domain}"
    if shape == 2:
        return f"{first[0]}.{last}+shop@{domain}"
    return f"{first.capitalize()}.{last.upper()}@{domain.upper()}"


def phone(rng: random.Random) -> str:
    """A phone number: North American formats or +CC international ones."""
    area, line = rng.randint(201, 989), f"01{rng.randint(0, 99):02d}"
    formats = (
        f"({area}) 555-{line}", f"{area}-555-{line}", f"{area}.555.{line}",
        f"+1 {area} 555 {line}", f"1-{area}-555-{line}",
        f"+49 30 {rng.randint(1000000, 9999999)}", f"+49 (0)89 {rng.randint(100000, 999999)}",
        f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}",
        f"+34 912 {rng.randint(100, 999)} {rng.randint(100, 999)}",
        f"+44 20 7946 0{rng.randint(100, 999)}",
    )  # fmt: skip
    return rng.choice(formats)


def ssn(rng: random.Random) -> str:
    """A US social security number in the valid ranges (no 000, 666 or 9xx area)."""
    area = rng.randint(1, 898)
    area += area >= 666  # skip the never-issued area 666
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return value if rng.random() < 0.8 else value.replace("-", " ")


def ip_address(rng: random.Random) -> str:
    """An IPv4 address (documentation or private ranges) or an IPv6 one, often compressed."""
    choice = rng.randrange(5)
    if choice == 0:
        return f"203.0.113.{rng.randint(1, 254)}"
    if choice == 1:
        return f"198.51.100.{rng.randint(1, 254)}"
    if choice == 2:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if choice == 3:
        return f"2001:db8::{rng.randint(1, 0xFFFF):x}"
    return (
        f"2001:0db8:85a3:0000:0000:8a2e:{rng.randint(0, 0xFFFF):04x}:{rng.randint(0, 0xFFFF):04x}"
    )


def _decoy_values(rng: random.Random) -> dict[str, str]:
    return {
        "order": rng.choice((f"#A-{rng.randint(100000, 999999)}",
                             f"ORD-2026-{rng.randint(1, 99999):06d}")),
        "fake_card": fake_card(rng),
        "date": rng.choice(("2026-11-03", "03/11/2026", "11.03.2026")),
        "version": f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
        "price": rng.choice(("$1,299.99", "49,90 €", "€12.50", "1.234,56 EUR")),
        "zip4": f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
    }  # fmt: skip


PII_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "email": email,
    "phone": phone,
    "card": credit_card,
    "ssn": ssn,
    "ip": ip_address,
}


def compose_comment(
    rng: random.Random, language: str, mood: str, pii_rate: float = 0.4
) -> tuple[str, set[str]]:
    """A comment in ``language`` for a detractor/passive/promoter, and the PII planted in it."""
    sentences = [rng.choice(OPENINGS[language][mood])]
    planted: set[str] = set()
    if rng.random() < pii_rate:
        for template in rng.sample(PII_SENTENCES[language], k=rng.choice((1, 1, 2))):
            kind = template.split("{", 1)[1].split("}", 1)[0]
            value = PII_MAKERS[kind](rng)
            planted.add(value)
            sentences.append(template.format(**{kind: value}))
    if rng.random() < 0.35:
        sentences.append(rng.choice(DECOY_SENTENCES[language]).format(**_decoy_values(rng)))
    return " ".join(sentences), planted
