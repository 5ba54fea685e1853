"""Documents written as XM Discover individual-feedback files (CSV or JSON), ready to upload.

What XM Discover states (reference/xm-discover.md §3.4): the first row gives attribute
names and verbatim types, each later row is one document, at most 100,000 rows a file, no
empty rows, and column names keep only English letters, digits, ``_``, ``-``, ``[ ]`` and
spaces (other characters removed, long names cut). Our choices, where it is silent [I]:

- names are cut to 99 characters (``MAX_NAME``, the display-name limit; the file limit
  itself is not published); a name left empty becomes ``column_<n>``, clashes get ``_2``...;
- a verbatim column is headed ``<name> [verbatim]`` (``VERBATIM_HEADER``), so the header row
  carries the verbatim type; every other column is an attribute;
- dates are ISO 8601 in UTC (``2024-05-01T10:00:00Z``), missing values are empty cells;
- CSV is UTF-8 with a header row; JSON is an array of objects keyed like the CSV header;
- files are named ``<prefix>-0001.csv``, ``-0002``... and each is renamed into place whole.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from qinbound_nb.job.vocab import FeedbackFormat

MAX_ROWS = 100_000
MAX_NAME = 99
VERBATIM_HEADER = "{name} [verbatim]"
UNSUPPORTED = re.compile(r"[^A-Za-z0-9_\-\[\] ]")


def clean_column_names(names: Iterable[str], max_length: int = MAX_NAME) -> list[str]:
    """Column names as XM Discover keeps them: unsupported characters removed, cut, unique."""
    cleaned: list[str] = []
    taken: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = UNSUPPORTED.sub("", str(name)).strip()[:max_length].strip() or f"column_{position}"
        candidate, suffix = base, 2
        while candidate.lower() in taken:
            tail = f"_{suffix}"
            candidate, suffix = base[: max_length - len(tail)] + tail, suffix + 1
        taken.add(candidate.lower())
        cleaned.append(candidate)
    return cleaned


def write_feedback_files(
    documents: pd.DataFrame | Iterable[pd.DataFrame],
    folder: str | os.PathLike[str],
    *,
    format: FeedbackFormat = FeedbackFormat.CSV,
    verbatim_fields: Iterable[str] = (),
    max_rows: int = MAX_ROWS,
    prefix: str = "feedback",
) -> list[Path]:
    """Write documents (one frame or a stream of chunks) as individual-feedback files.

    Args:
        documents: document frames with the same columns (the first chunk fixes them).
        folder: where the files go (created if missing).
        format: ``csv`` or ``json``.
        verbatim_fields: the columns that are verbatims (by their document column name).
        max_rows: documents per file, at most 100,000.
        prefix: file name prefix.

    Returns:
        The files written, in order; none when there was no non-empty document.
    """
    if format not in tuple(FeedbackFormat):
        raise ValueError(f"format must be 'csv' or 'json', not {format!r}")
    if not 1 <= max_rows <= MAX_ROWS:
        raise ValueError(f"max_rows must be between 1 and {MAX_ROWS}")
    chunks = [documents] if isinstance(documents, pd.DataFrame) else documents
    writer = _RollingWriter(Path(folder), format, prefix, max_rows)
    columns: list[str] | None = None
    verbatims = set(verbatim_fields)
    try:
        for chunk in chunks:
            if columns is None:
                columns = list(chunk.columns)
                writer.header = _header(columns, verbatims)
            writer.write(_cells(_conform(chunk, columns)))
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _header(columns: list[str], verbatims: set[str]) -> list[str]:
    cleaned = clean_column_names(columns, MAX_NAME - len(VERBATIM_HEADER.format(name="")))
    return [
        VERBATIM_HEADER.format(name=name) if column in verbatims else name
        for column, name in zip(columns, cleaned, strict=True)
    ]


def _conform(chunk: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    extra = [column for column in chunk.columns if column not in columns]
    if extra:
        raise ValueError(f"a later chunk has columns the first did not have: {extra}")
    return chunk.reindex(columns=columns)


def _cells(chunk: pd.DataFrame) -> pd.DataFrame:
    """Every value as text (dates in ISO 8601 UTC), missing as None; empty rows dropped."""
    cells = {}
    for column in chunk.columns:
        series = chunk[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype) or (
            hasattr(series.dtype, "pyarrow_dtype") and "timestamp" in str(series.dtype)
        ):
            series = pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        text = series.astype("string").astype(object)
        cells[column] = text.where(series.notna(), None)
    frame = pd.DataFrame(cells, index=chunk.index)
    empty = frame.isna() | (frame == "")
    return frame[~empty.all(axis=1)]


class _RollingWriter:
    """Writes rows into numbered files of at most ``max_rows`` rows each."""

    def __init__(self, folder: Path, format: FeedbackFormat, prefix: str, max_rows: int) -> None:
        self.folder, self.format, self.prefix, self.max_rows = folder, format, prefix, max_rows
        self.header: list[str] = []
        self.paths: list[Path] = []
        self._stream: IO[str] | None = None
        self._temporary = ""
        self._rows = 0

    def write(self, rows: pd.DataFrame) -> None:
        for start in range(0, len(rows), self.max_rows):
            for piece in self._pieces(rows.iloc[start : start + self.max_rows]):
                self._append(piece)

    def _pieces(self, rows: pd.DataFrame) -> Iterator[pd.DataFrame]:
        while len(rows):
            if self._stream is None or self._rows >= self.max_rows:
                self._open_next()
            room = self.max_rows - self._rows
            yield rows.iloc[:room]
            rows = rows.iloc[room:]

    def _open_next(self) -> None:
        self._finish_file()
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, self._temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{self.prefix}.")
        self._stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self._rows = 0
        if self.format == FeedbackFormat.CSV:
            csv.writer(self._stream).writerow(self.header)
        else:
            self._stream.write("[\n")

    def _append(self, rows: pd.DataFrame) -> None:
        assert self._stream is not None
        named = rows.set_axis(self.header, axis=1)
        if self.format == FeedbackFormat.CSV:
            named.to_csv(self._stream, header=False, index=False, lineterminator="\r\n")
        else:
            lines = named.to_json(orient="records", lines=True, force_ascii=False).splitlines()
            separator = ",\n" if self._rows else ""
            self._stream.write(separator + ",\n".join(lines))
        self._rows += len(rows)

    def _finish_file(self) -> None:
        if self._stream is None:
            return
        if self.format == FeedbackFormat.JSON:
            self._stream.write("\n]\n")
        self._stream.close()
        self._stream = None
        path = self.folder / f"{self.prefix}-{len(self.paths) + 1:04d}.{self.format}"
        os.replace(self._temporary, path)
        self.paths.append(path)

    def abort(self) -> None:
        """Drop the file being written (finished files stay: each is whole)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
            Path(self._temporary).unlink(missing_ok=True)

    def close(self) -> list[Path]:
        self._finish_file()
        return self.paths
