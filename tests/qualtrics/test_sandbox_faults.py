"""The sandbox's fault plans, and how the client rides them out (or reports them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from qualtrics_helpers import SANDBOX_NOW, Sleeps

from qinbound_nb.errors import AuthError, ConfigError, ExportError, RetriableError
from qinbound_nb.qualtrics import QualtricsClient, ResponseExportRequest, iter_members
from qinbound_nb.sandbox.faults import parse_plan
from qinbound_nb.sandbox.simulator import NPS_SURVEY_ID, Sandbox

Factory = Callable[..., QualtricsClient]


def box(plan: str) -> Sandbox:
    return Sandbox(seed=9, now=SANDBOX_NOW, faults=plan)


def run(client: QualtricsClient, tmp_path: Path, **options) -> list[dict]:
    export = client.export_responses(NPS_SURVEY_ID, ResponseExportRequest(**options), tmp_path)
    (data,) = [stream.read() for _, stream in iter_members(export.path)]
    return [json.loads(line) for line in data.splitlines()]


def test_throttled_start_is_retried_after_retry_after(
    sandbox_client: Factory, sleeps: Sleeps, tmp_path
) -> None:
    with sandbox_client(box("429@start*2=3")) as client:
        assert run(client, tmp_path, limit=5)
    assert sleeps[:2] == [3.0, 3.0]


def test_server_errors_while_polling_are_retried(sandbox_client: Factory, tmp_path) -> None:
    with sandbox_client(box("500@poll*1,503@poll*1,504@file*1")) as client:
        assert len(run(client, tmp_path, limit=5)) == 5


def test_a_cut_file_is_downloaded_again(sandbox_client: Factory, tmp_path) -> None:
    with sandbox_client(box("cut@file*1=300")) as client:
        assert len(run(client, tmp_path)) == 1024


def test_a_file_cut_every_time_ends_retriable(sandbox_client: Factory, tmp_path) -> None:
    with (
        sandbox_client(box("cut@file=300")) as client,
        pytest.raises(RetriableError, match="RemoteProtocolError"),
    ):
        run(client, tmp_path)
    assert not list(tmp_path.iterdir()), "no partial file is left behind"


def test_a_slow_file_times_out_and_is_retried(
    sandbox_client: Factory, sleeps: Sleeps, tmp_path
) -> None:
    with sandbox_client(box("slow@file*1=30"), timeout=5.0) as client:
        assert run(client, tmp_path, limit=3)
    assert 30 not in sleeps  # the in-process transport turned the wait into a read timeout


def test_a_failed_export_is_started_again(sandbox_client: Factory, tmp_path) -> None:
    sandbox = box("failed@export*1")
    with sandbox_client(sandbox) as client:
        assert len(run(client, tmp_path, limit=4)) == 4
    assert len({job.progress_id for job in sandbox.api.jobs.values()}) == 2


def test_twice_failed_and_fileless_exports_are_export_errors(
    sandbox_client: Factory, tmp_path
) -> None:
    with (
        sandbox_client(box("failed@export*1,nofile@export*1")) as client,
        pytest.raises(ExportError) as caught,
    ):
        run(client, tmp_path)
    assert "request id" in str(caught.value) and "ES_" in str(caught.value)


def test_token_expiring_mid_run_is_an_auth_error(sandbox_client: Factory, tmp_path) -> None:
    with sandbox_client(box("expired@*=3")) as client:
        client.whoami()
        with pytest.raises(AuthError, match="sandbox"):
            run(client, tmp_path)


def test_proxied_notice_reaches_whoami(sandbox_client: Factory) -> None:
    with sandbox_client(box("proxied@*=fra1")) as client:
        assert client.whoami().suggested_datacenter == "fra1"


def test_a_persistent_503_gives_up(sandbox_client: Factory, sleeps: Sleeps) -> None:
    with (
        sandbox_client(box("503@whoami")) as client,
        pytest.raises(RetriableError, match="HTTP 503"),
    ):
        client.whoami()
    assert len(sleeps) == 4


@pytest.mark.parametrize("plan", ["429", "boom@start", "500@nowhere", "slow@file=fast"])
def test_bad_plans_are_config_errors(plan: str) -> None:
    with pytest.raises(ConfigError, match="KIND@TARGET"):
        parse_plan(plan)


def test_plan_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, sandbox_client: Factory
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_FAULTS", "503@whoami*1")
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-05T00:00:00Z")
    monkeypatch.setenv("QINBOUND_SANDBOX_SEED", "3")
    sandbox = Sandbox.from_env()
    assert (sandbox.seed, sandbox.now().day) == (3, 5)
    with sandbox_client(sandbox) as client:
        assert client.whoami().brand_id == "sandbox"


def test_connection_check_reports_brand_and_expiry(sandbox_client: Factory) -> None:
    from datetime import date

    from pydantic import SecretStr

    from qinbound_nb.job.config import Connection
    from qinbound_nb.qualtrics.checks import check_connection

    conn = Connection(
        name="sandbox", datacenter="sandbox", token=SecretStr("t"), expires=date(2026, 12, 1)
    )
    report = check_connection(
        conn,
        today=date(2026, 11, 25),
        client_factory=lambda _: sandbox_client(box("proxied@*=az1")),
    )
    assert report.days_to_expiry == 6
    text = "\n".join(report.lines())
    assert "brand sandbox" in text and "expires in 6 day(s)" in text and "'az1'" in text
    assert "t\n" not in text


def test_serve_refuses_public_hosts() -> None:
    from qinbound_nb.sandbox.simulator import serve_forever

    with pytest.raises(ConfigError, match="loopback"):
        serve_forever(port=0, host="0.0.0.0")
