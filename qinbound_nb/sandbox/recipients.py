"""Who answered: recipient fields for the sandbox's email-distributed responses.

Responses that came through an email distribution carry the contact's first and last name,
email and external reference, as real exports do; about half of those whose respondent wrote
a comment mention their own name in it (a sign-off, "this is ... again"), which is what
``rules.known_values`` redacts, and some of those add a street address or an IBAN. The
fields come from their own random stream, keyed by the response, so every other value of a
response stays what it was without them.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

NAMES = {
    "EN": (("Olivia", "Harper"), ("Tobias", "Greenwood"), ("Imogen", "Fairfax"),
           ("Kwabena", "Asante"), ("Priya", "Raman"), ("Declan", "Murphy")),
    "DE": (("Jürgen", "Weiß"), ("Friederike", "Köhler"), ("Malte", "Brandt"),
           ("Hatice", "Yılmaz"), ("Ole", "Petersen")),
    "FR": (("Hélène", "Lefèvre"), ("Gaëtan", "Rousseau"), ("Solène", "Mercier"),
           ("Yannick", "Le Goff")),
    "ES": (("Íñigo", "Martínez"), ("Ximena", "Olmedo"), ("Begoña", "Arrieta"),
           ("Rodrigo", "Salvatierra")),
}  # fmt: skip
MENTIONS = {
    "EN": ("— {first}", "This is {first} {last} again, please call me.", "Thanks, {first}"),
    "DE": ("Viele Grüße, {first} {last}", "Hier ist wieder {first}."),
    "FR": ("Cordialement, {first} {last}", "C'est encore {first}, merci de me rappeler."),
    "ES": ("Saludos, {first} {last}", "Soy {first} otra vez, llámenme por favor."),
}
STREETS = {
    "EN": ("Please send the new card to {n} Angela Crescent.", "I moved to {n} Oakfield Road."),
    "DE": ("Bitte an Lindenstraße {n}, 10115 Berlin schicken.",),
    "FR": ("Envoyez-le au {n} rue des Lilas, 69003 Lyon.",),
    "ES": ("Mándenlo a Calle Mayor {n}, Madrid.",),
}
REFUNDS = {
    "EN": "Refund to my account {iban}, please.",
    "DE": "Bitte erstatten auf {iban}.",
    "FR": "Remboursez sur {iban} svp.",
    "ES": "Devuélvanlo a {iban}, por favor.",
}
MENTION_SHARE = 0.5
EXTRA_SHARE = 0.15


def recipient_values(key: str, values: dict[str, Any], language: str) -> dict[str, Any]:
    """The recipient fields of an email-distributed response, and its comment if it now
    mentions the respondent; nothing for anonymous links."""
    if values.get("distributionChannel") != "email":
        return {}
    rng = random.Random(f"{key}/recipient")
    first, last = rng.choice(NAMES.get(language, NAMES["EN"]))
    found: dict[str, Any] = {
        "recipientFirstName": first,
        "recipientLastName": last,
        "recipientEmail": f"{_ascii(first)}.{_ascii(last)}@example.com",
        "externalDataReference": f"CRM-{rng.randint(10_000, 99_999)}",
    }
    comments = [name for name in values if name.endswith("_TEXT") and values[name]]
    if comments and rng.random() < MENTION_SHARE:
        mention = rng.choice(MENTIONS.get(language, MENTIONS["EN"]))
        found[comments[0]] = f"{values[comments[0]]} {mention.format(first=first, last=last)}"
        found[comments[0]] += _extras(rng, language)
    return found


def _extras(rng: random.Random, language: str) -> str:
    """Sometimes a street address, sometimes an IBAN (valid: German, mod-97 check digits)."""
    extra = ""
    if rng.random() < EXTRA_SHARE:
        extra += " " + rng.choice(STREETS.get(language, STREETS["EN"])).format(
            n=rng.randint(2, 180)
        )
    if rng.random() < EXTRA_SHARE:
        bban = "".join(str(rng.randint(0, 9)) for _ in range(18))
        check = 98 - int(bban + "131400") % 97
        iban = f"DE{check:02d}{bban}"
        spaced = " ".join(iban[at : at + 4] for at in range(0, len(iban), 4))
        extra += " " + REFUNDS.get(language, REFUNDS["EN"]).format(iban=spaced)
    return extra


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")
