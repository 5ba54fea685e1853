"""The steps of one run and what they report: fetch, transform chunk by chunk, load, notify.

:func:`qinbound_nb.runs.execute.run_job` drives a :class:`Runner`; the runner keeps the run's
counts, warnings and status while its steps execute, and turns them into a
:class:`RunReport`.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Literal

import pandas as pd

from qinbound_nb.core.mapping import raw_columns, verbatim_fields
from qinbound_nb.core.parse.export import RawChunk
from qinbound_nb.core.pipeline import ChunkResult, process_chunk
from qinbound_nb.core.redaction.redact import RedactionRules
from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.local.connections import ConnectionStore, project_hash_key
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.runs.notify import Event, expiry_warning, notify
from qinbound_nb.runs.pulls import (
    PullPlan,
    fetch_in_progress,
    fetch_with_fallback,
    plan_pull,
    read_chunks,
    source_id_column,
)
from qinbound_nb.store.load import Checkpoint, RunLoad
from qinbound_nb.store.store import Store
from qinbound_nb.store.xm_files import write_feedback_files

log = logging.getLogger("qinbound_nb.runs.execute")
Progress = Callable[[ExportProgress], None]
Stores = Callable[[], AbstractContextManager[Store | None]]  # opens the store for one step


def compile_rules(job: JobConfig) -> RedactionRules:
    """The job's redaction rules, with the project's hash key when masks are hashed."""
    key = project_hash_key(job.project) if job.rules.mask_style == "hash" else None
    return RedactionRules.from_config(job.rules, hash_key=key)


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

    def to_json(self) -> str:
        """The report as JSON (counts and messages only; no document content)."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunReport:
        """Read a report written by :meth:`to_json`."""
        data = json.loads(text)
        data["warnings"] = tuple(data.get("warnings") or ())
        return cls(**data)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


class Runner:
    """The state of one run while its steps execute."""

    def __init__(
        self,
        job: JobConfig,
        run_id: str,
        now: datetime,
        dry_run: bool,
        chunk_rows: int,
        feedback: tuple[Path, Literal["csv", "json"]] | None = None,
    ) -> None:
        self.job, self.run_id, self.now = job, run_id, now
        self.dry_run, self.chunk_rows, self.feedback = dry_run, chunk_rows, feedback
        self.counts: Counter[str] = Counter()
        self.redaction_counts: Counter[str] = Counter()
        self.would: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.in_progress_ids: list[str] = []
        self.kept = 0
        self.warnings: list[str] = []
        self.error: str | None = None
        self.status = "running"
        self.unrecorded = False  # True when a failure could not be written to the store

    def execute(
        self,
        api: QualtricsClient,
        stores: Stores,
        progress: Progress | None,
        output_notebook: str | None,
    ) -> None:
        self.warn_on_expiry()
        with stores() as store:
            checkpoint = store.checkpoint(self.job.name) if store else None
            if store is not None and checkpoint is not None:
                checkpoint = self.checkpoint_for_this_source(store, checkpoint)
            if store is not None and checkpoint is None:
                self.warn_on_other_jobs(store)
        plan = plan_pull(self.job, checkpoint, self.now)
        with TemporaryDirectory(prefix="qinbound-") as folder:
            chunks, plan, in_progress_ids = self.fetch(
                api, plan, checkpoint, Path(folder), progress
            )
            with stores() as store:
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
                if self.feedback is not None:
                    self.write_feedback(store, *self.feedback)

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
        # the snapshot's ids fill in as its chunks are transformed (before finish reads them)
        return chunks, plan, self.in_progress_ids if sessions is not None else None

    def _tagged(self, export: Any, sessions: Any) -> Iterator[tuple[RawChunk, bool]]:
        position = 0
        for source, in_progress in ((export, False), (sessions, True)):
            if source is None:
                continue
            chunks = read_chunks(
                source,
                self.job,
                chunk_rows=self.chunk_rows,
                start_index=position,
                columns=raw_columns(self.job, self.id_column),  # parse only what the job reads
            )
            for chunk in chunks:
                position += len(chunk.frame)
                if len(chunk.frame):  # an empty export has no columns to map or drift
                    yield chunk, in_progress
                if in_progress:
                    self.counts["in_progress"] += len(chunk.frame)

    def process(self, chunk: RawChunk, in_progress: bool = False) -> ChunkResult:
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
        self.redaction_counts.update({k: v for k, v in result.redaction_counts.items() if v})
        if in_progress:
            # unfinished sessions lack the answers (and dates) not given yet: not a problem
            self.in_progress_ids.extend(result.documents["natural_id"].dropna().tolist())
            return result
        self.counts["mapping_problems"] += len(result.problems)
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
            result = self.process(chunk, in_progress)
            documents = result.documents.assign(_in_progress=in_progress)
            load.stage(documents, result.outcomes)
        if self.counts["mapping_problems"]:
            self.warnings.append(
                f"{self.counts['mapping_problems']} values could not be converted and were "
                "loaded blank; see the run report"
            )

    def transform_only(self, chunks: Iterator[tuple[RawChunk, bool]], store: Store | None) -> None:
        for chunk, in_progress in chunks:
            result = self.process(chunk, in_progress)
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

    def checkpoint_for_this_source(self, store: Store, checkpoint: Checkpoint) -> Checkpoint | None:
        """Drop a checkpoint made for another survey, IDP project or saved filter."""
        previous = (store.checkpoint_job(self.job.name) or {}).get("source") or {}
        current = self.job.source.model_dump(mode="json")
        if not previous or _same_source(previous, current):
            return checkpoint
        self.warnings.append(
            f"the job's source changed since the run that set its checkpoint; pulling "
            f"{_describe_source(current)} from the start instead of from "
            f"{_describe_source(previous)}'s checkpoint"
        )
        return None

    def warn_on_other_jobs(self, store: Store) -> None:
        """Warn when another job name loaded this source into this project (a renamed job?)."""
        runs = store.runs()
        if runs.empty:
            return
        mine = runs[(runs["project"] == self.job.project) & (runs["job_name"] != self.job.name)]
        current = self.job.source.model_dump(mode="json")
        names = sorted(
            {
                str(row.job_name)
                for row in mine.itertuples()
                if _same_source(_job_source(row.job), current) and row.status != "failed"
            }
        )
        if names:
            self.warnings.append(
                f"job {', '.join(map(repr, names))} already loaded {_describe_source(current)} "
                f"into project {self.job.project!r}; natural_id starts with the job name, so "
                f"this job ({self.job.name!r}, a rename?) loads those responses again"
            )

    def warn_on_expiry(self) -> None:
        connection = ConnectionStore().get(self.job.connection)
        warning = expiry_warning(connection, date.today())
        if warning:
            self.warnings.append(warning)

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

    def fail(self, exc: QInboundError, stores: Stores, output_notebook: str | None) -> None:
        self.status, self.error = "failed", str(exc)
        log.error("run %s of %s failed: %s", self.run_id, self.job.name, exc)
        if self.dry_run:
            return
        try:
            with stores() as store:
                if store is not None:
                    store.record_failure(
                        self.run_id,
                        self.job,
                        exc,
                        started_at=self.now,
                        counts=self.all_counts(),
                        warnings=self.warnings,
                        output_notebook=output_notebook,
                    )
        except QInboundError as unrecorded:  # e.g. the store itself is what failed
            self.unrecorded = True
            log.warning("run %s could not be recorded in the store: %s", self.run_id, unrecorded)

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


def _describe_source(source: dict[str, Any]) -> str:
    ident = source.get("survey_id") or source.get("idp_source_id") or source.get("type")
    saved_filter = source.get("filter_id")
    return f"{ident} (filter {saved_filter})" if saved_filter else str(ident)


def _same_source(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("type", "survey_id", "idp_source_id", "filter_id")
    return all(one.get(key) == other.get(key) for key in keys)


def _job_source(job: object) -> dict[str, Any]:
    try:
        data = json.loads(job) if isinstance(job, str) else job
    except ValueError:
        return {}
    source = data.get("source") if isinstance(data, dict) else None
    return source if isinstance(source, dict) else {}
