"""Large generated surveys for benchmarks: millions of responses streamed in bounded memory.

A generated survey has the demo NPS survey's questions. Its rows are pre-rendered templates
(512 real demo responses, rendered by :mod:`.sandbox_render` with placeholder ids and dates)
into which pyarrow splices ids and dates a batch at a time, so a batch costs a handful of
vectorised kernels instead of a Python call per row. Response ``i`` is recorded at
``GENERATED_EPOCH + i`` seconds (plus ``i × 37 mod 1000`` ms) and is always finished.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.job.vocab import SURVEY_DATE_FIELDS
from qinbound_nb.sandbox import render
from qinbound_nb.sandbox.catalog import NPS, SurveyDef, make_response, stable_id

GENERATED_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1)
TEMPLATES = 512
BATCH = 32_768
SLOT = re.compile(r"@@([ISERM])@@")
LUT = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
ID_SPACE = 62**10
ID_STEP = 87_178_291_199  # odd, not a multiple of 31: a bijection on [0, 62**10)


@dataclass(frozen=True)
class RowTemplates:
    """Per-template text pieces between placeholders, and the placeholder order."""

    pieces: tuple[pa.Array, ...]
    slots: tuple[str, ...]
    durations: np.ndarray


@dataclass(frozen=True)
class GeneratedSurvey:
    """A survey of ``size`` generated responses, shaped like the demo NPS survey."""

    survey_id: str
    name: str
    size: int
    seed: int

    @property
    def definition(self) -> SurveyDef:
        return replace(NPS, survey_id=self.survey_id, name=self.name, filters=())

    def index_range(self, lower: datetime | None, upper: datetime | None, now: datetime) -> range:
        """Indices recorded in ``[lower, upper)`` and at or before ``now``."""
        first = 0 if lower is None else max(0, _seconds(lower))
        stop = self.size if upper is None else min(self.size, _seconds(upper))
        exists = _seconds(now)  # response i is recorded within second i
        if exists < self.size and (exists * 37) % 1000 <= _millis(now):
            exists += 1
        return range(first, min(stop, max(exists, 0)))

    def stream(
        self,
        indices: range,
        fmt: str,
        selection: render.Selection,
        use_labels: bool = False,
        time_zone: str | None = None,
    ) -> Iterator[bytes]:
        """The export file's bytes for ``indices``, batch by batch."""
        templates = _templates(self.seed, fmt, selection, use_labels)
        cols = render.columns(self.definition, selection)
        if fmt == "csv":
            yield render.write_csv(render.csv_header(cols, time_zone)).encode()
        elif fmt == "json":
            yield b'{"responses":['
        first = True
        for start in range(indices.start, indices.stop, BATCH):
            batch = np.arange(start, min(start + BATCH, indices.stop), dtype=np.int64)
            data = _fill(batch, templates, self.seed, fmt, time_zone)
            if fmt == "json" and first:
                data = data[1:]  # rows carry a leading comma; the first one must not
            first = False
            yield data
        if fmt == "json":
            yield b"]}"


def _seconds(moment: datetime) -> int:
    return int((moment - GENERATED_EPOCH).total_seconds() // 1)


def _millis(moment: datetime) -> int:
    return int(((moment - GENERATED_EPOCH).total_seconds() % 1) * 1000)


@lru_cache(maxsize=16)
def _templates(seed: int, fmt: str, selection: render.Selection, use_labels: bool) -> RowTemplates:
    cols = render.columns(NPS, selection)
    texts: list[str] = []
    durations: list[int] = []
    index = 0
    while len(texts) < TEMPLATES:
        response = make_response(NPS, seed, index)
        index += 1
        if not response.finished:
            continue
        dates: dict[str, str] = dict(
            zip(SURVEY_DATE_FIELDS, ("@@S@@", "@@E@@", "@@R@@"), strict=True)
        )
        if selection.last_modified:
            dates["lastModifiedDate"] = "@@M@@"
        texts.append(_render_row(fmt, "@@I@@", dates, response.values, response.labels, cols,
                                 use_labels))  # fmt: skip
        durations.append(int(response.values["duration"]))
    split = [SLOT.split(text) for text in texts]
    slots = tuple(split[0][1::2])
    assert all(tuple(parts[1::2]) == slots for parts in split), "templates differ in layout"
    pieces = tuple(pa.array([parts[k] for parts in split]) for k in range(0, len(split[0]), 2))
    return RowTemplates(pieces, slots, np.array(durations, dtype=np.int64))


def _render_row(
    fmt: str,
    rid: str,
    dates: dict[str, str],
    values: dict[str, object],
    labels: dict[str, object],
    cols: list[render.Column],
    use_labels: bool,
) -> str:
    if fmt == "csv":
        return render.write_csv([render.csv_row(rid, dates, values, labels, cols, use_labels)])
    record = render.json_text(render.json_record(rid, dates, values, labels, cols))
    return "," + record if fmt == "json" else record + "\n"


def _ids(batch: np.ndarray, seed: int) -> pa.Array:
    prefix = stable_id("R_", seed, "generated", length=5).encode()
    chars = np.empty((len(batch), 17), dtype=np.uint8)
    chars[:, :7] = np.frombuffer(prefix, np.uint8)
    number = (batch * ID_STEP + 104_729 * (seed + 1) + 7_919_000_000) % ID_SPACE
    for position in range(16, 6, -1):
        chars[:, position] = LUT[number % 62]
        number //= 62
    return pa.array(chars.reshape(-1).view("S17")).cast(pa.string())


def _fill(
    batch: np.ndarray, templates: RowTemplates, seed: int, fmt: str, time_zone: str | None
) -> bytes:
    which = pa.array((batch * 2_654_435_761 + seed) % TEMPLATES)
    end = batch + int(GENERATED_EPOCH.timestamp())
    millis = (batch * 37) % 1000 if fmt != "csv" else None
    start = end - templates.durations[which.to_numpy()]
    values = {
        "I": [_ids(batch, seed)],
        "S": _dates(start, None, fmt, time_zone),
        "E": _dates(end, None, fmt, time_zone),
        "R": _dates(end, millis, fmt, time_zone),
    }
    values["M"] = values["R"]
    parts: list[pa.Array] = []
    for position, piece in enumerate(templates.pieces):
        parts.append(pc.take(piece, which))
        if position < len(templates.slots):
            parts += values[templates.slots[position]]
    joined = pc.binary_join_element_wise(*parts, "")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)
    begin, stop = offsets[joined.offset], offsets[joined.offset + len(joined)]
    return joined.buffers()[2][begin:stop].to_pybytes()


@lru_cache(maxsize=4)
def _clock_table(suffix: str) -> pa.Array:
    """Every time of day as text, ``HH:MM:SS`` + ``suffix``, indexed by second of day."""
    return pa.array(
        [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(86_400)]
    )


@lru_cache(maxsize=1)
def _millis_table() -> pa.Array:
    return pa.array([f".{ms:03d}Z" for ms in range(1000)])


def _dates(
    epoch: np.ndarray, millis: np.ndarray | None, fmt: str, time_zone: str | None
) -> list[pa.Array]:
    """Date strings as pieces to splice: a day table and a time-of-day table, no strftime."""
    if fmt == "csv" and time_zone:  # daylight saving needs the real conversion
        stamps = pa.array(epoch, type=pa.timestamp("s", tz="UTC"))
        local = stamps.cast(pa.timestamp("s", tz=time_zone))
        return [pc.strftime(local, format="%Y-%m-%d %H:%M:%S")]
    day, second = np.divmod(epoch, 86_400)
    first = int(day.min())
    joint = " " if fmt == "csv" else "T"
    days = pa.array(
        [(EPOCH_DAY + timedelta(days=first + k)).isoformat() + joint
         for k in range(int(day.max()) - first + 1)]
    )  # fmt: skip
    parts = [pc.take(days, pa.array(day - first))]
    if millis is None:
        parts.append(pc.take(_clock_table("" if fmt == "csv" else "Z"), pa.array(second)))
    else:
        parts += [pc.take(_clock_table(""), pa.array(second)), pc.take(_millis_table(), millis)]
    return parts
