"""The jobs table on both backends: a job's creation recorded once (its schedule's anchor), an
older store's rows migrated, the Jobs-page columns, and stop requests across connections."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import ConfigError
from qinbound_nb.store.history import write_run_row
from qinbound_nb.store.job_lock import job_lock
from qinbound_nb.store.schema import MIGRATIONS, TABLES_DDL
from qinbound_nb.store.stop_request import StopWatch, request_stop
from qinbound_nb.store.store import Store

FIRST_RUN = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)


@pytest.fixture(params=["duckdb", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return str(tmp_path / "s.duckdb")
    url: str = request.getfixturevalue("pg_url")
    return url


def test_a_job_is_created_once_and_re_registering_never_moves_it(
    location: str, job: JobConfig, tmp_path: Path
) -> None:
    seen = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with Store.open(location) as store:
        created = store.register_job(job, tmp_path / "job.json", seen_at=seen)
        again = store.register_job(job, tmp_path / "moved.json")
        row = store.job_record(job.name)
    assert created == again == seen
    assert row is not None and row["enabled"] is True and row["job_path"].endswith("moved.json")


def test_a_job_first_registered_after_a_run_was_created_by_that_run(
    location: str, job: JobConfig, tmp_path: Path
) -> None:
    with Store.open(location) as store:
        write_run_row(store._backend, run_id="r1", job=job, started_at=FIRST_RUN,
                      status="succeeded", counts={}, warnings=[])  # fmt: skip
        assert store.register_job(job, tmp_path / "job.json") == FIRST_RUN


def test_jobs_page_columns_change_and_an_unknown_job_is_named(
    location: str, job: JobConfig, tmp_path: Path
) -> None:
    with Store.open(location) as store:
        store.register_job(job, tmp_path / "job.json")
        store.update_job(job.name, enabled=False)
        assert store.job_record(job.name)["enabled"] is False  # type: ignore[index]
        with pytest.raises(ConfigError, match=rf"no job 'nope'.*'{job.name}'"):
            store.update_job("nope", enabled=True)


def test_a_version_2_store_gets_anchors_from_its_jobs_first_runs(
    location: str, job: JobConfig
) -> None:
    statements = [
        TABLES_DDL,
        *MIGRATIONS["2"],
        "INSERT INTO store_meta VALUES ('layout', '2')",
        f"INSERT INTO runs (run_id, job_name, started_at) VALUES ('r1', '{job.name}', "
        f"'{FIRST_RUN.isoformat()}')",
        f"INSERT INTO jobs VALUES ('{job.name}', '/jobs/x.json', 'p', '{{}}', "
        "'2026-03-05T00:00:00+00:00', '2026-03-05T00:00:00+00:00')",
    ]
    connect = duckdb.connect if not location.startswith("postgres") else _pg
    with connect(location) as old:
        for statement in statements:
            old.execute(statement)
    with Store.open(location) as store:
        row = store.job_record(job.name)
    assert row is not None and row["created_at"] == FIRST_RUN and row["enabled"] is True


def test_a_stop_request_reaches_the_running_run_and_only_it(location: str) -> None:
    assert not request_stop(location, "nps")  # nothing running: nothing asked
    with Store.open(location):  # a server store's tables exist before a run watches
        pass
    watch = StopWatch(location, "nps")
    with job_lock(location, "nps"):
        assert not watch.requested(final=True)
        assert request_stop(location, "nps")
        assert watch.requested(final=True)
        assert not StopWatch(location, "other").requested(final=True)
    watch.clear()
    later = StopWatch(location, "nps")
    assert not later.requested(final=True)


def _pg(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)
