"""What a run asks Qualtrics for, and reading it back: incremental plans, exports, raw chunks.

The incremental rules (reference/qualtrics-api.md §9, xm-discover.md §8):

- A survey job without a saved filter asks for a continuation token on its first pull and
  sorts by last-modified date, so later pulls return what was recorded *or changed* since.
  The token is stored only after the load commits. A token older than 7 days (Qualtrics
  expires them), or refused by the API as invalid or expired (``ContinuationTokenRejected``),
  falls back to the watermark, and the run says so; any other refusal fails the run.
- A job with a saved filter cannot use tokens (Qualtrics refuses the combination): it pulls
  the window ``[watermark - look-back, now)``; the overlap is settled by ``natural_id``.
- ORM (Imported Data Project) jobs follow the same token rules; tickets use the
  ``updatedAt`` window.
- In-progress sessions, when asked for, are a second export every run: a full snapshot.

The watermark is the exclusive end (``now``) of the pull that last committed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qinbound_nb.core.parse.export import RawChunk, iter_export_frames
from qinbound_nb.errors import ContinuationTokenRejected
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.qualtrics.archive import iter_members
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import DownloadedExport, ExportProgress
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.qualtrics.tickets import TicketExportRequest
from qinbound_nb.store.load import Checkpoint

TOKEN_LIFETIME = timedelta(days=7)
ExportRequest = ResponseExportRequest | IdpExportRequest | TicketExportRequest
Progress = Callable[[ExportProgress], None]


@dataclass(frozen=True)
class PullPlan:
    """One export to run: the request, and what it means for the next checkpoint."""

    request: ExportRequest
    window_end: datetime
    uses_token: bool
    note: str | None = None


def plan_pull(
    job: JobConfig, checkpoint: Checkpoint | None, now: datetime, *, limit: int | None = None
) -> PullPlan:
    """Decide the next export of ``job`` from its checkpoint (see the module docstring)."""
    lookback = timedelta(hours=job.schedule.lookback_hours)
    start = _window_start(job, checkpoint, lookback)
    token, note = _usable_token(checkpoint, now)
    source = job.source
    if source.type == SourceType.TICKETS:
        return PullPlan(TicketExportRequest(updated_since=start, updated_before=now), now, False)
    if source.type == SourceType.SURVEY and source.filter_id:
        request: ExportRequest = ResponseExportRequest(
            start_date=start, end_date=now, filter_id=source.filter_id, limit=limit
        )
        return PullPlan(request, now, False, note)
    make = ResponseExportRequest if source.type == SourceType.SURVEY else IdpExportRequest
    if token and limit is None:
        return PullPlan(make(continuation_token=token, sort_by_last_modified=True), now, True)
    request = make(
        start_date=start,
        end_date=now if start is not None else None,
        allow_continuation=limit is None,
        sort_by_last_modified=True,
        limit=limit,
    )
    return PullPlan(request, now, False, note)


def _usable_token(checkpoint: Checkpoint | None, now: datetime) -> tuple[str | None, str | None]:
    if checkpoint is None or not checkpoint.continuation_token:
        return None, None
    if checkpoint.watermark and now - checkpoint.watermark > TOKEN_LIFETIME:
        return None, "the continuation token is older than 7 days; pulled by date window"
    return checkpoint.continuation_token, None


def without_token(plan: PullPlan, job: JobConfig, checkpoint: Checkpoint | None) -> PullPlan:
    """The watermark plan to fall back on when the API refuses the continuation token."""
    lookback = timedelta(hours=job.schedule.lookback_hours)
    start = _window_start(job, checkpoint, lookback)
    assert isinstance(plan.request, ResponseExportRequest | IdpExportRequest)
    request = replace(
        plan.request,
        continuation_token=None,
        allow_continuation=True,
        start_date=start,
        end_date=plan.window_end if start is not None else None,
    )
    note = "Qualtrics refused the continuation token (expired?); pulled by date window instead"
    return PullPlan(request, plan.window_end, False, note)


def _window_start(
    job: JobConfig, checkpoint: Checkpoint | None, lookback: timedelta
) -> datetime | None:
    if checkpoint and checkpoint.watermark:
        return checkpoint.watermark - lookback
    start = job.source.start_date
    return None if start is None else datetime(start.year, start.month, start.day, tzinfo=UTC)


def fetch(
    client: QualtricsClient,
    job: JobConfig,
    plan: PullPlan,
    dest: Path,
    progress: Progress | None = None,
) -> DownloadedExport:
    """Run the planned export into ``dest``; the file is streamed to disk."""
    source = job.source
    request = plan.request
    if isinstance(request, TicketExportRequest):
        return client.export_tickets(request, dest, progress)
    if isinstance(request, IdpExportRequest):
        assert source.type == SourceType.ORM
        return client.export_idp(source.idp_source_id, request, dest, progress)
    assert source.type == SourceType.SURVEY
    return client.export_responses(source.survey_id, request, dest, progress)


def fetch_with_fallback(
    client: QualtricsClient,
    job: JobConfig,
    plan: PullPlan,
    checkpoint: Checkpoint | None,
    dest: Path,
    progress: Progress | None = None,
) -> tuple[DownloadedExport, PullPlan]:
    """Fetch; when Qualtrics refuses the continuation token, fall back to the watermark once.

    Only :class:`ContinuationTokenRejected` falls back: any other refusal of a token pull (a
    bad request, a missing survey, a revoked API token) fails the run as what it is.
    """
    try:
        return fetch(client, job, plan, dest, progress), plan
    except ContinuationTokenRejected:
        if not plan.uses_token:
            raise
    fallback = without_token(plan, job, checkpoint)
    return fetch(client, job, fallback, dest, progress), fallback


def fetch_in_progress(
    client: QualtricsClient, job: JobConfig, dest: Path, progress: Progress | None = None
) -> DownloadedExport | None:
    """The snapshot of in-progress sessions, when the job asks for them."""
    source = job.source
    if source.type != SourceType.SURVEY or not source.include_in_progress:
        return None
    request = ResponseExportRequest(in_progress=True, filter_id=source.filter_id)
    return client.export_responses(source.survey_id, request, dest / "in-progress", progress)


def source_id_column(client: QualtricsClient, job: JobConfig) -> str | None:
    """The raw column holding the source id (the IDP's unique field for ORM jobs)."""
    if job.source.type == SourceType.ORM:
        return client.idp_schema(job.source.idp_source_id).unique_field
    return None


def read_pull(
    export: DownloadedExport,
    sessions: DownloadedExport | None,
    job: JobConfig,
    chunk_rows: int,
    columns: Collection[str] | None,
) -> Iterator[tuple[RawChunk, bool]]:
    """The export's raw chunks, then the in-progress snapshot's (flagged True), indexed on."""
    position = 0
    for export_file, in_progress in ((export, False), (sessions, True)):
        if export_file is None:
            continue
        chunks = read_chunks(
            export_file, job, chunk_rows=chunk_rows, start_index=position, columns=columns
        )
        for chunk in chunks:
            position += len(chunk.frame)
            yield chunk, in_progress


def read_chunks(
    export: DownloadedExport,
    job: JobConfig,
    *,
    chunk_rows: int,
    start_index: int = 0,
    columns: Collection[str] | None = None,
) -> Iterator[RawChunk]:
    """Every raw chunk of every file in the export, indexed by running position.

    ``columns`` keeps only those raw columns (a run passes ``core.mapping.raw_columns(job)``,
    which parses JSON surveys several times faster); None keeps every column (previews).
    """
    position = start_index
    for _name, stream in iter_members(export.path):
        for chunk in iter_export_frames(
            stream,
            export.format,
            kind=job.source.type,
            chunk_rows=chunk_rows,
            start_index=position,
            columns=columns,
        ):
            position += len(chunk.frame)
            yield chunk
