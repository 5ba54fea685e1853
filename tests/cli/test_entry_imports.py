"""Entry points import only what they use: each command runs in a fresh interpreter and the
heavy libraries it loaded are read from ``sys.modules``. Nothing here is timed (the timings
live in bench/bench_cli.py); these tests pin the discipline that keeps them fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qinbound_nb.job.config import JobConfig
from qinbound_nb.store.store import Store

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "qinbound_nb" / "templates" / "nps-weekly.json"
HEAVY = {"pandas", "pyarrow", "numpy", "duckdb", "lark", "httpx", "nbformat", "jsonschema",
         "papermill", "nbclient", "ipywidgets", "IPython", "psycopg"}  # fmt: skip
NOTEBOOK_AND_WIDGETS = {"nbformat", "jsonschema", "papermill", "nbclient", "ipywidgets", "IPython"}
RUN_COMMAND = """
import contextlib, io, json, sys
from qinbound_nb.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "loaded": sorted(set(sys.modules) & HEAVY)}))
"""


def loaded_by(code: str, *argv: str) -> dict:
    """Run ``code`` in a fresh interpreter; its last line of output is JSON."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = set({sorted(HEAVY)!r})\n{code}", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def command_loads(*argv: str) -> set[str]:
    """The heavy libraries ``qinbound ARGV`` loads; the command must succeed."""
    outcome = loaded_by(RUN_COMMAND, *argv)
    assert outcome["code"] == 0, outcome
    return set(outcome["loaded"])


@pytest.fixture
def job_with_checks(tmp_path: Path) -> Path:
    """The example job with a filter expression and a redaction rule, so validate compiles both."""
    data = JobConfig.load(EXAMPLE).model_dump(mode="json")
    data["filter"]["expression"] = "NOT ISBLANK(nps_comment) AND nps_score >= 7"
    data["rules"]["redactions"] = r"\bORD-\d{6}\b"
    return JobConfig.model_validate(data).save(tmp_path / "nps-weekly.json")


@pytest.fixture
def store_with_history(tmp_path: Path, job_with_checks: Path) -> Path:
    """A store that knows the job and holds one (failed) run of it."""
    path = tmp_path / "history.duckdb"
    job = JobConfig.load(job_with_checks)
    with Store.open(path) as store:
        store.register_job(job, job_with_checks)
        store.record_failure("run-1", job, "the sandbox was unreachable")
    return path


@pytest.mark.parametrize("module", ["qinbound_nb", "qinbound_nb.cli.main"])
def test_importing_the_package_or_the_cli_loads_nothing_heavy(module: str) -> None:
    listing = "print(json.dumps({'loaded': sorted(set(sys.modules) & set(HEAVY))}))"
    assert loaded_by(f"import json, sys, {module}\n{listing}")["loaded"] == []


def test_help_loads_nothing_heavy() -> None:
    outcome = loaded_by(RUN_COMMAND, "--help")
    assert outcome == {"code": 0, "loaded": []}


def test_validate_parses_and_compiles_with_lark_alone(job_with_checks: Path) -> None:
    assert command_loads("validate", str(job_with_checks)) == {"lark"}


def test_schema_loads_only_the_job_model() -> None:
    assert command_loads("schema") == set()


def test_jobs_and_history_read_the_store_without_pandas(
    job_with_checks: Path, store_with_history: Path
) -> None:
    for argv in (["jobs"], ["history", str(job_with_checks)]):
        loaded = command_loads(*argv, "--store", str(store_with_history))
        assert loaded == {"duckdb"}, (argv, loaded)


def test_export_writes_the_notebook_without_nbformat_or_papermill(
    job_with_checks: Path, tmp_path: Path
) -> None:
    notebook = tmp_path / "out" / "nps-weekly.ipynb"
    loaded = command_loads("export", str(job_with_checks), "-o", str(notebook))
    assert notebook.exists()
    assert not loaded & {"pandas", "duckdb", *NOTEBOOK_AND_WIDGETS}, loaded


def test_connections_list_loads_nothing_heavy() -> None:
    assert command_loads("connections", "list") == set()
