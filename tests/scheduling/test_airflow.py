"""The generated Airflow DAG file: valid Python, the job's schedule, no secret parameters."""

from __future__ import annotations

import ast
import importlib.util
import sys
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from qinbound_nb.job.config import Schedule
from qinbound_nb.scheduling.airflow import airflow_dag


class Recorded:
    """Stands in for DAG / PapermillOperator and remembers how it was built."""

    built: list[Recorded]

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.built.append(self)

    def __enter__(self) -> Recorded:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def load_with_stubs(source: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, dict]:
    """Execute the DAG source against stub airflow and pendulum modules."""
    dags: list[Recorded] = []
    operators: list[Recorded] = []
    dag_class = type("DAG", (Recorded,), {"built": dags})
    operator_class = type("PapermillOperator", (Recorded,), {"built": operators})
    modules = {
        "airflow": types.ModuleType("airflow"),
        "airflow.providers": types.ModuleType("airflow.providers"),
        "airflow.providers.papermill": types.ModuleType("airflow.providers.papermill"),
        "airflow.providers.papermill.operators": types.ModuleType("ops"),
        "airflow.providers.papermill.operators.papermill": types.ModuleType("papermill_op"),
        "pendulum": types.ModuleType("pendulum"),
    }
    modules["airflow"].DAG = dag_class  # type: ignore[attr-defined]
    modules["airflow.providers.papermill.operators.papermill"].PapermillOperator = (  # type: ignore[attr-defined]
        operator_class
    )
    modules["pendulum"].datetime = lambda *parts, tz: (parts, tz)  # type: ignore[attr-defined]
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    namespace: dict[str, Any] = {}
    exec(compile(source, "dag.py", "exec"), namespace)
    return dags, operators, namespace


def make_dag(tmp_path: Path, **fields: Any) -> str:
    schedule = Schedule(kind=fields.pop("kind", "recurring"), timezone="Europe/Berlin", **fields)
    return airflow_dag(tmp_path / "nps weekly.json", tmp_path / "nps.ipynb", schedule,
                       output_dir=tmp_path / "runs", connection="prod-iad1",
                       execution_timeout_s=1800, retries=3)  # fmt: skip


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
def test_the_dag_runs_the_notebook_on_the_jobs_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: dict, expected: list
) -> None:
    source = make_dag(tmp_path, **fields)
    ast.parse(source)
    dags, operators, namespace = load_with_stubs(source, monkeypatch)
    assert [dag.kwargs["schedule"] for dag in dags] == expected
    assert all(dag.kwargs["start_date"][1] == "Europe/Berlin" for dag in dags)
    assert all(
        dag.kwargs["catchup"] is False and dag.kwargs["max_active_runs"] == 1 for dag in dags
    )
    defaults = dags[0].kwargs["default_args"]
    assert defaults["execution_timeout"] == timedelta(seconds=1800)
    assert defaults["retries"] == 3
    assert len(operators) == len(dags)
    assert namespace["qinbound_nps_weekly"] is dags[0]


def test_the_operator_gets_only_non_secret_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_dag(tmp_path, frequency="daily")
    _, (operator,), _ = load_with_stubs(source, monkeypatch)
    assert operator.kwargs["parameters"] == {
        "job_path": str(tmp_path / "nps weekly.json"),
        "store": None,
        "dry_run": False,
        "run_id": None,
        "output_notebook": operator.kwargs["output_nb"],
    }
    assert operator.kwargs["input_nb"] == str(tmp_path / "nps.ipynb")
    assert operator.kwargs["output_nb"].endswith("runs/qinbound_nps_weekly-{{ ts_nodash }}.ipynb")
    assert "QINBOUND_TOKEN_PROD_IAD1" in source
    assert "token" not in repr(operator.kwargs).lower()


def test_quotes_in_paths_cannot_break_the_file(tmp_path: Path) -> None:
    odd = tmp_path / 'it\'s "odd" \\ folder'
    source = airflow_dag(odd / "job.json", odd / "nb.ipynb", Schedule(kind="recurring"),
                         output_dir=odd)  # fmt: skip
    tree = ast.parse(source)
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert str(odd / "job.json") in constants


@pytest.mark.skipif(
    importlib.util.find_spec("airflow") is None, reason="apache-airflow is not installed"
)
def test_airflow_itself_parses_the_dag(tmp_path: Path) -> None:  # pragma: no cover
    from airflow.models import DagBag  # type: ignore[import-not-found]

    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "qinbound_dag.py").write_text(make_dag(tmp_path, frequency="daily"))
    bag = DagBag(dag_folder=str(folder), include_examples=False)
    assert bag.import_errors == {}
    assert "qinbound_nps_weekly" in bag.dags
