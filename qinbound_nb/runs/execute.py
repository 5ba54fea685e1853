"""Running a job: the one place where I/O (Qualtrics, the store) meets the transform core.

``run_job`` reads like a list of named steps — resolve, plan, fetch, transform, load,
notify — and is the single code path behind the CLI (``--direct``), the exported notebook
under papermill, and the wizard. ``preview`` (in :mod:`qinbound_nb.runs.preview`) takes the same
transform path on a sample and stops before the store.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from qinbound_nb.core.expressions.evaluate import compile_expression
from qinbound_nb.core.redaction.redact import RedactionRules
from qinbound_nb.errors import ExpressionError, QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.runs.clients import open_client, run_clock
from qinbound_nb.runs.runner import Progress, RunFailedError, Runner, RunReport, compile_rules
from qinbound_nb.store import Location, exists, resolve_location
from qinbound_nb.store.job_lock import job_lock
from qinbound_nb.store.pending import remember_failed_run
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


def check_job(job: JobConfig) -> JobConfig:
    """Checks beyond the model: every expression parses and every rule compiles.

    Raises:
        ConfigError: naming the setting (``filter.expression``, ``mapping.fields.N``...).
    """
    expressions = [("filter.expression", job.filter.expression)]
    for position, spec in enumerate(job.mapping.fields):
        if spec.transform is not None and spec.transform.kind == "expression":
            expressions.append((f"mapping.fields.{position}.transform", spec.transform.expression))
    for where, text in expressions:
        if text:
            try:
                compile_expression(text)
            except ExpressionError as exc:
                raise ExpressionError(f"{where}: {exc}") from None
    RedactionRules.from_config(job.rules, hash_key=b"only-checking-the-rules")
    return job


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
    feedback_format: Literal["csv", "json"] = "csv",
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
    """
    job = as_job(job)
    feedback = None if feedback_files is None else (Path(feedback_files), feedback_format)
    run = Runner(job, run_id or new_run_id(), now or run_clock(job), dry_run, chunk_rows, feedback)
    stores = _store_opener(store, dry_run)
    location = store.path if isinstance(store, Store) else resolve_location(store)
    try:
        with ExitStack() as stack:
            if not dry_run:  # one run per job at a time: the same job never loads twice
                stack.enter_context(job_lock(location, job.name))
            api = client or stack.enter_context(open_client(job))
            run.execute(api, stores, progress, output_notebook)
    except QInboundError as exc:
        run.fail(exc, stores, output_notebook)
        if run.unrecorded:  # the store was out of reach: keep the run for its next open
            counts = run.all_counts()
            remember_failed_run(location, run.run_id, job, str(exc), run.now, counts)
    report = run.report()
    run.notify(report)
    return report


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _store_opener(
    store: Store | Location | os.PathLike[str] | None, dry_run: bool
) -> Callable[[], AbstractContextManager[Store | None]]:
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
