"""The Jobs page through `qinbound jobs VERB JOB`: enable, disable, copy, delete, restore, run-now,
and stop, which ends a run in another process's hands cleanly (issue #14)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.cli.main import main
from qinbound_nb.scheduling.anchor import job_entries
from qinbound_nb.scheduling.scheduler import Scheduler
from qinbound_nb.store.store import Store

PROJECT = "customer_feedback"
NAME = "nps-weekly"


def cli(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    assert main([*argv, "--store", "s.duckdb"]) == code
    captured = capsys.readouterr()
    return captured.out + captured.err


def jobs_line(capsys: pytest.CaptureFixture[str], name: str = NAME) -> str:
    out = cli(capsys, "jobs")
    return next(line for line in out.splitlines() if line.startswith(name + "\t"))


def test_a_disabled_job_is_skipped_by_the_scheduler_until_enabled(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct")
    assert "disabled" in cli(capsys, "jobs", "disable", NAME)
    assert "\tdisabled\t" in jobs_line(capsys)
    calls: list[Path] = []

    def tick() -> str:
        scheduler = Scheduler(
            lambda: [job_file.resolve()],
            lambda path: calls.append(path) or 0,
            clock=lambda: datetime(2026, 11, 6, 6, 0, tzinfo=UTC),  # two slots later
            state_dir=job_file.parent / "state",
            lookup=job_entries("s.duckdb").get,
        )
        return scheduler.tick()[0].action

    assert (tick(), calls) == ("disabled", [])
    cli(capsys, "run", str(job_file), "--direct", "--if-due")  # cron's look: skipped too
    with Store.open("s.duckdb") as store:
        assert len(store.runs(NAME)) == 1
    cli(capsys, "jobs", "enable", str(job_file))  # a job file names its job too
    assert "\tenabled\t" in jobs_line(capsys)
    assert (tick(), len(calls)) == ("started", 1)


def test_copy_writes_a_new_job_with_its_own_name_and_no_checkpoint(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct")
    out = cli(capsys, "jobs", "copy", NAME, "nps-copy")
    copy = Path("nps-copy.json")
    assert "starts disabled" in out and copy.is_file()
    original, copied = JobConfig.load(job_file), JobConfig.load(copy)
    assert copied.name == "nps-copy"
    assert copied.model_copy(update={"name": NAME}) == original
    with Store.open("s.duckdb") as store:
        assert store.checkpoint("nps-copy") is None and store.checkpoint(NAME) is not None
    assert "\tdisabled\t" in jobs_line(capsys, "nps-copy")
    assert "already has a job" in cli(capsys, "jobs", "copy", NAME, "nps-copy", code=2)


def test_delete_recycles_the_file_keeps_documents_and_restore_brings_it_back(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct")
    with Store.open("s.duckdb") as store:
        loaded = len(store.documents(PROJECT))
    out = cli(capsys, "jobs", "delete", NAME)
    recycled = next(Path(".recycle").glob("nps-*.json"))
    assert not job_file.exists() and str(recycled.resolve()) in out
    assert "\tdeleted\t" in jobs_line(capsys)
    with Store.open("s.duckdb") as store:
        assert len(store.documents(PROJECT)) == loaded
        assert len(store.runs(NAME)) == 1
    assert "restore it first" in cli(capsys, "jobs", "run-now", NAME, "--direct", code=2)

    cli(capsys, "jobs", "restore", NAME)
    assert job_file.is_file() and not recycled.exists()
    assert "\tenabled\t" in jobs_line(capsys)
    assert "no job 'nope'" in cli(capsys, "jobs", "delete", "nope", code=2)
    assert main(["jobs", "disable", NAME, "--store", "elsewhere.duckdb"]) == 2
    assert "no store at elsewhere.duckdb" in capsys.readouterr().err
    assert not Path("elsewhere.duckdb").exists()


def test_run_now_runs_outside_the_schedule_as_a_manual_run(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct")
    cli(capsys, "jobs", "disable", NAME)  # a paused schedule does not stop a manual run
    out = cli(capsys, "jobs", "run-now", NAME, "--direct")
    assert "succeeded" in out
    with Store.open("s.duckdb") as store:
        runs = store.runs(NAME)
    assert runs["trigger"].tolist() == ["manual", "manual"]
    assert "(manual)" in cli(capsys, "history", str(job_file)).splitlines()[0]


def test_stop_from_another_process_ends_the_run_with_nothing_committed(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(capsys, "run", str(job_file), "--direct")
    assert "not running" in cli(capsys, "jobs", "stop", NAME)
    with Store.open("s.duckdb") as store:
        before = (store.documents(PROJECT), store.checkpoint(NAME))
    asked: list[str] = []

    def stop_once(_update: object) -> None:  # the export is under way: ask from outside
        if not asked:
            command = [sys.executable, "-m", "qinbound_nb", "jobs", "stop", NAME]
            done = subprocess.run([*command, "--store", "s.duckdb"], capture_output=True)
            asked.append(done.stdout.decode())

    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-05T09:00:00Z")  # new responses wait
    report = run_job(job_file, store="s.duckdb", progress=stop_once)

    assert "asked the running run" in asked[0]
    assert report.status == "stopped" and "committed anything" in (report.error or "")
    assert "stopped: " in report.summary()
    with Store.open("s.duckdb") as store:
        after = (store.documents(PROJECT), store.checkpoint(NAME))
        assert store.run(report.run_id)["status"] == "stopped"
    assert after[1] == before[1]
    assert after[0].equals(before[0])
    report = run_job(job_file, store="s.duckdb")  # an old request never stops a later run
    assert report.status.startswith("succeeded") and report.counts["loaded"] > 0


def test_a_run_stopped_between_pages_of_its_load_rolls_the_staged_pages_back(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qinbound_nb.store.load import RunLoad
    from qinbound_nb.store.stop_request import request_stop

    cli(capsys, "run", str(job_file), "--direct")
    with Store.open("s.duckdb") as store:
        before = (store.documents(PROJECT), store.checkpoint(NAME))
    stage = RunLoad.stage
    staged: list[int] = []

    def stage_then_ask(load: RunLoad, documents: object, *rest: object) -> None:
        stage(load, documents, *rest)  # type: ignore[arg-type]
        staged.append(1)
        if len(staged) == 1:  # one page is staged in the open transaction: stop now
            assert request_stop(Path("s.duckdb"), NAME)

    monkeypatch.setattr(RunLoad, "stage", stage_then_ask)
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-06T09:00:00Z")
    report = run_job(job_file, store="s.duckdb", chunk_rows=50)

    assert report.status == "stopped" and len(staged) == 1
    with Store.open("s.duckdb") as store:
        assert store.checkpoint(NAME) == before[1]
        assert store.documents(PROJECT).equals(before[0])
    assert "\tstopped (manual)\t" in cli(capsys, "history", NAME).splitlines()[0]


def test_a_refused_second_run_leaves_the_running_runs_stop_request(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qinbound_nb.store.job_lock import job_lock
    from qinbound_nb.store.stop_request import StopWatch

    running = StopWatch(Path("s.duckdb"), NAME)
    with job_lock(Path("s.duckdb"), NAME):  # a run elsewhere holds the job
        assert "asked the running run" in cli(capsys, "jobs", "stop", NAME)
        refused = run_job(job_file, store="s.duckdb")
        assert refused.status == "failed" and "already running" in (refused.error or "")
        assert running.requested(final=True)
