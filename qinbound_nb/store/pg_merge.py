"""The duplicate rules of :mod:`qinbound_nb.store.merge` in PostgreSQL's dialect.

The same steps in the same transaction: pick each id's winning row within the batch
(``update`` merges repeats column by column), record the superseded rows, classify the
winners against the project table, then write them with ``INSERT … ON CONFLICT
(natural_id)``: ``replace`` overwrites the whole row, ``update`` only the non-empty fields.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import DuplicateMode, Outcome
from qinbound_nb.store.backend import Backend
from qinbound_nb.store.merge import (
    CLASSIFIED,
    IN_PROGRESS,
    OUTCOME_SQL,
    REASON_SQL,
    WINNERS,
    outcome_counts,
)
from qinbound_nb.store.schema import STAGE, STAGED_OUTCOMES, fetch_first, literal, quote

WINDOW = "PARTITION BY natural_id"
SUPERSEDED = {
    "update": "merged into a later row with the same natural_id in this run",
    "other": "superseded by a later row with the same natural_id in this run",
}


def merge_batch(
    backend: Backend,
    table: str,
    run_id: str,
    job: JobConfig,
    in_progress_ids: list[str] | None,
) -> dict[str, int]:
    """Write the staged batch into ``table`` per the job's duplicate mode; return counts."""
    stage_types = backend.column_types(STAGE)
    columns = [c for c in stage_types if not c.startswith("_")]
    has_date = "document_date" in stage_types
    backend.execute(f"CREATE TEMP TABLE {IN_PROGRESS} (natural_id text)")
    backend.insert_arrow(
        IN_PROGRESS, pa.table({"natural_id": pa.array(in_progress_ids or [], pa.string())})
    )
    _select_winners(backend, job.duplicates, stage_types)
    reason = SUPERSEDED["update" if job.duplicates == DuplicateMode.UPDATE else "other"]
    backend.execute(
        f"INSERT INTO {STAGED_OUTCOMES} SELECT s.natural_id, {literal(Outcome.SKIPPED_DUPLICATE)}, "
        f"CAST(? AS text), {_date('s', has_date)}, s._position, s._seq FROM {STAGE} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {WINNERS} w WHERE w._seq = s._seq)",
        [reason],
    )
    backend.execute(
        f"""CREATE TEMP TABLE {CLASSIFIED} AS
        WITH joined AS (
            SELECT w.natural_id, w._seq, p.natural_id IS NOT NULL AS existing,
                   coalesce(p._in_progress, false) AS stored_in_progress,
                   p._run_id AS stored_run
            FROM {WINNERS} w LEFT JOIN {quote(table)} p ON p.natural_id = w.natural_id),
        decided AS (SELECT *, {OUTCOME_SQL[job.duplicates]} AS outcome FROM joined)
        SELECT natural_id, _seq, outcome, {REASON_SQL} AS reason FROM decided"""
    )
    removed = _remove_stale_in_progress(backend, table, job.name, in_progress_ids)
    _write_documents(backend, table, run_id, columns, stage_types)
    _record_outcomes(backend, run_id, has_date)
    if in_progress_ids:  # rows written straight in (store.pg_direct) learn their flag here
        backend.execute(
            f"UPDATE {quote(table)} SET _in_progress = true WHERE _run_id = ? "
            f"AND NOT _in_progress AND natural_id IN (SELECT natural_id FROM {IN_PROGRESS})",
            [run_id],
        )
    for name in (WINNERS, CLASSIFIED, IN_PROGRESS):
        backend.execute(f"DROP TABLE IF EXISTS {name}")
    return {**outcome_counts(backend, run_id), "in_progress_removed": removed}


def record_outcomes_only(backend: Backend, run_id: str) -> dict[str, int]:
    """Record the staged outcome rows of a run that loads no documents; return counts."""
    backend.execute(
        "INSERT INTO document_outcomes (run_id, natural_id, outcome, reason, document_date, "
        "position) SELECT CAST(? AS text), natural_id, outcome, reason, document_date, position "
        f"FROM {STAGED_OUTCOMES}",
        [run_id],
    )
    return {**outcome_counts(backend, run_id), "in_progress_removed": 0}


def non_empty(column: str, sql_type: str, alias: str = "") -> str:
    """SQL that is true when ``column`` holds a value (text: not ``''``; list: not ``{}``)."""
    ref = f"{alias}{quote(column)}"
    if sql_type == "VARCHAR":
        return f"({ref} IS NOT NULL AND {ref} <> '')"
    if sql_type.endswith("[]"):
        return f"({ref} IS NOT NULL AND cardinality({ref}) > 0)"
    return f"({ref} IS NOT NULL)"


def _date(alias: str, has_date: bool) -> str:
    return f"CAST({alias}.document_date AS timestamptz)" if has_date else "NULL::timestamptz"


def _select_winners(backend: Backend, mode: str, stage_types: dict[str, str]) -> None:
    if mode != DuplicateMode.UPDATE:
        backend.execute(
            f"CREATE TEMP TABLE {WINNERS} AS SELECT DISTINCT ON (natural_id) * FROM {STAGE} "
            "ORDER BY natural_id, _seq DESC"
        )
        return
    names = ", ".join(quote(c) for c in stage_types)
    merged = []
    for column, sql_type in stage_types.items():
        if column == "natural_id":
            merged.append("natural_id")
        elif column == "_seq":
            merged.append(f"max(_seq) OVER ({WINDOW}) AS _seq")
        else:
            order = f"{non_empty(column, sql_type)} DESC, _seq DESC"
            merged.append(f"first_value({quote(column)}) OVER ({WINDOW} ORDER BY {order})")
    # only ids that repeat within the batch need the (slower) per-column merge
    backend.execute(
        f"""CREATE TEMP TABLE {WINNERS} AS
        WITH counted AS (SELECT *, count(*) OVER ({WINDOW}) AS _n FROM {STAGE})
        SELECT {names} FROM counted WHERE _n = 1
        UNION ALL
        (SELECT DISTINCT ON (natural_id) {", ".join(merged)}
         FROM counted WHERE _n > 1 ORDER BY natural_id, _seq DESC)"""
    )


def _remove_stale_in_progress(
    backend: Backend, table: str, job_name: str, in_progress_ids: list[str] | None
) -> int:
    if in_progress_ids is None:
        return 0
    row = fetch_first(
        backend,
        f"DELETE FROM {quote(table)} WHERE job_name = ? AND _in_progress "
        f"AND natural_id NOT IN (SELECT natural_id FROM {WINNERS})",
        [job_name],
    )
    return int(row[0]) if row else 0


def _write_documents(
    backend: Backend, table: str, run_id: str, columns: list[str], stage_types: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    names = [quote(c) for c in columns] + ["_run_id", "_in_progress", "_updated_at"]
    selected = ", ".join(f"w.{quote(c)}" for c in columns)
    insert = (
        f"INSERT INTO {quote(table)} AS p ({', '.join(names)}) "
        f"SELECT {selected}, CAST(? AS text), "
        f"w.natural_id IN (SELECT natural_id FROM {IN_PROGRESS}), CAST(? AS timestamptz) "
        f"FROM {WINNERS} w JOIN {CLASSIFIED} c USING (natural_id) "
    )
    # new ids go in plainly (merges into a project take turns, so none can appear meanwhile)
    backend.execute(insert + f"WHERE c.outcome = {literal(Outcome.LOADED)}", [run_id, now])
    stored = [quote(c) for c in backend.column_types(table) if c != "natural_id"]
    replace = ", ".join(f"{c} = EXCLUDED.{c}" for c in stored)
    backend.execute(
        insert + f"WHERE c.outcome = {literal(Outcome.REPLACED)} "
        f"ON CONFLICT (natural_id) DO UPDATE SET {replace}",
        [run_id, now],
    )
    kept = [
        f"{quote(c)} = CASE WHEN {non_empty(c, stage_types[c], 'EXCLUDED.')} "
        f"THEN EXCLUDED.{quote(c)} ELSE p.{quote(c)} END"
        for c in columns
        if c != "natural_id"
    ]
    bookkeeping = [f"{c} = EXCLUDED.{c}" for c in ("_run_id", "_in_progress", "_updated_at")]
    backend.execute(
        insert + f"WHERE c.outcome = {literal(Outcome.UPDATED)} "
        f"ON CONFLICT (natural_id) DO UPDATE SET {', '.join(kept + bookkeeping)}",
        [run_id, now],
    )


def _record_outcomes(backend: Backend, run_id: str, has_date: bool) -> None:
    backend.execute(
        f"""INSERT INTO document_outcomes
            (run_id, natural_id, outcome, reason, document_date, position)
        SELECT CAST(? AS text), natural_id, outcome, reason, document_date, position FROM (
            SELECT natural_id, outcome, reason, document_date, position, _seq
            FROM {STAGED_OUTCOMES}
            UNION ALL
            SELECT c.natural_id, c.outcome, c.reason, {_date("w", has_date)}, w._position, c._seq
            FROM {CLASSIFIED} c JOIN {WINNERS} w USING (natural_id)) AS settled""",
        [run_id],
    )
