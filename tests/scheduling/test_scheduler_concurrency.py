"""The scheduler runs up to N due jobs at once (``QINBOUND_MAX_CONCURRENT_JOBS``, default 4),
and never one job twice at once, also when a tick comes while earlier runs are queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scheduler_fakes import Clock, OverlapRecorder, hourly_jobs

from qinbound_nb.errors import ConfigError
from qinbound_nb.local.settings import Settings
from qinbound_nb.scheduling.scheduler import Scheduler

START = datetime(2026, 3, 16, 5, 0, tzinfo=UTC)


def due_tick(scheduler: Scheduler, clock: Clock) -> list[str]:
    scheduler.tick()  # first seen
    clock.now += timedelta(hours=1)
    return [decision.action for decision in scheduler.tick()]


@pytest.mark.parametrize(("setting", "expected"), [(None, 4), ("3", 3), ("1", 1)])
def test_up_to_n_due_jobs_run_at_once(
    setting: str | None, expected: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if setting is not None:
        monkeypatch.setenv("QINBOUND_MAX_CONCURRENT_JOBS", setting)
    jobs, clock, crowd = hourly_jobs(tmp_path, 12), Clock(START), OverlapRecorder(seconds=0.05)
    scheduler = Scheduler(lambda: jobs, crowd, clock=clock, state_dir=tmp_path / "state")
    assert due_tick(scheduler, clock) == ["started"] * 12
    assert crowd.busiest == expected
    assert set(crowd.runs.values()) == {1} and crowd.most_copies == 1


def test_a_tick_while_runs_are_queued_starts_none_of_them_twice(tmp_path: Path) -> None:
    jobs, clock, crowd = hourly_jobs(tmp_path, 10), Clock(START), OverlapRecorder(seconds=0.01)
    scheduler = Scheduler(lambda: jobs, crowd, clock=clock, state_dir=tmp_path / "state",
                          max_parallel=3)  # fmt: skip
    scheduler.tick()
    crowd.release.clear()
    clock.now += timedelta(hours=1)
    first = scheduler.tick(wait_for_runs=False)  # 3 run, 7 wait in the queue holding their locks
    clock.now += timedelta(hours=1)
    second = scheduler.tick(wait_for_runs=False)
    crowd.release.set()
    scheduler.wait()
    assert [d.action for d in first] == ["started"] * 10
    assert [d.action for d in second] == ["skipped_locked"] * 10  # logged, none run twice
    assert set(crowd.runs.values()) == {1} and crowd.most_copies == 1
    assert crowd.busiest == 3


def test_on_a_duckdb_store_the_scheduler_runs_one_job_at_a_time_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().concurrent_jobs(server_store=False) == 1
    assert Settings().concurrent_jobs(server_store=True) == 4
    monkeypatch.setenv("QINBOUND_MAX_CONCURRENT_JOBS", "6")
    assert Settings().concurrent_jobs(server_store=False) == 6


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_bad_concurrency_setting_names_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_MAX_CONCURRENT_JOBS", value)
    with pytest.raises(ConfigError, match="QINBOUND_MAX_CONCURRENT_JOBS"):
        Settings()


def test_scheduled_run_processes_share_the_brand_limits_between_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qinbound_nb.cli.setup import share_brand_limits
    from qinbound_nb.qualtrics.limiter import Limits

    monkeypatch.setenv("QINBOUND_API_CALLS_PER_MINUTE", "3000")  # restored after the test
    monkeypatch.setenv("QINBOUND_API_CONCURRENT_EXPORTS", "4")
    share_brand_limits(4)  # four papermill kernels, each with a limiter of its own
    assert Limits.from_settings() == Limits(calls_per_minute=750, concurrent_exports=1)
    monkeypatch.setenv("QINBOUND_API_CALLS_PER_MINUTE", "3000")
    monkeypatch.setenv("QINBOUND_API_CONCURRENT_EXPORTS", "4")
    share_brand_limits(1)
    assert Limits.from_settings() == Limits()


@pytest.mark.parametrize("writable", [True, False])
def test_the_scheduler_splits_the_brand_limits_only_where_they_cannot_be_shared(
    writable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from qinbound_nb.cli.setup import cmd_scheduler
    from qinbound_nb.qualtrics.limiter import Limits

    if not writable:  # a home folder inside a file: no limits folder, no shared state
        (tmp_path / "a-file").write_text("", encoding="utf-8")
        monkeypatch.setenv("QINBOUND_HOME", str(tmp_path / "a-file" / "home"))
    monkeypatch.setenv("QINBOUND_API_CALLS_PER_MINUTE", "3000")  # restored after the test
    monkeypatch.setenv("QINBOUND_API_CONCURRENT_EXPORTS", "4")
    monkeypatch.setenv("QINBOUND_MAX_CONCURRENT_JOBS", "4")
    store = str(tmp_path / "none-yet.duckdb")
    assert cmd_scheduler(argparse.Namespace(store=store, once=True)) == 0
    split = Limits(calls_per_minute=750, concurrent_exports=1)
    assert Limits.from_settings() == (Limits() if writable else split)
