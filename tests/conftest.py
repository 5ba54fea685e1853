"""Shared fixtures (an isolated QINBOUND_HOME per test, a minimal valid job) and the 30 s rule."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from pg_server import pg_server, pg_url  # noqa: F401  (fixtures: a throwaway PostgreSQL)
from pydantic import SecretStr
from webhook_receiver import webhook  # noqa: F401  (fixture: a loopback webhook receiver)

from qinbound_nb import JobConfig
from qinbound_nb.local.connections import SANDBOX
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.sandbox.simulator import Sandbox

# CI machines are shared and slow: no per-example deadline, no "too slow" health check.
settings.register_profile(
    "qinbound", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("qinbound")


SURVEY_ID = "SV_1NpsDemoSurvey1"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own settings folder and no stray tokens from the environment."""
    home = tmp_path_factory.mktemp("qinbound-home")
    monkeypatch.setenv("QINBOUND_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(
            ("QINBOUND_TOKEN_", "QINBOUND_SANDBOX_", "QINBOUND_HASH_KEY_")
        ) or name in (
            "QINBOUND_STORE",
            "QINBOUND_API_BASE_URL",
        ):
            monkeypatch.delenv(name)
    return home


SandboxAt = Callable[..., dict[str, Any]]


@pytest.fixture
def sandbox_at() -> Iterator[SandboxAt]:
    """``run_job(job, **sandbox_at("2026-11-05T12:00:00Z"))``: the seeded sandbox living at that
    moment, and the run's clock reading it (what the composition root does from env vars).

    ``transport=`` wraps the sandbox's transport (``wrap(sandbox_transport) -> transport``)
    and ``token=`` sets the connection's API token.
    """
    clients: list[QualtricsClient] = []

    def at(
        moment: str,
        *,
        seed: int = 0,
        token: str | None = None,
        transport: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
    ) -> dict[str, Any]:
        now = datetime.fromisoformat(moment)
        answering: httpx.BaseTransport = Sandbox(seed, now=now).transport()
        if transport is not None:
            answering = transport(answering)
        connection = SANDBOX
        if token is not None:
            connection = SANDBOX.model_copy(update={"token": SecretStr(token)})
        clients.append(QualtricsClient(connection, transport=answering))
        return {"client": clients[-1], "now": now}

    yield at
    for client in clients:
        client.close()


@pytest.fixture
def minimal_job() -> dict:
    return {
        "name": "nps-weekly",
        "project": "customer_feedback",
        "connection": "sandbox",
        "source": {"type": "survey", "survey_id": SURVEY_ID},
    }


@pytest.fixture
def job(minimal_job: dict) -> JobConfig:
    return JobConfig.from_dict(minimal_job)


@pytest.fixture
def nps_job(job: JobConfig) -> JobConfig:
    """The minimal job with the NPS score and comment mapped and every PII detector on."""
    return JobConfig.from_dict(
        job.model_dump(mode="json")
        | {
            "mapping": {
                "fields": [
                    {"source": "QID1", "name": "nps_score", "type": "number"},
                    {"source": "QID2_TEXT", "name": "nps_comment", "type": "verbatim"},
                ]
            },
            "rules": {"pii": ["email", "phone", "credit_card", "ssn", "ip"]},
        }
    )


# The suite's rule: no test's call phase over 30 s (the global pytest-timeout in pyproject.toml
# is only the backstop for a hung test, fixtures included).
CALL_LIMIT_S = float(os.environ.get("QINBOUND_TEST_CALL_LIMIT_S", "30"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fail a test whose own body (the call phase, fixtures aside) ran over CALL_LIMIT_S."""
    report = yield
    if report.when == "call" and report.passed and report.duration > CALL_LIMIT_S:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} passed but its call took {report.duration:.1f} s, over the suite's "
            f"limit of {CALL_LIMIT_S:.0f} s per test: make it smaller (fewer repeats, a "
            "smaller sandbox, a shared fixture) or split what it proves into several tests "
            "(on a machine known to be overloaded, QINBOUND_TEST_CALL_LIMIT_S raises the limit)."
        )
    return report
