"""A job whose connection has expired fails at once, before any API call, saying how to renew."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
from pydantic import SecretStr

from qinbound_nb import JobConfig, run_job
from qinbound_nb.job.vocab import RunStatus
from qinbound_nb.local.connections import SANDBOX, ConnectionStore
from qinbound_nb.runs.expiry import refuse_expired

DAY = "2026-11-05T12:00:00Z"


class Counting(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.calls = inner, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.inner.handle_request(request)


def save_sandbox(expires: date) -> None:
    token = SecretStr("sandbox-token")
    ConnectionStore().add(SANDBOX.model_copy(update={"expires": expires, "token": token}))


def test_an_expired_connection_fails_the_run_before_any_api_call(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    save_sandbox(date(2026, 11, 4))
    counting: list[Counting] = []

    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        counting.append(Counting(inner))
        return counting[0]

    report = run_job(nps_job, store=tmp_path / "s.duckdb", **sandbox_at(DAY, transport=wrap))
    assert report.status == RunStatus.FAILED
    assert counting[0].calls == 0
    assert "'sandbox' expired on 2026-11-04" in (report.error or "")
    assert "qinbound connections add sandbox --datacenter sandbox" in (report.error or "")


def test_a_connection_expiring_today_still_runs_and_warns(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    save_sandbox(date(2026, 11, 5))
    report = run_job(nps_job, store=tmp_path / "s.duckdb", **sandbox_at(DAY))
    assert report.status != RunStatus.FAILED
    assert any("expires in 0 day(s)" in warning for warning in report.warnings)


def test_no_expiry_date_is_never_refused() -> None:
    refuse_expired(SANDBOX, date(2099, 1, 1))
