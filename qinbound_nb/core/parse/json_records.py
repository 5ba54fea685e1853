"""Streaming the records out of one JSON document as NDJSON blocks, in bounded memory.

A JSON export is one document: ``{"responses": [...]}`` for surveys, ``[...]`` or
``{"tickets": [...]}`` for tickets. Rather than load it whole, we decode it a piece at a
time and cut out one record at a time with the standard library's ``raw_decode``. Each
record's original text is passed on untouched (re-serialized only when it spans lines), so
the NDJSON reader downstream sees exactly what Qualtrics sent and types it the same way.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import BinaryIO

from qinbound_nb.errors import ExportError

READ_BYTES = 1 << 20
BLOCK_CHARS = 8 << 20
RECORD_KEYS = ("responses", "tickets", "records", "elements")
WHITESPACE = " \t\r\n"


class _Text:
    """A growing window of decoded text over a binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.pos = 0
        self.consumed = 0
        self.eof = False

    def more(self) -> bool:
        """Read another piece; False once the stream is exhausted."""
        if self.eof:
            return False
        raw = self.stream.read(READ_BYTES)
        self.eof = not raw
        try:
            piece = self.decoder.decode(raw, final=self.eof)
        except UnicodeDecodeError as exc:
            at = self.consumed + len(self.text) + exc.start
            raise ExportError(
                f"the JSON export is not UTF-8 (bad byte near character {at}); "
                "download it again: the file is damaged"
            ) from exc
        if self.pos > READ_BYTES:  # drop what was read already, so memory stays flat
            self.consumed += self.pos
            self.text, self.pos = self.text[self.pos :], 0
        self.text += piece
        return not self.eof or bool(piece)

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, choices: str) -> str:
        char = self.peek()
        if not char or char not in choices:
            raise self.broken(f"expected one of {choices!r}")
        self.pos += 1
        return char

    def value(self, decoder: json.JSONDecoder) -> tuple[object, str]:
        """Decode the next JSON value; return it with its source text."""
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if self.more():
                    continue
                raise self.broken("a value is cut off or malformed") from None
            if end == len(self.text) and not self.eof and self.more():
                continue  # a number may go on in the next piece
            source, self.pos = self.text[self.pos : end], end
            return value, source

    def broken(self, what: str) -> ExportError:
        return ExportError(
            f"the JSON export is not readable near character {self.consumed + self.pos}: "
            f"{what}; the download was probably cut off, so run the export again"
        )


def ndjson_blocks(stream: BinaryIO, *, block_chars: int = BLOCK_CHARS) -> Iterator[bytes]:
    """Yield the records of a JSON export as UTF-8 NDJSON blocks of roughly ``block_chars``."""
    text = _Text(stream)
    decoder = json.JSONDecoder()
    first = text.peek()
    if not first:
        return
    if first == "{":
        if not _enter_records(text, decoder):
            return
    else:
        text.expect("[")
    lines: list[str] = []
    size = 0
    while text.peek() != "]":
        value, source = text.value(decoder)
        if not isinstance(value, dict):
            raise text.broken("each record must be a JSON object")
        line = json.dumps(value, ensure_ascii=False) if "\n" in source else source
        lines.append(line)
        size += len(line)
        if size >= block_chars:
            yield "\n".join(lines).encode("utf-8")
            lines, size = [], 0
        if text.expect(",]") == "]":
            break
    if lines:
        yield "\n".join(lines).encode("utf-8")


def _enter_records(text: _Text, decoder: json.JSONDecoder) -> bool:
    """Move past ``{"key": [`` of the record list; False for an object without records."""
    text.expect("{")
    seen = []
    while text.peek() != "}":
        key, _ = text.value(decoder)
        text.expect(":")
        if key in RECORD_KEYS and text.peek() == "[":
            text.expect("[")
            return True
        seen.append(str(key))
        text.value(decoder)
        if text.expect(",}") == "}":
            break
    if seen:
        raise ExportError(
            f"the JSON export has no list of records (found keys {', '.join(seen[:5])}); "
            f"expected one of {', '.join(RECORD_KEYS)}"
        )
    return False
