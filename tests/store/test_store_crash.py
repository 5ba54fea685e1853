"""A run killed with SIGKILL at any point leaves the store exactly as before; a rerun converges.

A child process loads a large batch; it is killed while staging, just before COMMIT, or by
the parent at an arbitrary moment. Afterwards every table must equal its earlier snapshot
(or, for a kill that lands after COMMIT, the complete new state: never anything between).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.store.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.serial]  # kill -9 at chosen moments

LOADED = 20_000  # the first run's documents
RERUN_FROM, RERUN = 10_000, 40_000  # the second run replaces 10,000 of them and adds 30,000
TOTAL = RERUN_FROM + RERUN

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import pandas as pd
    from qinbound_nb import JobConfig
    from qinbound_nb.store.store import Checkpoint, Store

    store_path, job_json, run_id, first, count, chunk, kill_at = sys.argv[1:8]
    first, count, chunk = int(first), int(count), int(chunk)
    job = JobConfig.from_json(job_json)

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    class CommitTrap:
        def __init__(self, connection):
            self._connection = connection
        def execute(self, sql, *args):
            if sql == "COMMIT" and kill_at == "before-commit":
                die()
            return self._connection.execute(sql, *args)
        def __getattr__(self, name):
            return getattr(self._connection, name)

    with Store(store_path) as store, store.load_run(run_id, job) as load:
        load._connection = CommitTrap(load._connection)
        for number, start in enumerate(range(first, first + count, chunk)):
            ids = range(start, min(start + chunk, first + count))
            frame = pd.DataFrame(
                {
                    "natural_id": [f"{job.name};R_{i}" for i in ids],
                    "document_date": pd.Timestamp("2024-05-01T00:00:00Z"),
                    "job_name": job.name,
                    "comment": [f"{run_id} says {i}" for i in ids],
                    "score": [float(i % 11) for i in ids],
                },
                index=range(start - first, start - first + len(ids)),
            ).astype({"natural_id": "string[pyarrow]", "comment": "string[pyarrow]"})
            load.stage(frame)
            print(f"staged {number}", flush=True)
            if kill_at == f"stage-{number}":
                die()
        print("finishing", flush=True)
        load.finish(checkpoint=Checkpoint(continuation_token=run_id))
    print("committed", flush=True)
    """
)


@pytest.fixture(params=["duckdb", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Both backends: a DuckDB file, and a PostgreSQL database (the child is its client)."""
    if request.param == "duckdb":
        return tmp_path / "store.duckdb"
    url: str = request.getfixturevalue("pg_url")
    return url


def run_child(
    tmp_path: Path,
    location: Path | str,
    job: JobConfig,
    run_id: str,
    first: int,
    count: int,
    kill_at: str = "none",
) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    arguments = [str(location), job.model_dump_json(), run_id]
    arguments += [str(first), str(count), str(count // 5), kill_at]
    return subprocess.Popen(
        [sys.executable, str(script), *arguments], stdout=subprocess.PIPE, text=True
    )


def snapshot(path: Path | str) -> dict[str, pd.DataFrame]:
    with Store(path, read_only=True) as store:
        tables = {
            "runs": "SELECT * FROM runs ORDER BY run_id",
            "outcomes": "SELECT * FROM document_outcomes ORDER BY run_id, position",
            "checkpoints": "SELECT * FROM checkpoints",
            "projects": "SELECT * FROM projects",
        }
        result = {name: store.query(sql) for name, sql in tables.items()}
        result["documents"] = store.documents("customer_feedback", bookkeeping=True)
        return result


def assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


@pytest.fixture
def loaded_once(tmp_path: Path, location: Path | str, job: JobConfig) -> dict[str, pd.DataFrame]:
    child = run_child(tmp_path, location, job, "run-1", first=0, count=LOADED)
    child.communicate(timeout=120)
    assert child.returncode == 0
    return snapshot(location)


@pytest.mark.parametrize("kill_at", ["stage-0", "stage-3", "before-commit"])
def test_a_run_killed_mid_load_leaves_the_store_as_before_and_a_rerun_converges(
    tmp_path: Path,
    location: Path | str,
    job: JobConfig,
    loaded_once: dict[str, pd.DataFrame],
    kill_at: str,
) -> None:
    child = run_child(
        tmp_path, location, job, "run-2", first=RERUN_FROM, count=RERUN, kill_at=kill_at
    )
    child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert_same(snapshot(location), loaded_once)

    rerun = run_child(tmp_path, location, job, "run-2", first=RERUN_FROM, count=RERUN)
    rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    with Store(location, read_only=True) as store:
        frame = store.documents("customer_feedback")
        assert len(frame) == TOTAL and frame["natural_id"].is_unique
        by_id = frame.set_index("natural_id")["comment"]
        assert by_id[f"{job.name};R_9999"] == "run-1 says 9999"
        assert by_id[f"{job.name};R_10000"] == "run-2 says 10000"
        assert store.run("run-2")["counts"].count('"replaced": 10000') == 1
        assert store.checkpoint(job.name).continuation_token == "run-2"  # type: ignore[union-attr]


def test_an_external_kill_at_any_moment_is_all_or_nothing(
    tmp_path: Path, location: Path | str, job: JobConfig, loaded_once: dict[str, pd.DataFrame]
) -> None:
    outcomes = set()
    for attempt in range(4):
        child = run_child(
            tmp_path, location, job, f"run-{attempt + 2}", first=RERUN_FROM, count=RERUN
        )
        assert child.stdout is not None
        wanted = ["staged 1", "staged 4", "finishing", "finishing"][attempt]
        for line in child.stdout:
            if line.strip() == wanted:
                break
        if attempt == 3:
            child.stdout.readline()  # lands inside finish or just after the commit
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=60)
        after = snapshot(location)
        if len(after["runs"]) == len(loaded_once["runs"]):
            assert_same(after, loaded_once)
            outcomes.add("before")
        else:  # the kill came after COMMIT: the whole run is there
            assert len(after["documents"]) == TOTAL
            assert after["checkpoints"]["continuation_token"].tolist() == [f"run-{attempt + 2}"]
            outcomes.add("after")
            break
    assert "before" in outcomes
