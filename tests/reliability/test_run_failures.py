"""Regression: a run_job failure is always a report (never raised), whatever the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job


@pytest.mark.parametrize("pinned", ["", "2026-11-03T06:00:00Z"])
def test_an_unknown_connection_is_a_failed_report_even_with_a_pinned_sandbox_clock(
    job: JobConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pinned: str
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", pinned)
    unknown = job.model_copy(update={"connection": "nowhere"})
    report = run_job(unknown, store=tmp_path / "s.duckdb")
    assert report.status == "failed"
    assert "no connection named 'nowhere'" in (report.error or "")
