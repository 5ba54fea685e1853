"""`Wizard(store=Store.open(path))`: the preview compares with that open store, never a second
connection to its file (DuckDB refuses one with another configuration in the same process)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, Store, Wizard, run_job
from qinbound_nb.job.config import Schedule
from qinbound_nb.widgets.tasks import SynchronousExecutor

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
NOW = "2026-11-03T00:00:00Z"


def test_the_preview_uses_the_wizards_own_open_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", NOW)
    job = JobConfig.load(TEMPLATE)
    path = tmp_path / "store.duckdb"
    assert run_job(job, store=path).ok  # the store holds the job's documents already
    with Store.open(path) as store:
        wizard = Wizard(job=job, store=store, executor=SynchronousExecutor(), jobs_dir=tmp_path)
        try:
            wizard.preview._fetch()
            result = wizard.preview.result
            assert result is not None, wizard.preview.messages.text
            assert result.outcomes is not None
            assert set(result.outcomes) == {"replaces"}  # every sampled response is stored
            assert "different configuration" not in wizard.preview.messages.text
        finally:
            wizard.close()


def test_the_schedule_step_shows_next_runs_on_the_stores_anchor(tmp_path: Path) -> None:
    every_5h = {"kind": "recurring", "frequency": "hourly", "every_hours": 5,
                "starts_on": "08:30", "timezone": "UTC"}  # fmt: skip
    job = JobConfig.load(TEMPLATE).model_copy(
        update={"schedule": Schedule.model_validate(every_5h)}
    )
    created = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    with Store.open(tmp_path / "store.duckdb") as store:
        store.register_job(job, tmp_path / "nps.json", seen_at=created)
        wizard = Wizard(job=job, store=store, executor=SynchronousExecutor(), jobs_dir=tmp_path)
        try:
            step = wizard.step("schedule")
            step.check()
            shown = step.next_runs.value
        finally:
            wizard.close()
    runs = [datetime.fromisoformat(text) for text in re.findall(r"<li>([^<]+)</li>", shown)]
    anchor = datetime(2026, 11, 4, 8, 30, tzinfo=UTC)
    assert len(runs) == 3
    assert all((run - anchor) % timedelta(hours=5) == timedelta(0) for run in runs)
