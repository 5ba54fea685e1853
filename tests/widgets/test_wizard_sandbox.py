"""The wizard against the real client and the embedded sandbox (no fakes, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb.job.config import JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.widgets.tasks import SynchronousExecutor
from qinbound_nb.widgets.wizard import Wizard

NPS = "SV_1NpsDemoSurvey1"


def test_a_job_is_built_end_to_end_on_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-03T00:00:00Z")
    monkeypatch.setenv("QINBOUND_STORE", str(tmp_path / "store.duckdb"))
    exported: list[Path] = []
    wizard = Wizard(
        executor=SynchronousExecutor(),
        jobs_dir=tmp_path,
        export=lambda job, path: exported.append(path),
    )
    try:
        basics = wizard.current
        basics.job_name.value = "sandbox-nps"
        basics.project.value = "demo"
        wizard.next.click()

        connection = wizard.current
        assert connection.saved.value == "sandbox"
        connection.test_button.click()
        assert "Connected: brand sandbox" in connection.messages.text
        wizard.next.click()
        wizard.next.click()  # survey is the default data type

        source = wizard.current
        assert NPS in [value for _, value in source.survey_list.options]
        source.search.value = "nps"
        source.survey_list.value = NPS
        filters = dict((label.split(" (")[0], value) for label, value in source.filter_id.options)
        source.filter_id.value = filters["Detractors"]
        wizard.next.click()

        mapping = wizard.current
        assert mapping.name == "mapping", mapping.messages.text
        comment = next(row for row in mapping.rows if row.source == "QID2_TEXT")
        assert comment.include.value and comment.type.value == "verbatim"
        assert {"store_id", "customer_tier", "endDate"} <= {row.source for row in mapping.rows}
        while wizard.current.name != "finish":
            assert not wizard.next.disabled, wizard.current.value
            wizard.next.click()
        finish = wizard.current
        finish.save_button.click()
        assert finish.messages.text == ""
        # the job pulls as soon as it is created: it ran here, into the default store
        assert finish.run_panel.messages.text == ""
        report = finish.run_panel.report
        assert report.status == "succeeded" and report.counts["loaded"] > 0
        assert f"<b>{report.counts['loaded']}</b>" in finish.run_panel.summary.value
    finally:
        wizard.close()

    job = JobConfig.load(tmp_path / "sandbox-nps.json")
    assert job.connection == "sandbox" and job.source.filter_id == filters["Detractors"]
    assert any(f.source == "QID2_TEXT" and f.type == "verbatim" for f in job.mapping.fields)
    assert exported == [tmp_path / "sandbox-nps.ipynb"]
    assert ConnectionStore().get("sandbox").datacenter == "sandbox"
