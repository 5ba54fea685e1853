"""``QualtricsClient``: one typed method per Qualtrics API v3 endpoint, over httpx.

Every call goes through ``_retrying``, which sends, hands failures to :mod:`.policy` and
sleeps between attempts with the injected ``sleep``/``clock``, so tests run instantly.
The export flow (start, poll, download) lives in :mod:`.transfer`, tickets in :mod:`.tickets`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from qinbound_nb.config import Connection
from qinbound_nb.errors import AuthError, FatalApiError, QualtricsError
from qinbound_nb.qualtrics import hosts, policy, tickets, transfer
from qinbound_nb.qualtrics.export_requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.qualtrics.models import (
    DownloadedExport,
    ExportProgress,
    IdpSchema,
    SavedFilter,
    SurveyMetadata,
    SurveySummary,
    WhoAmI,
)
from qinbound_nb.qualtrics.policy import ApiProblem, PollPolicy, RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")
ProgressCallback = Callable[[ExportProgress], None]
MAX_PAGES = 10_000


class _Retry(Exception):
    """Internal: this attempt failed in a way the policy retries."""

    def __init__(self, cause: str, problem: ApiProblem | None, retry_after: float | None) -> None:
        super().__init__(cause)
        self.cause, self.problem, self.retry_after = cause, problem, retry_after


class QualtricsClient:
    """A synchronous Qualtrics API v3 client for one connection; use it as a context manager."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe default
        poll: PollPolicy = PollPolicy(),  # noqa: B008
        timeout: float = 60.0,
    ) -> None:
        if connection.token is None or not connection.token.get_secret_value():
            raise AuthError(
                f"connection {connection.name!r} has no API token; add one with 'qinbound "
                f"connections add {connection.name} --datacenter {connection.datacenter}'"
            )
        self.connection = connection
        self.base_url, transport = _resolve(connection, base_url, transport)
        self._secret = connection.token.get_secret_value()
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self.retry, self.poll = retry, poll
        self._http = httpx.Client(
            transport=transport,
            headers={"X-API-TOKEN": self._secret, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,
        )

    @classmethod
    def for_connection(cls, connection: Connection, **options: Any) -> QualtricsClient:
        """The client for a connection: in-process sandbox, loopback override, or Qualtrics."""
        return cls(connection, **options)

    def __enter__(self) -> QualtricsClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # ---- endpoints -------------------------------------------------------------------------

    def whoami(self) -> WhoAmI:
        """The token's user, brand and datacenter; the connection test."""
        reply = self.request_json("GET", "whoami", action="the connection test (whoami)")
        return WhoAmI.from_reply(reply.get("result") or {}, reply.get("meta", {}).get("notice"))

    def list_surveys(self) -> list[SurveySummary]:
        """Every survey the token can see, following ``nextPage`` exactly as given."""
        return [SurveySummary.from_element(e) for e in self._pages("surveys", "the survey list")]

    def survey_metadata(self, survey_id: str) -> SurveyMetadata:
        """Questions (import id → text and type), the export column map and embedded data."""
        reply = self.request_json(
            "GET",
            f"surveys/{survey_id}",
            action="reading the survey",
            resource=f"survey {survey_id}",
        )
        return SurveyMetadata.from_result(reply["result"])

    def list_filters(self, survey_id: str) -> list[SavedFilter]:
        """The saved filters of a survey."""
        pages = self._pages(
            f"surveys/{survey_id}/filters", "the saved filter list", resource=f"survey {survey_id}"
        )
        return [SavedFilter.from_element(element) for element in pages]

    def idp_schema(self, idp_source_id: str) -> IdpSchema:
        """An Imported Data Project's fields and its ``uniqueField``."""
        reply = self.request_json(
            "GET",
            f"imported-data-projects/{idp_source_id}",
            action="reading the imported data project",
            resource=f"imported data project {idp_source_id}",
        )
        return IdpSchema.from_result(reply["result"])

    def export_responses(
        self,
        survey_id: str,
        request: ResponseExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Start, poll and download a response export; the file is streamed into ``dest_dir``."""
        spec = transfer.response_export(survey_id, request)
        return transfer.run_export(self, spec, request.body(), Path(dest_dir), progress)

    def export_idp(
        self,
        idp_source_id: str,
        request: IdpExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Export an Imported Data Project (ORM reviews) as CSV into ``dest_dir``."""
        spec = transfer.idp_export(idp_source_id, request)
        return transfer.run_export(self, spec, request.body(), Path(dest_dir), progress)

    def export_tickets(
        self,
        request: tickets.TicketExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Export tickets (peer knowledge only: see :mod:`.tickets`) into ``dest_dir``."""
        return tickets.export_tickets(self, request, Path(dest_dir), progress)

    # ---- plumbing shared with transfer.py and tickets.py ----------------------------------

    def request_json(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        action: str,
        resource: str = "the requested object",
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one call (retrying as the policy says) and return the decoded reply."""

        def attempt() -> dict[str, Any]:
            response = self._http.request(method, self._url(path), json=body)
            self._check(response, action, resource)
            try:
                reply = response.json()
            except ValueError:
                raise FatalApiError(
                    f"{action} got a reply that is not JSON (HTTP {response.status_code})"
                ) from None
            if not isinstance(reply, dict):
                raise FatalApiError(f"{action} got a JSON reply without the usual envelope")
            return reply

        return self._retrying(action, attempt)

    def download(
        self, path: str, target: Path, *, action: str, resource: str, progress: ProgressCallback
    ) -> int:
        """Stream a file to ``target`` (never held in memory); returns its size in bytes."""

        def attempt() -> int:
            with self._http.stream("GET", self._url(path)) as response:
                self._check(response, action, resource)
                total = _content_length(response)
                done = 0
                with target.open("wb") as sink:
                    for chunk in response.iter_bytes(chunk_size=1 << 18):
                        sink.write(chunk)
                        done += len(chunk)
                        progress(ExportProgress("download", None, done, total))
                return done

        return self._retrying(action, attempt)

    def wait(self, seconds: float) -> None:
        """Sleep with the injected ``sleep`` (polling uses it too)."""
        self._sleep(seconds)

    def now(self) -> float:
        """The injected monotonic clock."""
        return self._clock()

    def _url(self, path: str | httpx.URL) -> httpx.URL:
        return path if isinstance(path, httpx.URL) else httpx.URL(self.base_url + path)

    def _check(self, response: httpx.Response, action: str, resource: str) -> None:
        status = response.status_code
        if status < 300:
            return
        problem = policy.parse_problem(status, response.read())
        log.info("%s: HTTP %s (request id %s)", action, status, problem.request_id)
        if status < 400:
            raise FatalApiError(
                f"{action} was redirected (HTTP {status}); redirects are not followed so the "
                "token never reaches another host",
                status=status,
            )
        if policy.is_retriable(status):
            after = policy.retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(f"HTTP {status}", problem, after)
        raise policy.error_for(
            problem,
            connection=self.connection.name,
            action=action,
            resource=resource,
            secrets=(self._secret,),
        )

    def _retrying(self, action: str, attempt: Callable[[], T]) -> T:
        started = self._clock()
        for number in range(1, self.retry.max_attempts + 1):
            try:
                return attempt()
            except _Retry as failure:
                retry, cause = failure, failure.cause
            except httpx.TransportError as exc:
                retry, cause = _Retry(type(exc).__name__, None, None), type(exc).__name__
                retry.__cause__ = exc
            delay = self.retry.delay(number, retry.retry_after, self._jitter())
            out_of_time = self._clock() - started + delay > self.retry.max_total
            if number == self.retry.max_attempts or out_of_time:
                raise policy.gave_up(
                    retry.problem, action=action, attempts=number, cause=cause
                ) from retry
            log.warning("%s failed (%s); retry %d in %.1f s", action, cause, number, delay)
            self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _pages(
        self, path: str, action: str, resource: str = "the requested object"
    ) -> Iterator[dict[str, Any]]:
        url: str | httpx.URL = path
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            reply = self.request_json("GET", url, action=action, resource=resource)
            result = reply.get("result") or {}
            yield from result.get("elements") or []
            next_page = result.get("nextPage")
            if not next_page:
                return
            if next_page in seen:
                raise FatalApiError(f"{action} returned the same next page twice; stopped paging")
            seen.add(next_page)
            url = hosts.check_next_page(str(self._url(url)), next_page)
        raise FatalApiError(f"{action} has more than {MAX_PAGES} pages; stopped paging")


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _resolve(
    connection: Connection, base_url: str | None, transport: httpx.BaseTransport | None
) -> tuple[str, httpx.BaseTransport | None]:
    """Base URL and transport: explicit ones, the loopback override, the sandbox, or Qualtrics."""
    if base_url is not None:
        return base_url, transport
    override = hosts.override_base_url()
    if override is not None:
        return override, transport
    if connection.datacenter == "sandbox":
        if transport is None:
            from qinbound_nb.qualtrics.sandbox import Sandbox

            transport = Sandbox.from_env().transport()
        return hosts.SANDBOX_BASE_URL, transport
    return hosts.datacenter_base_url(connection.datacenter), transport


__all__ = ["QualtricsClient", "QualtricsError"]
