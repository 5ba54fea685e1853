"""Generated DAGs under Apache Airflow itself: ``airflow dags test`` runs two jobs against the
sandbox (served on loopback) into a PostgreSQL store, and a failing run fails its task.

Airflow lives in its own virtual environment (``QINBOUND_AIRFLOW_BIN`` names its ``airflow``;
``.ci/run`` builds one in the user cache), as it would beside qinbound on a real worker.
In CI (``CI=true``) a missing Airflow fails these tests; elsewhere they are skipped.
``dags test`` writes the task's log to its own output, which the tests read (with any file
under Airflow's ``logs/``) for the run's summary and for secrets that must not be there.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg_server import PgServer

from qinbound_nb.cli.main import main
from qinbound_nb.job.config import JobConfig
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.scheduling.recurrence import upcoming_runs
from qinbound_nb.store.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.serial]

AIRFLOW_VERSION = "3.3.2"
NOW = "2026-11-02T12:00:00Z"  # the sandbox's clock: 200 NPS responses, 34 CSAT responses
TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
TIMETABLES = Path(__file__).with_name("airflow_timetables.py")
CSAT_JOB = {
    "name": "csat-pulse",
    "project": "support_feedback",
    "connection": "sandbox",
    "source": {"type": "survey", "survey_id": "SV_2CsatPulseDemo2"},
    "mapping": {
        "fields": [
            {"source": "QID1", "name": "csat", "type": "number"},
            {"source": "QID2_TEXT", "name": "improve", "type": "verbatim"},
        ]
    },
    "rules": {"pii": ["email", "phone"]},
    "schedule": {"kind": "recurring", "frequency": "hourly", "every_hours": 5,
                 "starts_on": "06:10", "timezone": "America/New_York"},
}  # fmt: skip


def airflow_command() -> Path:
    """The ``airflow`` of the Airflow environment; fail in CI, skip elsewhere, when absent."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    default = cache / "qinbound" / f"airflow-{AIRFLOW_VERSION}" / "bin" / "airflow"
    command = Path(os.environ.get("QINBOUND_AIRFLOW_BIN") or default)
    if command.exists():
        return command
    message = (
        f"Apache Airflow was not found at {command}: .ci/run installs apache-airflow=="
        f"{AIRFLOW_VERSION} there, or set QINBOUND_AIRFLOW_BIN to an airflow command"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Airflow:
    """An Airflow installation with its own home (SQLite metadata) and DAG folder."""

    command: Path
    home: Path

    @property
    def dags(self) -> Path:
        return self.home / "dags"

    def environment(self) -> dict[str, str]:
        """This process's environment (the test's QINBOUND_* settings) plus Airflow's home."""
        return os.environ | {
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }

    def run(self, *arguments: str, timeout: float = 120) -> tuple[int, str, float]:
        """Run an airflow command; its exit code, output (stdout + stderr) and seconds."""
        started = time.monotonic()
        done = subprocess.run(
            [str(self.command), *arguments],
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        return done.returncode, done.stdout, time.monotonic() - started


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    """Airflow's metadata database migrated (SQLite) and the sandbox's pool created."""
    found = Airflow(airflow_command(), tmp_path_factory.mktemp("airflow-home"))
    found.dags.mkdir()
    for arguments in (
        ("db", "migrate"),
        ("pools", "set", "qinbound_sandbox", "4", "qinbound jobs calling Qualtrics sandbox"),
    ):
        code, output, seconds = found.run(*arguments)
        assert code == 0, output[-3000:]
        print(f"airflow {arguments[0]} {arguments[1]}: {seconds:.1f} s")
    return found


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """The seeded sandbox on a loopback socket, living at NOW."""
    with Sandbox(0, now=datetime.fromisoformat(NOW)).serve() as server:
        yield server.url


@pytest.fixture(scope="module")
def shared_store(pg_server: PgServer) -> str:
    """One PostgreSQL store both jobs load into (no password in its URL)."""
    return pg_server.create_database("airflow")


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch, sandbox_url: str) -> str:
    """The worker's environment: the loopback sandbox, its clock, and a token; returns it."""
    token = "tok-" + secrets.token_hex(12)
    monkeypatch.setenv("QINBOUND_API_BASE_URL", sandbox_url)
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", NOW)
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", token)
    return token


def write_dag(airflow: Airflow, folder: Path, job: dict, store: str) -> Path:
    """``qinbound schedule JOB --airflow`` into Airflow's DAG folder; returns the DAG file."""
    job_path = folder / f"{job['name']}.json"
    job_path.write_text(json.dumps(job))
    dag_path = airflow.dags / f"{job['name']}.py"
    assert main(["schedule", str(job_path), "--airflow", str(dag_path), "--store", store]) == 0
    return dag_path


def counts_of(run: dict) -> dict[str, int]:
    """A run's counts (a JSON text in some backends)."""
    counts = run["counts"]
    return json.loads(counts) if isinstance(counts, str) else dict(counts)


def logs_of(airflow: Airflow) -> str:
    """Every file Airflow logged into its home."""
    files = (path for path in (airflow.home / "logs").rglob("*") if path.is_file())
    return "".join(path.read_text(errors="replace") for path in files)


@pytest.mark.parametrize(
    ("job", "documents"),
    [(json.loads(TEMPLATE.read_text()), 200), (CSAT_JOB, 34)],
    ids=["nps-weekly", "csat-pulse"],
)
def test_airflow_runs_the_job_into_the_postgresql_store(
    airflow: Airflow, worker: str, shared_store: str, tmp_path: Path, job: dict, documents: int
) -> None:
    dag_path = write_dag(airflow, tmp_path, job, shared_store)
    dag_id = "qinbound_" + job["name"].replace("-", "_")
    code, output, seconds = airflow.run("dags", "test", dag_id, "--dagfile-path", str(dag_path))
    print(f"airflow dags test {dag_id}: {seconds:.1f} s")
    assert code == 0, output[-5000:]
    assert f"of {job['name']!r}: succeeded" in output  # qinbound's summary, in the task log
    assert f"fetched {documents}, loaded {documents}" in output
    with Store.open(shared_store) as store:
        (run,) = store.run_records(job["name"])
        stored = store.documents(job["project"])
    assert run["status"] == "succeeded" and counts_of(run)["loaded"] == documents
    assert len(stored) == documents and stored["natural_id"].is_unique
    assert set(stored["job_name"]) == {job["name"]}
    dag = dag_path.read_text()
    assert shared_store in dag
    password = Path(os.environ["PGPASSFILE"]).read_text().strip().rsplit(":", 1)[1]
    for artifact in (dag, output, logs_of(airflow)):
        assert worker not in artifact and password not in artifact


def test_a_run_on_a_revoked_token_fails_the_task_without_retries(
    airflow: Airflow, worker: str, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "revoked-token")
    job = json.loads(TEMPLATE.read_text()) | {"name": "nps-revoked"}
    dag_path = write_dag(airflow, tmp_path, job, pg_url)
    dag = dag_path.read_text()
    assert '"retries": 3' in dag  # a retriable failure would wait minutes
    code, output, seconds = airflow.run(
        "dags", "test", "qinbound_nps_revoked", "--dagfile-path", str(dag_path)
    )
    print(f"airflow dags test qinbound_nps_revoked (failing): {seconds:.1f} s")
    assert code != 0
    assert "The API token has been revoked" in output  # the run's error, in the task log
    assert "AirflowFailException" in output and "not retried" in output
    assert "up_for_retry" not in output.lower()
    with Store.open(pg_url) as store:
        (run,) = store.run_records("nps-revoked")
    assert run["status"] == "failed" and "revoked" in run["error"]
    for artifact in (dag, output, logs_of(airflow)):
        assert "revoked-token" not in artifact


SCHEDULES = {
    "daily": {"frequency": "daily", "starts_on": "06:30"},
    "weekly": {"frequency": "weekly", "days": ["mon", "thu"], "starts_on": "07:05"},
    "every-6h": {"frequency": "hourly", "every_hours": 6, "starts_on": "02:15"},
    "every-5h": {"frequency": "hourly", "every_hours": 5, "starts_on": "06:10"},
    "monthly-31": {"frequency": "monthly", "day_of_month": 31},
    "monthly-30": {"frequency": "monthly", "day_of_month": 30},
}


def test_airflow_schedules_every_kind_of_job_as_qinbound_does(
    airflow: Airflow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder, store = tmp_path / "dags", tmp_path / "s.duckdb"
    folder.mkdir()
    created = datetime.fromisoformat("2025-12-31T23:00:00+00:00")  # 1 January in Berlin
    for name, schedule in SCHEDULES.items():
        job = {"name": name, "project": "p", "connection": "sandbox"}
        job |= {"source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"}}
        job |= {"schedule": {"kind": "recurring", "timezone": "Europe/Berlin", **schedule}}
        job_path = tmp_path / f"{name}.json"
        job_path.write_text(json.dumps(job))
        with Store(store) as opened:  # the job's anchor: its DAG starts on that day
            opened.register_job(JobConfig.load(job_path), job_path, seen_at=created)
        dag_path = str(folder / f"{name}.py")
        assert main(["schedule", str(job_path), "--airflow", dag_path, "--store", str(store)]) == 0
    python = airflow.command.with_name("python")
    done = subprocess.run(
        [str(python), str(TIMETABLES), str(folder)],
        env=airflow.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["errors"] == {}
    assert not [w for w in seen["warnings"] if str(folder) in w], seen["warnings"]
    for name in SCHEDULES:
        dag_ids = [d for d in seen["dags"] if d.startswith("qinbound_" + name.replace("-", "_"))]
        assert {seen["dags"][d]["pool"] for d in dag_ids} == {"qinbound_sandbox"}
        runs = sorted(run for d in dag_ids for run in seen["dags"][d]["runs"])[:3]
        job = JobConfig.load(tmp_path / f"{name}.json")
        expected = upcoming_runs(job.schedule, created - timedelta(minutes=1), 3)
        assert runs == [moment.astimezone(UTC).isoformat() for moment in expected], name
