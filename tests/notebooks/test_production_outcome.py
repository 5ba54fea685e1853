"""A papermill run's outcome carries the notebook's own report: warnings and failed
notifications included, so ``qinbound run`` can print them."""

from __future__ import annotations

from pathlib import Path

from qinbound_nb import JobConfig
from qinbound_nb.notebooks import production
from qinbound_nb.runs.runner import RunReport

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
