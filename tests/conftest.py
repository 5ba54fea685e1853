"""Shared fixtures: an isolated QINBOUND_HOME per test and a minimal valid job."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from pg_server import pg_server, pg_url  # noqa: F401  (fixtures: a throwaway PostgreSQL)

from qinbound_nb import JobConfig

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
