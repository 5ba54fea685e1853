"""`Wizard(store=Store.open(path))`: the preview compares with that open store, never a second
connection to its file (DuckDB refuses one with another configuration in the same process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig, Store, Wizard, run_job
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
