"""The generated Airflow DAG file, read without Airflow: the schedule, the task, no secrets.

Stand-in ``airflow.sdk`` and ``pendulum`` modules record how the file builds its DAGs, and the
task's own function runs against a fake ``qinbound`` command. test_airflow_real.py runs the
same files under Apache Airflow itself.
"""

from __future__ import annotations

import ast
import json
import sys
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from qinbound_nb.cli.main import main
from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Connection, Schedule
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.scheduling.airflow import airflow_dag


class Recorded:
    """Stands in for DAG and remembers how it was built."""

    built: list[Recorded]

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.built.append(self)

    def __enter__(self) -> Recorded:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class StandInTask:
    """What ``@task(...)`` makes: the function, and a record of each DAG it was added to."""

    added: list[dict[str, Any]]

    def __init__(self, function: Any, options: dict[str, Any]) -> None:
        self.function = function
        self.options = options

    def __call__(self) -> None:
        self.added.append(self.options)


class Fail(Exception):
    """Stands in for AirflowFailException."""


class Retry(Exception):
    """Stands in for AirflowException."""


def load_with_stubs(source: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, dict]:
    """Execute the DAG source against stand-in airflow.sdk and pendulum modules."""
    dags: list[Recorded] = []
    tasks: list[dict[str, Any]] = []
    sdk = types.ModuleType("airflow.sdk")
    sdk.DAG = type("DAG", (Recorded,), {"built": dags})  # type: ignore[attr-defined]
    task_class = type("Task", (StandInTask,), {"added": tasks})
    sdk.task = lambda **options: lambda function: task_class(function, options)  # type: ignore[attr-defined]
    exceptions = types.ModuleType("airflow.sdk.exceptions")
    exceptions.AirflowFailException = Fail  # type: ignore[attr-defined]
    exceptions.AirflowException = Retry  # type: ignore[attr-defined]
    pendulum = types.ModuleType("pendulum")
    pendulum.datetime = lambda *parts, tz: (parts, tz)  # type: ignore[attr-defined]
    modules = {"airflow": types.ModuleType("airflow"), "airflow.sdk": sdk}
    modules |= {"airflow.sdk.exceptions": exceptions, "pendulum": pendulum}
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    namespace: dict[str, Any] = {}
    exec(compile(source, "dag.py", "exec"), namespace)
    return dags, tasks, namespace


def make_dag(tmp_path: Path, store: str | None = None, **fields: Any) -> str:
    schedule = Schedule(kind=fields.pop("kind", "recurring"), timezone="Europe/Berlin", **fields)
    return airflow_dag(tmp_path / "nps weekly.json", schedule, qinbound=["/opt/qb/bin/qinbound"],
                       connection="prod-iad1", datacenter="iad1", store=store,
                       execution_timeout_s=1800, retries=3, retry_delay_s=60)  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"frequency": "daily", "starts_on": "06:30"}, ["30 6 * * *"]),
        ({"frequency": "weekly", "days": ["mon", "thu"], "starts_on": "07:05"},
         ["5 7 * * mon,thu"]),
        ({"frequency": "hourly", "every_hours": 6, "starts_on": "02:15"}, ["15 2,8,14,20 * * *"]),
        ({"frequency": "hourly", "every_hours": 5}, [timedelta(hours=5)]),
        ({"frequency": "monthly", "day_of_month": 4}, ["0 6 4 * *"]),
        ({"frequency": "monthly", "day_of_month": 31}, ["0 6 L * *"]),
        ({"frequency": "monthly", "day_of_month": 30}, ["0 6 30 1,3-12 *", "0 6 L 2 *"]),
        ({"kind": "once"}, [None]),
    ],
)  # fmt: skip
def test_the_dag_runs_the_job_on_its_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: dict, expected: list
) -> None:
    source = make_dag(tmp_path, **fields)
    ast.parse(source)
    dags, tasks, namespace = load_with_stubs(source, monkeypatch)
    assert [dag.kwargs["schedule"] for dag in dags] == expected
    assert all(dag.kwargs["start_date"][1] == "Europe/Berlin" for dag in dags)
    assert all(
        dag.kwargs["catchup"] is False and dag.kwargs["max_active_runs"] == 1 for dag in dags
    )
    defaults = dags[0].kwargs["default_args"]
    assert defaults["execution_timeout"] == timedelta(seconds=1800)
    assert defaults["retries"] == 3 and defaults["retry_exponential_backoff"] == 2.0
    assert defaults["retry_delay"] == timedelta(minutes=1)
    assert defaults["max_retry_delay"] == timedelta(hours=1)
    assert defaults["pool"] == "qinbound_iad1"
    assert tasks == [{"task_id": "run_job"}] * len(dags)
    assert namespace["qinbound_nps_weekly"] is dags[0]


def test_the_start_date_counts_from_the_anchor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = Schedule(kind="recurring", frequency="hourly", every_hours=5, starts_on="06:10",
                        timezone="Europe/Berlin")  # fmt: skip
    anchor = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)  # already the 5th in Berlin
    source = airflow_dag("job.json", schedule, qinbound=["qinbound"], anchor=anchor)
    (dag,), _, _ = load_with_stubs(source, monkeypatch)
    assert dag.kwargs["start_date"] == ((2026, 3, 5, 6, 10), "Europe/Berlin")
    (default,), _, _ = load_with_stubs(make_dag(tmp_path, frequency="daily"), monkeypatch)
    assert default.kwargs["start_date"][0] == (2026, 1, 1, 6, 0)


def test_the_file_names_the_token_variable_and_the_pool_but_holds_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql://qinbound@db.example.test:5432/feedback"
    source = make_dag(tmp_path, store=url, frequency="daily")
    _, _, namespace = load_with_stubs(source, monkeypatch)
    assert namespace["STORE"] == url
    assert namespace["qinbound_command"](Path("/tmp/o.json")) == [
        "/opt/qb/bin/qinbound", "run", str(tmp_path / "nps weekly.json"), "--timeout", "3600",
        "--report-json", "/tmp/o.json", "--store", url,
    ]  # fmt: skip
    assert "QINBOUND_TOKEN_PROD_IAD1" in source
    assert 'airflow pools set qinbound_iad1 4 "qinbound jobs calling Qualtrics iad1"' in source
    with pytest.raises(ConfigError, match="PGPASSWORD"):
        make_dag(tmp_path, store="postgresql://qinbound:s3cret@db.example.test/feedback")


def test_quotes_in_paths_cannot_break_the_file(tmp_path: Path) -> None:
    odd = tmp_path / 'it\'s "odd" \\ folder'
    source = airflow_dag(odd / "job.json", Schedule(kind="recurring"), qinbound=[str(odd / "qb")],
                         store=odd / "store.duckdb")  # fmt: skip
    tree = ast.parse(source)
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert {str(odd / "job.json"), str(odd / "qb"), str(odd / "store.duckdb")} <= constants


FAKE_QINBOUND = """
import json, sys
arguments = sys.argv[1:]
outcome = json.loads({outcome!r})
print("run r1 of 'nps-weekly':", outcome.get("status", "-"))
if outcome:
    report = arguments[arguments.index("--report-json") + 1]
    open(report, "w").write(json.dumps(outcome))
else:
    print("qinbound: the job file is not valid JSON", file=sys.stderr)
sys.exit({code})
"""


def run_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, outcome: dict) -> dict:
    """The DAG's task function, with qinbound replaced by a script exiting with ``code``."""
    script = tmp_path / "fake_qinbound.py"
    script.write_text(FAKE_QINBOUND.format(outcome=json.dumps(outcome), code=code))
    monkeypatch.setenv("QINBOUND_EXECUTABLE", f"{sys.executable} {script}")
    _, _, namespace = load_with_stubs(make_dag(tmp_path, frequency="daily"), monkeypatch)
    result: dict = namespace["run_job"].function()
    return result


def test_the_task_returns_the_runs_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = {"status": "succeeded", "counts": {"loaded": 3}, "error": None}
    assert run_task(tmp_path, monkeypatch, 0, outcome) == outcome
    assert "run r1 of 'nps-weekly': succeeded" in capsys.readouterr().out


def test_a_run_that_may_pass_later_fails_the_task_for_a_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = {"status": "failed", "error": "Qualtrics answered 503", "retriable": True}
    with pytest.raises(Retry, match="Qualtrics answered 503"):
        run_task(tmp_path, monkeypatch, 1, outcome)


def test_a_run_that_needs_a_person_fails_without_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = {"status": "failed", "error": "the API token has been revoked", "retriable": False}
    with pytest.raises(Fail, match="revoked"):
        run_task(tmp_path, monkeypatch, 1, outcome)
    with pytest.raises(Fail, match=r"exit 2.*not valid JSON"):
        run_task(tmp_path, monkeypatch, 2, {})
    monkeypatch.setenv("QINBOUND_EXECUTABLE", str(tmp_path / "no-such-qinbound"))
    with pytest.raises(Fail, match="not found on this worker"):
        load_with_stubs(make_dag(tmp_path), monkeypatch)[2]["run_job"].function()


def test_qinbound_schedule_writes_the_dag_with_the_datacenters_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the relative store below lands here
    ConnectionStore().add(Connection(name="prod", datacenter="iad1", token=SecretStr("t0k")))
    job = tmp_path / "nps.json"
    source = {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"}
    job.write_text(
        json.dumps({"name": "nps", "project": "p", "connection": "prod", "source": source})
    )
    dag = tmp_path / "dags" / "nps.py"
    dag.parent.mkdir()
    assert main(["schedule", str(job), "--airflow", str(dag), "--store", "s.duckdb"]) == 0
    assert 'airflow pools set qinbound_iad1 4 "qinbound jobs calling Qualtrics iad1"' in (
        capsys.readouterr().out
    )
    written = dag.read_text()
    assert "POOL = 'qinbound_iad1'" in written and "t0k" not in written
    assert f"STORE = {str(Path('s.duckdb').resolve())!r}" in written
    secret_url = "postgresql://qinbound:s3cret@127.0.0.1:5432/feedback"
    assert main(["schedule", str(job), "--airflow", str(dag), "--store", secret_url]) == 2
    assert "PGPASSWORD" in capsys.readouterr().err and "s3cret" not in dag.read_text()


def test_a_task_stopped_by_airflow_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An execution timeout arrives as an exception in the task: the run must not live on."""
    script = tmp_path / "slow_qinbound.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    monkeypatch.setenv("QINBOUND_EXECUTABLE", f"{sys.executable} {script}")
    _, _, namespace = load_with_stubs(make_dag(tmp_path), monkeypatch)
    started: list[str] = []

    def stop_at_first_line(*text: object, **_: object) -> None:
        started.append(str(text[0]))
        raise TimeoutError("execution_timeout")

    monkeypatch.setitem(namespace, "print", stop_at_first_line)
    begun = time.monotonic()
    with pytest.raises(TimeoutError):
        namespace["run_job"].function()
    assert started == ["started\n"] and time.monotonic() - begun < 10
