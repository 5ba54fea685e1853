"""The duplicate rules in SQL: settle a staged batch within itself and against the project.

Within the batch the last staged row per ``natural_id`` wins (``update`` merges the rows:
a later non-empty value overwrites). Against the project table:

- ``replace``: the incoming document replaces the stored one (outcome ``replaced``);
- ``skip``: the stored document stays (``skipped_duplicate``);
- ``update``: non-empty incoming fields overwrite, empty ones keep the stored value
  (``updated``); attributes the job no longer maps keep their stored values too.

A stored **in-progress** document (a snapshot of an unfinished session) is always replaced,
whatever the mode. A run that pulls in-progress sessions passes their ids; this job's
earlier in-progress documents missing from that snapshot (finished or expired since) are
deleted. All of it runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import DuplicateMode, Outcome, PreviewOutcome
from qinbound_nb.store.backend import Backend, Executes
from qinbound_nb.store.schema import (
    STAGE,
    STAGED_OUTCOMES,
    column_types,
    fetch_first,
    literal,
    quote,
)

WINNERS = "_qinbound_winners"
CLASSIFIED = "_qinbound_classified"
MERGED = "_qinbound_merged"
IN_PROGRESS = "_qinbound_in_progress"
# The outcome words a merge decides between, as SQL literals.
LOADED, REPLACED, UPDATED = (
    literal(o) for o in (Outcome.LOADED, Outcome.REPLACED, Outcome.UPDATED)
)
# A stored in-progress response is always replaced: the incoming one is newer, whatever the mode.
OUTCOME_SQL = {
    DuplicateMode.REPLACE: f"CASE WHEN NOT existing THEN {LOADED} ELSE {REPLACED} END",
    DuplicateMode.SKIP: f"CASE WHEN NOT existing THEN {LOADED} WHEN stored_in_progress "
    f"THEN {REPLACED} ELSE {literal(Outcome.SKIPPED_DUPLICATE)} END",
    DuplicateMode.UPDATE: f"CASE WHEN NOT existing THEN {LOADED} WHEN stored_in_progress "
    f"THEN {REPLACED} ELSE {UPDATED} END",
}
REASON_SQL = f"""CASE
    WHEN NOT existing THEN NULL
    WHEN stored_in_progress THEN 'refreshed the in-progress response written by run ' || stored_run
    WHEN outcome = {REPLACED} THEN 'replaced the version written by run ' || stored_run
    WHEN outcome = {UPDATED} THEN 'merged into the version written by run ' || stored_run
    ELSE 'already in the project (written by run ' || stored_run || '); duplicates mode is skip'
END"""


def merge_batch(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str,
    job: JobConfig,
    in_progress_ids: list[str] | None,
) -> dict[str, int]:
    """Write the staged batch into ``table`` per the job's duplicate mode; return counts."""
    stage_types = column_types(connection, STAGE)
    document_columns = [c for c in stage_types if not c.startswith("_")]
    connection.register(
        IN_PROGRESS, pa.table({"natural_id": pa.array(in_progress_ids or [], pa.string())})
    )
    try:
        _select_winners(connection, job.duplicates, stage_types)
        _record_superseded(connection, run_id, job.duplicates, "document_date" in stage_types)
        _classify(connection, table, job.duplicates)
        removed = _remove_stale_in_progress(connection, table, job.name, in_progress_ids)
        _write_documents(connection, table, run_id, document_columns, stage_types)
        _record_outcomes(connection, run_id, "document_date" in stage_types)
    finally:
        connection.unregister(IN_PROGRESS)
    for name in (WINNERS, CLASSIFIED, MERGED):
        connection.execute(f"DROP TABLE IF EXISTS {name}")
    return {**outcome_counts(connection, run_id), "in_progress_removed": removed}


def record_outcomes_only(connection: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Record the staged outcome rows of a run that loads no documents; return counts."""
    connection.execute(
        f"INSERT INTO document_outcomes SELECT ?, natural_id, outcome, reason, document_date, "
        f"position FROM {STAGED_OUTCOMES} ORDER BY position NULLS LAST",
        [run_id],
    )
    return {**outcome_counts(connection, run_id), "in_progress_removed": 0}


def outcome_counts(connection: Executes, run_id: str) -> dict[str, int]:
    """How many documents of run ``run_id`` had each outcome."""
    rows = connection.execute(
        "SELECT outcome, count(*) FROM document_outcomes WHERE run_id = ? GROUP BY outcome",
        [run_id],
    ).fetchall()
    found = {str(outcome): int(count) for outcome, count in rows}
    # GROUP BY has no order: report the outcomes in their one fixed order
    return {name: found[name] for name in sorted(found, key=_outcome_rank)}


def _outcome_rank(outcome: str) -> int:
    order = list(Outcome)
    return order.index(Outcome(outcome)) if outcome in order else len(order)


def non_empty(column: str, sql_type: str, alias: str = "") -> str:
    """SQL that is true when ``column`` holds a value (text: not ``''``; list: not ``[]``)."""
    ref = f"{alias}{quote(column)}"
    if sql_type == "VARCHAR":
        return f"({ref} IS NOT NULL AND {ref} <> '')"
    if sql_type.endswith("[]"):
        return f"({ref} IS NOT NULL AND len({ref}) > 0)"
    return f"({ref} IS NOT NULL)"


def _select_winners(
    connection: duckdb.DuckDBPyConnection, mode: DuplicateMode, stage_types: dict[str, str]
) -> None:
    if mode != DuplicateMode.UPDATE:
        connection.execute(
            f"CREATE TEMP TABLE {WINNERS} AS SELECT * FROM {STAGE} "
            "QUALIFY row_number() OVER (PARTITION BY natural_id ORDER BY _seq DESC) = 1"
        )
        return
    merged = [
        f"coalesce(arg_max({quote(c)}, _seq) FILTER (WHERE {non_empty(c, t)}), "
        f"arg_max_null({quote(c)}, _seq)) AS {quote(c)}"
        for c, t in stage_types.items()
        if c not in ("natural_id", "_seq")
    ]
    # only ids that repeat within the batch need the (slower) per-column merge
    connection.execute(
        f"""CREATE TEMP TABLE {WINNERS} AS
        WITH counted AS (SELECT *, count(*) OVER (PARTITION BY natural_id) AS _n FROM {STAGE})
        SELECT * EXCLUDE (_n) FROM counted WHERE _n = 1
        UNION ALL BY NAME
        SELECT natural_id, {", ".join(merged)}, max(_seq) AS _seq
        FROM counted WHERE _n > 1 GROUP BY natural_id"""
    )


def _record_superseded(
    connection: duckdb.DuckDBPyConnection, run_id: str, mode: DuplicateMode, has_date: bool
) -> None:
    reason = (
        "merged into a later row with the same natural_id in this run"
        if mode == DuplicateMode.UPDATE
        else "superseded by a later row with the same natural_id in this run"
    )
    date = "s.document_date" if has_date else "NULL"
    connection.execute(
        f"INSERT INTO {STAGED_OUTCOMES} SELECT s.natural_id, "
        f"{literal(Outcome.SKIPPED_DUPLICATE)}, ?, {date}, "
        f"s._position, s._seq FROM {STAGE} s ANTI JOIN {WINNERS} w ON s._seq = w._seq",
        [reason],
    )


def _classify(connection: duckdb.DuckDBPyConnection, table: str, mode: DuplicateMode) -> None:
    connection.execute(
        f"""CREATE TEMP TABLE {CLASSIFIED} AS
        WITH joined AS (
            SELECT w.natural_id, w._seq, p.natural_id IS NOT NULL AS existing,
                   coalesce(p._in_progress, false) AS stored_in_progress,
                   p._run_id AS stored_run
            FROM {WINNERS} w LEFT JOIN {quote(table)} p ON p.natural_id = w.natural_id),
        decided AS (SELECT *, {OUTCOME_SQL[mode]} AS outcome FROM joined)
        SELECT natural_id, _seq, outcome, {REASON_SQL} AS reason FROM decided"""
    )


def _remove_stale_in_progress(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    job_name: str,
    in_progress_ids: list[str] | None,
) -> int:
    if in_progress_ids is None:
        return 0
    row = fetch_first(
        connection,
        f"DELETE FROM {quote(table)} WHERE job_name = ? AND _in_progress "
        f"AND natural_id NOT IN (SELECT natural_id FROM {WINNERS})",
        [job_name],
    )
    return int(row[0]) if row else 0


def _write_documents(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str,
    columns: list[str],
    stage_types: dict[str, str],
) -> None:
    now = datetime.now(UTC)
    target = quote(table)
    bookkeeping = (
        f"? AS _run_id, w.natural_id IN (SELECT natural_id FROM {IN_PROGRESS}) AS _in_progress, "
        "? AS _updated_at"
    )
    merged = [
        f"CASE WHEN {non_empty(c, stage_types[c], 'w.')} THEN w.{quote(c)} "
        f"ELSE p.{quote(c)} END AS {quote(c)}"
        for c in columns
        if c != "natural_id"
    ]
    excluded = [quote(c) for c in columns if c != "natural_id"]
    excluded += ["_run_id", "_in_progress", "_updated_at"]
    connection.execute(
        f"""CREATE TEMP TABLE {MERGED} AS
        SELECT p.* EXCLUDE ({", ".join(excluded)}),
               {"".join(m + ", " for m in merged)}{bookkeeping}
        FROM {WINNERS} w JOIN {CLASSIFIED} c USING (natural_id)
        JOIN {target} p ON p.natural_id = w.natural_id
        WHERE c.outcome = {UPDATED}""",
        [run_id, now],
    )
    connection.execute(
        f"DELETE FROM {target} WHERE natural_id IN "
        f"(SELECT natural_id FROM {CLASSIFIED} WHERE outcome IN ({REPLACED}, {UPDATED}))"
    )
    selected = ", ".join(f"w.{quote(c)}" for c in columns)
    connection.execute(
        f"""INSERT INTO {target} BY NAME
        SELECT {selected}, {bookkeeping}
        FROM {WINNERS} w JOIN {CLASSIFIED} c USING (natural_id)
        WHERE c.outcome IN ({LOADED}, {REPLACED})""",
        [run_id, now],
    )
    connection.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {MERGED}")


def _record_outcomes(connection: duckdb.DuckDBPyConnection, run_id: str, has_date: bool) -> None:
    date = "w.document_date" if has_date else "NULL"
    connection.execute(
        f"""INSERT INTO document_outcomes
        SELECT ?, natural_id, outcome, reason, document_date, position FROM (
            SELECT natural_id, outcome, reason, document_date, position, _seq
            FROM {STAGED_OUTCOMES}
            UNION ALL
            SELECT c.natural_id, c.outcome, c.reason, {date}, w._position, c._seq
            FROM {CLASSIFIED} c JOIN {WINNERS} w USING (natural_id))
        ORDER BY position NULLS LAST, _seq""",
        [run_id],
    )


def preview_outcomes(backend: Backend, table: str | None, ids: pd.Series, mode: str) -> pd.Series:
    """Per id, what a load in ``mode`` would do: new / replaces / skipped / updates."""
    result = pd.Series(PreviewOutcome.NEW, index=ids.index, dtype="string[pyarrow]", name="preview")
    if table is None or ids.empty:
        return result
    in_progress = ids.map(dict(backend.stored_in_progress(table, ids)))
    result[in_progress.notna()] = PreviewOutcome.for_duplicate(mode)
    result[in_progress.eq(True).fillna(False).astype(bool)] = PreviewOutcome.REPLACES
    return result


def stored_in_progress(
    connection: duckdb.DuckDBPyConnection, table: str, ids: pd.Series
) -> list[tuple[str, bool]]:
    """(natural_id, _in_progress) of the ``ids`` already stored in ``table``."""
    probe = pa.table({"natural_id": pa.array(ids.astype("string").tolist(), pa.string())})
    connection.register("_qinbound_probe", probe)
    try:
        rows = connection.execute(
            f"SELECT natural_id, _in_progress FROM {quote(table)} "
            "WHERE natural_id IN (SELECT natural_id FROM _qinbound_probe)"
        ).fetchall()
    finally:
        connection.unregister("_qinbound_probe")
    return [(str(natural_id), bool(flag)) for natural_id, flag in rows]
