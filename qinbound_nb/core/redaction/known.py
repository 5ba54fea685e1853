"""The respondent's own details: each row's known values, redacted wherever that row mentions them.

A survey response carries who answered (``RecipientFirstName``, ``RecipientLastName``,
``RecipientEmail``, ``ExternalReference``, embedded data a job lists). Any of those values
found in the same row's text is redacted: whole words, case-insensitively, exact, so a
respondent who signs with their own name is caught even when no detector knows the name.
Values shorter than two characters are ignored (an initial would hit every word).

Speed: rows without a value are never looked at; rows with one are checked with a plain
case-folded substring test first, and only rows that pass get a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qinbound_nb.core.redaction.rules import KNOWN_VALUE_RULE

RULE = KNOWN_VALUE_RULE
MIN_LENGTH = 2
# Export tags whose JSON ImportId is not the tag with a lower-case first letter.
IMPORT_IDS = {"ExternalReference": "externalDataReference"}


def spellings(field: str) -> list[str]:
    """The raw column names a listed field may have: the CSV export tag and the JSON ImportId
    (``RecipientFirstName`` / ``recipientFirstName``; ``ExternalReference`` /
    ``externalDataReference``)."""
    import_id = IMPORT_IDS.get(field, field[:1].lower() + field[1:])
    return list(dict.fromkeys([field, import_id]))


def known_columns(columns: Sequence[str], fields: Sequence[str]) -> list[str]:
    """The raw columns holding the listed fields, in either spelling."""
    present = set(columns)
    return [name for field in fields for name in spellings(field) if name in present]


def kind_of(field: str) -> str:
    """The token kind a field's values take: names -> person, emails -> email, else redacted."""
    lowered = field.lower()
    if "email" in lowered:
        return "email"
    if "name" in lowered:
        return "person"
    return "redacted"


def values_by_row(known: pd.DataFrame | None, index: pd.Index) -> dict[int, list[tuple[str, str]]]:
    """Row position in ``index`` -> the (value, kind) pairs worth looking for, longest first;
    rows without a value are left out."""
    rows: dict[int, list[tuple[str, str]]] = {}
    if known is None or known.empty or len(index) == 0:
        return rows
    aligned = known.reindex(index)
    for field in aligned.columns:
        kind = kind_of(str(field))
        for position, value in _present(aligned[field]):
            rows.setdefault(position, []).append((value, kind))
    for pairs in rows.values():
        pairs.sort(key=lambda pair: -len(pair[0]))
    return rows


def mentioned(texts: Sequence[str | None], values: list[list[tuple[str, str]]]) -> np.ndarray:
    """Rows whose text contains one of its values (case-folded substring; words checked later)."""
    found = np.zeros(len(values), dtype=bool)
    for position, pairs in enumerate(values):
        text = texts[position]
        if text:
            folded = text.casefold()
            found[position] = any(value.casefold() in folded for value, _ in pairs)
    return found


def find_in_row(text: str, pairs: list[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) of each whole-word mention, as UTF-8 byte offsets in ``text``."""
    if not pairs:
        return []
    pattern = "|".join(rf"(?<!\w){re.escape(value)}(?!\w)" for value, _ in pairs)
    kinds = {value.casefold(): kind for value, kind in pairs}
    hits = []
    for match in re.finditer(pattern, text, flags=re.IGNORECASE):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        hits.append((start, end, kinds.get(match.group().casefold(), "redacted"), match.group()))
    return hits


def _present(column: pd.Series) -> list[tuple[int, str]]:
    values = column.astype("string").str.strip()
    keep = values.notna() & (values.str.len() >= MIN_LENGTH)
    return list(zip(np.flatnonzero(keep.to_numpy()).tolist(), values[keep].tolist(), strict=True))
