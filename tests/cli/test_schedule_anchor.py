"""One schedule anchor: `qinbound schedule`, `qinbound jobs` and the scheduler name the same next
run for an hourly lattice that drifts across midnight, and a manual run is not followed at once
by a scheduled pull (issue #14)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qinbound_nb.cli.main import main
from qinbound_nb.scheduling.anchor import job_entries
from qinbound_nb.scheduling.recurrence import REFERENCE_DAY
from qinbound_nb.scheduling.scheduler import Scheduler, utc_now
from qinbound_nb.store.store import Store

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
RUN_AT = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
EVERY_5H_FROM_0830_UTC = {
    "kind": "recurring",
    "frequency": "hourly",
    "every_hours": 5,
    "starts_on": "08:30",
    "timezone": "UTC",
    "lookback": "2h",
    "pull_on_create": True,
}


@pytest.fixture
def job_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", RUN_AT.isoformat())
    monkeypatch.chdir(tmp_path)
    job = json.loads(TEMPLATE.read_text())
    job["schedule"] = EVERY_5H_FROM_0830_UTC
    path = tmp_path / "nps.json"
    path.write_text(json.dumps(job))
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def first_next(out: str) -> datetime:
    return datetime.fromisoformat(out.split("next: ")[1].split()[0])


def scheduler(job_file: Path, clock: object, calls: list[Path]) -> Scheduler:
    return Scheduler(
        lambda: [job_file],
        lambda path: calls.append(path) or 0,
        clock=clock,  # type: ignore[arg-type]
        state_dir=job_file.parent / "state",
        lookup=job_entries("s.duckdb").get,
    )


def on_lattice(moment: datetime, anchor: datetime) -> bool:
    return (moment - anchor) % timedelta(hours=5) == timedelta(0)


def test_schedule_jobs_and_the_scheduler_name_the_same_next_run(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")  # creates the job
    with Store.open("s.duckdb", read_only=True) as store:
        created = store.job_record("nps-weekly")["created_at"]  # type: ignore[index]
    assert created == min(RUN_AT, utc_now())  # the first run created it

    shown = first_next(cli(capsys, "schedule", str(job_file), "--store", "s.duckdb"))
    listed = first_next(cli(capsys, "jobs", "--store", "s.duckdb"))
    calls: list[Path] = []
    decision = scheduler(job_file, utc_now, calls).tick()[0]

    assert shown == listed == decision.next_run
    anchor = datetime.combine(created.date(), datetime.min.time(), UTC) + timedelta(hours=8.5)
    reference = datetime.combine(REFERENCE_DAY, anchor.time(), UTC)
    assert on_lattice(shown, anchor) and not on_lattice(shown, reference)


def test_a_manual_run_is_not_followed_by_a_scheduled_pull(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")  # 09:00, by hand
    calls: list[Path] = []
    now = [RUN_AT + timedelta(minutes=1)]
    decision = scheduler(job_file, lambda: now[0], calls).tick()[0]
    assert (decision.action, calls) == ("not_due", [])
    assert decision.next_run == datetime(2026, 11, 4, 13, 30, tzinfo=UTC)

    now[0] = datetime(2026, 11, 4, 13, 31, tzinfo=UTC)
    assert scheduler(job_file, lambda: now[0], calls).tick()[0].action == "started"
    assert calls == [job_file]


def test_the_anchor_is_recorded_once_and_never_moves(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qinbound_nb import JobConfig
    from qinbound_nb.scheduling.anchor import job_anchor

    job = JobConfig.load(job_file)
    assert job_anchor(job, job_file, "s.duckdb") is None  # not created yet: nothing written
    created = job_anchor(job, job_file, "s.duckdb", create=True)  # as schedule --install does
    assert created is not None
    cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")  # a later run
    assert job_anchor(job, job_file, "s.duckdb") == created
    out = cli(capsys, "schedule", str(job_file), "--store", "s.duckdb", "--count", "3")
    assert out.count("next: ") == 3 and "as if it were created now" not in out
    store = str(Path("s.duckdb").resolve())
    assert f"--if-due --store {store}" in out  # cron's runs read the same store
