"""Load: 100 jobs due at once, one Qualtrics brand, the sandbox's rate limit on.

The scheduler runs them eight at a time (``QINBOUND_MAX_CONCURRENT_JOBS``), each a real
``run_job`` (export, parse, map, load into one DuckDB store) through its own client, all
clients sharing the brand's limiter, against one in-process sandbox that allows fewer calls
a second and fewer exports at once than the clients are set to try. Every job completes
once, none overlaps itself, no 429 becomes a failed run, and memory stays bounded.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from qinbound_nb import JobConfig, run_job
from qinbound_nb.local.connections import SANDBOX
from qinbound_nb.qualtrics import PollPolicy, QualtricsClient
from qinbound_nb.runs.report import RunReport
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.scheduling.scheduler import Scheduler
from qinbound_nb.store.store import Store

JOBS = 100
AT_ONCE = 8
SANDBOX_NOW = "2026-11-01T01:00:00Z"  # six responses of the demo survey: small runs
SANDBOX_LIMITS = "calls=100,exports=2,retry=1"
CLIENT_CALLS_PER_MINUTE = "9000"  # 150 a second: more than the sandbox takes
CLIENT_EXPORTS = "8"  # and more exports at once than it takes
QUICK_POLLS = PollPolicy(first_delay=0.02)
RSS_GROWTH_LIMIT = 200 * 2**20


class Crowd:
    """Runs each job through its own client on the shared sandbox; records overlaps."""

    def __init__(self, box: Sandbox, store: Path) -> None:
        self.box, self.store = box, store
        self.connection = SANDBOX.model_copy(update={"token": SecretStr(uuid.uuid4().hex)})
        self.jobs: list[Path] = []
        self.reports: dict[str, RunReport] = {}
        self.running: Counter[str] = Counter()
        self.most_copies, self.busiest = 0, 0
        self.limiters: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, job_path: Path) -> int:
        with self._lock:
            self.running[job_path.name] += 1
            self.most_copies = max(self.most_copies, self.running[job_path.name])
            self.busiest = max(self.busiest, sum(self.running.values()))
        try:
            report = self.run(job_path)
        finally:
            with self._lock:
                self.running[job_path.name] -= 1
        self.reports[job_path.name] = report
        return 0 if report.status.startswith("succeeded") else 1

    def run(self, job: Path | JobConfig) -> RunReport:
        client = QualtricsClient(self.connection, transport=self.box.transport(), poll=QUICK_POLLS)
        with client:
            self.limiters.add(id(client.brand_limiter))
            return run_job(job, store=self.store, client=client)


class PeakRss:
    """Samples this process's resident memory every 20 ms on a thread; ``.peak`` in bytes."""

    def __init__(self) -> None:
        self.peak, self._stop = rss(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def job_files(folder: Path) -> list[Path]:
    paths = []
    for number in range(JOBS):
        data = {"name": f"load-{number:03d}", "project": "load", "connection": "sandbox",
                "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
                "schedule": {"kind": "recurring", "frequency": "hourly", "starts_on": "00:00",
                             "pull_on_create": False}}  # fmt: skip
        paths.append(JobConfig.from_dict(data).save(folder / f"load-{number:03d}.json"))
    return paths


@pytest.fixture
def crowd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crowd:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", SANDBOX_NOW)
    monkeypatch.setenv("QINBOUND_MAX_CONCURRENT_JOBS", str(AT_ONCE))
    monkeypatch.setenv("QINBOUND_API_CALLS_PER_MINUTE", CLIENT_CALLS_PER_MINUTE)
    monkeypatch.setenv("QINBOUND_API_CONCURRENT_EXPORTS", CLIENT_EXPORTS)
    now = datetime.fromisoformat(SANDBOX_NOW)
    crowd = Crowd(Sandbox(now=now, rate_limit=SANDBOX_LIMITS), tmp_path / "shared.duckdb")
    # the store and the project's table exist before the crowd arrives: DuckDB refuses two
    # threads of one process creating tables at the same moment (a catalog conflict)
    crowd.jobs = job_files(tmp_path)
    warm_up = JobConfig.load(crowd.jobs[0]).model_copy(update={"name": "warm-up"})
    first = crowd.run(warm_up)
    assert first.status == "succeeded", first.error
    crowd.box.rate_limit.refused = 0
    crowd.limiters.clear()
    return crowd


@pytest.mark.slow
def test_a_hundred_jobs_due_at_once_all_complete_within_the_brand_limits(
    tmp_path: Path, crowd: Crowd
) -> None:
    jobs = crowd.jobs
    clock = [datetime(2026, 3, 16, 5, 0, tzinfo=UTC)]
    scheduler = Scheduler(lambda: jobs, crowd, clock=lambda: clock[0],
                          state_dir=tmp_path / "state")  # fmt: skip
    scheduler.tick()  # first seen
    clock[0] += timedelta(hours=1)
    started = time.perf_counter()
    with PeakRss() as memory:
        before = rss()
        decisions = scheduler.tick()
    seconds = time.perf_counter() - started

    assert [d.action for d in decisions] == ["started"] * JOBS
    failed = {name: r.error for name, r in crowd.reports.items() if r.status == "failed"}
    assert not failed and len(crowd.reports) == JOBS  # no 429 became a failed run
    assert crowd.most_copies == 1 and 1 < crowd.busiest <= AT_ONCE
    assert crowd.box.rate_limit.refused > 0  # the sandbox did refuse calls or exports ...
    assert len(crowd.limiters) == 1  # ... of one brand, paced by one limiter
    with Store(crowd.store, read_only=True) as store:
        per_job = store.documents_per_job("load")
        assert len(store.runs()) == JOBS + 1
    assert len(per_job) == JOBS + 1 and len(set(per_job.values())) == 1
    assert memory.peak - before < RSS_GROWTH_LIMIT, (memory.peak - before) / 2**20
    print(f"{JOBS} jobs, {AT_ONCE} at once: {seconds:.1f} s, "
          f"{crowd.box.rate_limit.refused} refused by the sandbox, peak RSS growth "
          f"{(memory.peak - before) / 2**20:.0f} MiB")  # fmt: skip
