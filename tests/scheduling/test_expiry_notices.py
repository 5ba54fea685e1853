"""The scheduler sends a connection's expiry notice once, ahead of time, whether or not a job runs.

A loopback webhook receiver (an ``http.server`` thread) records each POST body.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from webhook_receiver import Receiver

from qinbound_nb import JobConfig
from qinbound_nb.local.connections import SANDBOX, ConnectionStore
from qinbound_nb.runs.expiry import send_expiry_notice
from qinbound_nb.scheduling.scheduler import Scheduler

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def hooked_job(folder: Path, minimal_job: dict, receiver: Receiver, name: str) -> Path:
    """A weekly job (not due today) whose failures go to the receiver's webhook."""
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    data = minimal_job | {
        "name": name,
        "schedule": {
            "kind": "recurring",
            "frequency": "weekly",
            "days": ["wed"],
            "pull_on_create": False,
        },
        "notifications": {"on": ["failure"], "webhook": url},
    }
    return JobConfig.from_dict(data).save(folder / f"{name}.json")


def save_sandbox(expires: date, notice_days: int = 14) -> None:
    update = {"expires": expires, "notice_days": notice_days, "token": SecretStr("t")}
    ConnectionStore().add(SANDBOX.model_copy(update=update))


def scheduler(tmp_path: Path, jobs: list[Path], now: list[datetime]) -> Scheduler:
    return Scheduler(
        lambda: jobs,
        lambda _path: 0,
        clock=lambda: now[0],
        state_dir=tmp_path / "state",
        expiry_notice=send_expiry_notice,
    )


def test_the_notice_is_sent_once_in_the_window_whether_or_not_a_job_runs(
    tmp_path: Path, minimal_job: dict, webhook: Receiver
) -> None:
    save_sandbox(date(2026, 11, 20), notice_days=10)
    now = [NOW]
    jobs = [hooked_job(tmp_path, minimal_job, webhook, "weekly")]
    scheduler(tmp_path, jobs, now).tick()
    assert webhook.bodies == []  # 15 days ahead: outside the 10-day window
    now[0] += timedelta(days=5)  # a Tuesday: the Wednesday job does not run
    decisions = scheduler(tmp_path, jobs, now).tick()
    assert [d.action for d in decisions] == ["not_due"]
    [body] = webhook.bodies
    assert body["event"] == "connection_expiry"
    assert body["status"] == "connection_expiring"
    assert body["connection"] == "sandbox" and body["expires"] == "2026-11-20"
    assert body["job"] == "weekly" and "expires in 10 day(s)" in body["warnings"][0]
    now[0] += timedelta(hours=1)
    scheduler(tmp_path, jobs, now).tick()  # a restarted scheduler remembers it
    assert len(webhook.bodies) == 1


def test_two_jobs_on_one_connection_and_webhook_share_one_notice_a_new_date_is_noticed_again(
    tmp_path: Path, minimal_job: dict, webhook: Receiver
) -> None:
    save_sandbox(date(2026, 11, 10))
    now = [NOW]
    jobs = [hooked_job(tmp_path, minimal_job, webhook, name) for name in ("one", "two")]
    scheduler(tmp_path, jobs, now).tick()
    assert len(webhook.bodies) == 1
    save_sandbox(date(2026, 11, 12))  # a new token, with its own expiry date
    scheduler(tmp_path, jobs, now).tick()
    assert [body["expires"] for body in webhook.bodies] == ["2026-11-10", "2026-11-12"]


def test_without_a_sender_the_scheduler_sends_nothing(
    tmp_path: Path, minimal_job: dict, webhook: Receiver
) -> None:
    save_sandbox(date(2026, 11, 6))
    jobs = [hooked_job(tmp_path, minimal_job, webhook, "weekly")]
    Scheduler(lambda: jobs, lambda _path: 0, clock=lambda: NOW, state_dir=tmp_path / "s").tick()
    assert webhook.bodies == []
