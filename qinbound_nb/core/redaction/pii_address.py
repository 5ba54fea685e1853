"""The ``address`` detector: street addresses with a house number, optionally postcode and city.

Three shapes cover the common Western formats, each one RE2 alternative over the whole
buffer (UTF-8 mode, so ``\\p{Lu}`` knows "Ł" and "Ö"):

- number first, street type last (US/UK): ``25 Angela Crescent``, ``Flat 3, 12 High Street``,
  ``1600 Pennsylvania Avenue NW``; and French, type first: ``12 rue de la Paix``;
- street type first, number last (IT/ES/PT/BR/PL): ``Via Roma 12``, ``Calle Mayor 12``,
  ``Rua Augusta, 100``, ``ul. Długa 7``;
- compound street name, number last (DE/NL): ``Hauptstraße 5``, ``Berliner Straße 12``,
  ``Keizersgracht 123``.

Any of them may go on with a postcode and city (``, 10115 Berlin``, ``, London SW1A 1AA``,
``, Springfield, IL 62704``). A street or a city without a house number is not matched.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from qinbound_nb.core.redaction.re2scan import match_spans

WORD = r"\p{Lu}[\p{L}'’.\-]*"
NUMBER = r"\d{1,5}(?: ?[A-Za-z]\b)?(?:[\-/]\d{1,4}[A-Za-z]?)?"
EN_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Crescent|Cres|Close|Court|Ct|Place|Pl|"
    "Way|Boulevard|Blvd|Terrace|Gardens|Square|Sq|Parkway|Pkwy|Highway|Hwy|Hill|Row|Grove|"
    "Mews|Walk|Circle|Cir|Trail|Rise|Parade|Wharf|Alley|Loop|Pike|Plaza"
)
FR_TYPES = "rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|passage"
PREFIX_TYPES = (
    "Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Calle|C/|Avenida|Avda\\.|Av\\.|"
    "Plaza|Paseo|Carrer|Camino|Ronda|Travesía|Carretera|Passeig|Rua|R\\.|Travessa|Praça|"
    "Estrada|Alameda|Rodovia|ul\\.|ulica|al\\.|aleja|pl\\.|plac|os\\.|osiedle"
)
COMPOUND_ENDS = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|"
    "straat|laan|gracht|plein|kade|singel|dijk|steeg|dreef"
)
SEPARATE_DE = "Straße|Strasse|Str\\.|Weg|Gasse|Platz|Allee|Ring|Damm|Ufer|Chaussee"
PARTICLES = (
    "de|del|della|dei|degli|delle|dell'|di|da|das|do|dos|du|des|la|le|les|los|las|e|y|"
    "San|Santa|São|d'|l'"
)
NAME_WORD = r"(?:\p{Lu}[\p{L}'’\-]*|\d{1,2}(?:st|nd|rd|th))"  # no dot: "Mill. Il" is two
NAME = rf"(?:(?:{PARTICLES}) )*{NAME_WORD}(?: (?:(?:{PARTICLES}) )*{NAME_WORD}){{0,3}}"
HOUSE_NO = r"(?:n[º°oO]\.? ?|nr\.? ?)?" + NUMBER
UNIT = r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite) ?#?\d{1,4}[A-Za-z]?,? )"
CITY = r"\p{Lu}\p{Ll}+(?:[ \-]\p{Lu}\p{Ll}+)?"
POSTCODE_CITY = r"(?:[A-Z]-)?(?:\d{5}|\d{4} ?[A-Z]{2}\b|\d{2}-\d{3}|\d{4}-\d{3}|\d{4})" rf" {CITY}"
US_ZIP = r"[A-Z]{2} \d{5}(?:-\d{4})?"
UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
CITY_POSTCODE = rf"{CITY},? (?:{US_ZIP}|{UK_POSTCODE})"
TAIL = rf"(?:,? (?:{POSTCODE_CITY}|{CITY_POSTCODE}))?"
NUMBER_FIRST = (
    rf"{UNIT}?{NUMBER},? (?:(?:[NSEW]\.?|North|South|East|West) )?"
    rf"(?:{WORD} ){{1,3}}(?:{EN_TYPES})\b\.?(?: (?:NW|NE|SW|SE|N|S|E|W)\b)?"
    rf"|{NUMBER},? (?i:{FR_TYPES}) {NAME}"
)
TYPE_FIRST = rf"(?:{PREFIX_TYPES}) ?{NAME},? {HOUSE_NO}"
COMPOUND = (
    rf"(?:{WORD}[ \-])?\p{{Lu}}\p{{Ll}}*(?:{COMPOUND_ENDS}) {HOUSE_NO}"
    rf"|{WORD}[ \-](?:{SEPARATE_DE}) {HOUSE_NO}"
)
SCANNER = rf"[^\p{{L}}\d](?:(?:{NUMBER_FIRST}|{TYPE_FIRST}|{COMPOUND})\b{TAIL})"
# A cheap superset for the per-row prefilter: no Unicode classes, so RE2's DFA stays small.
PREFILTER = (
    rf"\d[A-Za-z]?,? (?:[NSEW]\.? )?[A-Z]|\d,? (?i:{FR_TYPES}) |\b(?:{PREFIX_TYPES}) "
    rf"|(?:{COMPOUND_ENDS}|{SEPARATE_DE}) (?:n|\d)"
)


def find_addresses(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of every street address in ``data``."""
    starts, ends = [], []
    for start, end in match_spans(_scanner(), data):
        starts.append(start + _char_size(data[start]))  # the consumed left boundary
        ends.append(end)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def _char_size(lead: int) -> int:
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


@lru_cache(maxsize=1)
def _scanner() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    return re2.compile(SCANNER.encode(), options)
