"""A labelled corpus of survey comments with people's names, street addresses and IBANs.

Deterministic from a seed. Names come from ten locales (en, de, fr, es, it, nl, pl, pt, tr,
in); a quarter of them are invented from syllables, so no list can hold them. Comments are in
the eight languages of the detector, with names after titles, after cue phrases, alone, and
as full names; addresses in each country's street format, with or without postcode and city;
IBANs of ten countries, spaced or not. Each person value carries ``invented``: True for
names made from syllables, which no word list of the detector holds (checked against
``person_lexicon``), False for names from the real-name lists above. Decoys are what a
careless detector flags: brands and products, places, months and weekdays, sentence-opening
words, names used as words ("Mark my words", "the bill", "grace period", "the Rose Garden
suite"), streets and cities without a house number, IBANs with a wrong check digit, order
references. Written by the same hands as
the detector, so it flatters it. Run as a script to write a sample:
``python bench/corpus/people.py --n 300 -o sample.json``.
"""

# ruff: noqa: E501  (the word lists and templates read best one per line)
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

NAMES = {  # first names | last names, per locale (not the detector's lexicon)
    "en": (
        "Emily Jack Olivia George Amelia Harry Sophie Thomas Grace Daniel Megan Ryan Chloe Nathan Holly Owen",
        "Smith Jones Taylor Brown Wilson Evans Walker Wright Robinson Thompson Hughes Edwards Clarke Harrison",
    ),
    "de": (
        "Lukas Anna Jonas Lea Felix Lena Maximilian Hannah Tobias Katrin Sebastian Johanna Moritz Greta",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch Richter Klein Wolf",
    ),
    "fr": (
        "Camille Lucas Chloé Hugo Manon Théo Léa Antoine Juliette Mathieu Élodie Julien Margaux Baptiste",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel",
    ),
    "es": (
        "Lucía Hugo María Pablo Carmen Javier Sofía Alejandro Elena Diego Paula Álvaro Marta Sergio",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz",
    ),
    "it": (
        "Giulia Lorenzo Francesca Matteo Chiara Alessandro Sara Federico Martina Riccardo Elisa Davide",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Lombardi",
    ),
    "nl": (
        "Daan Emma Sem Julia Bram Sanne Thijs Lotte Ruben Femke Joost Anouk Wouter Marieke",
        "de Jong Jansen de Vries van den Berg van Dijk Bakker Visser Smit Meijer de Boer Mulder de Groot Bos",
    ),
    "pl": (
        "Jakub Anna Kacper Zuzanna Mateusz Julia Łukasz Katarzyna Paweł Agnieszka Michał Magdalena Wojciech",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski",
    ),
    "pt": (
        "João Maria Pedro Ana Tiago Beatriz Rafael Mariana Gonçalo Inês Lucas Juliana Rodrigo Catarina",
        "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes Gonçalves Almeida",
    ),
    "tr": (
        "Mehmet Ayşe Mustafa Fatma Emre Zeynep Burak Elif Murat Merve Can Selin Kerem Derya",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan",
    ),
    "in": (
        "Aarav Priya Rohan Ananya Vikram Divya Arjun Sneha Rahul Kavya Nikhil Pooja Karthik Shreya",
        "Sharma Patel Singh Kumar Gupta Reddy Iyer Nair Mehta Joshi Rao Chopra Desai Bose",
    ),
}
SYLLABLES = (
    "ka lo mi re zu ven tor ash bel quin dar ny sa rho ek val mon fi tel ura gis po dre lan ix ob"
)
TITLES = {
    "en": ("Mr", "Mrs", "Ms", "Dr"),
    "de": ("Herr", "Frau"),
    "fr": ("M.", "Mme"),
    "es": ("Sr.", "Sra."),
    "it": ("Dott.", "Sig."),
    "nl": ("Dhr.",),
    "pl": ("Pan", "Pani"),
    "pt": ("Sr.", "Dona"),
}
PERSON = {  # {f} first, {l} last, {n} full, {t} title (titles join the last name)
    "en": (
        "Thanks to {n} at the front desk.",
        "My name is {n}, please call me back.",
        "{t} {l} explained everything clearly.",
        "I spoke with {n} yesterday and nothing happened.",
        "Ask for {f} next time, she knows the system.",
        "The agent {f} was very patient.",
        "{f} was great with the kids.",
        "This is {f} again, still waiting.",
        "{n} sorted out my refund in minutes.",
        "Please pass my thanks to {f}.",
        "I was served by {n} and it went well.",
        "Regards, {n}",
        "Best, {f}",
        "{f} apologised for the wait.",
    ),
    "de": (
        "Vielen Dank an {n} vom Kundendienst.",
        "{t} {l} war sehr freundlich.",
        "Mein Name ist {n}, bitte rufen Sie zurück.",
        "Ich habe mit {n} gesprochen.",
        "Viele Grüße, {n}",
    ),
    "fr": (
        "Merci à {t} {l} pour son aide.",
        "Je m'appelle {n}, rappelez-moi.",
        "J'ai parlé avec {n} hier.",
        "Grâce à {f} tout est réglé.",
        "Cordialement, {n}",
    ),
    "es": (
        "Gracias a {n} por la ayuda.",
        "Me llamo {n} y nadie me ha llamado.",
        "La {t} {l} me ayudó mucho.",
        "Hablé con {f} ayer.",
    ),
    "it": (
        "Grazie a {n} per la pazienza.",
        "Mi chiamo {n}, aspetto una risposta.",
        "Il {t} {l} è stato gentile.",
    ),
    "nl": (
        "Dank aan {n} voor de hulp.",
        "Mijn naam is {n}, bel me terug.",
        "{t} {l} was erg vriendelijk.",
    ),
    "pl": (
        "Dziękuję, {t} {f} bardzo pomogła.",
        "Nazywam się {n}, proszę o kontakt.",
        "Rozmawiałem z {n} wczoraj.",
        "Pozdrawiam, {f}",
    ),
    "pt": ("Obrigado ao {n} pela ajuda.", "O meu nome é {n}, liguem-me.", "Falei com {f} ontem."),
}
SIGN_OFFS = {
    "Regards, {n}",
    "Best, {f}",
    "Viele Grüße, {n}",
    "Cordialement, {n}",
    "Pozdrawiam, {f}",
}
STREETS = {  # {s} street name, {h} house number, {c} city, {p} postcode
    "en": (
        "{h} {s} Street",
        "{h} {s} Road",
        "{h} {s} Crescent",
        "Flat {u}, {h} {s} Lane",
        "{h} {s} Avenue, {c} {uk}",
        "{h} {s} Drive",
    ),
    "de": ("{s}straße {h}", "{s}straße {h}, {p} {c}", "{s}weg {h}", "{s}er Straße {h}"),
    "nl": ("{s}straat {h}", "{s}laan {h}, {pnl} {c}", "{s}gracht {h}"),
    "pl": ("ul. {s} {h}", "ul. {s} {h}/{u}, {ppl} {c}", "al. {s} {h}"),
    "it": ("Via {s} {h}", "Via {s}, {h}", "Piazza {s} {h}, {p} {c}", "Corso {s} {h}"),
    "es": ("Calle {s} {h}", "Calle de {s}, {h}", "Avenida {s} {h}, {p} {c}", "Plaza {s} {h}"),
    "pt": ("Rua {s}, {h}", "Rua {s} {h}, {ppt} {c}", "Avenida {s}, {h}", "Travessa {s} {h}"),
    "fr": ("{h} rue {s}", "{h} rue de la {s}, {p} {c}", "{h} avenue {s}", "{h} boulevard {s}"),
}
STREET_NAMES = [
    "Oak",
    "Maple",
    "Linden",
    "Birch",
    "Mayor",
    "Augusta",
    "Długa",
    "Roma",
    "Garibaldi",
    "Victor",
    "Paix",
    "Church",
    "High",
    "Mill",
    "Park",
    "Station",
    "Bahnhof",
    "Haupt",
    "Kerk",
    "Molen",
    "Zielona",
    "Sol",
    "Flores",
    "Lima",
    "Verdi",
    "Hugo",
    "Cedar",
    "Elm",
    "Willow",
]
CITIES = [
    "Leeds",
    "Bristol",
    "Köln",
    "Bremen",
    "Utrecht",
    "Gouda",
    "Kraków",
    "Lublin",
    "Torino",
    "Bologna",
    "Sevilla",
    "Bilbao",
    "Braga",
    "Coimbra",
    "Lyon",
    "Nantes",
]
ADDRESS = (
    "Please send it to {a}.",
    "I live at {a} since March.",
    "Delivery address: {a}",
    "The courier never came to {a}.",
    "Mi dirección es {a}.",
    "Meine Adresse: {a}.",
    "Mon adresse : {a}.",
)
IBAN_COUNTRIES = {
    "DE": (22, "n"),
    "GB": (22, "GB"),
    "FR": (27, "n"),
    "NL": (18, "NL"),
    "ES": (24, "n"),
    "IT": (27, "IT"),
    "PL": (28, "n"),
    "PT": (25, "n"),
    "BE": (16, "n"),
    "CH": (21, "n"),
}
IBAN = (
    "Refund to my account {i} please.",
    "IBAN: {i}",
    "Bitte überweisen auf {i}.",
    "Remboursez sur le compte {i}.",
    "My bank details are {i}, thanks.",
)
DECOYS = (
    "Mark my words, I will not come back.", "I paid the bill and will call again tomorrow.", "The grace period was far too short.",
    "We stayed in the Rose Garden suite.", "Apple Pay did not work at the till.", "Microsoft Teams kept dropping the call.",
    "Premium Plus is not worth the money.", "I flew from New York to Berlin on Monday.", "See you in May or June.",
    "Great service overall. Delivery was late.", "Hauptstraße was closed, so we parked on Calle Mayor.", "Gate 5 and room 12 were a mess.",
    "The Hilton Hotel near London was fine.", "Google Maps sent me to Amsterdam Centraal.", "Black Friday deals were fake.",
    "Die Lieferung war pünktlich, aber die Verpackung war beschädigt.", "Le service était excellent, merci beaucoup.",
    "Order DE-2026-0042 is still pending.", "My old account {bad} was closed.", "Will you ever fix the app?", "Frank feedback: too slow.",
    "Amazon Prime delivered faster.", "Christmas opening hours were wrong.", "Very friendly Staff at Heathrow.",
)  # fmt: skip
FILLER = (
    "The checkout was slow.", "Delivery arrived two days late.", "Customer service solved my problem quickly.",
    "I waited 45 minutes on hold.", "Prices went up again this month.", "The store was clean.",
    "Overall a good experience.", "The app crashes when I upload photos.", "My refund took three weeks.",
    "Die Wartezeit war zu lang.", "Très bon accueil.", "Muy buena atención.", "Ottimo servizio.", "Prima service.",
    "Obsługa była miła.", "Atendimento excelente.",
)  # fmt: skip


INVENTED = "invented person"  # the placeholder kind of a name made from syllables


@dataclass
class Comment:
    """One comment and the character spans (start, end, kind) of what it holds."""

    text: str = ""
    entities: list[dict[str, object]] = field(default_factory=list)

    def add(self, sentence: str, values: dict[str, tuple[str, str]] | None = None) -> None:
        """Append ``sentence``; ``values`` maps a placeholder to (text, kind or "")."""
        prefix = self.text + (" " if self.text else "")
        for key, (value, kind) in sorted(
            (values or {}).items(), key=lambda kv: sentence.index("{" + kv[0] + "}")
        ):
            at = sentence.index("{" + key + "}")
            if kind:
                start = len(prefix) + at
                entity = {"start": start, "end": start + len(value), "kind": kind}
                if kind in ("person", INVENTED):  # invented names are persons, labelled so
                    entity.update(kind="person", invented=kind == INVENTED)
                self.entities.append(entity)
            sentence = sentence[:at] + value + sentence[at + len(key) + 2 :]
        self.text = prefix + sentence


def invented(rng: random.Random) -> str:
    """A name from syllables that no word list of the detector holds."""
    while True:
        name = "".join(rng.sample(SYLLABLES.split(), rng.choice((2, 2, 3)))).capitalize()
        if name not in _detector_words():
            return name


@lru_cache(maxsize=1)
def _detector_words() -> frozenset[str]:
    """Every word in the person detector's lists (first names, word-names, titles, not-names)."""
    from qinbound_nb.core.redaction import person_lexicon as lexicon

    lists = [*lexicon.FIRST_NAMES.values(), lexicon.WORD_NAMES, lexicon.TITLES, lexicon.NOT_NAMES]
    return frozenset(word for words in lists for word in words.split())


def person(rng: random.Random) -> tuple[str, str, str, bool]:
    """(first, last, locale, invented); a quarter invented."""
    locale = rng.choice(list(NAMES))
    firsts, lasts = (part.split() for part in NAMES[locale])
    if locale == "nl":
        lasts = [
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "van Dijk",
            "Bakker",
            "Visser",
            "Smit",
            "de Boer",
            "Mulder",
        ]
    if rng.random() < 0.25:
        return invented(rng), invented(rng), locale, True
    return rng.choice(firsts), rng.choice(lasts), locale, False


def iban(rng: random.Random, valid: bool = True) -> str:
    country = rng.choice(list(IBAN_COUNTRIES))
    length, style = IBAN_COUNTRIES[country]
    body = "".join(rng.choice("0123456789") for _ in range(length - 4))
    if style != "n":
        body = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + body[4:]
    digits = "".join(str(int(c, 36)) for c in body + country + "00")
    check = 98 - int(digits) % 97
    if not valid:
        check = (check + rng.randint(1, 9)) % 97 or 1
    value = f"{country}{check:02d}{body}"
    return (
        " ".join(value[i : i + 4] for i in range(0, len(value), 4)) if rng.random() < 0.6 else value
    )


def address(rng: random.Random) -> str:
    locale = rng.choice(list(STREETS))
    return rng.choice(STREETS[locale]).format(
        s=rng.choice(STREET_NAMES), h=rng.randint(1, 240), u=rng.randint(1, 30), c=rng.choice(CITIES),
        p=f"{rng.randint(10000, 99999)}", uk=f"LS{rng.randint(1, 9)} {rng.randint(1, 9)}AB",
        pnl=f"{rng.randint(1000, 9999)} AB", ppl=f"{rng.randint(10, 99)}-{rng.randint(100, 999)}",
        ppt=f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}",
    )  # fmt: skip


def name_sentence(rng: random.Random) -> tuple[str, dict[str, tuple[str, str]]]:
    first, last, locale, made_up = person(rng)
    language = locale if locale in PERSON else "en"
    template = rng.choice(PERSON[language])
    kind = INVENTED if made_up else "person"
    values = {"f": (first, kind), "l": (last, kind), "n": (f"{first} {last}", kind)}
    values["t"] = (rng.choice(TITLES[language]), "")
    return template, {key: value for key, value in values.items() if "{" + key + "}" in template}


def comment(rng: random.Random, share: float, decoy_share: float) -> Comment:
    parts: list[tuple[str, dict[str, tuple[str, str]] | None]] = [
        (rng.choice(FILLER), None) for _ in range(rng.randint(1, 2))
    ]
    if rng.random() < share:
        for _ in range(rng.choice((1, 1, 2))):
            kind = rng.choice(("person", "person", "address", "iban"))
            if kind == "person":
                parts.append(name_sentence(rng))
            elif kind == "address":
                parts.append((rng.choice(ADDRESS), {"a": (address(rng), "address")}))
            else:
                parts.append((rng.choice(IBAN), {"i": (iban(rng), "iban")}))
    if rng.random() < decoy_share:
        decoy = rng.choice(DECOYS)
        parts.append((decoy, {"bad": (iban(rng, valid=False), "")} if "{bad}" in decoy else None))
    first = parts[0]
    rest = parts[1:]
    rng.shuffle(rest)
    rest.sort(key=lambda part: part[0] in SIGN_OFFS)  # a sign-off ends the comment
    result = Comment()
    for sentence, values in (first, *rest):
        result.add(sentence, values)
    return result


def generate(
    n: int, seed: int = 0, *, share: float = 0.7, decoy_share: float = 0.5
) -> list[Comment]:
    """``n`` labelled comments, the same for the same arguments."""
    rng = random.Random(seed)
    return [comment(rng, share, decoy_share) for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = [{"text": c.text, "entities": c.entities} for c in generate(args.n, args.seed)]
    args.output.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
