"""The stages of one run, each handing the next what it needs: prepare, fetch, load, report.

:func:`qinbound_nb.runs.execute.run_job` calls them in order, one per line, the way
papermill's ``execute_notebook`` reads. A :class:`Runner` is built with everything the run is
given (job, run id, clock reading, options, a way to open the store) and a
:class:`~qinbound_nb.runs.tally.Tally` that counts as chunks pass; each stage returns a small
frozen value (:class:`Prepared`, :class:`Pulled`, :class:`Ended`) that the next stage takes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import pandas as pd

from qinbound_nb.core.mapping import raw_columns, verbatim_fields
from qinbound_nb.core.parse.export import RawChunk
from qinbound_nb.core.pipeline import ChunkResult, process_chunk
from qinbound_nb.core.redaction.redact import RedactionRules
from qinbound_nb.errors import QInboundError, RunStopped
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.rulesyntax import rule_labels, substitution_warnings
from qinbound_nb.job.vocab import FeedbackFormat, MaskStyle, PreviewOutcome, RunStatus, RunTrigger
from qinbound_nb.local.connections import ConnectionStore, project_hash_key
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.runs.expiry import expiry_warning, refuse_expired
from qinbound_nb.runs.notify import notify, subscribed_event
from qinbound_nb.runs.pulls import (
    Progress,
    fetch_in_progress,
    order_field,
    plan_pull,
    read_pull,
    source_id_column,
)
from qinbound_nb.runs.report import RunReport, may_pass_on_retry
from qinbound_nb.runs.resume import resume_point
from qinbound_nb.runs.splitting import fetch_in_windows
from qinbound_nb.runs.stages import Ended, Prepared, Pulled
from qinbound_nb.runs.tally import Tally
from qinbound_nb.store.store import Store
from qinbound_nb.store.xm_files import write_feedback_files

log = logging.getLogger("qinbound_nb.runs.execute")
Stores = Callable[[], AbstractContextManager[Store | None]]  # opens the store for one stage
Feedback = tuple[Path, FeedbackFormat]


class StopCheck(Protocol):
    """Whether someone asked this run to stop (see :mod:`qinbound_nb.store.stop_request`)."""

    def requested(self, *, final: bool = False) -> bool: ...


def compile_rules(job: JobConfig) -> RedactionRules:
    """The job's redaction rules, with the project's hash key when masks are hashed."""
    key = project_hash_key(job.project) if job.rules.mask_style == MaskStyle.HASH else None
    return RedactionRules.from_config(job.rules, hash_key=key)


class Runner:
    """One run of one job: what it was given, fixed at construction, and its tally."""

    def __init__(
        self,
        job: JobConfig,
        run_id: str,
        now: datetime,
        *,
        stores: Stores,
        dry_run: bool,
        chunk_rows: int,
        progress: Progress | None = None,
        output_notebook: str | None = None,
        feedback: Feedback | None = None,
        trigger: str = RunTrigger.MANUAL,
        stop: StopCheck | None = None,
    ) -> None:
        self.job, self.run_id, self.now, self.stores = job, run_id, now, stores
        self.dry_run, self.chunk_rows = dry_run, chunk_rows
        self.progress = _watching(progress, self.stop_if_asked)
        self.output_notebook, self.feedback = output_notebook, feedback
        self.trigger, self.stop = trigger, stop
        self.tally = Tally()
        self.unrecorded = False  # True when a failure could not be written to the store
        self._began = time.monotonic()

    def stop_if_asked(self, *, final: bool = False) -> None:
        """End the run here when ``qinbound jobs stop`` asked it to (nothing is committed).

        ``final``: the last look before the commit, never skipped to save a round trip.
        """
        if self.stop is not None and self.stop.requested(final=final):
            raise RunStopped(
                f"run {self.run_id} of job {self.job.name!r} was stopped on request before it "
                "committed anything: the project's documents and the job's checkpoint are as "
                "they were before the run. Its next run pulls the same responses."
            )

    def clock(self) -> datetime:
        """The run's clock: its ``now`` plus the time since it began (one clock per run)."""
        return self.now + timedelta(seconds=time.monotonic() - self._began)

    def prepare(self) -> Prepared:
        """Refuse an expired token (warn of one expiring), find the checkpoint, plan the pull."""
        connection = ConnectionStore().get(self.job.connection)
        refuse_expired(connection, self.now.date())
        self.tally.warn(expiry_warning(connection, self.now.date()))
        rules = self.job.rules.substitutions
        self.tally.warn(*substitution_warnings(rules, source="rules.substitutions"))
        with self.stores() as store:
            checkpoint, warnings = resume_point(store, self.job)
        self.tally.warn(*warnings)
        plan = plan_pull(self.job, checkpoint, self.now)
        self.stop_if_asked()
        return Prepared(checkpoint, plan, compile_rules(self.job))

    def fetch(self, api: QualtricsClient, prepared: Prepared, folder: Path) -> Pulled:
        """Run the planned export (the window if the token is refused) and the sessions."""
        exports, plan = fetch_in_windows(
            api, self.job, prepared.plan, prepared.checkpoint, folder, self.progress
        )
        if len(exports) > 1:  # split by date window: not a problem, but counted
            self.tally.counts["export_parts"] = len(exports)
        else:
            self.tally.warn(plan.note)
        id_column = source_id_column(api, self.job)
        sessions = fetch_in_progress(api, self.job, folder, self.progress)
        self.stop_if_asked()
        return Pulled(tuple(exports), sessions, plan, id_column)

    def load(self, prepared: Prepared, pulled: Pulled) -> Ended:
        """Transform chunk by chunk into one store transaction; commit it with the checkpoint."""
        with self.stores() as store:
            assert store is not None, "only a dry run goes without a store"
            with store.load_run(
                self.run_id, self.job, started_at=self.now, trigger=self.trigger
            ) as load:
                for in_progress, chunk in self._chunks(prepared, pulled):
                    documents = chunk.documents.assign(_in_progress=in_progress)
                    load.stage(documents, chunk.outcomes)
                self.tally.warn_of_mapping_problems()
                self.tally.warn_of_waiting(self.job.filter.record_limit, order_field(self.job))
                # the snapshot's ids filled in while its chunks were transformed, just above
                sessions = self.tally.in_progress_ids if pulled.sessions is not None else None
                self.stop_if_asked(final=True)  # the last moment: after finish, it has loaded
                result = load.finish(
                    checkpoint=self.tally.resume_from(pulled.next_checkpoint()),
                    in_progress_ids=sessions,
                    counts=self.tally.all_counts(),
                    warnings=self.tally.warnings,
                    output_notebook=self.output_notebook,
                    finished_at=self.clock(),
                )
        self.tally.counts.update(result.counts)
        return Ended(result.status)

    def rehearse(self, prepared: Prepared, pulled: Pulled) -> Ended:
        """The dry run's load: count what loading would do (new, replaced...); write nothing."""
        with self.stores() as store:
            for _, result in self._chunks(prepared, pulled):
                ids = result.documents["natural_id"]
                if store is not None:
                    outcomes = store.preview_outcomes(self.job.project, ids, self.job.duplicates)
                else:
                    outcomes = pd.Series(PreviewOutcome.NEW, index=ids.index)
                self.tally.would.update(outcomes.value_counts().to_dict())
        self.tally.counts.update(self.tally.dropped)
        return Ended(
            RunStatus.SUCCEEDED_WITH_WARNINGS if self.tally.warnings else RunStatus.SUCCEEDED
        )

    def write_feedback(self) -> None:
        """Write what this run loaded as XM Discover feedback files, when asked to."""
        if self.feedback is None or self.dry_run:
            return
        folder, format = self.feedback
        with self.stores() as store:
            assert store is not None, "only a dry run goes without a store"
            written = write_feedback_files(
                store.run_documents(self.job.project, self.run_id),
                folder / self.run_id,
                format=format,
                verbatim_fields=verbatim_fields(self.job),
                prefix=self.job.name.replace(" ", "_"),
            )
        self.tally.counts["feedback_files"] = len(written)

    def fail(self, exc: QInboundError) -> Ended:
        """Record the failure in the store (unless a dry run); the run ends failed (or
        stopped, when it was asked to stop)."""
        stopped = isinstance(exc, RunStopped)
        log.log(logging.INFO if stopped else logging.ERROR, "run %s of %s %s: %s",
                self.run_id, self.job.name, "stopped" if stopped else "failed", exc)  # fmt: skip
        if not self.dry_run:
            self._record_failure(exc)
        status = RunStatus.STOPPED if stopped else RunStatus.FAILED
        return Ended(status, str(exc), not stopped and may_pass_on_retry(exc))

    def report(self, ended: Ended) -> RunReport:
        """The run's report: how it ended and everything it counted."""
        return RunReport(
            run_id=self.run_id,
            job_name=self.job.name,
            status=ended.status,
            counts=dict(self.tally.counts),
            redaction_counts=dict(self.tally.redaction_counts),
            warnings=tuple(self.tally.warnings),
            error=ended.error,
            retriable=ended.retriable,
            dry_run=self.dry_run,
            would=dict(self.tally.would),
            project=self.job.project,
            started_at=self.now,
            finished_at=self.clock(),
            trigger=self.trigger,
            rule_labels=rule_labels(self.tally.redaction_counts, self.job.rules),
        )

    def notify(self, report: RunReport) -> list[str]:
        """Send the job's notifications (a dry run notifies nobody); return what failed."""
        event = subscribed_event(report.status, self.job.notifications)
        if self.dry_run or event is None:
            return []
        failures = notify(event, report.notification(), self.job.notifications)
        for warning in failures:
            log.warning("notification: %s", warning)
        return failures

    def _chunks(self, prepared: Prepared, pulled: Pulled) -> Iterator[tuple[bool, ChunkResult]]:
        # parse only what the job reads, and the order date a capped run resumes from
        columns = [*raw_columns(self.job, pulled.source_id_column), order_field(self.job)]
        chunks = read_pull(pulled.exports, pulled.sessions, self.job, self.chunk_rows, columns)
        for chunk, in_progress in chunks:
            self.stop_if_asked()  # between pages: a stop request ends the run here
            if len(chunk.frame):  # an empty export has no columns to map or drift
                yield in_progress, self._process(chunk, in_progress, prepared.rules, pulled)
            if in_progress:
                self.tally.counts["in_progress"] += len(chunk.frame)

    def _process(
        self, chunk: RawChunk, in_progress: bool, rules: RedactionRules, pulled: Pulled
    ) -> ChunkResult:
        result = process_chunk(
            chunk.frame,
            self.job,
            rules,
            load_date=self.now,
            already_kept=self.tally.kept,
            source_id_column=pulled.source_id_column,
        )
        self.tally.add(result, len(chunk.frame), in_progress=in_progress)
        if not in_progress:  # the in-progress snapshot is pulled whole every run
            self.tally.hold_back(result, chunk.frame.get(order_field(self.job)))
        return result

    def _record_failure(self, exc: QInboundError) -> None:
        try:
            with self.stores() as store:
                if store is not None:
                    store.record_failure(
                        self.run_id,
                        self.job,
                        exc,
                        started_at=self.now,
                        counts=self.tally.all_counts(),
                        warnings=self.tally.warnings,
                        output_notebook=self.output_notebook,
                        finished_at=self.clock(),
                        trigger=self.trigger,
                    )
        except QInboundError as unrecorded:  # e.g. the store itself is what failed
            self.unrecorded = True
            log.warning("run %s could not be recorded in the store: %s", self.run_id, unrecorded)


def _watching(progress: Progress | None, stop_if_asked: Callable[[], None]) -> Progress:
    """Export progress that also looks for a stop request (a long download is many pages)."""

    def report(update: ExportProgress) -> None:
        if progress is not None:
            progress(update)
        stop_if_asked()

    return report
