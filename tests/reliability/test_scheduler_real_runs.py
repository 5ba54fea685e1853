"""Regression: ``qinbound scheduler`` with jobs due at once loses no run to a locked store.

Every run the scheduler starts writes the one store; DuckDB takes one writing process at a
time, so two parallel runs made one fail with "store is locked". Two real (small) ``run_job``
calls in child processes, as the scheduler's runs are, against one shared store, are enough
to collide; that twenty jobs due at once are each started once is proved with fake runs in
test_scheduler_load.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from scheduler_fakes import Clock, hourly_jobs
from test_scheduler_load import START

from qinbound_nb import JobConfig
from qinbound_nb.cli.main import main
from qinbound_nb.cli.setup import SCHEDULER_PARALLEL_RUNS
from qinbound_nb.scheduling.scheduler import Scheduler
from qinbound_nb.store.store import Store

REAL_JOBS = 2  # the fewest that can collide on the store


@pytest.mark.slow
def test_real_runs_due_at_once_against_one_store(tmp_path: Path, monkeypatch) -> None:
    """As ``qinbound scheduler`` runs them: child processes sharing one store file."""
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-01T06:00:00Z")  # 33 responses each
    jobs, clock = hourly_jobs(tmp_path, REAL_JOBS, "customer_feedback"), Clock(START)
    store = tmp_path / "shared.duckdb"
    exits: dict[str, int] = {}

    def run(job_path: Path) -> int:
        done = subprocess.run(
            [sys.executable, "-m", "qinbound_nb", "run", str(job_path), "--direct",
             "--store", str(store)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        exits[job_path.name] = done.returncode
        return done.returncode

    scheduler = Scheduler(lambda: jobs, run, clock=clock, state_dir=tmp_path / "state",
                          max_parallel=SCHEDULER_PARALLEL_RUNS)  # fmt: skip
    scheduler.tick()
    clock.now += timedelta(hours=1)
    assert [d.action for d in scheduler.tick()] == ["started"] * REAL_JOBS
    assert exits == {job.name: 0 for job in jobs}, exits
    with Store(store, read_only=True) as opened:
        runs = opened.runs()
        documents = opened.documents("customer_feedback")
    # the jobs share one survey and one project, so all but the first warn about it
    assert sorted(runs["status"]) == ["succeeded", "succeeded_with_warnings"]
    assert documents["natural_id"].is_unique
    assert documents["job_name"].value_counts().to_dict() == {"job-00": 33, "job-01": 33}


def test_the_scheduler_survives_a_tick_while_a_run_holds_the_store(
    tmp_path: Path, job: JobConfig
) -> None:
    store = tmp_path / "shared.duckdb"
    with Store(store) as opened:
        opened.register_job(job, job.save(tmp_path / "job.json"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_STORE, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert main(["scheduler", "--once", "--store", str(store)]) == 0
    finally:
        holder.kill()
        holder.communicate(timeout=60)


HOLD_THE_STORE = (
    "import sys, time, duckdb\n"
    "connection = duckdb.connect(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "time.sleep(120)\n"
)
