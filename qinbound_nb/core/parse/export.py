"""Turning one export file (a zip member) into raw frames, chunk by chunk.

Surveys come as NDJSON (the fast path the job uses), JSON ``{"responses": [...]}`` or CSV
with three header rows; ORM reviews as an IDP CSV with one header row; tickets as a JSON
list, ``{"tickets": [...]}`` or NDJSON. Whatever the format, the frames follow
docs/architecture.md: Arrow-backed, one row per record, indexed by the running position in
the export, survey columns keyed by import id with labels in ``"<ImportId>.label"``, and the
same type for a column in every chunk (see :mod:`qinbound_nb.core.parse.raw_types`). A run asks
only for the columns its mapping reads (``columns=``); JSON surveys then skip parsing the
rest (labels, displayed fields and values), which is most of the work.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from qinbound_nb.core.dates import to_utc
from qinbound_nb.core.parse.csv_export import CsvColumn, read_csv_export
from qinbound_nb.core.parse.json_records import ndjson_blocks
from qinbound_nb.core.parse.ndjson_reader import Wanted, line_blocks, read_ndjson
from qinbound_nb.core.parse.raw_types import (
    ColumnTypes,
    natural_kind,
    survey_metadata,
)
from qinbound_nb.errors import ExportError
from qinbound_nb.job.vocab import ExportFormat, SourceType, TicketDateField

# The raw column with the source id (an ORM job names its IDP's unique field instead).
SOURCE_ID = {SourceType.SURVEY: "responseId", SourceType.TICKETS: "ticketId"}


@dataclass(frozen=True)
class ColumnInfo:
    """What the export says about one raw column."""

    import_id: str
    export_tag: str = ""
    question_text: str = ""
    time_zone: str | None = None


@dataclass(frozen=True)
class RawChunk:
    """One bounded piece of an export: the frame and its column metadata."""

    frame: pd.DataFrame
    columns: dict[str, ColumnInfo]


def iter_export_frames(
    stream: BinaryIO,
    format: ExportFormat,
    *,
    kind: SourceType = SourceType.SURVEY,
    chunk_rows: int = 50_000,
    start_index: int = 0,
    column_types: Mapping[str, pa.DataType] | None = None,
    columns: Collection[str] | None = None,
) -> Iterator[RawChunk]:
    """Read one export file into raw chunks of at most ``chunk_rows`` rows.

    Args:
        stream: the file's bytes (a zip member as the client's ``iter_members`` gives it).
        format: ``"ndjson"``, ``"json"`` or ``"csv"``.
        kind: ``"survey"``, ``"orm"`` (IDP CSV, one header row) or ``"tickets"``.
        chunk_rows: the most rows a chunk holds.
        start_index: the index of the first row (the running position across members).
        column_types: pin a column's type when the first chunk cannot tell (all empty).
        columns: keep only these raw columns (and the source id); None keeps them all.
            JSON and NDJSON surveys then parse only what is kept, which is much faster.

    Yields:
        RawChunk per block of rows; an export without rows yields one empty chunk.

    Raises:
        ExportError: the file is not UTF-8, is cut off, or is not in the stated format.
    """
    if format not in tuple(ExportFormat) or kind not in tuple(SourceType):
        raise ValueError(f"unknown export format {format!r} or kind {kind!r}")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    info: dict[str, ColumnInfo] = {}
    keep = None if columns is None else {*columns, *[SOURCE_ID.get(kind) or ""]} - {""}
    tables = (_kept(t, keep) for t in _typed_tables(stream, format, kind, info, keep))
    keeper = ColumnTypes(column_types)
    position = start_index
    for table in _rechunk((keeper.unify(t) for t in tables), chunk_rows):
        yield _chunk(table, position, info)
        position += table.num_rows
    if position == start_index:
        yield _chunk(keeper.unify(_kept(_empty_table(kind, info), keep)), position, info)


def _kept(table: pa.Table, keep: set[str] | None) -> pa.Table:
    return table if keep is None else table.select([n for n in table.column_names if n in keep])


def _typed_tables(
    stream: BinaryIO,
    format: ExportFormat,
    kind: SourceType,
    info: dict[str, ColumnInfo],
    keep: set[str] | None,
) -> Iterator[pa.Table]:
    if format == ExportFormat.CSV:
        columns, tables = read_csv_export(stream, header_rows=3 if kind == SourceType.SURVEY else 1)
        info.update(
            {
                c.key: ColumnInfo(c.import_id, c.export_tag, c.question_text, c.time_zone)
                for c in columns
            }
        )
        if kind == SourceType.SURVEY:
            zones = {c.key: c.time_zone for c in columns}
            return (_typed_survey_csv(table, zones) for table in tables)
        return iter(tables)
    blocks = ndjson_blocks(stream) if format == ExportFormat.JSON else line_blocks(stream)
    flatten = _flatten_responses if kind == SourceType.SURVEY else _flatten_records
    wanted = _survey_fields(keep) if kind == SourceType.SURVEY and keep is not None else None
    return (_noted(flatten(table), info) for table in read_ndjson(blocks, wanted))


def _survey_fields(keep: set[str]) -> Wanted:
    """The JSON fields behind survey columns: ``X`` in ``values``, ``X.label`` in ``labels``."""
    labels = {name.removesuffix(".label") for name in keep if name.endswith(".label")}
    values = frozenset(keep - {"responseId"})  # the top-level id, not a value
    return {"responseId": None, "values": values, "labels": frozenset(labels)}


def _empty_table(kind: SourceType, info: Mapping[str, ColumnInfo]) -> pa.Table:
    """The columns an export without rows still tells us about."""
    names = list(info) or [name for name in [SOURCE_ID.get(kind)] if name]
    table = pa.table({name: pa.array([], pa.string()) for name in names})
    if kind == SourceType.SURVEY:
        return _typed_survey_csv(table, {name: "UTC" for name in names})
    return table


def _typed_survey_csv(table: pa.Table, zones: Mapping[str, str | None]) -> pa.Table:
    columns = {}
    names = sorted(table.column_names, key=lambda name: name != "responseId")
    for name in names:
        values = table.column(name).combine_chunks()
        zone = zones.get(name) or "UTC"
        typed = survey_metadata(name, values, zone="UTC" if zone == "Z" else zone)
        columns[name] = values if typed is None else typed
    return pa.table(columns)


def _flatten_responses(table: pa.Table) -> pa.Table:
    """Lift ``values`` into import-id columns and ``labels`` into ``<id>.label`` columns."""
    columns: dict[str, pa.Array] = {}
    if "responseId" in table.column_names:
        columns["responseId"] = table.column("responseId").combine_chunks().cast(pa.string())
    for group, suffix in (("values", ""), ("labels", ".label")):
        if group not in table.column_names or not pa.types.is_struct(table.column(group).type):
            continue
        struct = table.column(group).combine_chunks()
        for field, values in zip(struct.type, struct.flatten(), strict=True):
            name = field.name + suffix
            if field.name == "_recordId" or name in columns:
                continue
            typed = survey_metadata(name, values) if not suffix else None
            columns[name] = natural_kind(values) if typed is None else typed
    if "responseId" not in columns:
        raise ExportError("the survey export's records have no responseId; is this a survey?")
    return pa.table(columns)


def _flatten_records(table: pa.Table) -> pa.Table:
    """Give each ticket or review field a column; nested objects become ``parent.child``."""
    columns: dict[str, pa.Array] = {}
    for name in table.column_names:
        values = table.column(name).combine_chunks()
        if pa.types.is_struct(values.type) and values.type.num_fields:
            for field, child in zip(values.type, values.flatten(), strict=True):
                columns[f"{name}.{field.name}"] = natural_kind(child)
        elif name in tuple(TicketDateField) and not pa.types.is_list(values.type):
            columns[name] = to_utc(natural_kind(values))
        else:
            columns[name] = natural_kind(values)
    return pa.table(columns)


def _noted(table: pa.Table, info: dict[str, ColumnInfo]) -> pa.Table:
    for name in table.column_names:
        if name not in info:
            import_id = name.removesuffix(".label")
            zone = "UTC" if pa.types.is_timestamp(table.column(name).type) else None
            info[name] = ColumnInfo(import_id, import_id, "", zone)
    return table


def _rechunk(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= rows:
            whole = pa.concat_tables(pending, promote_options="default")
            yield whole.slice(0, rows)
            rest = whole.slice(rows)
            pending, count = [rest], rest.num_rows
    if count:
        yield pa.concat_tables(pending, promote_options="default")


def _chunk(table: pa.Table, start: int, info: Mapping[str, ColumnInfo]) -> RawChunk:
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.index = pd.RangeIndex(start, start + table.num_rows)
    columns = {name: info.get(name, ColumnInfo(name, name)) for name in table.column_names}
    return RawChunk(frame, columns)


def source_id_column(kind: SourceType) -> str | None:
    """The raw column holding the source id for ``kind`` (None for ORM: the IDP says)."""
    return SOURCE_ID.get(kind)


__all__ = ["ColumnInfo", "CsvColumn", "RawChunk", "iter_export_frames", "source_id_column"]
