"""The PostgreSQL backend: one psycopg connection, the store's SQL with ``?`` placeholders,
results as Arrow, and psycopg errors as one-paragraph StoreErrors.

The password never travels in the URL: libpq reads ``PGPASSWORD``, ``PGPASSFILE`` or
``~/.pgpass``. A URL that carries one is refused, so it cannot end up in a job file, a
notebook parameter, a log or a report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.string import TextLoader

from qinbound_nb.errors import StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.store import pg_direct, pg_merge
from qinbound_nb.store.backend import describe
from qinbound_nb.store.pg_copy import copy_arrow, pg_type
from qinbound_nb.store.pg_errors import explain
from qinbound_nb.store.schema import quote

CONNECT_TIMEOUT_S = 10
# UTC as in DuckDB; no JIT (it compiled ~0.8 s per 100k-row merge statement and saved
# nothing); sorts of a run's batch in memory rather than on disk.
SESSION_OPTIONS = "-c TimeZone=UTC -c jit=off -c work_mem=64MB"
# format_type() names → the store's logical (DuckDB-spelled) types, and back
LOGICAL = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "double precision": "DOUBLE",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "smallint": "SMALLINT",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "timestamp without time zone": "TIMESTAMP",
    "date": "DATE",
    "text[]": "VARCHAR[]",
    "character varying[]": "VARCHAR[]",
    "json": "JSON",
    "jsonb": "JSON",
}
EXTRA_DDL = """
CREATE UNIQUE INDEX IF NOT EXISTS runs_run_id ON runs (run_id);
CREATE INDEX IF NOT EXISTS runs_job_name ON runs (job_name, started_at);
CREATE INDEX IF NOT EXISTS document_outcomes_run_id ON document_outcomes (run_id);
CREATE UNIQUE INDEX IF NOT EXISTS checkpoints_job_name ON checkpoints (job_name);
"""
NUMERIC_OID = 1700
ARROW_BY_OID = {
    25: pa.string(),
    1043: pa.string(),
    114: pa.string(),
    3802: pa.string(),
    701: pa.float64(),
    700: pa.float32(),
    1700: pa.float64(),
    20: pa.int64(),
    23: pa.int32(),
    21: pa.int16(),
    16: pa.bool_(),
    1184: pa.timestamp("us", tz="UTC"),
    1114: pa.timestamp("us"),
    1082: pa.date32(),
    1009: pa.list_(pa.field("l", pa.string())),
    1015: pa.list_(pa.field("l", pa.string())),
}


class RowCount:
    """The result of a statement that returns no rows: its row count, as DuckDB gives it."""

    def __init__(self, count: int) -> None:
        self.count = count

    def fetchall(self) -> list[Any]:
        return [(self.count,)]


class PostgresBackend:
    """An open connection to a PostgreSQL store (autocommit; transactions are explicit)."""

    error_types: tuple[type[BaseException], ...] = (psycopg.Error,)
    extra_ddl = EXTRA_DDL

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.location = url
        self.label = describe(url)
        refuse_password(url)
        given = conninfo_to_dict(url).get("options") or ""  # e.g. a search_path in the URL
        read_only_option = "-c default_transaction_read_only=on" if read_only else ""
        options = " ".join(part for part in (str(given), SESSION_OPTIONS, read_only_option) if part)
        with self.errors("open the store"):
            self.connection = psycopg.connect(
                url,
                autocommit=True,
                options=options,
                application_name="qinbound",
                connect_timeout=CONNECT_TIMEOUT_S,
            )
        for name in ("json", "jsonb"):  # JSON comes back as its text, as DuckDB gives it
            self.connection.adapters.register_loader(name, TextLoader)

    def execute(self, query: str, parameters: Any = None) -> Any:
        """Run one statement; ``?`` placeholders as in DuckDB."""
        cursor = self.connection.cursor()
        if parameters:
            cursor.execute(query.replace("%", "%%").replace("?", "%s"), list(parameters))
        else:
            cursor.execute(query)
        return cursor if cursor.description is not None else RowCount(cursor.rowcount)

    def fetch_arrow(self, sql: str, parameters: Sequence[Any] = ()) -> pa.Table:
        """A query's result as an Arrow table with the types DuckDB would give."""
        cursor = self.execute(sql, parameters)
        rows = cursor.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(cursor.description)
        arrays = {
            column.name: arrow_column(list(values), column.type_code)
            for column, values in zip(cursor.description, columns, strict=True)
        }
        return pa.table(arrays)

    def column_types(self, table: str) -> dict[str, str]:
        """Column name → logical type of a table (temporary tables too), in column order."""
        rows = self.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [quote(table)],
        ).fetchall()
        return {str(name): LOGICAL.get(str(kind), str(kind).upper()) for name, kind in rows}

    def table_names(self) -> set[str]:
        rows = self.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {str(row[0]) for row in rows.fetchall()}

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Turn any psycopg error raised inside into a one-paragraph StoreError."""
        try:
            yield
        except psycopg.Error as exc:
            raise StoreError(explain(exc, self.label, action)) from None

    def begin(self) -> None:
        self.execute("BEGIN")

    def rollback(self) -> None:
        if not self.connection.closed:
            self.connection.execute("ROLLBACK")

    def close(self) -> None:
        self.connection.close()

    def sql_type(self, logical: str) -> str:
        return pg_type(logical)

    def insert_arrow(self, table: str, chunk: pa.Table) -> None:
        copy_arrow(self.connection, table, chunk)

    def create_document_table(self, table: str, columns: list[tuple[str, str]]) -> None:
        # natural_id sorts by bytes, as in DuckDB, whatever the database's collation
        definition = ", ".join(
            f"{quote(c)} {pg_type(t)}" + (' COLLATE "C" PRIMARY KEY' if c == "natural_id" else "")
            for c, t in columns
        )
        self.execute(f"CREATE TABLE {quote(table)} ({definition})")

    def reopen(self) -> PostgresBackend:
        """Another connection to the same database, for a transaction of its own."""
        return PostgresBackend(self.location)

    def lock_project(self, project: str) -> None:
        """Merges into one project take turns (until COMMIT); other projects run alongside."""
        self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [f"qinbound-project:{project}"])

    def direct_writer(self, run_id: str, job_name: str) -> pg_direct.RunFastPath:
        """New documents go straight into the project table (see ``store.pg_direct``)."""
        return pg_direct.RunFastPath(self, run_id, job_name)

    def merge_batch(
        self, table: str, run_id: str, job: JobConfig, in_progress_ids: list[str] | None
    ) -> dict[str, int]:
        return pg_merge.merge_batch(self, table, run_id, job, in_progress_ids)

    def record_outcomes_only(self, run_id: str) -> dict[str, int]:
        return pg_merge.record_outcomes_only(self, run_id)

    def stored_in_progress(self, table: str, ids: pd.Series) -> list[tuple[str, bool]]:
        rows = self.execute(
            f"SELECT natural_id, _in_progress FROM {quote(table)} WHERE natural_id = ANY(?)",
            [ids.astype("string").tolist()],
        ).fetchall()
        return [(str(natural_id), bool(flag)) for natural_id, flag in rows]

    def text_matches(self, column: str, pattern: str) -> str:
        return f"({column} ~ '{pattern}')"

    def iso_utc(self, column: str) -> str:
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def arrow_column(values: list[Any], oid: int) -> pa.Array:
    """One result column as Arrow: the store's types as DuckDB gives them, numeric as float,
    anything else by inference (text when Arrow cannot tell)."""
    if oid == NUMERIC_OID:
        values = [None if value is None else float(value) for value in values]
    try:
        kind = ARROW_BY_OID.get(oid)
        return pa.array(values, kind) if kind is not None else pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([None if value is None else str(value) for value in values], pa.string())


def refuse_password(url: str) -> None:
    """StoreError if ``url`` carries a password (it belongs in PGPASSWORD or ~/.pgpass)."""
    parts = urlsplit(url)
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise StoreError(
            f"store URL {describe(url)} carries a password; take it out of the URL and give it "
            "the way libpq reads it: the PGPASSWORD environment variable, or a line in "
            "~/.pgpass (or the file PGPASSFILE names). A password in a URL would end up in job "
            "files, notebooks and logs."
        )
