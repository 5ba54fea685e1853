"""The DuckDB backend: a store in one file, the zero-setup default.

DuckDB lets one process write a file at a time. Opening a store another process holds
waits for it (``$QINBOUND_STORE_WAIT`` seconds, default 60, saying so while it waits)
instead of failing at once; runs hold the store only for the checkpoint read and the load.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from qinbound_nb.errors import ConfigError, StoreError
from qinbound_nb.local.settings import Settings
from qinbound_nb.store.schema import (
    column_types,
    connect_config,
    fetch_arrow,
    quote,
    translated_errors,
)

if TYPE_CHECKING:  # loads need pandas and pyarrow; opening a store does not
    import pandas as pd
    import pyarrow as pa

    from qinbound_nb.job.config import JobConfig

log = logging.getLogger(__name__)

DEFAULT_WAIT_S = 60.0
WAIT_NOTICE_EVERY_S = 10.0


def store_wait_s() -> float:
    """How long opening a locked store waits: ``$QINBOUND_STORE_WAIT`` seconds, default 60."""
    try:
        return max(0.0, Settings().store_wait)
    except ConfigError:
        return DEFAULT_WAIT_S


class DuckDBBackend:
    """An open DuckDB store file."""

    error_types: tuple[type[BaseException], ...] = (duckdb.Error,)
    extra_ddl = ""

    def __init__(self, path: Path, *, read_only: bool = False, wait_s: float | None = None) -> None:
        self.location = path
        self.label = str(path)
        self.connection = self._connect(
            path, read_only, store_wait_s() if wait_s is None else wait_s
        )

    def _connect(self, path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + wait_s
        next_notice = 0.0
        while True:
            try:
                with translated_errors(path, "open the store"):
                    return duckdb.connect(str(path), read_only=read_only, config=connect_config())
            except StoreError as exc:
                now = time.monotonic()
                if "locked by another process" not in str(exc) or now >= deadline:
                    raise
                if now >= next_notice:
                    left = deadline - now
                    log.warning("%s; waiting for it (up to %.0f s more)", exc, left)
                    next_notice = now + WAIT_NOTICE_EVERY_S
                time.sleep(min(0.2, max(0.0, deadline - now)))

    def execute(self, query: str, parameters: Any = None) -> Any:
        return self.connection.execute(query, parameters)

    def fetch_arrow(self, sql: str, parameters: Sequence[Any] = ()) -> pa.Table:
        return fetch_arrow(self.connection, sql, parameters)

    def column_types(self, table: str) -> dict[str, str]:
        return column_types(self.connection, quote(table))

    def table_names(self) -> set[str]:
        rows = self.connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        return {str(row[0]) for row in rows}

    def errors(self, action: str) -> AbstractContextManager[None]:
        return translated_errors(self.location, action)

    def begin(self) -> None:
        self.connection.execute("BEGIN TRANSACTION")

    def rollback(self) -> None:
        # a failed COMMIT may have ended the transaction already: nothing left to roll back
        with suppress(duckdb.Error):
            self.connection.execute("ROLLBACK")

    def close(self) -> None:
        self.connection.close()

    def sql_type(self, logical: str) -> str:
        return logical

    def insert_arrow(self, table: str, chunk: pa.Table) -> None:
        self.connection.register("_qinbound_chunk", chunk)
        try:
            self.connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _qinbound_chunk")
        finally:
            self.connection.unregister("_qinbound_chunk")

    def create_document_table(self, table: str, columns: list[tuple[str, str]]) -> None:
        definition = ", ".join(f"{quote(c)} {t}" for c, t in columns)
        self.connection.execute(f"CREATE TABLE {quote(table)} ({definition})")

    def reopen(self) -> DuckDBBackend:
        """Not needed: a file has one writer, and no run loads beside another."""
        raise NotImplementedError("a DuckDB store is written through one connection")

    def lock_project(self, project: str) -> None:
        """Nothing to do: the file has one writer."""

    def direct_writer(self, run_id: str, job_name: str) -> None:
        """No fast path: DuckDB's insert from the stage is already a bulk append."""
        return None

    def merge_batch(
        self, table: str, run_id: str, job: JobConfig, in_progress_ids: list[str] | None
    ) -> dict[str, int]:
        from qinbound_nb.store import merge

        return merge.merge_batch(self.connection, table, run_id, job, in_progress_ids)

    def record_outcomes_only(self, run_id: str) -> dict[str, int]:
        from qinbound_nb.store import merge

        return merge.record_outcomes_only(self.connection, run_id)

    def stored_in_progress(self, table: str, ids: pd.Series) -> list[tuple[str, bool]]:
        from qinbound_nb.store import merge

        return merge.stored_in_progress(self.connection, table, ids)

    def text_matches(self, column: str, pattern: str) -> str:
        return f"regexp_matches({column}, '{pattern}')"

    def iso_utc(self, column: str) -> str:
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ')"
