"""Reading NDJSON in blocks with pyarrow's JSON reader, in flat memory.

The stream is cut into blocks of whole lines (``NDJSON_BLOCK_BYTES``); each block goes
through pyarrow's multi-threaded reader. After the first block, the types learned so far
are passed to the reader as an explicit schema (new fields are still inferred), which
saves the inference work and stops it guessing dates in text: integers are read as
float64, date-like text stays text (dates are parsed later, by name). A block whose
values contradict the learned types is re-read with plain inference, so the caller can
coerce it or report it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.json as pajson

from qinbound_nb.errors import ExportError

NDJSON_BLOCK_BYTES = 16 << 20
JSON_READER_BLOCK = 1 << 20


def line_blocks(stream: BinaryIO) -> Iterator[bytes]:
    """Cut an NDJSON stream into blocks that end on a line break."""
    carry = b""
    first = True
    while True:
        data = stream.read(NDJSON_BLOCK_BYTES)
        if first:
            data, first = data.removeprefix(b"\xef\xbb\xbf"), False
        if not data:
            if carry.strip():
                yield carry
            return
        data = carry + data
        cut = data.rfind(b"\n") + 1
        block, carry = data[:cut], data[cut:]
        if block:
            yield block


def read_ndjson(blocks: Iterable[bytes]) -> Iterator[pa.Table]:
    """Parse each block into a table, reusing the types learned from earlier blocks."""
    line, learned = 1, None
    for block in blocks:
        table = _read_block(block, line, learned)
        learned = _learnable(table.schema)
        yield table
        line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


def _learnable(schema: pa.Schema) -> pa.Schema | None:
    fields = [f for f in (_learn(field) for field in schema) if f is not None]
    return pa.schema(fields) if fields else None


def _learn(field: pa.Field) -> pa.Field | None:
    kind = field.type
    if pa.types.is_null(kind):
        return None  # unknown yet: let the reader infer it
    if pa.types.is_integer(kind):
        return field.with_type(pa.float64())
    if pa.types.is_timestamp(kind):
        return field.with_type(pa.string())
    if pa.types.is_struct(kind):
        children = [c for c in (_learn(child) for child in kind) if c is not None]
        return field.with_type(pa.struct(children))
    if pa.types.is_list(kind):
        item = _learn(kind.value_field)
        return None if item is None else field.with_type(pa.list_(item))
    return field


def _read_block(block: bytes, first_line: int, learned: pa.Schema | None) -> pa.Table:
    try:  # pyarrow's JSON reader lets invalid UTF-8 through into string columns
        block.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable(block, first_line, None) from None
    size = JSON_READER_BLOCK
    while True:
        parsing = pajson.ParseOptions(explicit_schema=learned, unexpected_field_behavior="infer")
        try:
            options = pajson.ReadOptions(block_size=size)
            return pajson.read_json(
                pa.py_buffer(block), read_options=options, parse_options=parsing
            )
        except pa.ArrowInvalid as exc:
            if learned is not None:
                learned = None  # this block disagrees with earlier ones: infer afresh
                continue
            if "straddling" in str(exc) and size < len(block) + 1:
                size = len(block) + 1  # one record is bigger than the reader's block
                continue
            raise _unreadable(block, first_line, exc) from exc


def _unreadable(block: bytes, first_line: int, exc: Exception | None) -> ExportError:
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + block.count(b"\n", 0, exc.start)
        return ExportError(
            f"the NDJSON export is not UTF-8 (bad byte on line {line}); "
            "download it again: the file is damaged"
        )
    for offset, text in enumerate(block.split(b"\n")):
        if text.strip() and not _is_object(text):
            return ExportError(
                f"line {first_line + offset} of the NDJSON export is not a JSON object; "
                "the download was probably cut off, so run the export again"
            )
    if exc is not None and "changed from" in str(exc):
        detail = str(exc).split("JSON parse error: ")[-1].splitlines()[0][:160]
        return ExportError(
            f"a column of the NDJSON export mixes kinds of values ({detail}); pin its type "
            "with column_types or export it as text"
        )
    return ExportError("the NDJSON export could not be read; run the export again")


def _is_object(text: bytes) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
