"""Exports over Qualtrics' size limit (1.8 GB, scaled down in the sandbox) split into windows.

The sandbox refuses an export start whose file would pass its ``export_limit``; the run then
halves its date window until each part fits, and loads every response exactly once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.errors import ExportTooLarge
from qinbound_nb.local.connections import SANDBOX
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.requests import ResponseExportRequest
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.store.store import Store

NOW = datetime.fromisoformat("2026-11-05T12:00:00Z")
SURVEY = "SV_Generated000001"
RESPONSES = 3000
LIMIT = 300_000  # bytes: the sandbox's scaled-down 1.8 GB


def client_for(sandbox: Sandbox) -> QualtricsClient:
    """A client that polls without sleeping: a split pull runs dozens of small exports."""
    return QualtricsClient(SANDBOX, transport=sandbox.transport(), sleep=lambda _seconds: None)


@pytest.fixture
def sandbox() -> Sandbox:
    made = Sandbox(0, now=NOW, export_limit=LIMIT)
    made.add_generated_survey(SURVEY, responses=RESPONSES)
    return made


@pytest.fixture
def big_job(nps_job: JobConfig) -> JobConfig:
    data = nps_job.model_dump(mode="json")
    data["source"]["survey_id"] = SURVEY
    data["rules"] = {}
    return JobConfig.from_dict(data)


def test_the_sandbox_refuses_an_export_over_its_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox) as client, pytest.raises(ExportTooLarge) as refused:
        client.export_responses(SURVEY, ResponseExportRequest(), tmp_path)
    assert refused.value.status == 400 and "too large" in str(refused.value)
    small = ResponseExportRequest(limit=100)
    with client_for(sandbox) as client:
        assert client.export_responses(SURVEY, small, tmp_path).size < LIMIT


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_EXPORT_LIMIT", "12345")
    assert Sandbox.from_env().export_limit == 12345
    monkeypatch.delenv("QINBOUND_SANDBOX_EXPORT_LIMIT")
    assert Sandbox.from_env().export_limit == 1_800_000_000


def test_a_too_large_pull_splits_into_windows_and_loads_each_response_once(
    sandbox: Sandbox, big_job: JobConfig, tmp_path: Path
) -> None:
    store = tmp_path / "s.duckdb"
    with client_for(sandbox) as client:
        report = run_job(big_job, store=store, client=client, now=NOW)
    assert report.status == "succeeded", report.summary()
    assert report.counts["fetched"] == report.counts["loaded"] == RESPONSES
    assert report.counts["export_parts"] > 4
    with Store.open(store) as opened:
        documents = opened.documents(big_job.project)
        assert len(opened.runs()) == 1
    assert documents["natural_id"].is_unique and len(documents) == RESPONSES
    with client_for(sandbox) as client:  # the checkpoint after a split run still works
        again = run_job(big_job, store=store, client=client, now=NOW)
    assert again.ok and again.counts.get("loaded", 0) == 0


def test_a_too_large_token_pull_splits_from_the_watermark(
    big_job: JobConfig, tmp_path: Path
) -> None:
    store = tmp_path / "s.duckdb"
    reports = []
    for moment in ("2020-01-01T00:03:00Z", "2020-01-01T01:00:00Z"):
        now = datetime.fromisoformat(moment)
        sandbox = Sandbox(0, now=now, export_limit=LIMIT)
        sandbox.add_generated_survey(SURVEY, responses=RESPONSES)
        with client_for(sandbox) as client:
            reports.append(run_job(big_job, store=store, client=client, now=now))
    first, second = reports
    assert "export_parts" not in first.counts and second.counts["export_parts"] > 4
    assert first.counts["loaded"] + second.counts["loaded"] == RESPONSES
    assert not second.counts.get("replaced")
    with Store.open(store) as opened:
        assert len(opened.documents(big_job.project)) == RESPONSES
