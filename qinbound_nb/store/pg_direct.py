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

from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.job.vocab import Outcome
from qinbound_nb.store.backend import Backend
from qinbound_nb.store.schema import STAGE, quote

CHUNK_IDS = "_qinbound_chunk_ids"


def load_direct(
    backend: Backend, table: str, run_id: str, chunk: pa.Table, written_at: datetime
) -> pa.Table:
    """Write ``chunk``'s new documents into ``table``; return the rows still to be staged."""
    ids = chunk.column("natural_id")
    backend.execute(f"CREATE TEMP TABLE IF NOT EXISTS {CHUNK_IDS} (natural_id text)")
    backend.execute(f"TRUNCATE {CHUNK_IDS}")
    backend.insert_arrow(CHUNK_IDS, pa.table({"natural_id": ids}))
    seen = _ids_seen(backend, table, run_id)
    taken = pc.is_in(ids, value_set=pa.array(seen, pa.string())) if seen else None
    repeated = _repeated(ids)
    staged = repeated if taken is None else pc.or_(repeated, taken)
    direct = chunk.filter(pc.invert(staged))
    if direct.num_rows:
        _write(backend, table, run_id, direct, written_at)
    return chunk.filter(staged)


def _ids_seen(backend: Backend, table: str, run_id: str) -> list[str]:
    """Ids of the chunk already in the project or staged (this run's own rows move back first)."""
    mine = backend.execute(
        f"SELECT count(*) FROM {CHUNK_IDS} c JOIN {quote(table)} p USING (natural_id) "
        "WHERE p._run_id = ?",
        [run_id],
    ).fetchall()
    if mine[0][0]:
        _move_back(backend, table, run_id)
    rows = backend.execute(
        f"SELECT natural_id FROM {CHUNK_IDS} c WHERE EXISTS "
        f"(SELECT 1 FROM {quote(table)} p WHERE p.natural_id = c.natural_id) "
        f"OR EXISTS (SELECT 1 FROM {STAGE} s WHERE s.natural_id = c.natural_id)"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _move_back(backend: Backend, table: str, run_id: str) -> None:
    """Stage again the rows this run wrote straight in that the chunk repeats (they lose)."""
    stage_columns = [c for c in backend.column_types(STAGE) if not c.startswith("_")]
    names = ", ".join(quote(c) for c in stage_columns)
    selected = ", ".join(f"p.{quote(c)}" for c in stage_columns)
    mine = (
        f"SELECT c.natural_id FROM {CHUNK_IDS} c JOIN {quote(table)} p USING (natural_id) "
        "WHERE p._run_id = ?"
    )
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


def _repeated(ids: pa.ChunkedArray) -> pa.Array:
    """True for every row whose id occurs more than once in the chunk."""
    counts = pc.value_counts(ids)
    repeats = counts.filter(pc.greater(counts.field("counts"), 1)).field("values")
    return pc.is_in(ids, value_set=repeats)


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
