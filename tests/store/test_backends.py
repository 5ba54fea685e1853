"""Both backends give the same answers: documents() frames alike, the layout versioned and
migrated on open, and a PostgreSQL store's password and connection errors handled."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import StoreError
from qinbound_nb.store.schema import LAYOUT_VERSION, TABLES_DDL
from qinbound_nb.store.store import Store

ROWS = pd.DataFrame(
    {
        "natural_id": ["nps-weekly;R_2", "nps-weekly;R_1", "nps-weekly;R_3"],
        "document_date": pd.to_datetime(["2024-05-01T10:00:00Z"] * 3, utc=True),
        "job_name": "nps-weekly",
        "comment": ["ok", "", None],
        "score": [7.0, None, 1.5],
        "count": pd.array([1, None, 3], dtype="int64[pyarrow]"),
        "promoter": [True, False, None],
        "topics": [["price", "staff"], [], None],
    }
).astype({"natural_id": "string[pyarrow]", "comment": "string[pyarrow]"})


def loaded(location: Path | str, job: JobConfig) -> pd.DataFrame:
    with Store(location) as store:
        with store.load_run("run-1", job) as load:
            load.stage(ROWS)
            load.finish()
        return store.documents(job.project)


def test_documents_are_the_same_frame_from_both_backends(
    tmp_path: Path, pg_url: str, job: JobConfig
) -> None:
    from_duckdb = loaded(tmp_path / "s.duckdb", job)
    from_postgres = loaded(pg_url, job)
    assert list(from_postgres.columns) == list(from_duckdb.columns)
    assert from_postgres.dtypes.astype(str).tolist() == from_duckdb.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(from_postgres, from_duckdb)
    assert from_postgres["natural_id"].tolist() == sorted(ROWS["natural_id"])


def test_runs_and_outcomes_have_the_same_columns_on_both_backends(
    tmp_path: Path, pg_url: str, job: JobConfig
) -> None:
    frames = {}
    for location in (tmp_path / "s.duckdb", pg_url):
        loaded(location, job)
        with Store(location) as store:
            frames[str(location)] = (store.runs(), store.outcomes("run-1"))
    (runs_a, outcomes_a), (runs_b, outcomes_b) = frames.values()
    assert list(runs_a.columns) == list(runs_b.columns) and "host" in runs_a.columns
    pd.testing.assert_frame_equal(outcomes_a, outcomes_b)


def test_aggregates_come_back_as_numbers_from_both_backends(
    tmp_path: Path, pg_url: str, job: JobConfig
) -> None:
    sql = (
        "SELECT sum(count) AS total, avg(score) AS mean, count(*) AS n, "
        "min(document_date) AS first FROM project_customer_feedback"
    )
    frames = []
    for location in (tmp_path / "s.duckdb", pg_url):
        loaded(location, job)
        with Store(location) as store:
            frames.append(store.query(sql))
    duck, postgres = frames
    assert postgres.iloc[0].tolist() == duck.iloc[0].tolist()
    assert float(postgres["total"].iloc[0]) == 4.0 and float(postgres["mean"].iloc[0]) == 4.25


def test_a_version_1_duckdb_store_is_migrated_on_open(tmp_path: Path, job: JobConfig) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute(TABLES_DDL)
        old.execute("INSERT INTO store_meta VALUES ('layout', '1')")
    loaded(path, job)
    with Store(path, read_only=True) as store:
        assert store.query("SELECT value FROM store_meta")["value"].tolist() == [LAYOUT_VERSION]
        assert store.runs()["host"].notna().all()


def test_a_version_1_postgres_store_is_migrated_on_open(pg_url: str, job: JobConfig) -> None:
    with psycopg.connect(pg_url, autocommit=True) as old:
        old.execute(TABLES_DDL)
        old.execute("INSERT INTO store_meta VALUES ('layout', '1')")
    loaded(pg_url, job)
    with Store(pg_url) as store:
        assert store.query("SELECT value FROM store_meta")["value"].tolist() == [LAYOUT_VERSION]


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_a_store_from_a_newer_version_is_refused(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    newer = "UPDATE store_meta SET value = '99' WHERE key = 'layout'"
    if backend == "duckdb":
        location: Path | str = tmp_path / "s.duckdb"
        Store(location).close()
        with duckdb.connect(str(location)) as raw:
            raw.execute(newer)
    else:
        location = request.getfixturevalue("pg_url")
        Store(location).close()
        with psycopg.connect(str(location), autocommit=True) as connection:
            connection.execute(newer)
    with pytest.raises(StoreError, match=r"layout version 99.*upgrade qinbound_nb"):
        Store(location)


def test_a_password_in_the_url_is_refused_and_never_shown(pg_url: str) -> None:
    with_password = pg_url.replace("qinbound@", "qinbound:hunter2-secret@")
    with pytest.raises(StoreError) as caught:
        Store(with_password)
    message = str(caught.value)
    assert "hunter2" not in message and "PGPASSWORD" in message and ".pgpass" in message
    with pytest.raises(StoreError) as caught:
        Store(pg_url + "?password=hunter2-secret")
    assert "hunter2" not in str(caught.value)


def test_a_wrong_password_is_one_clear_paragraph(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    monkeypatch.setenv("PGPASSWORD", "wrong-hunter2")
    with pytest.raises(StoreError) as caught:
        Store(pg_url)
    message = str(caught.value)
    assert "authentication failed" in message and "PGPASSWORD" in message
    assert "hunter2" not in message and "\n" not in message


def test_a_missing_database_says_to_create_it(pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(StoreError, match=r"does not exist.*createdb"):
        Store(missing)


def test_no_server_there_says_to_check_host_and_port(pg_url: str, unused_port: int) -> None:
    elsewhere = pg_url.replace(pg_url.split(":")[2].split("/")[0], str(unused_port))
    with pytest.raises(StoreError, match=r"no PostgreSQL server answered.*host and port"):
        Store(elsewhere)


def test_options_in_the_url_are_kept(pg_url: str, job: JobConfig) -> None:
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA team_a")
    in_schema = pg_url + "?options=-csearch_path%3Dteam_a"
    loaded(in_schema, job)
    with psycopg.connect(pg_url) as connection:
        schemas = connection.execute(
            "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'runs'"
        ).fetchall()
    assert schemas == [("team_a",)]


def test_a_read_only_postgres_store_refuses_to_load(pg_url: str, job: JobConfig) -> None:
    Store(pg_url).close()
    with Store(pg_url, read_only=True) as store:
        with pytest.raises(StoreError, match="read-only"), store.load_run("run-1", job) as load:
            load.stage(ROWS)
            load.finish()
        assert store.runs().empty


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
