"""The CLI against a PostgreSQL store: run, jobs, history, report and purge take the URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig
from qinbound_nb.cli.main import main
from qinbound_nb.store.store import Store


def test_run_history_jobs_report_and_purge_take_a_postgres_url(
    tmp_path: Path,
    pg_url: str,
    job: JobConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-05T12:00:00Z")
    job_file = job.save(tmp_path / "job.json")
    assert main(["run", str(job_file), "--direct", "--store", pg_url]) == 0
    with Store(pg_url, read_only=True) as store:
        run_id = str(store.runs()["run_id"].iloc[0])
        loaded = len(store.documents(job.project))
    assert loaded > 500
    assert main(["jobs", "--store", pg_url]) == 0
    assert main(["history", str(job_file), "--store", pg_url]) == 0
    report = tmp_path / "report.csv"
    assert main(["report", run_id, "-o", str(report), "--store", pg_url]) == 0
    assert len(report.read_text().splitlines()) == loaded + 1
    assert main(["purge", run_id, "--store", pg_url]) == 0
    output = capsys.readouterr().out
    assert job.name in output and run_id in output
    with Store(pg_url, read_only=True) as store:
        assert store.run(run_id)["status"] == "purged"
        assert store.documents(job.project).empty
