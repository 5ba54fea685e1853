"""The export flow every Qualtrics export shares: start, poll on ``status``, stream the file.

Read as a list of steps (``run_export``): start the export, poll until ``complete`` with
growing waits inside an overall timeout, and stream the file to a temporary name that is
renamed once whole. A ``failed`` export, or one ``complete`` without a ``fileId``, is started
once more as a new export; the second failure is an ``ExportError`` with the request id.
Each export holds one of its brand's concurrent-export slots (:mod:`.limiter`) from start to
file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qinbound_nb.errors import ExportError, FatalApiError, RetriableError
from qinbound_nb.job.vocab import ExportFormat
from qinbound_nb.qualtrics.models import DownloadedExport, ExportProgress
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest

if TYPE_CHECKING:  # pragma: no cover
    from qinbound_nb.qualtrics.session import ApiSession

log = logging.getLogger(__name__)
ProgressCallback = Callable[[ExportProgress], None]


@dataclass(frozen=True)
class ExportSpec:
    """Where one kind of export lives and what its replies call things."""

    what: str  # "the response export of survey SV_..." (for messages)
    resource: str  # what a 404 names
    start_path: str
    progress_path: str  # with {id}
    file_path: str  # with {file_id}
    id_key: str  # progressId, jobId or exportId
    format: ExportFormat
    compressed: bool


@dataclass(frozen=True)
class _Outcome:
    progress_id: str
    file_id: str | None
    continuation_token: str | None
    request_id: str | None
    status: str


def response_export(survey_id: str, request: ResponseExportRequest) -> ExportSpec:
    """The endpoints of a survey response export."""
    root = f"surveys/{survey_id}/export-responses"
    resource = f"survey {survey_id}"
    if request.filter_id:
        resource += f" (or its saved filter {request.filter_id})"
    return ExportSpec(
        what=f"the response export of survey {survey_id}",
        resource=resource,
        start_path=root,
        progress_path=root + "/{id}",
        file_path=root + "/{file_id}/file",
        id_key="progressId",
        format=request.format,
        compressed=request.compress,
    )


def idp_export(idp_source_id: str, request: IdpExportRequest) -> ExportSpec:
    """The endpoints of an Imported Data Project export."""
    root = f"imported-data-projects/{idp_source_id}/exports"
    return ExportSpec(
        what=f"the export of imported data project {idp_source_id}",
        resource=f"imported data project {idp_source_id}",
        start_path=root,
        progress_path=root + "/{id}",
        file_path=root + "/{file_id}/file",
        id_key="jobId",
        format=request.format,
        compressed=request.compress,
    )


def run_export(
    client: ApiSession,
    spec: ExportSpec,
    body: dict[str, Any],
    dest_dir: Path,
    progress: ProgressCallback | None,
) -> DownloadedExport:
    """Start, poll and download one export, retrying a failed export once."""
    report = progress or (lambda _: None)
    outcome: _Outcome | None = None
    for attempt in (1, 2):
        report(ExportProgress("start", 0.0))
        with client.export_slot():  # the brand's concurrent exports are capped
            progress_id = start_export(client, spec, body)
            outcome = poll_export(client, spec, progress_id, report)
            if outcome.file_id:
                return download_export(client, spec, outcome, dest_dir, report)
        log.warning("%s ended %s without a file (attempt %d)", spec.what, outcome.status, attempt)
    assert outcome is not None
    raise ExportError(
        f"{spec.what} {outcome.status} on the server twice (progress id {outcome.progress_id}, "
        f"request id {outcome.request_id or 'not given'}); try again later or narrow the "
        "export with a date window or limit"
    )


def start_export(client: ApiSession, spec: ExportSpec, body: dict[str, Any]) -> str:
    """POST the export request; return its progress (job) id."""
    reply = client.request_json(
        "POST",
        spec.start_path,
        action=f"starting {spec.what}",
        resource=spec.resource,
        body=body,
        starts_export=True,
    )
    progress_id = (reply.get("result") or {}).get(spec.id_key)
    if not progress_id:
        raise FatalApiError(f"starting {spec.what} returned no {spec.id_key}; nothing to poll")
    return str(progress_id)


def poll_export(
    client: ApiSession, spec: ExportSpec, progress_id: str, report: ProgressCallback
) -> _Outcome:
    """Poll until ``status`` leaves ``inProgress`` (percentComplete is for display only)."""
    started, delay = client.now(), client.poll.first_delay
    path = spec.progress_path.format(id=progress_id)
    while True:
        if client.now() - started + delay > client.poll.timeout:
            raise RetriableError(
                f"{spec.what} was still running after {client.poll.timeout:.0f} s "
                f"(progress id {progress_id}); try again later"
            )
        client.wait(delay)
        reply = client.request_json(
            "GET", path, action=f"checking {spec.what}", resource=spec.resource
        )
        result = reply.get("result") or {}
        status = str(result.get("status") or "inProgress")
        percent = result.get("percentComplete")
        report(ExportProgress("poll", float(percent) if percent is not None else None))
        if status != "inProgress":
            return _Outcome(
                progress_id=progress_id,
                file_id=result.get("fileId") if status == "complete" else None,
                continuation_token=result.get("continuationToken"),
                request_id=(reply.get("meta") or {}).get("requestId"),
                status=status,
            )
        delay = client.poll.next_delay(delay)


def download_export(
    client: ApiSession,
    spec: ExportSpec,
    outcome: _Outcome,
    dest_dir: Path,
    report: ProgressCallback,
) -> DownloadedExport:
    """Stream the export file to ``dest_dir`` under a temporary name, then rename it."""
    assert outcome.file_id is not None
    suffix = "zip" if spec.compressed else spec.format
    target = dest_dir / f"{_safe_name(outcome.file_id)}.{suffix}"
    partial = target.with_name(target.name + ".part")
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        size = client.download(
            spec.file_path.format(file_id=outcome.file_id),
            partial,
            action=f"downloading {spec.what}",
            resource=spec.resource,
            progress=report,
        )
        partial.replace(target)
    except OSError as exc:  # a full or read-only disk is the user's to fix, not a crash
        raise ExportError(
            f"{spec.what} could not be written to {dest_dir} ({exc.strerror or exc}); free "
            "disk space there (or point TMPDIR elsewhere) and run again"
        ) from exc
    finally:
        with suppress(OSError):  # never mask the error above with one from the clean-up
            partial.unlink(missing_ok=True)
    report(ExportProgress("done", 100.0, size, size))
    return DownloadedExport(
        path=target,
        format=spec.format,
        compressed=spec.compressed,
        continuation_token=outcome.continuation_token,
        file_id=outcome.file_id,
        progress_id=outcome.progress_id,
        request_id=outcome.request_id,
        size=size,
    )


def _safe_name(file_id: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in file_id)
    return cleaned[:120] or "export"
