"""Reading NDJSON in blocks with pyarrow's JSON reader, in flat memory.

The stream is cut into blocks of whole lines (``NDJSON_BLOCK_BYTES``); each block goes
through pyarrow's multi-threaded reader. Types are learned first from a small sample at the
start of the export, then from every block read in full, and passed to the reader as an
explicit schema (new fields are still inferred). That saves the inference work and stops it
guessing dates in text: integers are read as float64, date-like text stays text (dates are
parsed later, by name). A block whose values contradict the learned types is re-read with
plain inference, so the caller can coerce it or report it.

With a projection (``wanted``: the top-level fields, and for objects the child fields, the
caller keeps) a block whose wanted fields all have known types is read with only those in
the schema and everything else ignored: the reader then never builds the arrays for labels,
displayed fields and the like, which is most of its work. A block that may hold a wanted
field not seen yet is read in full, as without a projection, and then cut down.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

import pyarrow as pa
import pyarrow.json as pajson

from qinbound_nb.errors import ExportError

NDJSON_BLOCK_BYTES = 8 << 20
JSON_READER_BLOCK = 1 << 20
SAMPLE_BYTES = 256 << 10
Block = bytes | bytearray  # whole lines of NDJSON
# Top-level field -> the child fields kept (None: the whole field).
Wanted = Mapping[str, frozenset[str] | None]


def line_blocks(stream: BinaryIO) -> Iterator[Block]:
    """Cut an NDJSON stream into blocks that end on a line break.

    Each block is the stream's next ``NDJSON_BLOCK_BYTES`` up to the last line break in
    them; the rest is carried over. The bytes are read straight into the block's buffer,
    which is then cut short in place, so the block's bytes are never copied.
    """
    carry, first = b"", True
    while True:
        buffer = bytearray(len(carry) + NDJSON_BLOCK_BYTES)
        buffer[: len(carry)] = carry
        size = len(carry) + _fill(stream, buffer, len(carry))
        if first:
            first, skip = False, 3 if buffer.startswith(b"\xef\xbb\xbf") else 0
            del buffer[:skip]
            size -= skip
        if size == len(carry):  # the end: what is left is the last line
            if carry.strip():
                yield carry
            return
        cut = buffer.rfind(b"\n", 0, size) + 1
        carry = bytes(buffer[cut:size])
        del buffer[cut:]
        if buffer:
            yield buffer


def _fill(stream: BinaryIO, buffer: bytearray, start: int) -> int:
    """Read into ``buffer[start:]`` until it is full or the stream ends; the bytes read."""
    with memoryview(buffer) as view:
        done = start
        while done < len(buffer):
            got = stream.readinto(view[done:])  # type: ignore[attr-defined]
            if not got:
                break
            done += got
    return done - start


def read_ndjson(blocks: Iterable[Block], wanted: Wanted | None = None) -> Iterator[pa.Table]:
    """Parse each block into a table, reusing the types learned from earlier blocks.

    Args:
        blocks: whole lines of NDJSON.
        wanted: keep only these fields (see the module docstring); None keeps everything.
    """
    line, learned, first = 1, None, True
    for block in blocks:
        if first:
            learned, first = _sampled(block), False
        table = None
        if wanted is not None and learned is not None and not _may_add(block, learned, wanted):
            table = _read_projected(block, line, _pruned_schema(learned, wanted))
        if table is None:
            table = _read_block(block, line, learned)
            learned = _learnable(table.schema)
            table = table if wanted is None else _pruned_table(table, wanted)
        yield table
        # One record a line: counting the newlines costs more, and only blank lines between
        # records (which Qualtrics never writes) would make an error's line number low.
        line += table.num_rows


def _sampled(block: Block) -> pa.Schema | None:
    """Types learned from the first lines of the export (None when they do not parse)."""
    cut = block.rfind(b"\n", 0, SAMPLE_BYTES) + 1
    if not cut:
        return None
    try:
        return _learnable(pajson.read_json(pa.py_buffer(block[:cut])).schema)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None  # the block's own read reports what is wrong


def _may_add(block: Block, learned: pa.Schema, wanted: Wanted) -> bool:
    """Whether the block may hold a wanted field whose type is not known yet."""
    for name, children in wanted.items():
        known = learned.field(name) if name in learned.names else None
        if children is None:
            missing = [] if known is not None else [name]
        else:
            have = {f.name for f in known.type} if known and pa.types.is_struct(known.type) else ()
            missing = [child for child in children if child not in have]
        if any(_mentions(block, key) for key in missing):
            return True
    return False


def _mentions(block: Block, key: str) -> bool:
    if not key.isascii() or '"' in key or "\\" in key:
        return True  # it may be written with escapes: assume it is there
    quoted = b'"' + key.encode() + b'"'
    return quoted + b":" in block or quoted + b" :" in block


def _pruned_schema(schema: pa.Schema, wanted: Wanted) -> pa.Schema:
    fields = []
    for field in schema:
        if field.name not in wanted:
            continue
        children = wanted[field.name]
        if children is not None and pa.types.is_struct(field.type):
            kept = [child for child in field.type if child.name in children]
            field = field.with_type(pa.struct(kept))
        fields.append(field)
    return pa.schema(fields)


def _pruned_table(table: pa.Table, wanted: Wanted) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for name in table.column_names:
        if name not in wanted:
            continue
        values = table.column(name).combine_chunks()
        children = wanted[name]
        if children is not None and pa.types.is_struct(values.type):
            kept = [i for i, child in enumerate(values.type) if child.name in children]
            values = pa.StructArray.from_arrays(
                [values.field(i) for i in kept],
                fields=[values.type.field(i) for i in kept],
                mask=values.is_null(),
            )
        columns[name] = values
    return pa.table(columns)


def _read_projected(block: Block, first_line: int, schema: pa.Schema) -> pa.Table | None:
    """Read only ``schema``'s fields; None when the block needs the full read."""
    parsing = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    options = pajson.ReadOptions(block_size=JSON_READER_BLOCK)
    try:
        table = pajson.read_json(pa.py_buffer(block), read_options=options, parse_options=parsing)
    except pa.ArrowInvalid:
        return None  # types changed, a record is too big, or the block is broken
    try:  # the reader lets invalid UTF-8 through; check the text we keep
        table.validate(full=True)
    except pa.ArrowInvalid:
        raise _unreadable(block, first_line, None) from None
    return table


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


def _read_block(block: Block, first_line: int, learned: pa.Schema | None) -> pa.Table:
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


def _unreadable(block: Block, first_line: int, exc: Exception | None) -> ExportError:
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + block.count(b"\n", 0, exc.start)
        return ExportError(
            f"the NDJSON export is not UTF-8 (bad byte on line {line}); "
            "download it again: the file is damaged"
        )
    for offset, text in enumerate(bytes(block).split(b"\n")):
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
