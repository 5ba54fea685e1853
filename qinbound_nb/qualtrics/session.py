"""``ApiSession``: one connection's HTTP plumbing — send, check, retry, page and stream.

Every call goes through ``_retrying``, which waits for the brand's limiter (:mod:`.limiter`:
shared pacing, Retry-After pauses, AIMD), sends, hands failures to :mod:`.policy` and sleeps
between attempts with the injected ``sleep``/``clock``, so tests run instantly. The
endpoints live in :mod:`.client`, the export flow in :mod:`.exports`, tickets in
:mod:`.tickets`; all three build on this session, never on each other's internals.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from qinbound_nb.errors import AuthError, ConfigError, FatalApiError
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import brands, hosts, policy
from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.qualtrics.policy import ApiProblem, PollPolicy, RetryPolicy

__all__ = ["ApiSession", "ProgressCallback"]

log = logging.getLogger(__name__)
T = TypeVar("T")
ProgressCallback = Callable[[ExportProgress], None]
MAX_PAGES = 10_000


class _Retry(Exception):
    """Internal: this attempt failed in a way the policy retries."""

    def __init__(self, cause: str, problem: ApiProblem | None, retry_after: float | None) -> None:
        super().__init__(cause)
        self.cause, self.problem, self.retry_after = cause, problem, retry_after


class ApiSession:
    """The HTTP side of one Qualtrics connection; use it (or the client) as a context manager."""

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
        brand_limiter: BrandLimiter | None = None,
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
        self._limits = Limits.from_settings()
        self._own_limiter = brand_limiter or brands.private_limiter(self._limits, sleep, clock)
        self._shared_limiter: tuple[str, BrandLimiter] | None = None
        self._http = httpx.Client(
            transport=transport,
            headers={"X-API-TOKEN": self._secret, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request_json(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        action: str,
        resource: str = "the requested object",
        body: dict[str, Any] | None = None,
        starts_export: bool = False,
    ) -> dict[str, Any]:
        """Send one call (retrying as the policy says) and return the decoded reply.

        ``starts_export``: a 429 to this call means too many exports at once (the brand's
        export slots shrink), not too many calls (the brand is not paused).
        """

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

        return self._retrying(action, attempt, starts_export=starts_export)

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

    @property
    def brand_limiter(self) -> BrandLimiter:
        """The limiter this session's calls wait for: its own, or its brand's shared one."""
        if self._own_limiter is not None:
            return self._own_limiter
        key = brands.brand_key(self.connection.datacenter, self._secret)
        if self._shared_limiter is None or self._shared_limiter[0] != key:  # whoami told more
            self._shared_limiter = key, brands.shared_limiter(key, self._limits)
        return self._shared_limiter[1]

    def export_slot(self) -> AbstractContextManager[None]:
        """Hold one of the brand's concurrent-export slots for an export's whole flow."""
        return self.brand_limiter.export_slot()

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

    def _retrying(self, action: str, attempt: Callable[[], T], *, starts_export: bool = False) -> T:
        """Attempt until success; failures and 429s have separate allowances, one time budget.

        A 429 means the brand is busy, not that anything is wrong: it tells the brand's limiter
        (which pauses and slows every caller) and counts against ``retry.max_throttled``, so
        a crowd of jobs sharing a brand is slowed down rather than failed.
        """
        started, failures, throttles = self._clock(), 0, 0
        for number in itertools.count(1):
            brand = self.brand_limiter
            brand.acquire()
            try:
                outcome = attempt()
            except _Retry as failure:
                retry, cause = failure, failure.cause
            except httpx.TransportError as exc:
                retry, cause = _Retry(type(exc).__name__, None, None), type(exc).__name__
                retry.__cause__ = exc
            else:
                brand.succeeded()
                return outcome
            if retry.problem is not None and retry.problem.status == 429:
                if starts_export:
                    brand.export_refused()
                else:
                    brand.throttled(retry.retry_after)
                throttles += 1
            else:
                failures += 1
            delay = self.retry.delay(number, retry.retry_after, self._jitter())
            out_of_time = self._clock() - started + delay > self.retry.max_total
            spent = failures >= self.retry.max_attempts or throttles >= self.retry.max_throttled
            if spent or out_of_time:
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
    """Base URL and transport: explicit ones, the sandbox's fixed host, or the datacenter's."""
    if base_url is not None:
        return base_url, transport
    if connection.datacenter == "sandbox":
        if transport is None:
            raise ConfigError(
                f"connection {connection.name!r} is the sandbox, which needs its transport: "
                "open the client through qinbound_nb.runs.clients.open_client"
            )
        return hosts.SANDBOX_BASE_URL, transport
    return hosts.datacenter_base_url(connection.datacenter), transport
