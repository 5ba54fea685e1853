"""Running a job: the one place where I/O (Qualtrics, the store) meets the transform core.

``run_job`` reads like papermill's ``execute_notebook``, one named stage per line — prepare,
fetch, load (or rehearse, on a dry run), write feedback files, report, notify — each stage
handing the next its result (:mod:`qinbound_nb.runs.runner`). It is the single code path
behind the CLI (``--direct``), the exported notebook under papermill, and the wizard.
``preview`` (in :mod:`qinbound_nb.runs.preview`) takes the same transform path on a sample
and stops before the store.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import FeedbackFormat, RunTrigger
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.runs.checks import check_job
from qinbound_nb.runs.clients import open_client, run_clock
from qinbound_nb.runs.pulls import Progress
from qinbound_nb.runs.report import RunFailedError, RunReport
from qinbound_nb.runs.runner import Runner, Stores, compile_rules
from qinbound_nb.store import Location, exists, resolve_location
from qinbound_nb.store.job_lock import job_lock
from qinbound_nb.store.pending import remember_failed_run
from qinbound_nb.store.stop_request import StopWatch
from qinbound_nb.store.store import Store

__all__ = [
    "RunFailedError",
    "RunReport",
    "as_job",
    "check_job",
    "compile_rules",
    "run_job",
]

CHUNK_ROWS = 50_000


def as_job(job: JobConfig | str | os.PathLike[str]) -> JobConfig:
    """A JobConfig, loading it from a job file path when given one."""
    return job if isinstance(job, JobConfig) else JobConfig.load(job)


def run_job(
    job: JobConfig | str | os.PathLike[str],
    *,
    store: Store | str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
    client: QualtricsClient | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    output_notebook: str | None = None,
    feedback_files: str | os.PathLike[str] | None = None,
    feedback_format: FeedbackFormat = FeedbackFormat.CSV,
    trigger: RunTrigger = RunTrigger.MANUAL,
) -> RunReport:
    """Pull, transform and load one job; return what happened (a failure is a report too).

    Args:
        job: the job, or the path of its job file.
        store: a Store, a store file path or ``postgresql://`` URL (no password in it: libpq
            reads PGPASSWORD or ~/.pgpass), or None for ``$QINBOUND_STORE`` /
            ./qinbound.duckdb.
        dry_run: compute what would be loaded, replaced and skipped; write nothing.
        run_id: the id to record (papermill runs pass the one their output notebook is named by).
        client: an API client (tests inject one); default from the job's connection.
        now: the run's clock reading (UTC); default the real time.
        progress: called with export progress (start, poll, download).
        chunk_rows: rows per transform chunk (memory stays flat as exports grow).
        output_notebook: the papermill output notebook to record with the run.
        feedback_files: also write what this run loaded as XM Discover individual-feedback
            files (at most 100,000 rows each) into ``<folder>/<run id>/``, ready for the Files
            (SFTP) or ad-hoc upload connectors.
        feedback_format: ``csv`` or ``json`` for those files.
        trigger: what started the run, recorded with it: a person (``manual``) or the job's
            schedule (``schedule``).

    A run can be asked to stop (``qinbound jobs stop JOB``, from any process): it looks for
    the request between stages and pages, and ends with status ``stopped``, having committed
    nothing.
    """
    job = as_job(job)
    location = store.path if isinstance(store, Store) else resolve_location(store)
    stop = StopWatch(location, job.name)  # before the run lock: see store.stop_request
    run = Runner(
        job,
        run_id or new_run_id(),
        now or run_clock(job),
        stores=_store_opener(store, dry_run),
        dry_run=dry_run,
        chunk_rows=chunk_rows,
        progress=progress,
        output_notebook=output_notebook,
        feedback=None if feedback_files is None else (Path(feedback_files), feedback_format),
        trigger=trigger,
        stop=None if dry_run else stop,
    )
    try:
        with ExitStack() as stack:
            if not dry_run:  # one run per job at a time: the same job never loads twice
                stack.enter_context(job_lock(location, job.name))
                stack.callback(stop.clear)  # a stop request ends with the run that held the lock
            api = stack.enter_context(_api(job, client))
            folder = stack.enter_context(TemporaryDirectory(prefix="qinbound-"))
            prepared = run.prepare()
            pulled = run.fetch(api, prepared, Path(folder))
            ended = run.rehearse(prepared, pulled) if dry_run else run.load(prepared, pulled)
        run.write_feedback()
    except QInboundError as exc:
        ended = run.fail(exc)
        if run.unrecorded:  # the store was out of reach: keep the run for its next open
            counts = run.tally.all_counts()
            remember_failed_run(location, run.run_id, job, str(exc), run.now, counts)
    report = run.report(ended)
    failures = run.notify(report)
    return dataclasses.replace(report, notification_failures=tuple(failures))


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@contextmanager
def _api(job: JobConfig, client: QualtricsClient | None) -> Iterator[QualtricsClient]:
    """The client given (left open), or the job connection's, closed after the run."""
    if client is not None:
        yield client
        return
    with open_client(job) as owned:
        yield owned


def _store_opener(store: Store | Location | os.PathLike[str] | None, dry_run: bool) -> Stores:
    """Open the store only while a step needs it, so a long download locks nobody out.

    DuckDB lets one process write a file at a time; holding it through the export's polling
    and download would block ``qinbound history``, notebooks and other jobs for minutes.
    """

    @contextmanager
    def opened() -> Iterator[Store | None]:
        if isinstance(store, Store):
            yield store
            return
        location = resolve_location(store)
        if dry_run and not exists(location):
            yield None  # nothing stored yet: every document would be new
            return
        with Store.open(location, read_only=dry_run) as handle:
            yield handle

    return opened
