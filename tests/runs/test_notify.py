"""Notifications: email to a real local SMTP server, a webhook checked on the wire, and
failures that come back as warnings instead of exceptions."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from qinbound_nb.job.config import Connection, JobConfig, Notifications
from qinbound_nb.runs.expiry import expiry_warning, send_expiry_notice
from qinbound_nb.runs.notify import SmtpSettings, notify

SUMMARY = {
    "job": "nps-weekly",
    "project": "customer_feedback",
    "run_id": "run-20240501-0630",
    "status": "failed",
    "counts": {"fetched": 120, "loaded": 100, "redaction_hits": {"email": 3}, "note": "x"},
    "error": "the export was cut off; run the job again",
    "warnings": ["token expires soon"],
    "documents": ["my card is 4111 1111 1111 1111"],
    "token": "secret-token-value",
}
HOOK = "https://hooks.example.com/services/T000/B000/SECRETPATH"


class Inbox:
    """An aiosmtpd handler keeping every delivered message."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def plain(port: int, **changes: Any) -> SmtpSettings:
    return SmtpSettings(
        **{"host": "127.0.0.1", "port": port, "starttls": False, "timeout": 5.0} | changes
    )


def test_failure_email_reaches_the_server_with_the_summary(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    wanted = Notifications(on=["failure"], email=["ops@example.com", "lead@example.com"])
    warnings = notify("failure", SUMMARY, wanted, plain(port, sender="qinbound@example.com"))
    assert warnings == []
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["ops@example.com", "lead@example.com"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "[qinbound] nps-weekly: failed (run run-20240501-0630)"
    body = message.get_payload()
    assert "the export was cut off" in body and "loaded: 100" in body
    assert "4111" not in body and "secret-token-value" not in body


def test_events_the_job_did_not_choose_send_nothing(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    wanted = Notifications(on=["failure"], email=["ops@example.com"])
    assert notify("success", SUMMARY, wanted, plain(port)) == []
    assert handler.envelopes == []


def test_login_uses_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    seen: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        seen.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    handler, port = Inbox(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        (isolated_home / "settings.json").write_text(
            json.dumps(
                {"smtp": {"host": "127.0.0.1", "port": 1, "starttls": False, "username": "robot"}}
            )
        )
        monkeypatch.setenv("QINBOUND_SMTP_PORT", str(port))  # the environment wins
        monkeypatch.setenv("QINBOUND_SMTP_PASSWORD", "s3cret")
        wanted = Notifications(on=["success"], email=["ops@example.com"])
        assert notify("success", SUMMARY, wanted) == []
    finally:
        controller.stop()
    assert seen == [("robot", "s3cret")]
    assert len(handler.envelopes) == 1


def test_smtp_problems_are_warnings_not_errors(inbox: tuple[Inbox, int]) -> None:
    _, port = inbox
    wanted = Notifications(on=["failure"], email=["ops@example.com"])
    no_tls = notify("failure", SUMMARY, wanted, plain(port, starttls=True))
    assert len(no_tls) == 1 and "not sent" in no_tls[0] and "STARTTLS" in no_tls[0]
    closed = notify("failure", SUMMARY, wanted, plain(free_port()))
    assert len(closed) == 1 and "ConnectionRefusedError" in closed[0]
    nowhere = notify("failure", SUMMARY, wanted, SmtpSettings())
    assert nowhere and "no SMTP host" in nowhere[0]


@respx.mock
def test_webhook_posts_a_json_summary_without_documents_or_tokens() -> None:
    route = respx.post(HOOK).mock(return_value=httpx.Response(200))
    wanted = Notifications(on=["failure"], webhook=HOOK)
    assert notify("failure", SUMMARY, wanted) == []
    body = json.loads(route.calls.last.request.content)
    assert body["event"] == "failure" and body["status"] == "failed"
    assert body["run_id"] == "run-20240501-0630"
    assert body["counts"] == {"fetched": 120, "loaded": 100, "redaction_hits": {"email": 3}}
    text = json.dumps(body)
    assert "4111" not in text and "secret-token-value" not in text and "documents" not in text


@respx.mock
def test_webhook_failures_are_warnings_that_hide_the_secret_path() -> None:
    wanted = Notifications(on=["warning"], webhook=HOOK)
    respx.post(HOOK).mock(return_value=httpx.Response(500))
    refused = notify("warning", SUMMARY, wanted)
    assert refused == [
        "webhook notification to https://hooks.example.com was refused with HTTP 500"
    ]
    respx.post(HOOK).mock(side_effect=httpx.ConnectError("refused"))
    unreachable = notify("warning", SUMMARY, wanted)
    assert len(unreachable) == 1 and "SECRETPATH" not in unreachable[0]


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        (None, None),
        (date(2024, 6, 30), None),
        (date(2024, 5, 15), "expires in 14 day(s)"),
        (date(2024, 5, 1), "expires in 0 day(s)"),
        (date(2024, 4, 30), "expired on 2024-04-30"),
    ],
)
def test_expiry_warning_within_the_notice_window(
    expires: date | None, expected: str | None
) -> None:
    connection = Connection(name="prod", datacenter="iad1", expires=expires, notice_days=14)
    warning = expiry_warning(connection, date(2024, 5, 1))
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning and "'prod'" in warning


def test_the_expiry_notice_is_emailed_whatever_events_the_job_subscribes_to(
    inbox: tuple[Inbox, int], job: JobConfig
) -> None:
    handler, port = inbox
    subscribed = job.model_copy(
        update={"notifications": Notifications(on=["failure"], email=["ops@example.com"])}
    )
    connection = Connection(name="prod", datacenter="iad1", expires=date(2024, 5, 8))
    assert send_expiry_notice(subscribed, connection, date(2024, 4, 1), settings=plain(port)) == []
    assert handler.envelopes == []  # 37 days ahead: outside the 14-day notice window
    assert send_expiry_notice(subscribed, connection, date(2024, 5, 1), settings=plain(port)) == []
    (envelope,) = handler.envelopes
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "[qinbound] nps-weekly: connection_expiring"
    body = message.get_payload()
    assert "'prod' expires in 7 day(s), on 2024-05-08" in body
    assert "qinbound connections add prod" in body
