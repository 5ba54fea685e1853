"""The sandbox's request handler: routing, auth, faults, envelopes and export jobs.

One ``SandboxApi.handle`` serves both the in-process httpx transport and the loopback
socket server (:mod:`.sandbox_server`), so both behave identically. With the rate limit mode
on (:mod:`.throttle`), calls beyond a brand's limits are answered 429 before anything else.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote_plus

from qinbound_nb.sandbox.catalog import stable_id
from qinbound_nb.sandbox.exports import BadRequest, Missing, Query
from qinbound_nb.sandbox.throttle import BRAND

if TYPE_CHECKING:  # pragma: no cover
    from qinbound_nb.sandbox.catalog import DemoSurvey
    from qinbound_nb.sandbox.faults import FaultPlan
    from qinbound_nb.sandbox.generated import GeneratedSurvey
    from qinbound_nb.sandbox.throttle import RateLimit


class SandboxState(Protocol):
    """What the routes read of the simulator (``Sandbox`` provides it; no import back)."""

    seed: int
    page_size: int
    export_limit: int
    faults: FaultPlan
    rate_limit: RateLimit
    surveys: dict[str, DemoSurvey | GeneratedSurvey]

    def now(self) -> datetime: ...

    def token(self, source: str, as_of: datetime) -> str: ...

    def zip(self, member: str, content: Iterator[bytes]) -> Iterator[bytes]: ...


REFUSED_TOKENS = {"expired-token": "expired", "revoked-token": "revoked"}
POLLS_NEEDED = 3
EXPORT_IDLE_S = 60.0  # an export nobody polled or fetched for this long no longer counts
REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Temporary Internal Server Error", 504: "Gateway Timeout",
}  # fmt: skip


@dataclass(frozen=True)
class ApiRequest:
    """A request as the handler sees it; ``path`` is below ``/API/v3/``."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host[:port]/API/v3/


@dataclass
class ApiResponse:
    """A reply: status, headers, a body produced lazily, and the faults to apply to it."""

    status: int
    headers: list[tuple[str, str]]
    body: Iterable[bytes]
    cut_after: int | None = None
    delay: float = 0.0


@dataclass
class ExportJob:
    """One export in flight: what it exports, as of when, and how it ends."""

    kind: str
    source: str
    query: Query | None
    window: tuple[datetime | None, datetime | None]
    as_of: datetime
    progress_id: str
    file_id: str
    ending: str = "complete"
    polls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    finished: bool = False  # downloaded, or ended without a file
    touched: float = field(default_factory=time.monotonic)


Action = Callable[["SandboxApi", ApiRequest, dict[str, str]], ApiResponse]
Route = tuple[str, str, str, Action]  # method, path pattern, fault target, handler


class SandboxApi:
    """Routes requests to the sandbox's catalog; holds export jobs (thread-safe)."""

    def __init__(self, sandbox: SandboxState, routes: list[Route]) -> None:
        self.sandbox, self.routes = sandbox, routes
        self.jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()
        self._starting = threading.Lock()

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request."""
        problem = self._authenticate(request)
        if problem is not None:
            return problem
        for method, pattern, target, action in self.routes:
            match = re.fullmatch(pattern, request.path.strip("/"))
            if match and method == request.method:
                return self._admit(request, target, action, match.groupdict())
        return self.error(404, "GP_404", "The requested resource does not exist.")

    def _authenticate(self, request: ApiRequest) -> ApiResponse | None:
        token = request.headers.get("x-api-token", "").strip()
        if not token:
            return self.error(401, "AUTH_1", "Missing X-API-TOKEN header.")
        if token in REFUSED_TOKENS:
            return self.error(401, "AUTH_2", f"The API token has been {REFUSED_TOKENS[token]}.")
        if self.sandbox.faults.token_expired():
            return self.error(401, "AUTH_2", "The API token has expired.")
        return None

    def _admit(
        self, request: ApiRequest, target: str, action: Action, params: dict[str, str]
    ) -> ApiResponse:
        """The rate limit mode's check, then the call; an export start is checked and
        registered in one step, so concurrent starts cannot all slip under the cap."""
        starts = target == "start"
        with self._starting if starts else nullcontext():
            running = self.exports_running() if starts else 0
            wait = self.sandbox.rate_limit.admit(BRAND, starts, running)
            if wait is not None:
                return self.too_many(wait)
            return self._dispatch(request, target, action, params)

    def _dispatch(
        self,
        request: ApiRequest,
        target: str,
        action: Action,
        params: dict[str, str],
    ) -> ApiResponse:
        fault = self.sandbox.faults.take(target)
        if fault is not None:
            status = int(fault.kind)
            reply = self.error(status, f"SBX_{status}", "Injected fault.")
            if status == 429:
                reply.headers.append(("Retry-After", f"{fault.number(1):g}"))
            return reply
        try:
            reply = action(self, request, params)
        except BadRequest as exc:
            return self.error(400, exc.code, str(exc))
        except Missing as exc:
            return self.error(404, exc.code, str(exc))
        body_fault = self.sandbox.faults.take(target, ("cut", "slow"))
        if body_fault is not None and body_fault.kind == "cut":
            reply.cut_after = int(body_fault.number(512))
        elif body_fault is not None:
            reply.delay = body_fault.number(2.0)
        return reply

    # ---- envelopes --------------------------------------------------------------------------

    def meta(self, status: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"httpStatus": f"{status} - {REASONS.get(status, 'Error')}"}
        meta["requestId"] = str(uuid.uuid4())
        notice = self.sandbox.faults.proxy_notice()
        if notice:
            meta["notice"] = notice
        return meta

    def ok(self, result: dict[str, Any]) -> ApiResponse:
        """A 200 reply in the success envelope."""
        return _json_reply(200, {"result": result, "meta": self.meta(200)})

    def error(self, status: int, code: str, message: str) -> ApiResponse:
        """An error reply in the current envelope (``meta.error``, no ``result``)."""
        meta = self.meta(status)
        meta["error"] = {"errorMessage": message, "errorCode": code}
        return _json_reply(status, {"meta": meta})

    def too_many(self, retry_after: float) -> ApiResponse:
        """The 429 of the rate limit mode, with its ``Retry-After``."""
        reply = self.error(429, "SBX_429", "You have reached the concurrent request limit.")
        reply.headers.append(("Retry-After", f"{retry_after:g}"))
        return reply

    def file_reply(
        self, name: str, fmt: str, content: Iterator[bytes], compress: bool
    ) -> ApiResponse:
        """The export file: a zip holding ``{name}.{fmt}``, or the bare file."""
        if not compress:
            kind = {"csv": "text/csv", "ndjson": "application/x-ndjson"}.get(
                fmt, "application/json"
            )
            return ApiResponse(200, [("Content-Type", kind)], content)
        body = self.sandbox.zip(f"{name}.{fmt}", content)
        headers = [
            ("Content-Type", "application/zip"),
            ("Content-Disposition", f"attachment; filename={quote_plus(name + '.zip')}"),
        ]
        return ApiResponse(200, headers, body)

    # ---- export jobs ------------------------------------------------------------------------

    def add_job(self, job: ExportJob) -> ExportJob:
        ending = self.sandbox.faults.take("export", ("failed", "nofile"))
        if ending is not None:
            job.ending = ending.kind
        with self._lock:
            self.jobs[job.progress_id] = job
            self.jobs[job.file_id] = job
        return job

    def job(self, key: str, kind: str, source: str) -> ExportJob | None:
        with self._lock:
            found = self.jobs.get(key)
        return found if found and found.kind == kind and found.source == source else None

    def progress(self, job: ExportJob) -> dict[str, Any]:
        """One poll: ``inProgress`` until the third, then how the job ends."""
        with self._lock:
            job.polls += 1
            polls, job.touched = job.polls, time.monotonic()
            job.finished = job.finished or (polls >= POLLS_NEEDED and job.ending != "complete")
        if polls < POLLS_NEEDED:
            return {"percentComplete": round(100.0 * polls / POLLS_NEEDED, 12),
                    "status": "inProgress"}  # fmt: skip
        if job.ending == "failed":
            return {"fileId": None, "percentComplete": 100.0, "status": "failed"}
        result: dict[str, Any] = {"percentComplete": 100.0, "status": "complete"}
        if job.ending == "complete":
            result = {"fileId": job.file_id} | result
        if job.query is not None and job.query.wants_token:
            result["continuationToken"] = self.sandbox.token(job.source, job.as_of)
        return result

    def finish(self, job: ExportJob) -> None:
        """Its file was fetched: the export no longer counts as running."""
        with self._lock:
            job.finished = True

    def exports_running(self) -> int:
        """Exports started and not yet fetched or ended (idle ones drop out)."""
        horizon = time.monotonic() - EXPORT_IDLE_S
        with self._lock:
            jobs = {id(job): job for job in self.jobs.values()}.values()
            return sum(1 for job in jobs if not job.finished and job.touched > horizon)

    def new_ids(self) -> tuple[str, str]:
        """A fresh progress id and file id in the recorded shapes."""
        with self._lock:
            number = len(self.jobs)
        progress_id = stable_id("ES_", self.sandbox.seed, "export", number, uuid.uuid4().hex)
        return progress_id, f"{uuid.uuid4()}-def"


def _json_reply(status: int, payload: dict[str, Any]) -> ApiResponse:
    data = json.dumps(payload, ensure_ascii=False).encode()
    return ApiResponse(status, [("Content-Type", "application/json")], [data])
