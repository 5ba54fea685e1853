"""Pulls too large for one export: halve the date window until every part fits.

Qualtrics refuses an export whose file would pass 1.8 GB (:class:`ExportTooLarge`). The pull
then asks for its window ``[start, end)`` in two halves, and halves again any half still
refused, down to one second. The windows test the same date the whole pull would have (last
modified, or recorded with a saved filter), the halves share their boundary (start inclusive,
end exclusive), so each response lands in exactly one part; the parts are read in date order
into the run's one store transaction, and the last part (ending at the pull's end) carries
the continuation token. A token pull that is too large becomes a window pull from the
checkpoint's watermark, the moment the token was issued (no look-back: the token is good).
Before halving, one export of a single row (``limit: 1``; exports come sorted by that date)
finds the window's first response, so the halving spends no exports on empty years before it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from qinbound_nb.errors import ExportTooLarge
from qinbound_nb.job.config import JobConfig
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import DownloadedExport
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.runs.pulls import (
    Progress,
    PullPlan,
    fetch,
    fetch_with_fallback,
    order_field,
    read_chunks,
)
from qinbound_nb.store.load import Checkpoint

__all__ = ["EARLIEST", "fetch_in_windows"]

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a pull with no start date starts here
SMALLEST_WINDOW = timedelta(seconds=1)  # export dates have whole seconds


def fetch_in_windows(
    client: QualtricsClient,
    job: JobConfig,
    plan: PullPlan,
    checkpoint: Checkpoint | None,
    dest: Path,
    progress: Progress | None = None,
) -> tuple[list[DownloadedExport], PullPlan]:
    """The pull's exports in date order, split while Qualtrics refuses them as too large."""
    try:
        export, plan = fetch_with_fallback(client, job, plan, checkpoint, dest, progress)
        return [export], plan
    except ExportTooLarge:
        if not isinstance(plan.request, ResponseExportRequest | IdpExportRequest):
            raise
    windowed = _without_token(plan, checkpoint)
    start = _request(windowed).start_date or EARLIEST
    assert isinstance(start, datetime), "a pull's window starts at a moment"
    start = _first_response(client, job, windowed, start, dest, progress)
    parts = _halves(client, job, windowed, start, windowed.window_end, dest, progress)
    note = f"the export was too large for Qualtrics; pulled in {len(parts)} date windows"
    return parts, replace(windowed, note=note)


def _request(plan: PullPlan) -> ResponseExportRequest | IdpExportRequest:
    assert isinstance(plan.request, ResponseExportRequest | IdpExportRequest), "not tickets"
    return plan.request


def _without_token(plan: PullPlan, checkpoint: Checkpoint | None) -> PullPlan:
    """The window a token pull stands for: from the token's moment to the pull's end."""
    if not plan.uses_token:
        return plan
    since = checkpoint.watermark if checkpoint else None
    request = replace(
        _request(plan),
        continuation_token=None,
        allow_continuation=True,
        start_date=since,
        end_date=plan.window_end,
    )
    return PullPlan(request, plan.window_end, False)


def _first_response(
    client: QualtricsClient,
    job: JobConfig,
    plan: PullPlan,
    start: datetime,
    dest: Path,
    progress: Progress | None,
) -> datetime:
    """The order date of the window's first response (whole seconds), else ``start``."""
    request = replace(
        _request(plan),
        start_date=start,
        end_date=plan.window_end,
        limit=1,
        allow_continuation=False,
    )
    probe = fetch(client, job, replace(plan, request=request), dest / "first", progress)
    column = order_field(job)
    for chunk in read_chunks(probe, job, chunk_rows=1, columns=[column]):
        if column in chunk.frame and len(chunk.frame):
            found = pd.to_datetime(str(chunk.frame[column].iloc[0]), utc=True, format="ISO8601")
            if pd.notna(found):
                return max(start, found.floor("s").to_pydatetime())
    return start


def _halves(
    client: QualtricsClient,
    job: JobConfig,
    plan: PullPlan,
    start: datetime,
    end: datetime,
    dest: Path,
    progress: Progress | None,
) -> list[DownloadedExport]:
    request = replace(_request(plan), start_date=start, end_date=end)
    try:
        return [fetch(client, job, replace(plan, request=request), dest, progress)]
    except ExportTooLarge:
        if end - start <= SMALLEST_WINDOW:
            raise
    middle = start + timedelta(seconds=(end - start).total_seconds() // 2)
    return _halves(client, job, plan, start, middle, dest, progress) + _halves(
        client, job, plan, middle, end, dest, progress
    )
