"""The store's table layout, column types and the one place DuckDB errors become StoreError.

Tables (query them with plain SQL; ``projects`` names each project's document table)::

    projects           project, table_name, created_at
    project_<name>     one per project: the document columns, keyed by natural_id, plus
                       _run_id (last run that wrote the row), _in_progress, _updated_at
    runs               one row per run: status, counts (JSON), warnings, error, job (JSON),
                       the checkpoint it set, purge record, the host that ran it, and its
                       trigger (manual or schedule)
    document_outcomes  run_id, natural_id, outcome, reason, document_date, position
    checkpoints        job_name, continuation_token, watermark, run_id, updated_at
    jobs               job_name, job_path, project, schedule (JSON), registered_at, updated_at,
                       created_at (when the store first saw the job: its schedule's anchor,
                       never moved), enabled, deleted_at and recycled_to (the Jobs page)
    store_meta         key, value (the layout version, migrated on open)
    stop_requests      job_name, requested_at: a PostgreSQL store only, made on the first
                       ``qinbound jobs stop`` (a DuckDB store keeps them in files beside it)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from qinbound_nb.errors import StoreError
from qinbound_nb.local.settings import Settings

if TYPE_CHECKING:  # Arrow results load pyarrow when asked for; a few plain rows do not
    import pyarrow as pa

    from qinbound_nb.store.backend import Executes

LAYOUT_VERSION = "3"
STAGE = "_qinbound_stage"
STAGED_OUTCOMES = "_qinbound_staged_outcomes"
BOOKKEEPING = {"_run_id": "VARCHAR", "_in_progress": "BOOLEAN", "_updated_at": "TIMESTAMPTZ"}
TABLES_DDL = """
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS projects (
    project VARCHAR, table_name VARCHAR, created_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR, job_name VARCHAR, project VARCHAR, started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ, status VARCHAR, counts JSON, warnings JSON, error VARCHAR,
    output_notebook VARCHAR, job JSON, continuation_token VARCHAR, watermark TIMESTAMPTZ,
    purged_at TIMESTAMPTZ, purged_documents BIGINT);
CREATE TABLE IF NOT EXISTS document_outcomes (
    run_id VARCHAR, natural_id VARCHAR, outcome VARCHAR, reason VARCHAR,
    document_date TIMESTAMPTZ, position BIGINT);
CREATE TABLE IF NOT EXISTS checkpoints (
    job_name VARCHAR, continuation_token VARCHAR, watermark TIMESTAMPTZ, run_id VARCHAR,
    updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS jobs (
    job_name VARCHAR, job_path VARCHAR, project VARCHAR, schedule JSON,
    registered_at TIMESTAMPTZ, updated_at TIMESTAMPTZ);
"""
# Each step brings a store from the version before it to its own (see migrate.py).
MIGRATIONS = {
    "2": ["ALTER TABLE runs ADD COLUMN IF NOT EXISTS host VARCHAR"],
    "3": [
        "ALTER TABLE runs ADD COLUMN IF NOT EXISTS trigger VARCHAR",
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ",
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS enabled BOOLEAN DEFAULT true",
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMPTZ",
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS recycled_to VARCHAR",
        # a job registered after its first run was created by that run
        "UPDATE jobs SET enabled = true WHERE enabled IS NULL",
        """UPDATE jobs SET created_at = COALESCE((SELECT min(r.started_at) FROM runs r
            WHERE r.job_name = jobs.job_name AND r.started_at < jobs.registered_at),
            registered_at)""",
    ],
}


def connect_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's settings for every connection to a store."""
    # Extensions must never be fetched from the network; ICU and JSON are linked in.
    # A run stages its whole batch inside one transaction; past this much memory
    # (QINBOUND_STORE_MEMORY, default 2GB) DuckDB spills the stage to ``<store>.tmp``
    # beside the file instead of growing without bound.
    return {
        "autoinstall_known_extensions": "false",
        "TimeZone": "UTC",
        "memory_limit": Settings().store_memory,
    }


# A stored column may take these incoming types without a conflict (they cast losslessly).
WIDENINGS = {
    ("DOUBLE", "BIGINT"),
    ("DOUBLE", "INTEGER"),
    ("DOUBLE", "FLOAT"),
    ("BIGINT", "INTEGER"),
    ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"),
}
UNTYPED = '"NULL"'
KINDS = {
    "VARCHAR": "text",
    "DOUBLE": "number",
    "BIGINT": "whole number",
    "TIMESTAMP WITH TIME ZONE": "date",
    "BOOLEAN": "true/false",
    "VARCHAR[]": "list of text",
}


def quote(identifier: str) -> str:
    """Quote a SQL identifier so any column or table name is safe in a statement."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(word: str) -> str:
    """A SQL string literal, such as ``'loaded'`` for a word of the vocabulary."""
    return "'" + word.replace("'", "''") + "'"


def literals(words: Iterable[str]) -> str:
    """A SQL list of string literals, such as ``('loaded', 'replaced')``."""
    return "(" + ", ".join(literal(word) for word in words) + ")"


def table_name_for(project: str, taken: set[str]) -> str:
    """A table name for ``project``, unique even where DuckDB ignores case.

    At most 56 characters plus a suffix, within PostgreSQL's 63-byte identifiers.
    """
    base = ("project_" + re.sub(r"[^a-z0-9_]", "_", project.lower()))[:56]
    name, suffix = base, 2
    while name.lower() in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1
    return name


def compatible(stored: str, incoming: str) -> bool:
    """True when a column of type ``stored`` can take values of type ``incoming``."""
    return stored == incoming or incoming == UNTYPED or (stored, incoming) in WIDENINGS


def describe_type(sql_type: str) -> str:
    """A column type as a user reads it, e.g. ``DOUBLE (number)``."""
    kind = KINDS.get(sql_type)
    return f"{sql_type} ({kind})" if kind else sql_type


def type_conflict(project: str, column: str, stored: str, incoming: str) -> StoreError:
    """The error for an attribute whose type changed between the mapping and the store."""
    return StoreError(
        f"project {project!r}: attribute {column!r} is stored as {describe_type(stored)} but "
        f"this run maps it as {describe_type(incoming)}; change the field's type in the job's "
        f"mapping back to match, or map the values to a new attribute name (the stored "
        f"documents keep their {column!r} values either way). Nothing was loaded."
    )


def column_types(connection: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name → DuckDB type of a table, view or registered frame."""
    rows = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {str(row[0]): str(row[1]) for row in rows}


def arrow_types(chunk: pa.Table) -> dict[str, str]:
    """Column name → the store type (DuckDB's spelling) an Arrow chunk's columns take."""
    connection = duckdb.connect()
    try:
        connection.register("_qinbound_chunk", chunk.slice(0, 0))
        return column_types(connection, "_qinbound_chunk")
    finally:
        connection.close()


def fetch_first(
    connection: Executes, sql: str, parameters: Sequence[Any] = ()
) -> tuple[Any, ...] | None:
    """The first row of a statement's result, or None (the result is read to its end)."""
    rows = connection.execute(sql, list(parameters)).fetchall()
    return rows[0] if rows else None


def fetch_arrow(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any] = ()
) -> pa.Table:
    """A query's whole result as an Arrow table (DuckDB hands Arrow over without a copy)."""
    relation = connection.sql(sql, params=list(parameters) or None)
    if relation is None:
        raise ValueError(f"statement returned no result: {sql[:60]}")
    table: pa.Table = relation.to_arrow_table()
    return table


@contextmanager
def translated_errors(path: Path | str, action: str) -> Iterator[None]:
    """Turn any DuckDB error raised inside into a one-paragraph StoreError."""
    try:
        yield
    except duckdb.Error as exc:
        raise StoreError(explain(exc, path, action)) from exc


def explain(exc: duckdb.Error, path: Path | str, action: str) -> str:
    """Say what went wrong with store ``path`` and what to do, from a DuckDB error."""
    text = str(exc)
    lowered = text.lower()
    if "could not set lock" in lowered or "conflicting lock" in lowered:
        pid = re.search(r"PID (\d+)", text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return (
            f"cannot {action}: store {path} is locked by another process{holder}; wait for "
            "that run or notebook to finish (or close it), then retry. Nothing was changed."
        )
    read_only = ("read-only", "read only", "permission denied", "operation not permitted")
    if any(words in lowered for words in read_only):
        return (
            f"cannot {action}: store {path} is read-only (opened read-only, or the file or its "
            "folder is not writable); open it for writing or fix its permissions. Nothing was "
            "changed."
        )
    if "no space left" in lowered or "disk full" in lowered or "disk is full" in lowered:
        return (
            f"cannot {action}: the disk holding store {path} is full; free some space and "
            "run again. The load was rolled back, so nothing was half-written."
        )
    if "no such file or directory" in lowered:
        return f"cannot {action}: store {path} cannot be created there (missing folder?)."
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return (
        f"cannot {action} (store {path}): {first_line[:300]}. The transaction was rolled "
        "back, so the store is as it was before."
    )
