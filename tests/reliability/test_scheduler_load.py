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
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qinbound_nb import JobConfig
from qinbound_nb.scheduling.scheduler import Scheduler

START = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
JOBS = 20


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class OverlapRecorder:
    """A fake run: counts runs per job and the most copies of one job running at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.running: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self.busiest = 0
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def __call__(self, job_path: Path) -> int:
        with self._lock:
            self.running[job_path.name] += 1
            self.runs[job_path.name] += 1
            self.most_at_once[job_path.name] = max(
                self.most_at_once[job_path.name], self.running[job_path.name]
            )
            self.busiest = max(self.busiest, sum(self.running.values()))
        self.release.wait(timeout=60)
        time.sleep(self.seconds)
        with self._lock:
            self.running[job_path.name] -= 1
        return 0


def hourly_jobs(folder: Path, count: int = JOBS) -> list[Path]:
    jobs = []
    for number in range(count):
        data = {
            "name": f"job-{number:02d}",
            "project": "customer_feedback",
            "connection": "sandbox",
            "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
            "schedule": {"kind": "recurring", "frequency": "hourly", "starts_on": "00:00",
                         "pull_on_create": False},
        }  # fmt: skip
        jobs.append(JobConfig.from_dict(data).save(folder / f"job-{number:02d}.json"))
    return jobs


def test_twenty_jobs_over_many_slots_run_once_per_slot_and_never_overlap(tmp_path: Path) -> None:
    jobs, clock, run = hourly_jobs(tmp_path), Clock(), OverlapRecorder(seconds=0.001)
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
    jobs, clock, run = hourly_jobs(tmp_path), Clock(), OverlapRecorder()
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
    jobs, clock, run = hourly_jobs(tmp_path), Clock(), OverlapRecorder(seconds=0.002)
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
    jobs, clock, run = hourly_jobs(tmp_path), Clock(), OverlapRecorder()
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
