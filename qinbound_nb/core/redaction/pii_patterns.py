"""The RE2 patterns behind the built-in PII detectors, and the prefilters that pick rows.

What each kind accepts: emails ``local@domain.tld``; North American phones ``(555) 123-4567``,
``555-123-4567``, ``555.123.4567``, ``+1 555 123 4567``, ``1-800-555-0199`` and international
``+CC`` numbers of 8-15 digits (``+44 20 7946 0958``, ``+44 (0)20 ...``), and national
numbers with a trunk ``0`` in UK-style groups (``020 7946 0958``, ``0161 496 0000``); cards of 13-19
digits, plain or grouped 4-4-4-4(-3) / 4-6-5 with one kind of separator, Luhn-valid; SSNs
``123-45-6789`` / ``123 45 6789``; IPv4 and IPv6 (full, compressed, ``::ffff:1.2.3.4``).

Each scanner alternative starts with one consumed boundary byte (RE2 has no lookbehind);
:mod:`qinbound_nb.core.redaction.pii` skips it and checks the byte after the value.
"""

from __future__ import annotations

from qinbound_nb.core.redaction import pii_address, pii_iban, pii_person
from qinbound_nb.job.vocab import PiiKind

# A kind's code in the scan's arrays is its place in the vocabulary: the five pattern kinds
# first (their codes are fixed), then the three with their own modules.
PII_KINDS: tuple[PiiKind, ...] = tuple(PiiKind)

OCTET = rb"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
SSN_AREA = rb"(?:00[1-9]|0[1-9]\d|[1-5]\d\d|6[0-57-9]\d|66[0-57-9]|[78]\d\d)"
SSN_GROUP = rb"(?:0[1-9]|[1-9]\d)"
SSN_SERIAL = rb"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})"
EMAIL_LOCAL = rb"A-Za-z0-9._%+\-\x80-\xff"
DOMAIN_LABEL = rb"[A-Za-z0-9\x80-\xff](?:[A-Za-z0-9\x80-\xff\-]*[A-Za-z0-9\x80-\xff])?"
# Left boundary before a number: not part of a word, an identifier or a price.
NUMBER_LEFT = rb"[^A-Za-z0-9_.\-+/$#@]"

EMAIL = (
    rb"[^" + EMAIL_LOCAL + rb"][" + EMAIL_LOCAL + rb"]+@"
    + DOMAIN_LABEL + rb"(?:\." + DOMAIN_LABEL + rb")*\.[A-Za-z]{2,24}"
)  # fmt: skip
IPV6 = (
    rb"[^A-Za-z0-9_.:\-/@](?:[0-9A-Fa-f]{0,4}:){2,7}"
    rb"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?:%[0-9A-Za-z]{1,15})?"
)
IPV4 = NUMBER_LEFT + OCTET + rb"(?:\." + OCTET + rb"){3}"
CARD = NUMBER_LEFT + (
    rb"(?:[2-6]\d{12,18}"  # plain
    rb"|[2-6]\d{3}(?:[ \-]\d{4}){2}[ \-]\d{1,4}(?:[ \-]\d{3})?"  # 4-4-4-1..4(-3)
    rb"|3\d{3}[ \-]\d{6}[ \-]\d{4,5})"  # 4-6-5, 4-6-4
)
SSN = NUMBER_LEFT + SSN_AREA + (
    rb"(?:-" + SSN_GROUP + rb"-| " + SSN_GROUP + rb" |" + SSN_GROUP + rb")"
) + SSN_SERIAL  # fmt: skip
PHONE = NUMBER_LEFT + (
    rb"(?:(?:\+?1[ .\-]?)?(?:\([2-9]\d\d\)[ .\-]?|[2-9]\d\d[ .\-])\d{3}[ .\-]\d{4}"  # NANP
    rb"|\+[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\d{1,5}){2,6}"  # +CC
    rb"|0[1-9]\d[ \-]\d{4}[ \-]\d{4}|0[1-9]\d{2,3}[ \-]\d{3}[ \-]\d{3,4})"  # trunk 0
)
SCANNERS: dict[PiiKind, bytes] = {
    PiiKind.EMAIL: EMAIL,
    PiiKind.IP: IPV6 + b"|" + IPV4,
    PiiKind.CREDIT_CARD: CARD,
    PiiKind.SSN: SSN,
    PiiKind.PHONE: PHONE,
}
# Cheap per-row supersets of the scanners, for pyarrow's prefilter (UTF-8 RE2, one row each).
PREFILTERS = {
    PiiKind.EMAIL: r"@",
    PiiKind.IP: r":[0-9A-Fa-f]{0,4}:|\d\.\d",
    PiiKind.CREDIT_CARD: r"\d[\d .()\-]{5,}\d",
    PiiKind.SSN: r"\d[\d .()\-]{5,}\d",
    PiiKind.PHONE: r"\d[\d .()\-]{5,}\d",
    PiiKind.IBAN: pii_iban.PREFILTER,
    PiiKind.ADDRESS: pii_address.PREFILTER,
    PiiKind.PERSON: pii_person.PREFILTER,
}
