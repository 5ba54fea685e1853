"""The PostgreSQL password never leaves libpq: scan every artifact of runs into a server store.

The password is given only as ``PGPASSWORD``. Through the real CLI in child processes: a
direct run, a papermill run (the notebook's ``store`` parameter is the URL) and a URL that
carries the password (refused); in-process, a run against a port with no server. Then
every output, file, log record and every table of the store is searched for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from qinbound_nb import JobConfig, run_job

pytestmark = pytest.mark.slow

DAY_ONE = "2026-11-02T12:00:00+00:00"


def server_password() -> str:
    """The throwaway server's password, from the .pgpass the fixture wrote."""
    line = Path(os.environ["PGPASSFILE"]).read_text().strip()
    return line.rsplit(":", 1)[1]


def cli(workdir: Path, password: str, *args: str) -> str:
    env = os.environ | {
        "PGPASSWORD": password,
        "PGPASSFILE": os.devnull,
        "QINBOUND_SANDBOX_NOW": DAY_ONE,
    }
    done = subprocess.run(
        [sys.executable, "-m", "qinbound_nb", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    # the command line itself is the test's (it passes one URL with the password on purpose)
    return f"$ qinbound {args[0]} -> {done.returncode}\n{done.stdout}\n{done.stderr}"


def store_text(url: str) -> str:
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        parts = []
        for (table,) in tables:
            rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
            parts.append(f"== {table}\n" + "\n".join(map(repr, rows)))
    return "\n".join(parts)


def scan(folders: tuple[Path, ...], pg_url: str, artifacts: dict[str, str]) -> set[str]:
    """Names of the artifacts (files under ``folders``, store tables...) holding the password."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                artifacts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    artifacts["store tables"] = store_text(pg_url)
    assert "succeeded" in artifacts["store tables"]
    password = server_password()
    return {name for name, text in artifacts.items() if password in text}


def test_direct_runs_and_errors_never_show_the_password(
    tmp_path: Path,
    pg_url: str,
    isolated_home: Path,
    minimal_job: dict,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = server_password()
    JobConfig.from_dict(minimal_job).save(tmp_path / "job.json")
    nowhere = pg_url.rsplit(":", 1)[0] + ":1/nowhere"
    with_password = pg_url.replace("qinbound@", f"qinbound:{password}@")
    outputs = [
        cli(tmp_path, password, "run", "job.json", "--direct", "--store", pg_url),
        cli(tmp_path, password, "run", "job.json", "--direct", "--store", with_password),
    ]
    assert "-> 0" in outputs[0], outputs
    assert "carries a password" in outputs[1], outputs[1]

    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", DAY_ONE)
    monkeypatch.setenv("PGPASSWORD", password)
    with caplog.at_level(logging.DEBUG):
        refused = run_job(tmp_path / "job.json", store=with_password)
        unreachable = run_job(tmp_path / "job.json", store=nowhere)
    assert refused.status == unreachable.status == "failed"

    artifacts = {"cli": "\n".join(outputs), "logs": caplog.text}
    artifacts |= {"reports": refused.summary() + unreachable.summary()}
    assert scan((tmp_path, isolated_home), pg_url, artifacts) == set()


def test_a_papermill_run_into_a_server_store_leaves_no_password_in_its_notebooks(
    tmp_path: Path, pg_url: str, isolated_home: Path, minimal_job: dict
) -> None:
    password = server_password()
    JobConfig.from_dict(minimal_job).save(tmp_path / "job.json")
    output = cli(tmp_path, password, "run", "job.json", "--store", pg_url)
    assert "-> 0" in output, output
    artifacts = {"cli": output}
    assert scan((tmp_path, isolated_home), pg_url, artifacts) == set()
    notebooks = [name for name in artifacts if name.endswith(".ipynb")]
    assert len(notebooks) >= 2 and any(pg_url in artifacts[name] for name in notebooks)
