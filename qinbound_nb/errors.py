"""The errors a user of qinbound_nb can cause, grouped by what the caller should do.

The tree::

    QInboundError                 anything a user can cause; the CLI and wizard catch only this
    ├── ConfigError               fix your input: job file, connection, rule text, expression
    │   ├── RuleError             a substitution or redaction rule (names file and line)
    │   └── ExpressionError       a transformation or filter expression (names the position)
    ├── QualtricsError            the Qualtrics API (or the sandbox) said no
    │   ├── AuthError             token missing, wrong, revoked or expired: renew the token
    │   ├── NotFoundError         a survey, filter or IDP source that does not exist
    │   ├── RetriableError        429, 5xx, timeouts: retried already; try again later
    │   └── FatalApiError         any other refusal; retrying will not help
    │       ├── ContinuationTokenRejected  Qualtrics refused the saved continuation token
    │       └── ExportTooLarge    the export would pass Qualtrics' 1.8 GB limit (a run splits it)
    ├── ExportError               an export failed, was cut off or is not a readable archive
    ├── StoreError                the project store cannot be read or written
    ├── NotebookRunError          an exported notebook failed under papermill (names the cell)
    ├── RunStopped                a run ended early because ``qinbound jobs stop`` asked it to
    ├── ScheduleError             a schedule cannot be computed or installed
    └── NotificationError         an email or webhook could not be delivered (never fails a load)

Third-party errors are translated at one boundary per adapter with ``raise ... from exc``.
Programming errors stay builtins (``TypeError``, ``KeyError``...) and are never caught here.
Messages never contain a token or a response body.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "ContinuationTokenRejected",
    "ExportError",
    "ExportTooLarge",
    "ExpressionError",
    "FatalApiError",
    "NotFoundError",
    "NotebookRunError",
    "NotificationError",
    "QInboundError",
    "QualtricsError",
    "RetriableError",
    "RuleError",
    "RunStopped",
    "ScheduleError",
    "StoreError",
]


class QInboundError(Exception):
    """The root of every error a user can cause; its message says what to fix."""


class ConfigError(QInboundError):
    """A job file, connection, rule or expression is invalid: fix the input."""


class RuleError(ConfigError):
    """A substitution or redaction rule is invalid; the message names file and line."""

    def __init__(self, message: str, *, source: str = "rules", line: int | None = None) -> None:
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.reason = message
        self.source = source
        self.line = line


class ExpressionError(ConfigError):
    """An expression does not parse or cannot be evaluated; names the position."""

    def __init__(self, message: str, *, expression: str = "", position: int | None = None) -> None:
        text = message
        if position is not None and expression:
            pointer = " " * position + "^"
            text = f"{message} (at position {position})\n  {expression}\n  {pointer}"
        super().__init__(text)
        self.expression = expression
        self.position = position


class QualtricsError(QInboundError):
    """The Qualtrics API refused a request; ``request_id`` helps Qualtrics support."""

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None
    ) -> None:
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{message}{suffix}")
        self.status = status
        self.request_id = request_id


class AuthError(QualtricsError):
    """The token is missing, wrong, revoked or expired."""


class NotFoundError(QualtricsError):
    """A survey, saved filter or IDP source does not exist for this token."""


class RetriableError(QualtricsError):
    """Throttled, a server error or a timeout, still failing after the retries."""


class FatalApiError(QualtricsError):
    """A refusal that retrying will not cure (a bad request, a forbidden call)."""


class ContinuationTokenRejected(FatalApiError):
    """Qualtrics refused a saved continuation token (too old, or for another export)."""


class ExportTooLarge(FatalApiError):
    """Qualtrics refused to start an export whose file would pass its size limit (1.8 GB)."""


class ExportError(QInboundError):
    """An export failed on the server, was cut off, or is not a readable archive."""


class StoreError(QInboundError):
    """The project store cannot be opened, read or written; nothing was loaded."""


class NotebookRunError(QInboundError):
    """A production notebook failed under papermill; names the failing cell."""


class RunStopped(QInboundError):
    """A run ended early, on request, before committing anything (status ``stopped``)."""


class ScheduleError(QInboundError):
    """A schedule cannot be computed, or the crontab cannot be installed."""


class NotificationError(QInboundError):
    """An email or webhook notification could not be delivered."""
