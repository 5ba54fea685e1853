"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, started on a free
loopback port, stopped at the end of the session.

The server's password lives in a temporary ``.pgpass`` file that ``PGPASSFILE`` points at,
so store URLs carry no password, the way a team would use them. Run as root, the server
runs as the ``postgres`` OS user (initdb refuses root). Missing binaries fail, never skip.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

USER = "qinbound"
INSTALL_HINT = (
    "the PostgreSQL server binaries (initdb, pg_ctl) were not found; the PostgreSQL store "
    "tests start a throwaway server themselves: `apt-get install postgresql` (Debian), or put "
    "the folder holding initdb on PATH"
)
SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB"
)


@dataclass(frozen=True)
class PgServer:
    """A running throwaway server: its port, socket folder and a way to make databases."""

    port: int
    socket_dir: Path
    data_dir: Path
    run_as: list[str]
    counter: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "store") -> str:
        """A new empty database; returns its URL (no password in it)."""
        name = f"{prefix}_{next(self.counter)}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=USER, dbname="postgres", autocommit=True
        )

    def restart(self) -> None:
        """Restart the server (fast shutdown: open sessions are cut, as in a real restart)."""
        log = str(self.socket_dir / "server.log")
        self.pg_ctl("-l", log, "-m", "fast", "-w", "-t", "60", "restart")

    def pg_ctl(self, *arguments: str) -> None:
        command = [*self.run_as, _binary("pg_ctl"), "-D", str(self.data_dir), *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=60)


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if not candidates:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return str(candidates[0])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> list[str]:
    """As root, run the server as the ``postgres`` OS user; otherwise as ourselves."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    pytest.fail("running the tests as root needs `runuser` to start PostgreSQL as postgres")


def _initdb(base: Path, run_as: list[str], password: str) -> Path:
    data = base / "data"
    password_file = base / "initdb-password"
    password_file.write_text(password + "\n")
    if run_as:
        shutil.chown(base, "postgres")
        shutil.chown(password_file, "postgres")
    command = [
        *run_as,
        _binary("initdb"),
        "-D",
        str(data),
        "-U",
        USER,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={password_file}",
        "-E",
        "UTF8",
        "--no-sync",
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    password_file.unlink()
    return data


def _pgpass(base: Path, port: int, password: str) -> Path:
    path = base / "pgpass"
    path.write_text(f"127.0.0.1:{port}:*:{USER}:{password}\n")
    path.chmod(0o600)
    return path


@contextmanager
def running_server() -> Iterator[PgServer]:
    """Start a throwaway server; stop it and delete its folder when the block ends."""
    run_as = _run_as()
    base = Path(tempfile.mkdtemp(prefix="qinbound-pg-"))
    password = secrets.token_urlsafe(18)
    server = None
    previous = os.environ.get("PGPASSFILE")
    try:
        data = _initdb(base, run_as, password)
        port = _free_port()
        server = PgServer(port, base, data, run_as)
        options = f"{SETTINGS} -p {port} -k {base}"
        log = base / "server.log"
        server.pg_ctl("-l", str(log), "-o", options, "-w", "-t", "60", "start")
        os.environ["PGPASSFILE"] = str(_pgpass(base, port, password))
        yield server
    finally:
        if server is not None:
            server.pg_ctl("-m", "immediate", "-w", "stop")
        if previous is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = previous
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole session."""
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty database on the session's server (no password in it)."""
    return pg_server.create_database()
