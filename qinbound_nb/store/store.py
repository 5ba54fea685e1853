"""The project store: documents per project, runs and checkpoints, in DuckDB or PostgreSQL.

``Store.open()`` resolves the location: an explicit path or ``postgresql://`` URL, else
``$QINBOUND_STORE``, else ``./qinbound.duckdb``. A file is a DuckDB store (zero setup, one
writer at a time: a second process waits for it, see
:mod:`qinbound_nb.store.duckdb_backend`); a URL is a PostgreSQL store a team shares
(:mod:`qinbound_nb.store.postgres`). Both have the same tables and semantics. A run loads
through ``with store.load_run(run_id, job) as load:``, one transaction (see
:mod:`qinbound_nb.store.load`); the duplicate rules live in :mod:`qinbound_nb.store.merge`,
run rows, reports and purge in :mod:`qinbound_nb.store.history`, the table layout (for
plain SQL) in :mod:`qinbound_nb.store.schema`, its versions in :mod:`qinbound_nb.store.migrate`.
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

from qinbound_nb.errors import QInboundError, RunStopped, StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunStatus, RunTrigger
from qinbound_nb.store import pending
from qinbound_nb.store.backend import Backend, Location, is_url, resolve_location
from qinbound_nb.store.duckdb_backend import DuckDBBackend
from qinbound_nb.store.history import (
    Checkpoint,
    PurgeResult,
    purge_run,
    write_run_report,
    write_run_row,
)
from qinbound_nb.store.job_rows import job_row, update_job_row, write_job_row
from qinbound_nb.store.migrate import check_readable, migrate
from qinbound_nb.store.schema import BOOKKEEPING, fetch_first, quote

if TYPE_CHECKING:  # loading and answering in frames need pandas; opening a store does not
    import pandas as pd

    from qinbound_nb.store.load import LoadResult, RunLoad

__all__ = ["Checkpoint", "LoadResult", "PurgeResult", "RunLoad", "Store", "default_store_path"]

log = logging.getLogger(__name__)
REGISTERED_JOBS_SQL = """SELECT j.*, r.run_id AS last_run_id, r.status AS last_status,
          r.started_at AS last_started_at
    FROM jobs j LEFT JOIN (
        SELECT DISTINCT ON (job_name) * FROM runs ORDER BY job_name, started_at DESC
    ) r USING (job_name)
    ORDER BY j.job_name"""


def default_store_path() -> Location:
    """``$QINBOUND_STORE`` if set (a path or a URL), else ``qinbound.duckdb`` here."""
    return resolve_location(None)


def open_backend(location: Location, read_only: bool, wait_s: float | None = None) -> Backend:
    """The backend for a location: PostgreSQL for a URL, DuckDB for a file path."""
    if is_url(location):
        from qinbound_nb.store.postgres import PostgresBackend  # psycopg only for a URL

        return PostgresBackend(str(location), read_only=read_only)
    return DuckDBBackend(Path(location), read_only=read_only, wait_s=wait_s)


def __getattr__(name: str) -> Any:
    # LoadResult and RunLoad stay importable from here without making every Store pay
    # for pandas (``qinbound jobs`` and ``history`` open a store and print a few rows)
    if name in ("LoadResult", "RunLoad"):
        from qinbound_nb.store import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Store:
    """A connection to one store; use as a context manager so it is closed.

    ``wait_s``: how long to wait for a DuckDB file another process is writing (default
    ``$QINBOUND_STORE_WAIT``, 60 s).
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        read_only: bool = False,
        wait_s: float | None = None,
    ) -> None:
        self.path: Location = resolve_location(location)
        self.read_only = read_only
        self._backend = open_backend(self.path, read_only, wait_s)
        self.label = self._backend.label
        try:
            with self._backend.errors("open the store"):
                check_readable(self._backend) if read_only else migrate(self._backend)
        except BaseException:
            self._backend.close()
            raise
        if not read_only:
            pending.record_pending_runs(self)

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        wait_s: float | None = None,
    ) -> Store:
        """Open a path or ``postgresql://`` URL, else the default (``$QINBOUND_STORE``...)."""
        return cls(resolve_location(location), read_only=read_only, wait_s=wait_s)

    @property
    def is_server(self) -> bool:
        """True for a PostgreSQL store (shared, several writers), False for a DuckDB file."""
        return is_url(self.path)

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
        """Close the connection (and release a DuckDB file's lock)."""
        self._backend.close()

    # -- loading ---------------------------------------------------------------------------

    @contextmanager
    def load_run(
        self,
        run_id: str,
        job: JobConfig,
        *,
        started_at: datetime | None = None,
        trigger: str = RunTrigger.MANUAL,
    ) -> Iterator[RunLoad]:
        """Open one run's transaction; ``load.finish(...)`` commits it.

        Leaving the block without ``finish`` rolls everything back. An exception rolls
        back too, then records the run as ``failed`` with its error, and is re-raised
        (DuckDB errors as StoreError). A process that dies mid-load leaves no trace.
        """
        from qinbound_nb.store.load import RunLoad

        started = started_at or datetime.now(UTC)
        with self._backend.errors(f"load run {run_id}"):
            self._backend.begin()
        load: RunLoad | None = None
        try:
            with self._backend.errors(f"load run {run_id}"):
                table = self.table_of(job.project)
                load = RunLoad(self._backend, run_id, job, table, started, trigger=trigger)
                yield load
        except BaseException as exc:
            self._rollback()
            self.record_failure(run_id, job, exc, started_at=started, trigger=trigger)
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
        trigger: str = RunTrigger.MANUAL,
    ) -> None:
        """Record run ``run_id`` as ``failed`` (a run that never reached the load, too), or as
        ``stopped`` for a :class:`~qinbound_nb.errors.RunStopped`.

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
                self._backend, "SELECT status FROM runs WHERE run_id = ?", [run_id]
            )
            if earlier is not None and earlier[0] not in (RunStatus.FAILED, RunStatus.STOPPED):
                return  # never overwrite the history of a committed run with a reused id
            stopped = isinstance(error, RunStopped)
            write_run_row(
                self._backend,
                run_id=run_id,
                job=job,
                started_at=started_at or datetime.now(UTC),
                status=RunStatus.STOPPED if stopped else RunStatus.FAILED,
                counts=counts or {},
                warnings=list(warnings),
                output_notebook=output_notebook,
                error=text[:4000],
                finished_at=finished_at,
                trigger=trigger,
            )
        except self._backend.error_types as exc:
            log.warning("could not record failed run %s in %s: %s", run_id, self.label, exc)

    def _rollback(self) -> None:
        # a failed COMMIT may have ended the transaction already: nothing left to roll back
        with suppress(*self._backend.error_types):
            self._backend.rollback()

    def preview_outcomes(self, project: str, natural_ids: Iterable[str], mode: str) -> pd.Series:
        """What a load would do to each id, without writing: new / replaces / skipped / updates.

        A stored in-progress document is always ``replaces`` (it is a snapshot).
        """
        import pandas as pd

        from qinbound_nb.store.merge import preview_outcomes

        ids = natural_ids if isinstance(natural_ids, pd.Series) else pd.Series(list(natural_ids))
        table = self.table_of(project)
        with self._backend.errors("preview outcomes"):
            return preview_outcomes(self._backend, table, ids, mode)

    # -- queries ---------------------------------------------------------------------------

    def query(self, sql: str, parameters: list[Any] | None = None) -> pd.DataFrame:
        """Run plain SQL against the store and return an Arrow-backed DataFrame."""
        import pandas as pd

        with self._backend.errors("run the query"):
            table = self._backend.fetch_arrow(sql, parameters or [])
        return table.to_pandas(types_mapper=pd.ArrowDtype)

    def records(self, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run plain SQL and return its rows as dicts: for a few rows, without pandas."""
        with self._backend.errors("run the query"):
            cursor = self._backend.execute(sql, parameters or [])
            names = [column[0] for column in getattr(cursor, "description", None) or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def table_of(self, project: str) -> str | None:
        """The document table of ``project``, or None before its first load."""
        with self._backend.errors("look up the project"):
            row = fetch_first(
                self._backend, "SELECT table_name FROM projects WHERE project = ?", [project]
            )
        return None if row is None else str(row[0])

    def documents(self, project: str, *, bookkeeping: bool = False) -> pd.DataFrame:
        """Every document of ``project`` by natural_id (``bookkeeping`` adds _run_id...)."""
        table = self.table_of(project)
        if table is None:
            known = ", ".join(self.projects()["project"].tolist()) or "none yet"
            raise StoreError(f"no project {project!r} in store {self.label} (projects: {known})")
        columns = self._columns(table, bookkeeping)
        return self.query(f"SELECT {columns} FROM {quote(table)} ORDER BY natural_id")

    def _columns(self, table: str, bookkeeping: bool) -> str:
        with self._backend.errors("read the project's columns"):
            names = self._backend.column_types(table)
        return ", ".join(quote(c) for c in names if bookkeeping or c not in BOOKKEEPING)

    def checkpoint_job(self, job_name: str) -> dict[str, Any] | None:
        """The job settings of the run that set ``job_name``'s checkpoint (None if no such run)."""
        with self._backend.errors("read the checkpoint's run"):
            row = fetch_first(
                self._backend,
                "SELECT r.job FROM checkpoints c JOIN runs r USING (run_id) WHERE c.job_name = ?",
                [job_name],
            )
        if row is None or row[0] is None:
            return None
        value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
        return value if isinstance(value, dict) else None

    def documents_per_job(self, project: str) -> dict[str, int]:
        """How many documents of ``project`` each job name loaded."""
        table = self.table_of(project)
        if table is None:
            return {}
        sql = f"SELECT job_name, count(*) FROM {quote(table)} GROUP BY job_name"
        with self._backend.errors("count documents per job"):
            rows = self._backend.execute(sql).fetchall()
        return {str(name): int(count) for name, count in rows}

    def run_documents(self, project: str, run_id: str) -> pd.DataFrame:
        """The documents of ``project`` that run ``run_id`` loaded, replaced or updated."""
        table = self.table_of(project)
        if table is None:
            import pandas as pd

            return pd.DataFrame()
        columns = self._columns(table, bookkeeping=False)
        sql = f"SELECT {columns} FROM {quote(table)} WHERE _run_id = ? ORDER BY natural_id"
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
            raise StoreError(f"no run {run_id!r} in store {self.label}")
        return found.iloc[0]

    def outcomes(self, run_id: str) -> pd.DataFrame:
        """The per-document outcomes of one run, in export order."""
        return self.query(
            "SELECT * FROM document_outcomes WHERE run_id = ? ORDER BY position NULLS LAST",
            [run_id],
        )

    def checkpoint(self, job_name: str) -> Checkpoint | None:
        """Where the job's next incremental run starts; None before its first commit."""
        with self._backend.errors("read the checkpoint"):
            row = fetch_first(
                self._backend,
                "SELECT continuation_token, watermark FROM checkpoints WHERE job_name = ?",
                [job_name],
            )
        return None if row is None else Checkpoint(continuation_token=row[0], watermark=row[1])

    # -- jobs, reports, purge --------------------------------------------------------------

    def register_job(
        self, job: JobConfig, path: str | os.PathLike[str], *, seen_at: datetime | None = None
    ) -> datetime:
        """Remember a job file (for ``qinbound jobs`` and the scheduler); re-registering updates.

        Returns the job's creation time, its schedule's anchor: recorded the first time the
        store sees the job (``seen_at``, default now; or its first run, if earlier), never moved.
        """
        with self._backend.errors(f"register job {job.name!r}"), self._transaction():
            return write_job_row(self._backend, job, Path(path).resolve(), seen_at=seen_at)

    def mark_trigger(self, run_id: str, trigger: str) -> None:
        """Record what started run ``run_id`` (a papermill run learns it after its notebook)."""
        with self._backend.errors(f"record what started run {run_id}"):
            self._backend.execute("UPDATE runs SET trigger = ? WHERE run_id = ?", [trigger, run_id])

    def job_record(self, job_name: str) -> dict[str, Any] | None:
        """One registered job's row (column → value), or None when the store never saw it."""
        with self._backend.errors(f"read job {job_name!r}"):
            return job_row(self._backend, job_name)

    def update_job(self, job_name: str, **columns: Any) -> None:
        """Set Jobs-page columns (``enabled``, ``deleted_at``, ``recycled_to``, ``job_path``)."""
        with self._backend.errors(f"update job {job_name!r}"), self._transaction():
            update_job_row(self._backend, job_name, **columns)

    def registered_jobs(self) -> pd.DataFrame:
        """Registered jobs with their last run's status and time."""
        return self.query(REGISTERED_JOBS_SQL)

    def job_records(self) -> list[dict[str, Any]]:
        """:meth:`registered_jobs` as plain rows (column → value), without pandas."""
        return self.records(REGISTERED_JOBS_SQL)

    def purge(self, run_id: str) -> PurgeResult:
        """Delete the documents run ``run_id`` wrote; see :mod:`qinbound_nb.store.history`."""
        project = str(self.run(run_id)["project"])
        with self._backend.errors(f"purge run {run_id}"), self._transaction():
            return purge_run(self._backend, run_id, self.table_of(project))

    def write_report(self, run_id: str, path: str | os.PathLike[str]) -> Path:
        """Write the run's processed-documents status CSV (formula cells neutralised)."""
        with self._backend.errors(f"write the report of run {run_id}"):
            return write_run_report(self._backend, run_id, Path(path))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._backend.begin()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self._backend.execute("COMMIT")


def _runs_sql(job_name: str | None) -> tuple[str, list[Any]]:
    if job_name is None:
        return "SELECT * FROM runs ORDER BY started_at DESC", []
    return "SELECT * FROM runs WHERE job_name = ? ORDER BY started_at DESC", [job_name]
