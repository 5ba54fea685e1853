"""PostgreSQL's fast path: a chunk's new documents go straight into the project table.

Staging every document and then copying the winners into the project writes each row
twice. A ``natural_id`` starts with its job's name and one job never runs twice at once,
so the rows one run writes are its own: a document whose id is neither in the project nor
already in this run can be ``COPY``'d straight into the project table, inside the run's
transaction, with its outcome (``loaded``). Only the rest is staged and settled by the
merge: ids already in the project, ids repeated within the chunk, and ids this run has
seen before (a row it wrote straight in earlier is moved back to the stage, so the later
row still wins as the duplicate rules say). Nothing is visible before COMMIT, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.job.vocab import Outcome
from qinbound_nb.store.backend import Backend
from qinbound_nb.store.schema import STAGE, quote

CHUNK_IDS = "_qinbound_chunk_ids"
# the planner's statistics of a table filling up inside this transaction say it is empty,
# so it would scan it whole for every chunk; these lookups are index probes by design
PROBES_ONLY = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")


class RunIds:
    """The ids one run has written or staged so far, as 64-bit hashes (8 bytes an id).

    A hash collision only sends a new document through the stage, which settles it the
    same way, so a hash is as good as the id here.
    """

    def __init__(self) -> None:
        self._seen = np.empty(0, np.uint64)

    def earlier(self, ids: pa.ChunkedArray) -> np.ndarray:
        """True for the chunk's rows whose id this run saw before or the chunk repeats."""
        hashes = pd.util.hash_array(ids.to_numpy(zero_copy_only=False))
        ordered = np.sort(hashes)
        repeats = ordered[1:][ordered[1:] == ordered[:-1]]
        flags = np.isin(hashes, repeats) if len(repeats) else np.zeros(len(hashes), bool)
        if len(self._seen):
            at = np.searchsorted(self._seen, hashes).clip(max=len(self._seen) - 1)
            flags |= self._seen[at] == hashes
        # two sorted runs: the stable sort merges them in one pass
        self._seen = np.sort(np.concatenate([self._seen, ordered]), kind="stable")
        return flags


class RunFastPath:
    """One run's fast path: what it has seen, and whether its job had documents before."""

    def __init__(self, backend: Backend, run_id: str, job_name: str) -> None:
        self._backend, self._run_id, self._job_name = backend, run_id, job_name
        self._run_ids = RunIds()
        self._job_stored: bool | None = None  # asked once, before this run writes any
        self._written_at = datetime.now(UTC)

    def write(self, table: str, chunk: pa.Table) -> pa.Table:
        """Write ``chunk``'s new documents into ``table``; return the rows still to be staged."""
        if self._job_stored is None:
            self._job_stored = holds_documents_of(self._backend, table, self._job_name)
        ids = chunk.column("natural_id")
        staged = self._run_ids.earlier(ids)  # seen before in this run, or repeated
        if staged.any():
            _move_back(self._backend, table, self._run_id, ids.filter(pa.array(staged)))
        if self._job_stored:  # else only this run's own ids can be in the table
            stored = _stored(self._backend, table, ids.filter(pa.array(~staged)))
            staged = staged | pc.is_in(ids, value_set=stored).to_numpy(zero_copy_only=False)
        direct = chunk.filter(pa.array(~staged))
        if direct.num_rows:
            _write(self._backend, table, self._run_id, direct, self._written_at)
        return chunk.filter(pa.array(staged))


def holds_documents_of(backend: Backend, table: str, job_name: str) -> bool:
    """Whether ``table`` holds any document of the job: its ids all start ``<job name>;``
    (a job name has no ``;``), one range probe of the key. Only the job's own runs write such
    ids, and it never runs twice at once, so the answer holds until this run commits."""
    sql = (
        f'SELECT 1 FROM {quote(table)} WHERE natural_id >= CAST(? AS text) COLLATE "C" '
        'AND natural_id < CAST(? AS text) COLLATE "C" LIMIT 1'
    )
    with _index_probes(backend):
        return bool(backend.execute(sql, [f"{job_name};", f"{job_name}<"]).fetchall())


def _probe(backend: Backend, ids: pa.ChunkedArray | pa.Array) -> None:
    """Put ``ids`` in the lookup table and have the planner probe indexes with them."""
    backend.execute(f"CREATE TEMP TABLE IF NOT EXISTS {CHUNK_IDS} (natural_id text)")
    backend.execute(f"TRUNCATE {CHUNK_IDS}")
    backend.insert_arrow(CHUNK_IDS, pa.table({"natural_id": ids}))
    backend.execute(f"ANALYZE {CHUNK_IDS}")


def _stored(backend: Backend, table: str, ids: pa.ChunkedArray) -> pa.Array:
    """The ids among ``ids`` that the project table already holds."""
    if not len(ids):
        return pa.array([], pa.string())
    _probe(backend, ids)
    rows = _probing(
        backend,
        f"SELECT c.natural_id FROM {CHUNK_IDS} c JOIN {quote(table)} p USING (natural_id)",
    )
    return pa.array([str(row[0]) for row in rows], pa.string())


def _probing(backend: Backend, sql: str) -> list[tuple[Any, ...]]:
    with _index_probes(backend):
        return list(backend.execute(sql).fetchall())


@contextmanager
def _index_probes(backend: Backend) -> Iterator[None]:
    for setting in PROBES_ONLY:
        backend.execute(f"SET {setting} = off")
    try:
        yield
    finally:
        for setting in PROBES_ONLY:
            backend.execute(f"RESET {setting}")


def _move_back(backend: Backend, table: str, run_id: str, ids: pa.ChunkedArray) -> None:
    """Stage again the rows this run wrote straight in that the chunk repeats (they lose)."""
    _probe(backend, ids)
    stage_columns = [c for c in backend.column_types(STAGE) if not c.startswith("_")]
    names = ", ".join(quote(c) for c in stage_columns)
    selected = ", ".join(f"p.{quote(c)}" for c in stage_columns)
    mine = (
        f"SELECT c.natural_id FROM {CHUNK_IDS} c JOIN {quote(table)} p USING (natural_id) "
        "WHERE p._run_id = ?"
    )
    with _index_probes(backend):
        _move_rows(backend, table, run_id, names, selected, mine)


def _move_rows(
    backend: Backend, table: str, run_id: str, names: str, selected: str, mine: str
) -> None:
    backend.execute(
        f"INSERT INTO {STAGE} ({names}, _position, _seq) SELECT {selected}, o.position, -1 "
        f"FROM {quote(table)} p JOIN document_outcomes o "
        "ON o.natural_id = p.natural_id AND o.run_id = ? "
        f"WHERE p.natural_id IN ({mine})",
        [run_id, run_id],
    )
    backend.execute(
        f"DELETE FROM document_outcomes WHERE run_id = ? AND natural_id IN ({mine})",
        [run_id, run_id],
    )
    backend.execute(
        f"DELETE FROM {quote(table)} WHERE _run_id = ? AND natural_id IN "
        f"(SELECT natural_id FROM {CHUNK_IDS})",
        [run_id],
    )


def _write(backend: Backend, table: str, run_id: str, rows: pa.Table, written_at: datetime) -> None:
    count = rows.num_rows
    flags = (
        pc.fill_null(rows.column("_in_progress").cast(pa.bool_()), False)
        if "_in_progress" in rows.column_names  # the runner marks in-progress sessions
        else pa.array([False] * count, pa.bool_())
    )
    documents = rows.select([c for c in rows.column_names if not c.startswith("_")])
    documents = (
        documents.append_column("_run_id", pa.array([run_id] * count, pa.string()))
        .append_column("_in_progress", flags)
        .append_column("_updated_at", pa.array([written_at] * count, pa.timestamp("us", tz="UTC")))
    )
    backend.insert_arrow(quote(table), documents)
    dates = (
        rows.column("document_date")
        if "document_date" in rows.column_names
        else pa.nulls(count, pa.timestamp("us", tz="UTC"))
    )
    outcomes = pa.table(
        {
            "run_id": pa.array([run_id] * count, pa.string()),
            "natural_id": rows.column("natural_id"),
            "outcome": pa.array([str(Outcome.LOADED)] * count, pa.string()),
            "document_date": dates,
            "position": rows.column("_position"),
        }
    )
    backend.insert_arrow("document_outcomes", outcomes)
