"""Reading date and time text into UTC timestamps, vectorized with pyarrow compute.

Qualtrics writes ISO 8601 with a ``Z`` (JSON, with or without milliseconds) or
``YYYY-MM-DD HH:MM:SS`` in the export's time zone (CSV). Hand-written values in lookups,
expressions and other sources add plain dates and a few common layouts. Text without a
zone is read in the zone the caller names (UTC unless told otherwise). Everything comes out
as ``timestamp[ms, tz=UTC]``; values that match no layout come out null and are flagged.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

UTC_MS = pa.timestamp("ms", tz="UTC")
ZONED_LAYOUTS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z")
NAIVE_LAYOUTS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)
FRACTION = r"\.(?P<fraction>\d+)"


def to_utc(values: pa.Array | pa.ChunkedArray, *, zone: str = "UTC") -> pa.Array:
    """Return ``values`` as UTC millisecond timestamps (unparseable text becomes null).

    Args:
        values: timestamps (any unit or zone), dates, or text in a supported layout.
        zone: the IANA zone for text and naive timestamps that carry no zone of their own.
    """
    values = _combined(values)
    kind = values.type
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            values = _assume(values.cast(pa.timestamp("ms")), zone)
        return values.cast(UTC_MS)
    if pa.types.is_date(kind):
        return _assume(values.cast(pa.timestamp("ms")), zone)
    if pa.types.is_null(kind):
        return pa.nulls(len(values), UTC_MS)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise TypeError(f"cannot read {kind} as dates")
    return _parse_text(values.cast(pa.string()), zone)


def unparsed(original: pa.Array | pa.ChunkedArray, parsed: pa.Array) -> pa.Array:
    """True where ``original`` held a non-blank value that did not become a timestamp."""
    original = _combined(original)
    present = pc.is_valid(original)
    if pa.types.is_string(original.type) or pa.types.is_large_string(original.type):
        present = pc.and_(present, pc.not_equal(pc.utf8_trim_whitespace(original), ""))
    return pc.fill_null(pc.and_(present, pc.is_null(parsed)), False)


def _parse_text(text: pa.Array, zone: str) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    try:  # the API's own ISO 8601 with a zone: one fast pass for the common case
        return pc.cast(text, UTC_MS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    whole = pc.replace_substring_regex(text, pattern=FRACTION, replacement="")
    result = pa.nulls(len(text), UTC_MS)
    for layout in ZONED_LAYOUTS:
        found = pc.strptime(whole, format=layout, unit="ms", error_is_null=True)
        result = pc.coalesce(result, found.cast(UTC_MS))
    for layout in NAIVE_LAYOUTS:
        found = pc.strptime(whole, format=layout, unit="ms", error_is_null=True)
        result = pc.coalesce(result, _assume(found, zone))
    return _add_fraction(result, text)


def _add_fraction(stamps: pa.Array, text: pa.Array) -> pa.Array:
    """Put back the milliseconds that the strptime layouts cannot read."""
    digits = pc.struct_field(pc.extract_regex(text, pattern=FRACTION), [0])
    if digits.null_count == len(digits):
        return stamps
    padded = pc.utf8_slice_codeunits(pc.utf8_rpad(digits, width=3, padding="0"), 0, 3)
    millis = pc.fill_null(pc.cast(padded, pa.int64()), 0)
    return pc.add(stamps, pc.cast(millis, pa.duration("ms")))


def _assume(naive: pa.Array, zone: str) -> pa.Array:
    if zone in ("UTC", "Z", "Etc/UTC"):
        return naive.cast(UTC_MS)
    # Local wall-clock times in a DST gap or overlap are read as the later instant.
    zoned = pc.assume_timezone(naive, zone, ambiguous="latest", nonexistent="latest")
    return zoned.cast(UTC_MS)


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values
