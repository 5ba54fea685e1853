"""Run notifications by email (SMTP) and webhook; a failed notification is only a warning.

Where the SMTP settings come from, in order of precedence:

1. environment variables ``QINBOUND_SMTP_HOST``, ``_PORT``, ``_STARTTLS`` (``1``/``0``),
   ``_SENDER``, ``_USERNAME`` (read by :class:`~qinbound_nb.local.settings.Settings`);
2. the ``"smtp"`` section of ``$QINBOUND_HOME/settings.json`` (same keys, lower case:
   ``host``, ``port``, ``starttls``, ``sender``, ``username``);
3. defaults: port 587, STARTTLS on, sender ``qinbound@localhost``.

The password comes only from ``QINBOUND_SMTP_PASSWORD``, never from a file. Messages
carry the run summary (job, project, run id, status, start and end, counts, redaction hits,
warnings, error), never a token and never document text: :func:`summary_payload` keeps only
those keys.

Events (:func:`run_events`): a run that failed is a ``failure``. Every run that did not fail
is a ``success``, with its warnings in the message; one with warnings (status
``succeeded_with_warnings``) is also a ``warning``. A run sends at most one message, naming
the most specific event the job subscribes to: ``warning`` before ``success``. A run
stopped on request (``qinbound jobs stop``) notifies nobody: the person who stopped it knows.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Notifications
from qinbound_nb.job.vocab import NotifyEvent, RunStatus
from qinbound_nb.local.settings import Settings

log = logging.getLogger(__name__)
SUMMARY_KEYS = ("job", "project", "run_id", "status", "started_at", "finished_at", "error")
TEXT_LIMIT = 1000


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server; see the module docstring for where values come from."""

    host: str | None = None
    port: int = 587
    starttls: bool = True
    sender: str = "qinbound@localhost"
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = 30.0

    @classmethod
    def load(cls, settings: Settings | None = None) -> SmtpSettings:
        """Read settings.json and the environment; ConfigError if either is malformed."""
        settings = settings or Settings()
        values = {
            **_settings_file_section(settings.home_folder / "settings.json"),
            **settings.smtp_overrides(),
        }
        try:
            port = int(values.get("port", 587))
        except (TypeError, ValueError):
            raise ConfigError(f"SMTP port {values['port']!r} must be a number") from None
        return cls(
            host=values.get("host") or None,
            port=port,
            starttls=str(values.get("starttls", True)).lower() not in ("0", "false", "no", "off"),
            sender=str(values.get("sender") or cls.sender),
            username=values.get("username") or None,
            password=settings.smtp_password,
        )


def _settings_file_section(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        section = json.loads(path.read_text(encoding="utf-8")).get("smtp", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"settings file {path} is not valid JSON ({type(exc).__name__})"
        ) from None
    if not isinstance(section, dict):
        raise ConfigError(f"settings file {path}: 'smtp' must be an object")
    return section


def run_events(status: str) -> tuple[NotifyEvent, ...]:
    """The events a run with ``status`` raises, most specific first (module docstring)."""
    if status == RunStatus.FAILED:
        return (NotifyEvent.FAILURE,)
    if status == RunStatus.STOPPED:  # someone asked for it: nothing to tell the subscribers
        return ()
    if status == RunStatus.SUCCEEDED_WITH_WARNINGS:
        return (NotifyEvent.WARNING, NotifyEvent.SUCCESS)
    return (NotifyEvent.SUCCESS,)


def subscribed_event(status: str, notifications: Notifications) -> NotifyEvent | None:
    """The one event a run with ``status`` notifies the job of, or None when not subscribed."""
    return next((event for event in run_events(status) if event in notifications.on), None)


def notify(
    event: NotifyEvent,
    summary: Mapping[str, Any],
    notifications: Notifications,
    settings: SmtpSettings | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Send the run's notifications for ``event`` if the job asked for it.

    Args:
        event: ``success``, ``failure`` or ``warning``.
        summary: the run summary: job, project, run_id, status, counts, error, warnings...
            (anything else, such as documents, is left out).
        notifications: the job's notification settings.
        settings: SMTP settings; read with :meth:`SmtpSettings.load` when None.
        transport: an httpx transport for the webhook (tests).

    Returns:
        One warning per notification that could not be delivered (also logged). Never raises.
    """
    if event not in notifications.on:
        return []
    return deliver(summary_payload(event, summary), notifications, settings, transport=transport)


def deliver(
    payload: dict[str, Any],
    notifications: Notifications,
    settings: SmtpSettings | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Send ``payload`` to the job's email recipients and webhook; return what failed."""
    warnings = []
    if notifications.email:
        warnings += _email_warnings(payload, notifications.email, settings)
    if notifications.webhook:
        warnings += _webhook_warnings(payload, notifications.webhook, transport)
    for warning in warnings:
        log.warning("%s", warning)
    return warnings


def summary_payload(event: str, summary: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-safe summary that leaves the machine: known keys, numbers, short texts."""
    payload: dict[str, Any] = {"event": event}
    for key in SUMMARY_KEYS:
        value = summary.get(key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        payload[key] = None if value is None else str(value)[:TEXT_LIMIT]
    payload["counts"] = _numbers_only(summary.get("counts") or {})
    payload["redaction_counts"] = _numbers_only(summary.get("redaction_counts") or {})
    payload["warnings"] = [str(w)[:TEXT_LIMIT] for w in summary.get("warnings") or []][:20]
    return payload


def _numbers_only(counts: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in counts.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            kept[str(key)] = value
        elif isinstance(value, Mapping):  # e.g. redaction hits per rule
            kept[str(key)] = _numbers_only(value)
    return kept


def _email_warnings(
    payload: dict[str, Any], recipients: list[str], settings: SmtpSettings | None
) -> list[str]:
    try:
        settings = settings or SmtpSettings.load()
    except ConfigError as exc:
        return [f"email notification not sent: {exc}"]
    if not settings.host:
        return [
            "email notification not sent: no SMTP host is configured; set QINBOUND_SMTP_HOST "
            "or 'smtp': {'host': ...} in settings.json"
        ]
    try:
        send_email(email_message(payload, settings.sender, recipients), settings)
    except (OSError, smtplib.SMTPException) as exc:
        return [
            f"email notification to {len(recipients)} recipient(s) not sent through "
            f"{settings.host}:{settings.port}: {type(exc).__name__}: {str(exc)[:200]}"
        ]
    return []


def email_message(payload: dict[str, Any], sender: str, recipients: list[str]) -> EmailMessage:
    """The notification email: a subject naming job, status and run, a plain-text body."""
    message = EmailMessage()
    run = f" (run {payload['run_id']})" if payload.get("run_id") else ""
    message["Subject"] = f"[qinbound] {payload['job']}: {payload['status']}{run}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    lines = [f"{key}: {payload[key]}" for key in SUMMARY_KEYS if payload.get(key) is not None]
    lines += ["", "counts:"] + [f"  {k}: {v}" for k, v in payload["counts"].items()]
    hits = payload.get("redaction_counts") or {}
    lines += ["", "redaction hits:"] * bool(hits) + [f"  {k}: {v}" for k, v in hits.items()]
    if payload["warnings"]:
        lines += ["", "warnings:"] + [f"  - {w}" for w in payload["warnings"]]
    message.set_content("\n".join(lines) + "\n")
    return message


def send_email(message: EmailMessage, settings: SmtpSettings) -> None:
    """Deliver one message, with STARTTLS and login when the settings ask for them."""
    with smtplib.SMTP(settings.host or "", settings.port, timeout=settings.timeout) as server:
        server.ehlo()
        if settings.starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if settings.username:
            secret = settings.password.get_secret_value() if settings.password else ""
            server.login(settings.username, secret)
        server.send_message(message)


def _webhook_warnings(
    payload: dict[str, Any], url: str, transport: httpx.BaseTransport | None
) -> list[str]:
    # the path and query of a webhook URL often hold its secret: name only the host
    where = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    try:
        with httpx.Client(transport=transport, timeout=10.0) as client:
            response = client.post(url, json=payload)
    except httpx.HTTPError as exc:
        return [f"webhook notification to {where} failed: {type(exc).__name__}"]
    if not response.is_success:
        return [f"webhook notification to {where} was refused with HTTP {response.status_code}"]
    return []
