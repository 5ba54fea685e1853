"""Run history: the row each run leaves, the checkpoint it moves, its report and its purge.

Purge policy (ours; XM Discover only says a purge "deletes the records that a past run
processed"): purging a run deletes the documents that still carry that run's version,
i.e. those it loaded, replaced or updated and no later run has rewritten since. Documents
a later run rewrote belong to that later run and are kept (the result counts them). A
purge does not bring back a version the run replaced. If the run set the job's current
checkpoint, the checkpoint returns to the one the job's previous surviving run set (or is
removed), so the next incremental run fetches that period again. The run stays in the
history with status ``purged``, ``purged_at`` and ``purged_documents``.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qinbound_nb.errors import StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import Outcome, RunStatus, RunTrigger
from qinbound_nb.store.backend import Backend, Executes
from qinbound_nb.store.schema import fetch_first, literal, literals, quote

WRITTEN = literals((Outcome.LOADED, Outcome.REPLACED, Outcome.UPDATED))
SUCCESSES = tuple(status for status in RunStatus if status.succeeded)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = r"^[=+\-@\t\r]"
RUN_COLUMNS = (
    "run_id, job_name, project, started_at, finished_at, status, counts, warnings, error, "
    "output_notebook, job, continuation_token, watermark, host, trigger"
)


@dataclass(frozen=True)
class Checkpoint:
    """Where the next incremental run of a job starts."""

    continuation_token: str | None = None
    watermark: datetime | None = None


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did: documents deleted, kept (a later run wrote them), and the checkpoint."""

    run_id: str
    deleted: int
    kept: int
    job_name: str = ""
    checkpoint: str = ""  # what the job's checkpoint is now, when the purge moved it

    def summary(self) -> str:
        """A few lines a person reads after ``qinbound purge``."""
        lines = [f"purged run {self.run_id}: {self.deleted} document(s) deleted"]
        if self.kept:
            lines.append(f"  {self.kept} document(s) it wrote were kept: a later run wrote them")
        if self.checkpoint:
            lines.append(f"  {self.checkpoint}")
        return "\n".join(lines)


def write_run_row(
    connection: Executes,
    *,
    run_id: str,
    job: JobConfig,
    started_at: datetime,
    status: str,
    counts: dict[str, Any],
    warnings: list[str],
    checkpoint: Checkpoint | None = None,
    output_notebook: str | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
    trigger: str = RunTrigger.MANUAL,
) -> None:
    """Insert (or overwrite) the ``runs`` row of ``run_id``; the job is saved as JSON.

    ``finished_at`` should read the run's own clock (as ``started_at`` does); default now.
    ``trigger`` says what started the run: a person (manual) or the job's schedule.
    """
    connection.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
    connection.execute(
        f"INSERT INTO runs ({RUN_COLUMNS}) VALUES ({', '.join('?' * 15)})",
        [
            run_id,
            job.name,
            job.project,
            started_at,
            finished_at or datetime.now(UTC),
            status,
            json.dumps(counts, default=str),
            json.dumps(warnings),
            error,
            output_notebook,
            json.dumps(job.model_dump(mode="json")),
            checkpoint.continuation_token if checkpoint else None,
            checkpoint.watermark if checkpoint else None,
            socket.gethostname(),
            str(trigger),
        ],
    )


def write_checkpoint(
    connection: Executes,
    job_name: str,
    run_id: str,
    checkpoint: Checkpoint | None,
) -> None:
    """Move the job's checkpoint (None leaves it where it is)."""
    if checkpoint is None:
        return
    connection.execute("DELETE FROM checkpoints WHERE job_name = ?", [job_name])
    connection.execute(
        "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)",
        [job_name, checkpoint.continuation_token, checkpoint.watermark, run_id, datetime.now(UTC)],
    )


def purge_run(connection: Executes, run_id: str, table: str | None) -> PurgeResult:
    """Delete what run ``run_id`` wrote, inside the caller's transaction (see module doc)."""
    job_name, status, purged_at = _run_row(connection, run_id)
    if status == RunStatus.PURGED:
        raise StoreError(f"run {run_id} was already purged on {purged_at:%Y-%m-%d %H:%M} UTC")
    if status not in SUCCESSES:
        raise StoreError(f"run {run_id} has status {status!r} and loaded nothing; nothing to purge")
    deleted = kept = 0
    if table is not None:
        kept_row = fetch_first(
            connection,
            f"SELECT count(*) FROM document_outcomes o JOIN {quote(table)} p USING (natural_id) "
            f"WHERE o.run_id = ? AND o.outcome IN {WRITTEN} AND p._run_id <> ?",
            [run_id, run_id],
        )
        kept = int(kept_row[0]) if kept_row else 0
        deleted_row = fetch_first(
            connection, f"DELETE FROM {quote(table)} WHERE _run_id = ?", [run_id]
        )
        deleted = int(deleted_row[0]) if deleted_row else 0
    connection.execute(
        f"UPDATE runs SET status = {literal(RunStatus.PURGED)}, purged_at = ?, "
        "purged_documents = ? WHERE run_id = ?",
        [datetime.now(UTC), deleted, run_id],
    )
    checkpoint = _restore_checkpoint(connection, run_id, job_name)
    return PurgeResult(run_id, deleted, kept, job_name, checkpoint)


def _run_row(connection: Executes, run_id: str) -> tuple[str, str, datetime]:
    row = fetch_first(
        connection, "SELECT job_name, status, purged_at FROM runs WHERE run_id = ?", [run_id]
    )
    if row is None:
        raise StoreError(f"no run {run_id!r} in the store; list runs with 'qinbound history JOB'")
    return row[0], row[1], row[2]


def _restore_checkpoint(connection: Executes, run_id: str, job_name: str) -> str:
    """Rewind the job's checkpoint to before ``run_id`` when it was that run's; say what it is."""
    current = fetch_first(
        connection, "SELECT run_id FROM checkpoints WHERE job_name = ?", [job_name]
    )
    if current is None or current[0] != run_id:
        return ""
    connection.execute("DELETE FROM checkpoints WHERE job_name = ?", [job_name])
    connection.execute(
        f"""INSERT INTO checkpoints
        SELECT job_name, continuation_token, watermark, run_id, ? FROM runs
        WHERE job_name = ? AND status IN {literals(SUCCESSES)}
          AND (continuation_token IS NOT NULL OR watermark IS NOT NULL)
        ORDER BY started_at DESC LIMIT 1""",
        [datetime.now(UTC), job_name],
    )
    earlier = fetch_first(
        connection, "SELECT run_id FROM checkpoints WHERE job_name = ?", [job_name]
    )
    if earlier is None:
        return (
            f"job {job_name!r} has no checkpoint now: its next run pulls every response "
            "again, the purged run's included"
        )
    return (
        f"the checkpoint of job {job_name!r} is back to run {earlier[0]}: its next run pulls "
        "the purged run's responses again"
    )


def write_run_report(connection: Backend, run_id: str, path: Path) -> Path:
    """Write the processed-documents status CSV of ``run_id``: one line per document."""
    _run_row(connection, run_id)

    def neutralised(column: str) -> str:
        matches = connection.text_matches(column, FORMULA_START)
        return f"CASE WHEN {matches} THEN '''' || {column} ELSE {column} END"

    table = connection.fetch_arrow(
        f"""SELECT o.run_id, {neutralised("r.job_name")} AS job_name,
               {neutralised("o.natural_id")} AS natural_id, o.outcome,
               {neutralised("o.reason")} AS reason,
               {connection.iso_utc("o.document_date")} AS document_date,
               o.position
        FROM document_outcomes o JOIN runs r USING (run_id)
        WHERE o.run_id = ? ORDER BY o.position NULLS LAST""",
        [run_id],
    )
    import pyarrow.csv as pacsv  # the report's CSV writer; listing runs needs no pyarrow

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        pacsv.write_csv(table, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
