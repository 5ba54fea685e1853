"""The column types of raw frames, and keeping them the same from one chunk to the next.

Survey metadata has fixed types whatever the format: dates are UTC timestamps, ``status``,
``progress``, ``duration`` and ``finished`` are integers, ``finished`` 0/1 even when the CSV
says ``True``/``False``, and the rest of the metadata is text (latitude and longitude too, as
the API sends them). Every other column keeps the kind the export gives it: numbers become
float64, text stays text, arrays become lists of text. The first chunk that holds a value
decides a column's type; a column that is empty everywhere so far is text. Later chunks are
coerced to that type (numbers to text, lists to ``", "``-joined text, empty to null), so
chunks concatenate without surprises; a coercion that would lose values is an ExportError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc
from qinbound_nb.errors import ExportError
from qinbound_nb.job.vocab import SURVEY_DATE_FIELDS

TEXT = pa.string()
NUMBER = pa.float64()
TEXT_LIST = pa.list_(pa.string())
SURVEY_INTEGERS = ("status", "progress", "duration", "finished")
SURVEY_TEXT = (
    "responseId",
    "ipAddress",
    "locationLatitude",
    "locationLongitude",
    "distributionChannel",
    "userLanguage",
)
# Response-type labels that CSV exports write instead of the code (qualtrics-api.md §7.3).
STATUS_CODES = {
    "IP Address": 0,
    "Survey Preview": 1,
    "Survey Test": 2,
    "Imported": 4,
    "Spam": 8,
    "Offline": 16,
    "Synthetic": 256,
    "EX": 32,
    "Imported EX": 36,
}
FINISHED_CODES = {"true": 1, "false": 0, "1": 1, "0": 0}


def survey_metadata(name: str, values: pa.Array, *, zone: str = "UTC") -> pa.Array | None:
    """Type a survey metadata column, or return None when ``name`` is not metadata."""
    if name in SURVEY_DATE_FIELDS:
        return to_utc(values, zone=zone)
    if name in SURVEY_TEXT:
        return values.cast(TEXT)
    if name not in SURVEY_INTEGERS:
        return None
    if pa.types.is_integer(values.type) or pa.types.is_boolean(values.type):
        return values.cast(pa.int64())
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), pa.int64())
    text = pc.utf8_trim_whitespace(values.cast(TEXT))
    if name == "finished":
        return _codes(name, pc.utf8_lower(text), FINISHED_CODES)
    if name == "status":
        return _codes(name, text, {**STATUS_CODES, **{str(v): v for v in STATUS_CODES.values()}})
    return _integers(name, text)


def _codes(name: str, text: pa.Array, codes: Mapping[str, int]) -> pa.Array:
    keys = pa.array(list(codes), TEXT)
    found = pc.take(pa.array(list(codes.values()), pa.int64()), pc.index_in(text, keys))
    if pc.sum(pc.and_(pc.is_valid(text), pc.is_null(found))).as_py():
        return _integers(name, text)
    return found


def _integers(name: str, text: pa.Array) -> pa.Array:
    try:
        return pc.cast(pc.cast(text, NUMBER), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ExportError(
            f"the export's {name!r} column holds values that are not whole numbers; "
            "request the export again without labels (useLabels=false)"
        ) from exc


def natural_kind(values: pa.Array) -> pa.Array:
    """Give an ordinary column its raw type: float64, bool, text or list of text."""
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return values.cast(NUMBER)
    if pa.types.is_boolean(kind) or pa.types.is_null(kind) or pa.types.is_string(kind):
        return values
    if pa.types.is_large_string(kind):
        return values.cast(TEXT)
    if pa.types.is_timestamp(kind):  # the JSON reader guessed a date; keep the text we were sent
        naive = values.cast(pa.timestamp(kind.unit)) if kind.tz is None else values
        return pc.strftime(naive, format="%Y-%m-%dT%H:%M:%SZ")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _text_list(values)
    return pa.array([None if v is None else json.dumps(v) for v in values.to_pylist()], TEXT)


def _text_list(values: pa.Array) -> pa.Array:
    items = pc.list_flatten(values)
    if not pa.types.is_string(items.type):
        items = natural_kind(items)
        items = items if items.type == TEXT else items.cast(TEXT)
    offsets = values.offsets.cast(pa.int32())
    rebuilt = pa.ListArray.from_arrays(offsets, items, mask=pc.is_null(values))
    return rebuilt.cast(TEXT_LIST)


class ColumnTypes:
    """Remembers each column's type across chunks and coerces later chunks to it."""

    def __init__(self, pinned: Mapping[str, pa.DataType] | None = None) -> None:
        self.known: dict[str, pa.DataType] = dict(pinned or {})
        self.order: list[str] = []

    def unify(self, table: pa.Table) -> pa.Table:
        """Return ``table`` with every known column present and of its remembered type."""
        columns: dict[str, pa.Array] = {}
        for name in table.column_names:
            values = _single(table.column(name))
            target = self.known.get(name)
            if target is None:
                target = TEXT if pa.types.is_null(values.type) else values.type
                self.known[name] = target
            if name not in self.order:
                self.order.append(name)
            columns[name] = values if values.type == target else coerce(name, values, target)
        rows = table.num_rows
        for name in self.order:
            if name not in columns:
                columns[name] = pa.nulls(rows, self.known[name])
        return pa.table({name: columns[name] for name in self.order})


def coerce(name: str, values: pa.Array, target: pa.DataType) -> pa.Array:
    """Convert one chunk's column to the type earlier chunks gave it."""
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), target)
    if target == TEXT and pa.types.is_list(values.type):
        return pc.binary_join(values, ", ")
    if target == TEXT_LIST and values.type == TEXT:
        offsets = pa.array(range(len(values) + 1), pa.int32())
        return pa.ListArray.from_arrays(offsets, values, mask=pc.is_null(values))
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ExportError(
            f"column {name!r} held {_describe(target)} earlier in the export but "
            f"{_describe(values.type)} later; pin its type with "
            f"column_types={{{name!r}: ...}} or export it as text"
        ) from exc


def _describe(kind: pa.DataType) -> str:
    if kind == UTC_MS:
        return "dates"
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        return "numbers"
    if pa.types.is_list(kind):
        return "lists"
    return "text" if kind == TEXT else str(kind)


def _single(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values
