"""The project store: one DuckDB file holding documents per project, runs and checkpoints.

``Store.open()`` resolves the file: an explicit path, else ``$QINBOUND_STORE``, else
``./qinbound.duckdb``. A run loads through ``with store.load_run(run_id, job) as load:``,
one transaction (see :mod:`qinbound_nb.store.load`); the duplicate rules live in
:mod:`qinbound_nb.store.merge`, run rows, reports and purge in :mod:`qinbound_nb.store.history`, the
table layout (for plain SQL) in :mod:`qinbound_nb.store.schema`. DuckDB lets one process
write a file at a time; a second process gets a StoreError saying the store is locked.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb

from qinbound_nb.errors import QInboundError, StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunStatus
from qinbound_nb.local.settings import Settings
from qinbound_nb.store.history import (
    Checkpoint,
    PurgeResult,
    purge_run,
    write_job_row,
    write_run_report,
    write_run_row,
)
from qinbound_nb.store.schema import (
    BOOKKEEPING,
    LAYOUT_VERSION,
    TABLES_DDL,
    connect_config,
    fetch_arrow,
    fetch_first,
    quote,
    translated_errors,
)

if TYPE_CHECKING:  # loading and answering in frames need pandas; opening a store does not
    import pandas as pd

    from qinbound_nb.store.load import LoadResult, RunLoad

__all__ = ["Checkpoint", "LoadResult", "PurgeResult", "RunLoad", "Store", "default_store_path"]

log = logging.getLogger(__name__)
REGISTERED_JOBS_SQL = """SELECT j.*, r.run_id AS last_run_id, r.status AS last_status,
          r.started_at AS last_started_at
    FROM jobs j LEFT JOIN (
        SELECT * FROM runs QUALIFY row_number() OVER
            (PARTITION BY job_name ORDER BY started_at DESC) = 1) r USING (job_name)
    ORDER BY j.job_name"""


def default_store_path() -> Path:
    """``$QINBOUND_STORE`` if set, else ``qinbound.duckdb`` in the working folder."""
    return Settings().store_path


def __getattr__(name: str) -> Any:
    # LoadResult and RunLoad stay importable from here without making every Store pay
    # for pandas (``qinbound jobs`` and ``history`` open a store and print a few rows)
    if name in ("LoadResult", "RunLoad"):
        from qinbound_nb.store import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Store:
    """A connection to one store file; use as a context manager so it is closed."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        with translated_errors(self.path, "open the store"):
            self._connection = duckdb.connect(
                str(self.path), read_only=read_only, config=connect_config()
            )
            try:
                if not read_only:
                    self._connection.execute(TABLES_DDL)
                self._check_layout()
            except BaseException:
                self._connection.close()
                raise

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
        """Open ``path``, or the default store (``$QINBOUND_STORE``, ``./qinbound.duckdb``)."""
        return cls(path if path is not None else default_store_path(), read_only=read_only)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (and release the lock on it)."""
        self._connection.close()

    def _check_layout(self) -> None:
        row = fetch_first(self._connection, "SELECT value FROM store_meta WHERE key = 'layout'")
        if row is None and not self.read_only:
            self._connection.execute(
                "INSERT INTO store_meta VALUES ('layout', ?)", [LAYOUT_VERSION]
            )
        elif row is not None and row[0] != LAYOUT_VERSION:
            raise StoreError(
                f"store {self.path} has layout version {row[0]}, this qinbound_nb reads "
                f"version {LAYOUT_VERSION}; use the qinbound_nb version that wrote it"
            )

    # -- loading ---------------------------------------------------------------------------

    @contextmanager
    def load_run(
        self, run_id: str, job: JobConfig, *, started_at: datetime | None = None
    ) -> Iterator[RunLoad]:
        """Open one run's transaction; ``load.finish(...)`` commits it.

        Leaving the block without ``finish`` rolls everything back. An exception rolls
        back too, then records the run as ``failed`` with its error, and is re-raised
        (DuckDB errors as StoreError). A process that dies mid-load leaves no trace.
        """
        from qinbound_nb.store.load import RunLoad

        started = started_at or datetime.now(UTC)
        with translated_errors(self.path, f"load run {run_id}"):
            self._connection.execute("BEGIN TRANSACTION")
        load: RunLoad | None = None
        try:
            with translated_errors(self.path, f"load run {run_id}"):
                load = RunLoad(self._connection, run_id, job, self.table_of(job.project), started)
                yield load
        except BaseException as exc:
            self._rollback()
            self.record_failure(run_id, job, exc, started_at=started)
            raise
        if load is not None and not load.finished:
            self._rollback()

    def record_failure(
        self,
        run_id: str,
        job: JobConfig,
        error: BaseException | str,
        *,
        started_at: datetime | None = None,
        counts: dict[str, Any] | None = None,
        warnings: Iterable[str] = (),
        output_notebook: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        """Record run ``run_id`` as ``failed`` (a run that never reached the load, too).

        Only a QInboundError's message (written to be shown) is kept; any other exception
        is recorded by its type, since its text may quote data. Never raises: a store
        that cannot take the record is logged, so the original error stays the one shown.
        """
        if isinstance(error, QInboundError | str):
            text = str(error)
        elif isinstance(error, KeyboardInterrupt):
            text = "the run was interrupted"
        else:
            text = f"{type(error).__name__} (an internal error; see the run's log)"
        try:
            earlier = fetch_first(
                self._connection, "SELECT status FROM runs WHERE run_id = ?", [run_id]
            )
            if earlier is not None and earlier[0] != RunStatus.FAILED:
                return  # never overwrite the history of a committed run with a reused id
            write_run_row(
                self._connection,
                run_id=run_id,
                job=job,
                started_at=started_at or datetime.now(UTC),
                status=RunStatus.FAILED,
                counts=counts or {},
                warnings=list(warnings),
                output_notebook=output_notebook,
                error=text[:4000],
                finished_at=finished_at,
            )
        except duckdb.Error as exc:
            log.warning("could not record failed run %s in %s: %s", run_id, self.path, exc)

    def _rollback(self) -> None:
        # a failed COMMIT may have ended the transaction already: nothing left to roll back
        with suppress(duckdb.Error):
            self._connection.execute("ROLLBACK")

    def preview_outcomes(self, project: str, natural_ids: Iterable[str], mode: str) -> pd.Series:
        """What a load would do to each id, without writing: new / replaces / skipped / updates.

        A stored in-progress document is always ``replaces`` (it is a snapshot).
        """
        import pandas as pd

        from qinbound_nb.store.merge import preview_outcomes

        ids = natural_ids if isinstance(natural_ids, pd.Series) else pd.Series(list(natural_ids))
        table = self.table_of(project)
        with translated_errors(self.path, "preview outcomes"):
            return preview_outcomes(self._connection, table, ids, mode)

    # -- queries ---------------------------------------------------------------------------

    def query(self, sql: str, parameters: list[Any] | None = None) -> pd.DataFrame:
        """Run plain SQL against the store and return an Arrow-backed DataFrame."""
        import pandas as pd

        with translated_errors(self.path, "run the query"):
            table = fetch_arrow(self._connection, sql, parameters or [])
        return table.to_pandas(types_mapper=pd.ArrowDtype)

    def records(self, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run plain SQL and return its rows as dicts: for a few rows, without pandas."""
        with translated_errors(self.path, "run the query"):
            cursor = self._connection.execute(sql, parameters or [])
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def table_of(self, project: str) -> str | None:
        """The document table of ``project``, or None before its first load."""
        with translated_errors(self.path, "look up the project"):
            row = fetch_first(
                self._connection, "SELECT table_name FROM projects WHERE project = ?", [project]
            )
        return None if row is None else str(row[0])

    def documents(self, project: str, *, bookkeeping: bool = False) -> pd.DataFrame:
        """Every document of ``project`` by natural_id (``bookkeeping`` adds _run_id...)."""
        table = self.table_of(project)
        if table is None:
            known = ", ".join(self.projects()["project"].tolist()) or "none yet"
            raise StoreError(f"no project {project!r} in store {self.path} (projects: {known})")
        hidden = "" if bookkeeping else f" EXCLUDE ({', '.join(BOOKKEEPING)})"
        return self.query(f"SELECT *{hidden} FROM {quote(table)} ORDER BY natural_id")

    def checkpoint_job(self, job_name: str) -> dict[str, Any] | None:
        """The job settings of the run that set ``job_name``'s checkpoint (None if no such run)."""
        with translated_errors(self.path, "read the checkpoint's run"):
            row = fetch_first(
                self._connection,
                "SELECT r.job FROM checkpoints c JOIN runs r USING (run_id) WHERE c.job_name = ?",
                [job_name],
            )
        if row is None or row[0] is None:
            return None
        value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
        return value if isinstance(value, dict) else None

    def run_documents(self, project: str, run_id: str) -> pd.DataFrame:
        """The documents of ``project`` that run ``run_id`` loaded, replaced or updated."""
        table = self.table_of(project)
        if table is None:
            import pandas as pd

            return pd.DataFrame()
        hidden = f" EXCLUDE ({', '.join(BOOKKEEPING)})"
        sql = f"SELECT *{hidden} FROM {quote(table)} WHERE _run_id = ? ORDER BY natural_id"
        return self.query(sql, [run_id])

    def projects(self) -> pd.DataFrame:
        """Each project with its table name and creation time."""
        return self.query("SELECT * FROM projects ORDER BY project")

    def runs(self, job_name: str | None = None) -> pd.DataFrame:
        """The run history, newest first, optionally for one job."""
        return self.query(*_runs_sql(job_name))

    def run_records(self, job_name: str | None = None) -> list[dict[str, Any]]:
        """:meth:`runs` as plain rows (column → value), without pandas."""
        return self.records(*_runs_sql(job_name))

    def run(self, run_id: str) -> pd.Series:
        """One run's row; StoreError if the store has no such run."""
        found = self.query("SELECT * FROM runs WHERE run_id = ?", [run_id])
        if found.empty:
            raise StoreError(f"no run {run_id!r} in store {self.path}")
        return found.iloc[0]

    def outcomes(self, run_id: str) -> pd.DataFrame:
        """The per-document outcomes of one run, in export order."""
        return self.query(
            "SELECT * FROM document_outcomes WHERE run_id = ? ORDER BY position NULLS LAST",
            [run_id],
        )

    def checkpoint(self, job_name: str) -> Checkpoint | None:
        """Where the job's next incremental run starts; None before its first commit."""
        with translated_errors(self.path, "read the checkpoint"):
            row = fetch_first(
                self._connection,
                "SELECT continuation_token, watermark FROM checkpoints WHERE job_name = ?",
                [job_name],
            )
        return None if row is None else Checkpoint(continuation_token=row[0], watermark=row[1])

    # -- jobs, reports, purge --------------------------------------------------------------

    def register_job(self, job: JobConfig, path: str | os.PathLike[str]) -> None:
        """Remember a job file (for ``qinbound jobs`` and the scheduler); re-registering updates."""
        with translated_errors(self.path, f"register job {job.name!r}"), self._transaction():
            write_job_row(self._connection, job, Path(path).resolve())

    def registered_jobs(self) -> pd.DataFrame:
        """Registered jobs with their last run's status and time."""
        return self.query(REGISTERED_JOBS_SQL)

    def job_records(self) -> list[dict[str, Any]]:
        """:meth:`registered_jobs` as plain rows (column → value), without pandas."""
        return self.records(REGISTERED_JOBS_SQL)

    def purge(self, run_id: str) -> PurgeResult:
        """Delete the documents run ``run_id`` wrote; see :mod:`qinbound_nb.store.history`."""
        project = str(self.run(run_id)["project"])
        with translated_errors(self.path, f"purge run {run_id}"), self._transaction():
            return purge_run(self._connection, run_id, self.table_of(project))

    def write_report(self, run_id: str, path: str | os.PathLike[str]) -> Path:
        """Write the run's processed-documents status CSV (formula cells neutralised)."""
        with translated_errors(self.path, f"write the report of run {run_id}"):
            return write_run_report(self._connection, run_id, Path(path))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._connection.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self._connection.execute("COMMIT")


def _runs_sql(job_name: str | None) -> tuple[str, list[Any]]:
    if job_name is None:
        return "SELECT * FROM runs ORDER BY started_at DESC", []
    return "SELECT * FROM runs WHERE job_name = ? ORDER BY started_at DESC", [job_name]
