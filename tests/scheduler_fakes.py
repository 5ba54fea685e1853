"""Stand-ins for the scheduler's tests: a clock to move by hand, a fake run that records
overlaps, and a folder of hourly jobs."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from qinbound_nb import JobConfig


class Clock:
    """``now`` as the test sets it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class OverlapRecorder:
    """A fake run that holds on for a moment and records runs per job, the most copies of
    one job running at once, and the most runs of all jobs at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.running: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self.busiest = 0
        self.release = threading.Event()  # cleared: every run holds on until it is set
        self.release.set()
        self._lock = threading.Lock()

    @property
    def most_copies(self) -> int:
        return max(self.most_at_once.values(), default=0)

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


def hourly_jobs(folder: Path, count: int, project: str = "p") -> list[Path]:
    """``count`` hourly jobs (job-00, job-01...) saved in ``folder``, none pulling on create."""
    jobs = []
    for number in range(count):
        data = {"name": f"job-{number:02d}", "project": project, "connection": "sandbox",
                "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
                "schedule": {"kind": "recurring", "frequency": "hourly", "starts_on": "00:00",
                             "pull_on_create": False}}  # fmt: skip
        jobs.append(JobConfig.from_dict(data).save(folder / f"job-{number:02d}.json"))
    return jobs
