"""A PostgreSQL server restarted in the middle of a run's load: the run fails with a clear
error, documents and checkpoint stay as they were, and a rerun converges."""

from __future__ import annotations

from pathlib import Path

import pytest
from pg_server import PgServer
from test_store_crash import assert_same, run_child, snapshot

from qinbound_nb import JobConfig
from qinbound_nb.store.store import Store

pytestmark = pytest.mark.slow


def test_a_server_restart_mid_load_leaves_the_store_as_before_and_a_rerun_converges(
    tmp_path: Path, pg_url: str, pg_server: PgServer, job: JobConfig
) -> None:
    first = run_child(tmp_path, pg_url, job, "run-1", first=0, count=20_000)
    first.communicate(timeout=60)
    assert first.returncode == 0
    before = snapshot(pg_url)

    child = run_child(tmp_path, pg_url, job, "run-2", first=10_000, count=40_000)
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "staged 1":
            break
    pg_server.restart()
    child.communicate(timeout=60)
    assert child.returncode != 0
    assert_same(snapshot(pg_url), before)

    rerun = run_child(tmp_path, pg_url, job, "run-2", first=10_000, count=40_000)
    rerun.communicate(timeout=60)
    assert rerun.returncode == 0
    with Store(pg_url, read_only=True) as store:
        frame = store.documents("customer_feedback")
        assert len(frame) == 50_000 and frame["natural_id"].is_unique
        assert store.checkpoint(job.name).continuation_token == "run-2"  # type: ignore[union-attr]
