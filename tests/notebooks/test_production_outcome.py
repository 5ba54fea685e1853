"""A papermill run's outcome carries the notebook's own report: warnings and failed
notifications included, so ``qinbound run`` can print them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.job.vocab import RunTrigger
from qinbound_nb.notebooks import production
from qinbound_nb.runs.runner import RunReport
from qinbound_nb.store.store import Store

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


def test_the_reports_warnings_and_notification_failures_reach_the_outcome(tmp_path: Path) -> None:
    output = tmp_path / "run-1.ipynb"
    report = RunReport(
        "run-1",
        "nps-weekly",
        "succeeded_with_warnings",
        counts={"loaded": 2},
        warnings=("the export has no column 'QID9'",),
        notification_failures=("email notification not sent: no SMTP host is configured",),
    )
    output.with_suffix(".report.json").write_text(report.to_json())
    job = JobConfig.load(TEMPLATE)
    outcome = production._outcome(job, "run-1", tmp_path / "s.duckdb", output, None, False)
    assert outcome.status == "succeeded_with_warnings"
    assert outcome.warnings == report.warnings
    assert outcome.notification_failures == report.notification_failures
    assert RunReport.from_json(report.to_json()) == report


def test_a_papermill_run_the_schedule_started_is_recorded_as_scheduled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-04T09:00:00Z")
    job_path = tmp_path / "nps.json"
    job_path.write_text(TEMPLATE.read_text())

    def notebook_runs_the_job(_notebook: Path, _output: Path, **options: Any) -> None:
        parameters = options["parameters"]  # what the production notebook's cells do
        run_job(parameters["job_path"], store=parameters["store"], run_id=parameters["run_id"])

    monkeypatch.setattr(production, "run_notebook", notebook_runs_the_job)
    store = tmp_path / "s.duckdb"
    scheduled = production.run_production(job_path, store=store, trigger=RunTrigger.SCHEDULE)
    by_hand = production.run_production(job_path, store=store)
    with Store.open(store, read_only=True) as opened:
        assert opened.run(scheduled.run_id)["trigger"] == "schedule"
        assert opened.run(by_hand.run_id)["trigger"] == "manual"
