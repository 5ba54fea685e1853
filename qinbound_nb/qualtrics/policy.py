"""The one place that decides what an API failure means: retry, or which error to raise.

Like singer-sdk's error policy: the client hands every non-2xx reply (or transport failure)
here and gets back either a delay to wait before retrying or the ``QualtricsError`` to raise.

| what happened                          | decision                                          |
|----------------------------------------|---------------------------------------------------|
| 429                                    | retry (Retry-After honoured; own allowance), then |
|                                        | RetriableError                                    |
| 500, 502, 503, 504                     | retry (Retry-After honoured), then RetriableError |
| connect error, read timeout, cut body  | retry, then RetriableError                        |
| 401, 403                               | AuthError naming the connection (403 + proxy      |
|                                        | notice: "use datacenter az1")                     |
| 404                                    | NotFoundError naming the survey/filter/source     |
| 400 saying the continuation token is   | ContinuationTokenRejected (the run falls back to  |
| invalid or expired                     | its watermark window)                             |
| 400 saying the export is too large     | ExportTooLarge (the run splits its date window)   |
| any other status                       | FatalApiError                                     |

Messages carry the HTTP status, Qualtrics' error code and request id, and Qualtrics' short
error message with any token scrubbed, never a response body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from qinbound_nb.errors import (
    AuthError,
    ContinuationTokenRejected,
    ExportTooLarge,
    FatalApiError,
    NotFoundError,
    QualtricsError,
    RetriableError,
)
from qinbound_nb.qualtrics.models import suggested_datacenter

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MESSAGE_LIMIT = 160
# Qualtrics' wording for a refused token is unrecorded (the sandbox says "Invalid
# continuationToken." or "The continuationToken has expired"), so the message must name the
# token *and* call it invalid or expired: "Do not send allowContinuation with a
# continuationToken" is a bad request, not a refused token.
TOKEN_NAMED = re.compile(r"continuation\s*token", re.IGNORECASE)
TOKEN_REFUSED = re.compile(r"invalid|expired|not valid|malformed", re.IGNORECASE)
# Qualtrics documents only that exports over 1.8 GB fail, with a CreationResponseTooLarge
# reply to the export start; its code and wording are unrecorded (the sandbox sends errorCode
# "CreationResponseTooLarge" and a message saying "too large").
TOO_LARGE = re.compile(r"too\s*large", re.IGNORECASE)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total seconds."""

    max_attempts: int = 5
    # a 429 says the brand is busy, not broken: a crowd of jobs sharing one brand must be
    # slowed down, not failed, so 429s have an allowance of their own (max_total bounds all)
    max_throttled: int = 30
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """Seconds to wait before retry ``attempt`` (1-based); ``jitter`` is in [0, 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_total)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + jitter / 2)


@dataclass(frozen=True)
class PollPolicy:
    """How export progress is polled: growing waits, capped, within an overall timeout."""

    # Exports often finish within a second (six polls in ~1 s were recorded), so start short
    # and double: a long export still settles into one poll every 10 s.
    first_delay: float = 0.1
    factor: float = 2.0
    max_delay: float = 10.0
    timeout: float = 1800.0

    def next_delay(self, delay: float) -> float:
        """The wait after ``delay``: multiplied by ``factor``, never above ``max_delay``."""
        return min(self.max_delay, delay * self.factor)


@dataclass(frozen=True)
class ApiProblem:
    """What an error reply says, from either envelope (current or pre-2016)."""

    status: int
    code: str | None = None
    message: str | None = None
    request_id: str | None = None
    notice: str | None = None


def parse_problem(status: int, body: bytes) -> ApiProblem:
    """Read the current ``meta.error`` envelope or the legacy ``meta.internalErrorCode`` one."""
    try:
        meta = json.loads(body).get("meta") or {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ApiProblem(status)
    if not isinstance(meta, dict):
        return ApiProblem(status)
    error: dict[str, Any] = meta["error"] if isinstance(meta.get("error"), dict) else meta
    return ApiProblem(
        status=status,
        code=_text(error.get("errorCode") or error.get("internalErrorCode")),
        message=_text(error.get("errorMessage")),
        request_id=_text(meta.get("requestId") or meta.get("errorId")),
        notice=_text(meta.get("notice")),
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Parse ``Retry-After`` as seconds or as an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retriable(status: int) -> bool:
    """True for throttling and server-side failures worth another try."""
    return status in RETRIABLE_STATUSES


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` shortened, with every secret replaced, so it is safe in a message."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def error_for(
    problem: ApiProblem, *, connection: str, action: str, resource: str, secrets: tuple[str, ...]
) -> QualtricsError:
    """The error to raise for a refused call that will not be retried."""
    said = _said(problem, secrets)
    status, request_id = problem.status, problem.request_id
    if status in (401, 403):
        hint = _auth_hint(problem, connection)
        return AuthError(
            f"{action} was refused ({said}). {hint}", status=status, request_id=request_id
        )
    if status == 404:
        return NotFoundError(
            f"{resource} was not found for connection {connection!r} ({said}); check the id "
            "and that this token's user can see it",
            status=status,
            request_id=request_id,
        )
    if refuses_continuation_token(problem):
        return ContinuationTokenRejected(
            f"{action} was refused because Qualtrics no longer accepts the saved continuation "
            f"token ({said}); pull by date window instead (a run falls back to its watermark)",
            status=status,
            request_id=request_id,
        )
    if problem.status in (400, 413) and TOO_LARGE.search(f"{problem.code} {problem.message}"):
        return ExportTooLarge(
            f"{action} was refused as too large ({said}); narrow it by date window",
            status=status,
            request_id=request_id,
        )
    return FatalApiError(
        f"{action} was refused ({said}); retrying will not help, check the request",
        status=status,
        request_id=request_id,
    )


def refuses_continuation_token(problem: ApiProblem) -> bool:
    """True for a 400 whose message says the continuation token itself is invalid or expired."""
    message = problem.message or ""
    return (
        problem.status == 400
        and TOKEN_NAMED.search(message) is not None
        and TOKEN_REFUSED.search(message) is not None
    )


def gave_up(
    problem: ApiProblem | None, *, action: str, attempts: int, cause: str
) -> RetriableError:
    """The error after the retries ran out (or their time budget did)."""
    status = problem.status if problem else None
    request_id = problem.request_id if problem else None
    return RetriableError(
        f"{action} still failed after {attempts} attempt(s) ({cause}); Qualtrics may be busy "
        "or unreachable, try again later",
        status=status,
        request_id=request_id,
    )


def _said(problem: ApiProblem, secrets: tuple[str, ...]) -> str:
    parts = [f"HTTP {problem.status}"]
    if problem.code:
        parts.append(scrub(problem.code, secrets))
    if problem.message:
        parts.append(f"Qualtrics says: {scrub(problem.message, secrets)}")
    return ", ".join(parts)


def _auth_hint(problem: ApiProblem, connection: str) -> str:
    datacenter = suggested_datacenter(problem.notice)
    if datacenter:
        return (
            f"The token works but belongs to another datacenter: set connection {connection!r} "
            f"to use datacenter {datacenter!r}"
        )
    return (
        f"Check the API token of connection {connection!r}: it may be wrong, revoked or "
        "expired; generate a new one under Account Settings → Qualtrics IDs and save it again"
    )
