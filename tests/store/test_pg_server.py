"""The throwaway PostgreSQL server fixture: reachable over loopback with a password from
.pgpass, and each store database starts empty."""

from __future__ import annotations

import psycopg


def test_the_server_answers_on_loopback_with_the_pgpass_password(pg_url: str) -> None:
    assert "@127.0.0.1:" in pg_url and ":" not in pg_url.split("@")[0].removeprefix("postgresql:")
    with psycopg.connect(pg_url) as connection:
        row = connection.execute("SELECT current_user, inet_server_addr()::text").fetchone()
    assert row is not None and row[0] == "qinbound" and row[1].startswith("127.0.0.1")


def test_each_store_database_starts_empty(pg_url: str) -> None:
    with psycopg.connect(pg_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)
