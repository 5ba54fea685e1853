"""One run's load: chunks staged inside one transaction, merged and committed together.

``Store.load_run`` opens a transaction and yields a :class:`RunLoad`. ``stage`` appends
document and outcome chunks (via Arrow) to temporary tables in that transaction;
``finish`` settles duplicates within the batch and against the project table, writes the
documents, outcomes, checkpoint and run row, and commits. Until that COMMIT nothing is
visible, so an exception, or a process killed at any point, leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from qinbound_nb.errors import StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunStatus, RunTrigger
from qinbound_nb.store.history import Checkpoint, write_checkpoint, write_run_row
from qinbound_nb.store.schema import (
    BOOKKEEPING,
    UNTYPED,
    compatible,
    fetch_first,
    quote,
    table_name_for,
    type_conflict,
)
from qinbound_nb.store.stage import Stage

if TYPE_CHECKING:
    from qinbound_nb.store.backend import Backend


@dataclass(frozen=True)
class LoadResult:
    """What a committed load did: per-outcome document counts and the run's status."""

    run_id: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)


class RunLoad:
    """The open transaction of one run; use through ``Store.load_run``."""

    def __init__(
        self,
        connection: Backend,
        run_id: str,
        job: JobConfig,
        table: str | None,
        started_at: datetime,
        *,
        trigger: str = RunTrigger.MANUAL,
    ) -> None:
        self._connection = connection
        _refuse_used_run_id(connection, run_id)
        self.run_id = run_id
        self.job = job
        self._table = table
        self._stored_types = connection.column_types(table) if table else {}
        self._stage = Stage(connection, job.project)
        self._direct = connection.direct_writer(run_id, job.name)
        self.started_at = started_at
        self.trigger = trigger
        self.finished = False

    def stage(self, documents: pd.DataFrame, outcomes: pd.DataFrame | None = None) -> None:
        """Add one chunk of documents (and outcome rows for dropped ones) to the batch.

        Args:
            documents: document frame in export order; its integer index is the position.
            outcomes: ``natural_id``, ``outcome`` (filtered_out, over_limit, failed,
                skipped_duplicate), ``reason`` and optionally ``document_date``.
        """
        self._require_open()
        if len(documents):
            self._stage_documents(documents)
        if outcomes is not None and len(outcomes):
            self._stage.add_outcomes(outcomes)

    def finish(
        self,
        *,
        checkpoint: Checkpoint | None = None,
        in_progress_ids: Iterable[str] | None = None,
        counts: dict[str, Any] | None = None,
        warnings: Iterable[str] = (),
        status: str | None = None,
        output_notebook: str | None = None,
        finished_at: datetime | None = None,
    ) -> LoadResult:
        """Merge the batch into the project, record the run, move the checkpoint, commit.

        Args:
            checkpoint: the job's new checkpoint, or None to leave it where it is.
            in_progress_ids: natural_ids of in-progress sessions in this run's snapshot, or
                None when the job does not pull them; earlier in-progress documents of this
                job that are not in the snapshot are deleted.
            counts: the runner's statistics (fetched, redaction hits...); the store adds
                its per-outcome counts.
            warnings: run warnings; their presence makes the default status
                ``succeeded_with_warnings``.
            status: overrides the status.
            output_notebook: path of the papermill output notebook, if any.
            finished_at: the run's end on the clock its ``started_at`` read (default now).
        """
        self._require_open()
        warnings = list(warnings)
        ids = None if in_progress_ids is None else list(in_progress_ids)
        self._lock_project()
        if self._stage.rows or self._table is not None:
            self._ensure_project_table()
            outcome_counts = self._connection.merge_batch(
                self._table or "", self.run_id, self.job, ids
            )
        else:  # nothing to load into a project that does not exist yet
            outcome_counts = self._connection.record_outcomes_only(self.run_id)
        status = status or (RunStatus.SUCCEEDED_WITH_WARNINGS if warnings else RunStatus.SUCCEEDED)
        all_counts = {**(counts or {}), **outcome_counts}
        write_checkpoint(self._connection, self.job.name, self.run_id, checkpoint)
        write_run_row(
            self._connection,
            run_id=self.run_id,
            job=self.job,
            started_at=self.started_at,
            status=status,
            counts=all_counts,
            warnings=warnings,
            checkpoint=checkpoint,
            output_notebook=output_notebook,
            finished_at=finished_at,
            trigger=self.trigger,
        )
        self._stage.drop()
        self._connection.execute("COMMIT")
        self.finished = True
        return LoadResult(run_id=self.run_id, status=status, counts=outcome_counts)

    @property
    def table(self) -> str | None:
        """The project's document table (None until the first load of a new project)."""
        return self._table

    def _require_open(self) -> None:
        if self.finished:
            raise RuntimeError(f"run {self.run_id} was already committed")

    def _stage_documents(self, documents: pd.DataFrame) -> None:
        if "natural_id" not in documents.columns or documents["natural_id"].isna().any():
            raise ValueError("every staged document needs a natural_id (report the rest as failed)")
        chunk, types = self._stage.chunk(documents, self._stored_types)
        if self._direct is not None and (table := self._direct_table(types)) is not None:
            chunk = self._direct.write(table, chunk)
        if chunk.num_rows:
            self._stage.insert(chunk)

    def _direct_table(self, types: dict[str, str]) -> str | None:
        """The project table when the chunk's new rows may go straight in (same columns)."""
        documents = {c: t for c, t in types.items() if not c.startswith("_")}
        if UNTYPED in documents.values():
            return None
        if self._table is None:
            self._table = self._registered_table(self._connection) or self._create_shared_table()
        self._stored_types = self._connection.column_types(self._table or "")
        same = all(self._stored_types.get(c) == t for c, t in documents.items())
        return self._table if same else None

    def _ensure_project_table(self) -> None:
        self._stage.ensure()
        if self._table is not None:
            self._add_new_columns()
            return
        self._table = self._create_project_table(self._connection)

    def _create_shared_table(self) -> str:
        """Create the project's table in a transaction of its own, committed at once, so other
        jobs' runs load into it beside this one (an empty table outlives a failed run)."""
        side = self._connection.reopen()
        try:
            side.begin()
            side.lock_project(self.job.project)
            table = self._registered_table(side) or self._create_project_table(side)
            side.execute("COMMIT")
            return table
        except BaseException:
            side.rollback()
            raise
        finally:
            side.close()

    def _create_project_table(self, backend: Backend) -> str:
        taken = {name.lower() for name in backend.table_names()}
        table = table_name_for(self.job.project, taken)
        columns = [(c, t) for c, t in self._stage.types.items() if not c.startswith("_")]
        if not columns:
            columns = [("natural_id", "VARCHAR")]
        columns += list(BOOKKEEPING.items())
        backend.create_document_table(table, columns)
        backend.execute("INSERT INTO projects VALUES (?, ?, ?)", [self.job.project, table, _now()])
        return table

    def _add_new_columns(self) -> None:
        for column, sql_type in self._stage.types.items():
            if column.startswith("_") or column in self._stored_types:
                continue
            stored_type = self._connection.sql_type("VARCHAR" if sql_type == UNTYPED else sql_type)
            self._connection.execute(
                f"ALTER TABLE {quote(self._table or '')} ADD COLUMN {quote(column)} {stored_type}"
            )

    def _lock_project(self) -> None:
        """Merge under the project's lock, seeing the table as other runs left it."""
        self._connection.lock_project(self.job.project)
        self._table = self._registered_table(self._connection)
        if self._table is None:
            return
        self._stored_types = self._connection.column_types(self._table)
        for column, sql_type in self._stage.types.items():
            stored = self._stored_types.get(column)
            if stored and not compatible(stored, sql_type) and column not in self._stage.untyped:
                raise type_conflict(self.job.project, column, stored, sql_type)

    def _registered_table(self, backend: Backend) -> str | None:
        row = fetch_first(
            backend,
            "SELECT table_name FROM projects WHERE project = ?",
            [self.job.project],
        )
        return None if row is None else str(row[0])


def _refuse_used_run_id(connection: Backend, run_id: str) -> None:
    row = fetch_first(connection, "SELECT status FROM runs WHERE run_id = ?", [run_id])
    if row is not None and row[0] != RunStatus.FAILED:
        raise StoreError(
            f"run id {run_id!r} is already in the history (status {row[0]}); a rerun needs "
            "a new run id (only a failed run's id may be reused)"
        )


def _now() -> datetime:
    return datetime.now(UTC)
