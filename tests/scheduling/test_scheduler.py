"""The scheduler loop with an injected clock: due runs, locks, failures, catch-up, state."""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qinbound_nb import JobConfig
from qinbound_nb.scheduling.scheduler import Scheduler, run_if_due
from qinbound_nb.scheduling.state import JobState

START = datetime(2026, 3, 16, 5, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Recorder:
    """A run callable that records calls and returns (or raises) what it is told to."""

    def __init__(self, outcome: Callable[[Path], int] = lambda _: 0) -> None:
        self.calls: list[Path] = []
        self.outcome = outcome
        self._lock = threading.Lock()

    def __call__(self, job_path: Path) -> int:
        with self._lock:
            self.calls.append(job_path)
        return self.outcome(job_path)


def write_job(folder: Path, minimal_job: dict, name: str, **schedule: Any) -> Path:
    data = {**minimal_job, "name": name, "schedule": {"kind": "recurring", **schedule}}
    return JobConfig.from_dict(data).save(folder / f"{name}.json")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_scheduler(tmp_path: Path, clock: FakeClock) -> Callable[..., Scheduler]:
    def make(jobs: list[Path], run: Callable[[Path], int], **options: Any) -> Scheduler:
        return Scheduler(lambda: jobs, run, clock=clock, state_dir=tmp_path / "state", **options)

    return make


@pytest.fixture
def daily(tmp_path: Path, minimal_job: dict) -> Path:
    return write_job(tmp_path, minimal_job, "daily", frequency="daily", starts_on="06:00",
                     pull_on_create=False)  # fmt: skip


def actions(decisions: list) -> list[str]:
    return [decision.action for decision in decisions]


def test_twenty_jobs_due_at_once_each_run_exactly_once(
    tmp_path: Path, minimal_job: dict, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    jobs = [
        write_job(
            tmp_path,
            minimal_job,
            f"job-{n:02d}",
            frequency="daily",
            starts_on="06:00",
            pull_on_create=False,
        )
        for n in range(20)
    ]
    run = Recorder()
    scheduler = make_scheduler(jobs, run)
    assert set(actions(scheduler.tick())) == {"not_due"}
    clock.advance(hours=1, seconds=30)
    decisions = scheduler.tick()
    assert actions(decisions) == ["started"] * 20
    assert sorted(run.calls) == sorted(jobs)
    assert set(actions(scheduler.tick())) == {"not_due"}
    assert len(run.calls) == 20
    assert all(d.next_run == datetime(2026, 3, 17, 6, tzinfo=UTC) for d in decisions)


def test_a_new_job_with_pull_on_create_runs_at_once_and_a_one_time_job_only_once(
    tmp_path: Path, minimal_job: dict, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    once = JobConfig.from_dict({**minimal_job, "name": "once"}).save(tmp_path / "once.json")
    recurring = write_job(tmp_path, minimal_job, "pulls", frequency="daily", starts_on="06:00")
    run = Recorder()
    scheduler = make_scheduler([once, recurring], run)
    assert actions(scheduler.tick()) == ["started", "started"]
    for _ in range(3):
        clock.advance(hours=12)
        scheduler.tick()
    assert run.calls.count(once) == 1
    assert run.calls.count(recurring) == 3  # creation pull, then 06:00 on the 17th and 18th


def test_downtime_is_caught_up_with_one_run(
    tmp_path: Path,
    minimal_job: dict,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hourly = write_job(tmp_path, minimal_job, "hourly", frequency="hourly", starts_on="00:10",
                       pull_on_create=False)  # fmt: skip
    run = Recorder()
    scheduler = make_scheduler([hourly], run)
    scheduler.tick()  # first seen at 05:00
    clock.advance(hours=10, minutes=20)  # 15:20: slots 05:10 ... 15:10 were missed
    with caplog.at_level(logging.INFO, logger="qinbound_nb.scheduling.scheduler"):
        (decision,) = scheduler.tick()
    assert (decision.action, decision.missed) == ("started", 11)
    assert decision.slot == datetime(2026, 3, 16, 15, 10, tzinfo=UTC)
    assert "11 runs were missed" in caplog.text
    assert actions(scheduler.tick()) == ["not_due"]
    clock.advance(minutes=50)
    assert actions(scheduler.tick()) == ["started"]
    assert len(run.calls) == 2


def test_a_failed_run_is_logged_and_the_next_slot_still_runs(
    tmp_path: Path,
    daily: Path,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes = iter([1, RuntimeError("kernel died"), 0])

    def flaky(_: Path) -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    run = Recorder(flaky)
    scheduler = make_scheduler([daily], run)
    scheduler.tick()
    with caplog.at_level(logging.INFO, logger="qinbound_nb.scheduling.scheduler"):
        for _ in range(3):
            clock.advance(days=1)
            assert actions(scheduler.tick()) == ["started"]
    assert len(run.calls) == 3
    assert "run failed with exit code 1" in caplog.text
    assert "run crashed; the scheduler carries on" in caplog.text
    assert "run succeeded" in caplog.text
    state = json.loads(JobState(tmp_path / "state", daily).path.read_text())
    assert state["last_exit_code"] == 0


def test_a_slot_is_skipped_while_the_previous_run_still_holds_the_lock(
    tmp_path: Path,
    minimal_job: dict,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hourly = write_job(tmp_path, minimal_job, "slow", frequency="hourly", starts_on="00:00",
                       pull_on_create=False)  # fmt: skip
    release = threading.Event()
    run = Recorder(lambda _: 0 if release.wait(30) else 9)
    scheduler = make_scheduler([hourly], run)
    scheduler.tick()
    clock.advance(hours=1)
    assert actions(scheduler.tick(wait_for_runs=False)) == ["started"]
    clock.advance(hours=1)  # the 07:00 slot comes while the 06:00 run is still going
    with caplog.at_level(logging.INFO, logger="qinbound_nb.scheduling.scheduler"):
        assert actions(scheduler.tick(wait_for_runs=False)) == ["skipped_locked"]
    assert "skipped the run due at 2026-03-16T07:00+00:00" in caplog.text
    release.set()
    scheduler.wait()
    assert actions(scheduler.tick()) == ["not_due"]  # the skipped slot is not caught up later
    clock.advance(hours=1)
    assert actions(scheduler.tick()) == ["started"]
    assert len(run.calls) == 2


def test_the_lock_is_shared_with_other_processes(
    tmp_path: Path, daily: Path, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    run = Recorder()
    scheduler = make_scheduler([daily], run)
    scheduler.tick()
    lock_path = JobState(tmp_path / "state", daily).lock_path
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        clock.advance(days=1)
        assert actions(scheduler.tick()) == ["skipped_locked"]
    assert run.calls == []


def test_state_survives_a_restart_of_the_scheduler(
    daily: Path, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    run = Recorder()
    make_scheduler([daily], run).tick()
    clock.advance(hours=2)
    assert actions(make_scheduler([daily], run).tick()) == ["started"]
    assert actions(make_scheduler([daily], run).tick()) == ["not_due"]
    assert len(run.calls) == 1


def test_an_invalid_job_file_is_logged_and_the_others_still_run(
    tmp_path: Path,
    daily: Path,
    clock: FakeClock,
    make_scheduler: Callable[..., Scheduler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x"}')
    run = Recorder()
    scheduler = make_scheduler([broken, daily], run)
    scheduler.tick()
    clock.advance(hours=1, minutes=1)
    with caplog.at_level(logging.INFO, logger="qinbound_nb.scheduling.scheduler"):
        assert actions(scheduler.tick()) == ["invalid", "started"]
    assert "broken.json: not scheduled, the job file is invalid" in caplog.text
    assert run.calls == [daily]


def test_run_forever_sleeps_until_the_next_slot_and_stops_on_request(
    tmp_path: Path, minimal_job: dict, clock: FakeClock, make_scheduler: Callable[..., Scheduler]
) -> None:
    every_6h = write_job(tmp_path, minimal_job, "six", frequency="hourly", every_hours=6,
                         starts_on="00:00", pull_on_create=False)  # fmt: skip
    stop = threading.Event()
    pauses: list[float] = []

    def fake_sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds=seconds)
        if clock.now >= datetime(2026, 3, 17, 0, 30, tzinfo=UTC):
            stop.set()

    run = Recorder()
    scheduler = make_scheduler([every_6h], run, sleep=fake_sleep, poll_s=3600)
    scheduler.run_forever(stop)
    assert len(run.calls) == 4  # 06:00, 12:00, 18:00, 00:00
    assert max(pauses) <= 3600 and min(pauses) >= 1
    assert len(pauses) < 30  # it slept until the next slot rather than polling each second


def test_run_if_due_returns_the_run_exit_code_or_zero(
    tmp_path: Path, daily: Path, clock: FakeClock
) -> None:
    state_dir = tmp_path / "state"
    failing = Recorder(lambda _: 1)
    assert run_if_due(daily, failing, state_dir=state_dir, clock=clock) == 0  # first seen
    clock.advance(hours=1)
    assert run_if_due(daily, failing, state_dir=state_dir, clock=clock) == 1
    assert run_if_due(daily, failing, state_dir=state_dir, clock=clock) == 0  # already ran
    assert len(failing.calls) == 1
