"""Running a job: the one place where I/O (Qualtrics, the store) meets the transform core.

``run_job`` reads like a list of named steps — resolve, plan, fetch, transform, load,
notify — and is the single code path behind the CLI (``--direct``), the exported notebook
under papermill, and the wizard. ``preview`` (in :mod:`qinbound_nb.previews`) takes the same
transform path on a sample and stops before the store.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Literal

import pandas as pd

from qinbound_nb.config import JobConfig
from qinbound_nb.connections import ConnectionStore, project_hash_key
from qinbound_nb.core.expressions import compile_expression
from qinbound_nb.core.mapping import verbatim_fields
from qinbound_nb.core.parse import RawChunk
from qinbound_nb.core.pipeline import ChunkResult, process_chunk
from qinbound_nb.core.redaction import RedactionRules
from qinbound_nb.errors import ExpressionError, QInboundError
from qinbound_nb.notify import Event, expiry_warning, notify
from qinbound_nb.pulls import (
    PullPlan,
    fetch_in_progress,
    fetch_with_fallback,
    plan_pull,
    read_chunks,
    source_id_column,
)
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.store import Store
from qinbound_nb.store_load import Checkpoint, RunLoad
from qinbound_nb.xmfiles import write_feedback_files

__all__ = ["RunFailedError", "RunReport", "as_job", "open_client", "run_job"]

log = logging.getLogger(__name__)
CHUNK_ROWS = 50_000
Progress = Callable[[ExportProgress], None]


class RunFailedError(QInboundError):
    """Raised by ``RunReport.raise_for_status`` when the run failed."""


@dataclass(frozen=True)
class RunReport:
    """What one run did. ``status`` is succeeded, succeeded_with_warnings or failed."""

    run_id: str
    job_name: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    redaction_counts: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None
    dry_run: bool = False
    would: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True unless the run failed."""
        return self.status != "failed"

    def raise_for_status(self) -> RunReport:
        """Raise RunFailedError for a failed run (so a notebook cell fails); else return self."""
        if not self.ok:
            raise RunFailedError(f"run {self.run_id} of job {self.job_name!r} failed: {self.error}")
        return self

    def summary(self) -> str:
        """A few lines a person reads after a run."""
        lines = [f"run {self.run_id} of {self.job_name!r}: {self.status}"]
        shown = {k: v for k, v in self.counts.items() if v}
        lines.append("  " + (", ".join(f"{k} {v}" for k, v in shown.items()) or "no documents"))
        if self.redaction_counts:
            hits = ", ".join(f"{k} {v}" for k, v in sorted(self.redaction_counts.items()))
            lines.append(f"  redaction hits: {hits}")
        if self.would:
            lines.append(
                "  dry run, would: " + ", ".join(f"{k} {v}" for k, v in self.would.items())
            )
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def as_job(job: JobConfig | str | os.PathLike[str]) -> JobConfig:
    """A JobConfig, loading it from a job file path when given one."""
    return job if isinstance(job, JobConfig) else JobConfig.load(job)


def open_client(job: JobConfig, **options: Any) -> QualtricsClient:
    """The API client for the job's connection (the sandbox for datacenter ``sandbox``)."""
    connection = ConnectionStore().get(job.connection)
    return QualtricsClient.for_connection(connection, **options)


def compile_rules(job: JobConfig) -> RedactionRules:
    """The job's redaction rules, with the project's hash key when masks are hashed."""
    key = project_hash_key(job.project) if job.rules.mask_style == "hash" else None
    return RedactionRules.from_config(job.rules, hash_key=key)


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
        store: a Store, a store file path, or None for ``$QINBOUND_STORE`` / ./qinbound.duckdb.
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
    run = _Run(job, run_id or new_run_id(), now or default_now(job), dry_run, chunk_rows)
    try:
        with ExitStack() as stack:
            opened = stack.enter_context(_store(store, dry_run))
            try:
                api = client or stack.enter_context(open_client(job))
                run.execute(api, opened, progress, output_notebook)
                if feedback_files is not None and opened is not None and run.ok:
                    run.write_feedback(opened, Path(feedback_files), feedback_format)
            except QInboundError as exc:
                run.fail(exc, opened, output_notebook)
    except QInboundError as exc:  # the store itself could not be opened
        run.fail(exc, None, output_notebook)
    report = run.report()
    run.notify(report)
    return report


def default_now(job: JobConfig) -> datetime:
    """The run's clock: real UTC time, or the sandbox's ``QINBOUND_SANDBOX_NOW`` on a sandbox job.

    A sandbox told to live at another time (the demo's "a day later") must be pulled with
    windows on that same clock, or the newest responses would fall outside them.
    """
    pinned = os.environ.get("QINBOUND_SANDBOX_NOW", "").strip()
    if pinned and ConnectionStore().get(job.connection).datacenter == "sandbox":
        try:
            return datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError:
            pass  # the sandbox itself reports the bad value
    return datetime.now(UTC)


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@contextmanager
def _store(store: Store | str | os.PathLike[str] | None, dry_run: bool) -> Iterator[Store | None]:
    if isinstance(store, Store):
        yield store
        return
    path = Path(store) if store is not None else None
    if dry_run and path is not None and not path.exists():
        yield None  # nothing stored yet: every document would be new
        return
    with Store.open(path, read_only=dry_run) as opened:
        yield opened


class _Run:
    """The state of one run while its steps execute."""

    def __init__(
        self, job: JobConfig, run_id: str, now: datetime, dry_run: bool, chunk_rows: int
    ) -> None:
        self.job, self.run_id, self.now = job, run_id, now
        self.dry_run, self.chunk_rows = dry_run, chunk_rows
        self.counts: Counter[str] = Counter()
        self.redaction_counts: Counter[str] = Counter()
        self.would: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.kept = 0
        self.warnings: list[str] = []
        self.error: str | None = None
        self.status = "running"

    def execute(
        self,
        api: QualtricsClient,
        store: Store | None,
        progress: Progress | None,
        output_notebook: str | None,
    ) -> None:
        self.warn_on_expiry()
        checkpoint = store.checkpoint(self.job.name) if store else None
        plan = plan_pull(self.job, checkpoint, self.now)
        with TemporaryDirectory(prefix="qinbound-") as folder:
            chunks, plan, in_progress_ids = self.fetch(
                api, plan, checkpoint, Path(folder), progress
            )
            if self.dry_run or store is None:
                self.transform_only(chunks, store)
                self.counts.update(self.dropped)
                self.status = "succeeded_with_warnings" if self.warnings else "succeeded"
                return
            with store.load_run(self.run_id, self.job, started_at=self.now) as load:
                self.transform_into(chunks, load)
                result = load.finish(
                    checkpoint=self.next_checkpoint(plan),
                    in_progress_ids=in_progress_ids,
                    counts=self.all_counts(),
                    warnings=self.warnings,
                    output_notebook=output_notebook,
                )
        self.counts.update(result.counts)
        self.status = result.status

    def fetch(
        self,
        api: QualtricsClient,
        plan: PullPlan,
        checkpoint: Checkpoint | None,
        folder: Path,
        progress: Progress | None,
    ) -> tuple[Iterator[tuple[RawChunk, bool]], PullPlan, list[str] | None]:
        export, plan = fetch_with_fallback(api, self.job, plan, checkpoint, folder, progress)
        if plan.note:
            self.warnings.append(plan.note)
        self.id_column = source_id_column(api, self.job)
        self.token = export.continuation_token
        sessions = fetch_in_progress(api, self.job, folder, progress)
        chunks = self._tagged(export, sessions)
        return chunks, plan, [] if sessions is not None else None

    def _tagged(self, export: Any, sessions: Any) -> Iterator[tuple[RawChunk, bool]]:
        position = 0
        for source, in_progress in ((export, False), (sessions, True)):
            if source is None:
                continue
            chunks = read_chunks(source, self.job, chunk_rows=self.chunk_rows, start_index=position)
            for chunk in chunks:
                position += len(chunk.frame)
                if len(chunk.frame):  # an empty export has no columns to map or drift
                    yield chunk, in_progress
                if in_progress:
                    self.counts["in_progress"] += len(chunk.frame)

    def process(self, chunk: RawChunk) -> ChunkResult:
        result = process_chunk(
            chunk.frame,
            self.job,
            self.rules,
            load_date=self.now,
            already_kept=self.kept,
            source_id_column=self.id_column,
        )
        self.counts["fetched"] += len(chunk.frame)
        self.kept += result.kept
        for outcome, count in result.outcomes["outcome"].value_counts().items():
            self.dropped[str(outcome)] += int(count)
        self.counts["mapping_problems"] += len(result.problems)
        self.redaction_counts.update({k: v for k, v in result.redaction_counts.items() if v})
        for column in result.drift:
            message = f"the export has no column {column!r} that the mapping names"
            if message not in self.warnings:
                self.warnings.append(message)
        return result

    @property
    def rules(self) -> RedactionRules:
        if not hasattr(self, "_rules"):
            self._rules = compile_rules(self.job)
        return self._rules

    def transform_into(self, chunks: Iterator[tuple[RawChunk, bool]], load: RunLoad) -> None:
        for chunk, in_progress in chunks:
            result = self.process(chunk)
            documents = result.documents.assign(_in_progress=in_progress)
            load.stage(documents, result.outcomes)
        if self.counts["mapping_problems"]:
            self.warnings.append(
                f"{self.counts['mapping_problems']} values could not be converted and were "
                "loaded blank; see the run report"
            )

    def transform_only(self, chunks: Iterator[tuple[RawChunk, bool]], store: Store | None) -> None:
        for chunk, _in_progress in chunks:
            result = self.process(chunk)
            ids = result.documents["natural_id"]
            if store is not None:
                outcomes = store.preview_outcomes(self.job.project, ids, self.job.duplicates)
            else:
                outcomes = pd.Series("new", index=ids.index)
            self.would.update(outcomes.value_counts().to_dict())

    def next_checkpoint(self, plan: PullPlan) -> Checkpoint:
        return Checkpoint(continuation_token=self.token, watermark=plan.window_end)

    def all_counts(self) -> dict[str, int]:
        return dict(self.counts) | {f"redaction_{k}": v for k, v in self.redaction_counts.items()}

    def warn_on_expiry(self) -> None:
        connection = ConnectionStore().get(self.job.connection)
        warning = expiry_warning(connection, date.today())
        if warning:
            self.warnings.append(warning)

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "succeeded_with_warnings") and not self.dry_run

    def write_feedback(self, store: Store, folder: Path, format: Literal["csv", "json"]) -> None:
        documents = store.run_documents(self.job.project, self.run_id)
        written = write_feedback_files(
            documents,
            folder / self.run_id,
            format=format,
            verbatim_fields=verbatim_fields(self.job),
            prefix=self.job.name.replace(" ", "_"),
        )
        self.counts["feedback_files"] = len(written)

    def fail(self, exc: QInboundError, store: Store | None, output_notebook: str | None) -> None:
        self.status, self.error = "failed", str(exc)
        log.error("run %s of %s failed: %s", self.run_id, self.job.name, exc)
        if store is not None and not self.dry_run:
            store.record_failure(
                self.run_id,
                self.job,
                exc,
                started_at=self.now,
                counts=self.all_counts(),
                warnings=self.warnings,
                output_notebook=output_notebook,
            )

    def report(self) -> RunReport:
        return RunReport(
            run_id=self.run_id,
            job_name=self.job.name,
            status=self.status,
            counts=dict(self.counts),
            redaction_counts=dict(self.redaction_counts),
            warnings=tuple(self.warnings),
            error=self.error,
            dry_run=self.dry_run,
            would=dict(self.would),
        )

    def notify(self, report: RunReport) -> None:
        if self.dry_run:
            return
        event: Event = "success"
        if report.status == "failed":
            event = "failure"
        elif report.status == "succeeded_with_warnings":
            event = "warning"
        summary = {
            "job": report.job_name,
            "run_id": report.run_id,
            "status": report.status,
            "counts": report.counts,
            "redaction_counts": report.redaction_counts,
            "warnings": list(report.warnings),
            "error": report.error,
        }
        for warning in notify(event, summary, self.job.notifications):
            log.warning("notification: %s", warning)
