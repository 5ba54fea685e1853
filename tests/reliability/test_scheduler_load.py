"""The scheduler under load: 20 jobs due at once, many slots, slow runs, two schedulers.

With an injected clock and a fake run that records overlaps: no job ever runs twice at a
time, every slot is either run or logged as skipped (none silently lost), and memory stays
flat over hundreds of runs. test_scheduler_real_runs.py runs real (small) ``run_job`` calls
in child processes against one shared store, as ``qinbound scheduler`` does.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scheduler_fakes import Clock, OverlapRecorder, hourly_jobs

from qinbound_nb.scheduling.scheduler import Scheduler

START = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
JOBS = 20


def test_twenty_jobs_over_many_slots_run_once_per_slot_and_never_overlap(tmp_path: Path) -> None:
    jobs, clock, run = (
        hourly_jobs(tmp_path, JOBS),
        Clock(START),
        OverlapRecorder(seconds=0.001),
    )
    scheduler = Scheduler(lambda: jobs, run, clock=clock, state_dir=tmp_path / "state",
                          max_parallel=2)  # fmt: skip
    scheduler.tick()  # first seen: nothing due yet
    for _ in range(10):
        clock.now += timedelta(hours=1)
        decisions = scheduler.tick()
        assert [d.action for d in decisions] == ["started"] * JOBS
    assert set(run.runs.values()) == {10}
    assert set(run.most_at_once.values()) == {1}
    assert run.busiest <= 2  # max_parallel


def test_a_slot_that_comes_while_the_run_is_still_going_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jobs, clock, run = (
        hourly_jobs(tmp_path, JOBS),
        Clock(START),
        OverlapRecorder(),
    )
    scheduler = Scheduler(lambda: jobs, run, clock=clock, state_dir=tmp_path / "state",
                          max_parallel=JOBS)  # fmt: skip
    scheduler.tick()
    run.release.clear()  # every run now hangs until released
    clock.now += timedelta(hours=1)
    first = scheduler.tick(wait_for_runs=False)
    clock.now += timedelta(hours=1)
    with caplog.at_level(logging.WARNING, logger="qinbound_nb.scheduling.scheduler"):
        second = scheduler.tick(wait_for_runs=False)
    run.release.set()
    scheduler.wait()
    assert [d.action for d in first] == ["started"] * JOBS
    assert [d.action for d in second] == ["skipped_locked"] * JOBS
    assert caplog.text.count("skipped the run due at") == JOBS  # skipped, never silently lost
    assert set(run.most_at_once.values()) == {1}
    clock.now += timedelta(hours=1)
    assert [d.action for d in scheduler.tick()] == ["started"] * JOBS


def test_two_schedulers_sharing_the_state_never_run_a_job_twice(tmp_path: Path) -> None:
    jobs, clock, run = (
        hourly_jobs(tmp_path, JOBS),
        Clock(START),
        OverlapRecorder(seconds=0.002),
    )
    state = tmp_path / "state"
    one = Scheduler(lambda: jobs, run, clock=clock, state_dir=state)
    two = Scheduler(lambda: list(reversed(jobs)), run, clock=clock, state_dir=state)
    one.tick()
    for _ in range(5):
        clock.now += timedelta(hours=1)
        threads = [threading.Thread(target=s.tick) for s in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert set(run.runs.values()) == {5}  # each slot once, by one scheduler or the other
    assert set(run.most_at_once.values()) == {1}


@pytest.mark.slow
def test_memory_stays_flat_over_hundreds_of_runs(tmp_path: Path) -> None:
    jobs, clock, run = (
        hourly_jobs(tmp_path, JOBS),
        Clock(START),
        OverlapRecorder(),
    )
    scheduler = Scheduler(lambda: jobs, run, clock=clock, state_dir=tmp_path / "state")
    scheduler.tick()

    def ticks(count: int) -> None:
        for _ in range(count):
            clock.now += timedelta(hours=1)
            scheduler.tick()

    def blocks_after(count: int) -> int:
        ticks(count)
        gc.collect()
        return sys.getallocatedblocks()

    ticks(3)  # warm caches (pydantic, regexes, the executor's threads)
    after_first = blocks_after(10)
    after_second = blocks_after(10)
    assert sum(run.runs.values()) == 23 * JOBS
    # 200 more runs keep nothing: the interpreter's memory blocks stay within noise (about 20);
    # a run that left even one small object behind would add 200 or more
    assert after_second - after_first < 100
