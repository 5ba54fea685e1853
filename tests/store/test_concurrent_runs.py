"""Runs that never trip over each other: eight jobs at once into one PostgreSQL store, the
same job started twice, a DuckDB store that waits for its writer, and failed runs that
could not reach the store recorded on its next open."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pg_server import PgServer

from qinbound_nb import JobConfig, run_job
from qinbound_nb.runs.runner import RunReport
from qinbound_nb.store.job_lock import job_lock
from qinbound_nb.store.pending import log_path
from qinbound_nb.store.store import Store

DAY_ONE = "2026-11-05T12:00:00Z"


@pytest.fixture(autouse=True)
def sandbox_day_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", DAY_ONE)


def named(job: JobConfig, name: str) -> JobConfig:
    return job.model_copy(update={"name": name})


def test_eight_jobs_at_once_into_one_postgres_store_load_exact_counts(
    pg_url: str, nps_job: JobConfig
) -> None:
    jobs = [named(nps_job, f"nps-{number}") for number in range(8)]
    start = threading.Barrier(len(jobs))

    def run(job: JobConfig) -> RunReport:
        start.wait()
        return run_job(job, store=pg_url)

    with ThreadPoolExecutor(len(jobs)) as pool:
        reports = list(pool.map(run, jobs))
    assert [report.status for report in reports] == ["succeeded"] * 8, [
        report.error for report in reports
    ]
    loaded = {report.counts["loaded"] for report in reports}
    assert len(loaded) == 1 and loaded.pop() > 500
    with Store(pg_url, read_only=True) as store:
        per_job = store.documents_per_job(nps_job.project)
        assert per_job == {job.name: reports[0].counts["loaded"] for job in jobs}
        assert store.runs()["status"].tolist() == ["succeeded"] * 8


def run_in_child(job: JobConfig, url: str) -> tuple[str, int, str | None]:
    report = run_job(job, store=url)
    return report.status, report.counts.get("loaded", 0), report.error


def test_eight_jobs_in_eight_processes_into_one_postgres_store(
    pg_url: str, nps_job: JobConfig
) -> None:
    jobs = [named(nps_job, f"proc-{number}") for number in range(8)]
    with multiprocessing.get_context("fork").Pool(8) as pool:
        results = pool.starmap(run_in_child, [(job, pg_url) for job in jobs])
    assert [status for status, _, _ in results] == ["succeeded"] * 8, results
    with Store(pg_url, read_only=True) as store:
        per_job = store.documents_per_job(nps_job.project)
    assert per_job == {job.name: loaded for job, (_, loaded, _) in zip(jobs, results, strict=True)}
    assert len(set(per_job.values())) == 1


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_a_second_run_of_a_running_job_refuses_and_says_so(
    backend: str, tmp_path: Path, nps_job: JobConfig, request: pytest.FixtureRequest
) -> None:
    location = tmp_path / "s.duckdb" if backend == "duckdb" else request.getfixturevalue("pg_url")
    with job_lock(location, nps_job.name):  # the first run, still going
        second = run_job(nps_job, store=location)
        other_job = run_job(named(nps_job, "another-job"), store=location)
    assert second.status == "failed" and "already running" in (second.error or "")
    assert "never loaded twice" in (second.error or "")
    assert other_job.status == "succeeded"  # other jobs are not held up
    with Store(location, read_only=True) as store:
        recorded = store.run(second.run_id)
        assert recorded["status"] == "failed"
        assert store.documents_per_job(nps_job.project) == {
            "another-job": other_job.counts["loaded"]
        }


def test_the_same_job_started_twice_at_once_loads_once(pg_url: str, nps_job: JobConfig) -> None:
    start = threading.Barrier(2)

    def run(_: int) -> RunReport:
        start.wait()
        return run_job(nps_job, store=pg_url)

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(run, range(2)))
    succeeded = [report for report in reports if report.status == "succeeded"]
    refused = [report for report in reports if report.status == "failed"]
    assert succeeded, [report.error for report in reports]
    assert all("already running" in (report.error or "") for report in refused)
    assert sum(report.counts.get("replaced", 0) for report in succeeded) == 0
    with Store(pg_url, read_only=True) as store:
        total = store.documents_per_job(nps_job.project)[nps_job.name]
    assert total == sum(report.counts.get("loaded", 0) for report in succeeded)


def test_a_duckdb_run_waits_for_the_store_another_process_holds(
    tmp_path: Path, nps_job: JobConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    monkeypatch.setenv("QINBOUND_STORE_WAIT", "30")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
            "time.sleep(1.5)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    report = run_job(nps_job, store=path)
    holder.communicate(timeout=30)
    assert report.status == "succeeded", report.error


def test_a_run_that_cannot_reach_its_store_is_recorded_on_the_next_open(
    pg_url: str, nps_job: JobConfig, pg_server: PgServer
) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/created_later"
    report = run_job(nps_job, store=missing)
    assert report.status == "failed" and "does not exist" in (report.error or "")
    logged = [json.loads(line) for line in log_path().read_text().splitlines()]
    assert [entry["run_id"] for entry in logged] == [report.run_id]
    assert logged[0]["store"] == missing
    with pg_server.admin() as admin:
        admin.execute('CREATE DATABASE "created_later"')
    with Store(missing) as store:
        recorded = store.run(report.run_id)
        assert recorded["status"] == "failed" and "does not exist" in recorded["error"]
    assert log_path().read_text() == ""


def test_a_run_locked_out_of_a_duckdb_store_is_recorded_once_it_is_free(
    tmp_path: Path, nps_job: JobConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    monkeypatch.setenv("QINBOUND_STORE_WAIT", "0.3")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        report = run_job(nps_job, store=path)
    finally:
        holder.communicate("", timeout=30)
    assert report.status == "failed" and "locked by another process" in (report.error or "")
    with Store(path) as store:
        assert store.run(report.run_id)["status"] == "failed"
    assert log_path().read_text() == ""
