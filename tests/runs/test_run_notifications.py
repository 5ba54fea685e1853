"""What a run sends: every webhook field filled, and which runs reach which subscribers.

A loopback webhook receiver (an ``http.server`` thread) records each POST body.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from webhook_receiver import Receiver

from qinbound_nb import JobConfig, run_job
from qinbound_nb.store.store import Store

DAY_ONE = "2026-11-05T12:00:00Z"


def subscribed(job: JobConfig, receiver: Receiver, on: list[str]) -> JobConfig:
    """``job`` with a mapping problem (a warning) and a webhook subscribed to ``on``."""
    data = job.model_dump(mode="json")
    data["mapping"]["fields"].append({"source": "QID2_TEXT", "name": "n2", "type": "number"})
    port = receiver.server_address[1]
    data["notifications"] = {"on": on, "webhook": f"http://127.0.0.1:{port}/hook"}
    return JobConfig.from_dict(data)


def test_a_run_with_warnings_reaches_success_subscribers_with_every_field(
    nps_job: JobConfig, tmp_path: Path, sandbox_at, webhook: Receiver
) -> None:
    report = run_job(
        subscribed(nps_job, webhook, ["success"]),
        store=tmp_path / "s.duckdb",
        **sandbox_at(DAY_ONE),
    )
    assert report.status == "succeeded_with_warnings" and report.counts["loaded"] > 500
    (body,) = webhook.bodies
    assert body["event"] == "success" and body["status"] == "succeeded_with_warnings"
    assert {key for key, value in body.items() if value is None} == {"error"}
    assert body["project"] == nps_job.project and body["counts"]["loaded"] > 500
    assert sum(body["redaction_counts"].values()) > 50
    assert body["warnings"] == list(report.warnings)


def test_one_message_a_run_naming_the_most_specific_event(
    nps_job: JobConfig, tmp_path: Path, sandbox_at, webhook: Receiver
) -> None:
    job = subscribed(nps_job, webhook, ["success", "warning"])
    run_job(job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert [body["event"] for body in webhook.bodies] == ["warning"]


def test_a_run_reads_one_clock_for_its_start_and_end(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    report = run_job(nps_job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert report.started_at is not None and report.finished_at is not None
    assert timedelta(0) <= report.finished_at - report.started_at < timedelta(minutes=1)
    with Store.open(tmp_path / "s.duckdb") as store:
        row = store.run(report.run_id)
    started, finished = row["started_at"], row["finished_at"]
    assert isinstance(started, datetime) and isinstance(finished, datetime)
    assert timedelta(0) <= finished - started < timedelta(minutes=1)
