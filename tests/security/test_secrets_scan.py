"""Scan every artifact of a full flow for the API token and for the raw PII the sandbox planted.

The flow, through the real CLI in child processes (and once in-process for the logs):
``connections add`` (token on stdin), ``validate``, ``export``, ``run`` under papermill with a
real kernel, ``run --direct`` a day later, a failing run, ``history``, ``jobs``, ``report``,
with a webhook on every event caught by a local HTTP server. Then every file left behind
(notebooks, their papermill parameters, the store's bytes and every table's text, reports,
job files), every CLI output, every webhook payload and every log record is searched.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.sandbox.simulator import NPS_SURVEY_ID, Sandbox

pytestmark = pytest.mark.slow

TOKEN = "QTK-secret-scan-4f9a1c77e2b0d5"
DAY_ONE = "2026-11-02T12:00:00+00:00"
DAY_TWO = "2026-11-03T06:00:00+00:00"


class Webhook:
    """A local HTTP server that keeps every body POSTed to it."""

    def __init__(self) -> None:
        bodies: list[bytes] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.bodies = bodies
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/qinbound"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def workdir(tmp_path: Path, isolated_home: Path, webhook: Webhook) -> Path:
    job = {
        "name": "nps-secrets",
        "project": "customer_feedback",
        "connection": "acme-sandbox",
        "source": {"type": "survey", "survey_id": NPS_SURVEY_ID},
        "mapping": {
            "fields": [
                {"source": "QID1", "name": "nps_score", "type": "number"},
                {"source": "QID2_TEXT", "name": "nps_comment", "type": "verbatim"},
            ]
        },
        "rules": {"pii": ["email", "phone", "credit_card", "ssn", "ip"], "apply_to": "verbatims"},
        "notifications": {"on": ["success", "failure", "warning"], "webhook": webhook.url},
    }
    JobConfig.from_dict(job).save(tmp_path / "job.json")
    return tmp_path


def cli(workdir: Path, *args: str, now: str = DAY_ONE, faults: str = "", stdin: str = "") -> str:
    """Run ``qinbound ARGS`` in a child process; return its stdout and stderr together."""
    env = os.environ | {
        "QINBOUND_TOKEN_ACME_SANDBOX": TOKEN,
        "QINBOUND_SANDBOX_NOW": now,
        "QINBOUND_SANDBOX_FAULTS": faults,
        "QINBOUND_STORE": str(workdir / "store.duckdb"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "qinbound_nb", *args],
        cwd=workdir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return f"$ qinbound {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"


def store_text(path: Path) -> str:
    """Every row of every table in the store, as text."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        ]
        parts = []
        for table in tables:
            frame = connection.execute(f'SELECT * FROM "{table}"').df()
            parts.append(f"== {table}\n{frame.to_csv(index=False)}")
    return "\n".join(parts)


def planted_pii() -> set[str]:
    moment = datetime.fromisoformat(DAY_TWO).astimezone(UTC)
    return Sandbox(0, now=moment).planted_pii(NPS_SURVEY_ID)


def leaks(artifacts: dict[str, str], secrets: set[str]) -> dict[str, list[str]]:
    found = {name: sorted(s for s in secrets if s in text) for name, text in artifacts.items()}
    return {name: values for name, values in found.items() if values}


def test_no_artifact_of_a_full_flow_holds_the_token_or_raw_pii(
    workdir: Path,
    webhook: Webhook,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outputs = [
        cli(
            workdir,
            "connections",
            "add",
            "acme-sandbox",
            "--datacenter",
            "sandbox",
            stdin=TOKEN + "\n",
        ),
        cli(workdir, "connections", "list"),
        cli(workdir, "connections", "check", "acme-sandbox"),
        cli(workdir, "validate", "job.json"),
        cli(workdir, "export", "job.json", "-o", "exported.ipynb"),
        cli(workdir, "run", "job.json"),
        cli(workdir, "run", "job.json", "--direct", now=DAY_TWO),
        cli(workdir, "run", "job.json", "--direct", now=DAY_TWO, faults="failed@export*2"),
        cli(workdir, "run", "job.json", now=DAY_TWO, faults="expired@*=1"),
        cli(workdir, "history", "job.json"),
        cli(workdir, "jobs"),
    ]
    with duckdb.connect(str(workdir / "store.duckdb"), read_only=True) as connection:
        run_ids = [
            row[0] for row in connection.execute("SELECT run_id, status FROM runs").fetchall()
        ]
        statuses = [row[0] for row in connection.execute("SELECT status FROM runs").fetchall()]
    assert len(run_ids) == 4 and statuses.count("failed") == 2, outputs
    for number, run_id in enumerate(run_ids):
        outputs.append(cli(workdir, "report", run_id, "-o", f"report-{number}.csv"))

    # once more in this process, for the log records and the exception messages
    monkeypatch.setenv("QINBOUND_TOKEN_ACME_SANDBOX", TOKEN)
    connection = ConnectionStore().get("acme-sandbox")  # the token from the variable above
    now = datetime.fromisoformat(DAY_TWO)
    sandbox = Sandbox(0, now=now, faults="500@file,expired@*=3")
    with (
        caplog.at_level(logging.DEBUG),
        QualtricsClient(connection, transport=sandbox.transport()) as client,
    ):
        failed = run_job(
            workdir / "job.json", store=workdir / "other.duckdb", client=client, now=now
        )
    assert failed.status == "failed"
    with pytest.raises(Exception) as raised:
        failed.raise_for_status()

    artifacts = {"cli": "\n".join(outputs), "logs": caplog.text, "exception": str(raised.value)}
    artifacts["report"] = failed.summary()
    artifacts |= {f"webhook {n}": body.decode() for n, body in enumerate(webhook.bodies)}
    connections_file = isolated_home / "connections.json"
    for folder in (workdir, isolated_home):
        for path in folder.rglob("*"):
            if path.is_file() and path != connections_file:
                artifacts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for store in ("store.duckdb", "other.duckdb"):
        artifacts[f"{store} tables"] = store_text(workdir / store)

    # the flow really produced what the scan looks at
    notebooks = [name for name in artifacts if name.endswith(".ipynb")]
    assert len(notebooks) >= 4, notebooks  # exported, production, two executed
    parameters = [
        json.loads(artifacts[name])["metadata"]["papermill"]["parameters"]
        for name in notebooks
        if "papermill" in json.loads(artifacts[name])["metadata"]
    ]
    assert parameters and all("token" not in json.dumps(p).lower() for p in parameters)
    assert len(webhook.bodies) >= 4
    assert any(name.endswith(".csv") for name in artifacts)
    pii = planted_pii()
    assert len(pii) > 50

    assert leaks(artifacts, {TOKEN}) == {}
    assert leaks(artifacts, pii) == {}
    assert connections_file.exists() and TOKEN in connections_file.read_text()


def test_the_connections_file_and_folder_are_private(workdir: Path, isolated_home: Path) -> None:
    cli(workdir, "connections", "add", "acme", "--datacenter", "iad1", stdin=TOKEN + "\n")
    path = isolated_home / "connections.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cli(workdir, "connections", "add", "other", "--datacenter", "fra1", stdin="x-token\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a rewrite keeps the mode
    path.chmod(0o644)
    shown = cli(workdir, "connections", "list")
    assert "-> 2" in shown and "chmod 600" in shown and TOKEN not in shown


def test_the_scan_sees_raw_pii_when_redaction_is_off(workdir: Path, sandbox_at) -> None:
    """A control: the same scan does find planted values when nothing redacts them."""
    job = JobConfig.load(workdir / "job.json")
    rules = job.rules.model_copy(update={"pii": []})
    bare = job.model_copy(update={"rules": rules, "connection": "sandbox"})
    assert run_job(bare, store=workdir / "bare.duckdb", **sandbox_at(DAY_TWO)).ok
    found = leaks({"store": store_text(workdir / "bare.duckdb")}, planted_pii())
    assert len(found["store"]) > 50
