"""Reading CSV exports in blocks: Qualtrics' three header rows, or an IDP file's one.

A survey CSV opens with three header rows: export tags (which repeat), question texts, and
JSON import ids such as ``{"ImportId":"QID36","choiceId":"1"}``. Columns are keyed by
import id (``_recordId`` becomes ``responseId``; a ``choiceId`` is appended as
``QID36_1``), so they match the JSON export's keys. The header rows are cut off by a
quote-aware scan, then pyarrow's streaming CSV reader takes over the rest of the stream;
fields may hold newlines. Every cell is read as text (empty cells as null).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from qinbound_nb.errors import ExportError

HEADER_LIMIT = 64 << 20
CSV_BLOCK_BYTES = 8 << 20
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CsvColumn:
    """One column's key and what the header rows say about it."""

    key: str
    export_tag: str
    question_text: str = ""
    import_id: str = ""
    time_zone: str | None = None


class _Prefixed(io.RawIOBase):
    """The bytes already read for the header scan, followed by the rest of the stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self.prefix, self.rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.prefix:
            count = min(len(buffer), len(self.prefix))
            buffer[:count] = self.prefix[:count]
            self.prefix = self.prefix[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_csv_export(
    stream: BinaryIO, *, header_rows: int
) -> tuple[list[CsvColumn], Iterator[pa.Table]]:
    """Read the header rows, then return the columns and an iterator of text-only tables."""
    head, rest = _split_header(stream, header_rows)
    if not head:
        return [], iter(())
    rows = list(csv.reader(io.StringIO(_decode(head))))
    if len(rows) < header_rows:
        raise ExportError(
            f"the CSV export has {len(rows)} header rows where {header_rows} were expected; "
            "request it from the API with the default header rows"
        )
    columns = survey_columns(rows) if header_rows == 3 else plain_columns(rows[0])
    keys = [column.key for column in columns]
    try:
        reader = _open(_Prefixed(rest, stream), keys)
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            return columns, iter(())
        raise _unreadable(exc) from exc
    return columns, _tables(reader)


def _open(body: _Prefixed, keys: list[str]) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        io.BufferedReader(body),
        read_options=pacsv.ReadOptions(column_names=keys, block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={key: pa.string() for key in keys},
            null_values=[""],
            strings_can_be_null=True,
        ),
    )


def _tables(reader: pacsv.CSVStreamingReader) -> Iterator[pa.Table]:
    try:
        for batch in reader:
            yield pa.Table.from_batches([batch])
    except pa.ArrowInvalid as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: pa.ArrowInvalid) -> ExportError:
    reason = "is not UTF-8" if "UTF8" in str(exc) else "has a malformed row"
    return ExportError(
        f"the CSV export {reason} ({str(exc).splitlines()[0][:120]}); "
        "download it again or export as NDJSON"
    )


def survey_columns(rows: list[list[str]]) -> list[CsvColumn]:
    """Key a survey CSV's columns by import id, with tag, question text and time zone."""
    tags, texts, ids = rows[0], rows[1], rows[2]
    columns = []
    for position, tag in enumerate(tags):
        meta = _import_id(ids[position] if position < len(ids) else "", tag)
        import_id = str(meta.get("ImportId") or tag)
        key = "responseId" if import_id == "_recordId" else import_id
        if meta.get("choiceId") is not None:
            key = f"{import_id}_{meta['choiceId']}"
        text = texts[position] if position < len(texts) else ""
        zone = meta.get("timeZone")
        columns.append(CsvColumn(key, tag, text, import_id, str(zone) if zone else None))
    return _unique(columns)


def plain_columns(names: list[str]) -> list[CsvColumn]:
    """Key an IDP (ORM) CSV's columns by their field names."""
    return _unique([CsvColumn(name, name, "", name) for name in names])


def _import_id(cell: str, tag: str) -> dict[str, object]:
    try:
        meta = json.loads(cell)
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or "ImportId" not in meta:
        raise ExportError(
            f"the CSV export's third header row has no ImportId for column {tag!r}; "
            "request the export from the API (not a hand-saved file) or use NDJSON"
        )
    return meta


def _unique(columns: list[CsvColumn]) -> list[CsvColumn]:
    seen: dict[str, int] = {}
    result = []
    for column in columns:
        count = seen.get(column.key, 0) + 1
        seen[column.key] = count
        result.append(column if count == 1 else replace(column, key=f"{column.key}#{count}"))
    return result


def _split_header(stream: BinaryIO, header_rows: int) -> tuple[bytes, bytes]:
    """Cut the first ``header_rows`` CSV records off the stream (quotes may hold newlines)."""
    data = b""
    while True:
        end = _records_end(data, header_rows)
        if end is not None:
            return data[:end], data[end:]
        piece = stream.read(1 << 16)
        if not piece:
            return data, b""
        data = (data + piece).removeprefix(BOM) if not data else data + piece
        if len(data) > HEADER_LIMIT:
            raise ExportError("the CSV export's header rows are implausibly long")


def _records_end(data: bytes, count: int) -> int | None:
    start = 0
    quotes = 0
    while count:
        newline = data.find(b"\n", start)
        if newline < 0:
            return None
        quotes += data.count(b'"', start, newline)
        start = newline + 1
        if quotes % 2 == 0:
            count -= 1
    return start


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"the CSV export's header is not UTF-8 (bad byte at {exc.start}); "
            "download it again or export as NDJSON"
        ) from exc
