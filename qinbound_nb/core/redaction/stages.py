"""The stages a batch of candidate rows goes through: substitutions, the respondent's own
details, the built-in detectors, custom redactions. Each finds hits in the current buffer;
:func:`qinbound_nb.core.redaction.spantable.merge_hits` applies them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.redaction import known as known_values
from qinbound_nb.core.redaction.pii import (
    PII_KINDS,
    PiiHits,
    find_pii,
    normalize,
    pii_token,
)
from qinbound_nb.core.redaction.rules import RedactionRules
from qinbound_nb.core.redaction.spantable import HitList, Hits, SpanTable
from qinbound_nb.core.redaction.textbuffer import TextBuffer, binary
from qinbound_nb.job.vocab import MaskStyle


def matches_any(column: pa.Array, patterns: list[str]) -> np.ndarray:
    try:
        combined = "|".join(f"(?:{pattern})" for pattern in patterns)
        found = pc.match_substring_regex(column, combined)
    except pa.ArrowInvalid:  # one pattern's inline flags may not combine; test them one by one
        found = pc.match_substring_regex(column, patterns[0])
        for pattern in patterns[1:]:
            found = pc.or_(found, pc.match_substring_regex(column, pattern))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def substitute(
    buffer: TextBuffer, spans: SpanTable, rules: RedactionRules, column: pa.Array, rows: np.ndarray
) -> Hits:
    found = HitList()
    if rules.substitution_pattern is not None:
        table, data = rules.substitution_table, buffer.data
        for match in rules.substitution_regex.finditer(data):
            start, end = match.span()
            found.add(start, end, *table[data[start:end]])
    return found.hits()


def redact_known(
    values: dict[int, list[tuple[str, str]]],
    buffer: TextBuffer,
    spans: SpanTable,
    rules: RedactionRules,
    column: pa.Array,
    rows: np.ndarray,
) -> Hits:
    found = HitList()
    for row, pairs in values.items():
        base = int(buffer.bounds[row])
        for start, end, kind, value in known_values.find_in_row(buffer.row(row).decode(), pairs):
            token = pii_token(
                kind, normalize(kind, value.encode()), rules.mask_style, rules.mask, rules.hash_key
            )
            found.add(base + start, base + end, rules.known_code, token.encode())
    return found.hits()


def detect(
    buffer: TextBuffer,
    spans: SpanTable,
    rules: RedactionRules,
    column: pa.Array,
    rows: np.ndarray,
) -> Hits:
    found = find_pii(buffer.data, frozenset(rules.pii), rules.ner_model, buffer)
    codes = np.zeros(len(PII_KINDS), dtype=np.int64)  # PII_KINDS index -> rule code
    codes[[PII_KINDS.index(kind) for kind in rules.pii]] = np.arange(len(rules.pii))
    if rules.mask_style == MaskStyle.HASH:
        replacements = _hash_tokens(buffer.data, found, rules)
    else:  # one token per kind: no Python object per hit
        style, mask = rules.mask_style, rules.mask
        tokens = binary([pii_token(kind, b"", style, mask, None).encode() for kind in PII_KINDS])
        replacements = tokens.take(found.kinds)
    return Hits(found.starts, found.ends, codes[found.kinds], replacements)


def _hash_tokens(data: bytes, found: PiiHits, rules: RedactionRules) -> pa.LargeBinaryArray:
    tokens = []
    for code, start, end in zip(
        found.kinds.tolist(), found.starts.tolist(), found.ends.tolist(), strict=True
    ):
        kind = PII_KINDS[code]
        value = normalize(kind, data[start:end])
        tokens.append(pii_token(kind, value, MaskStyle.HASH, rules.mask, rules.hash_key).encode())
    return binary(tokens)


def redact_custom(
    buffer: TextBuffer, spans: SpanTable, rules: RedactionRules, column: pa.Array, rows: np.ndarray
) -> Hits:
    found = HitList()
    if not rules.custom:
        return found.hits()
    subset = column.take(pa.array(rows))
    touched = set(buffer.rows_of(spans.start).tolist())
    for code, pattern, regex in rules.custom:
        hit_rows = set(np.flatnonzero(matches_any(subset, [pattern])).tolist()) | touched
        for row in sorted(hit_rows):
            base, text = int(buffer.bounds[row]), buffer.row(row)
            for match in regex.finditer(text):
                start, end = match.span()
                if end > start:
                    found.add(base + start, base + end, code, rules.custom_token(text[start:end]))
    return found.hits()
