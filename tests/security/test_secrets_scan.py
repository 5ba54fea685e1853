"""Scan every artifact of a full flow for the API token and for the raw PII the sandbox planted.

The flow runs through the CLI's ``main`` as a shell calls it (token in the environment or on
stdin, the working folder, the sandbox clock), every log record captured, a webhook on every
event caught by a local HTTP server, in two halves scanned alike. The notebook flow:
``connections add`` (token on stdin), ``list``, ``check``, ``validate``, ``export``, ``run``
under papermill with a real kernel, and a papermill run failing on an expired token. The
direct flow: ``run --direct`` on two days and a failing one, ``history``, ``jobs``,
``report`` of each run, and a failing ``run_job`` for its exception. Then every file left
behind (notebooks, their papermill parameters, the store's bytes and every table's text,
reports, job files), every CLI output, every webhook payload and every log record is
searched.
"""

from __future__ import annotations

import io
import json
import logging
import stat
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.cli.main import main
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.sandbox.simulator import NPS_SURVEY_ID, Sandbox

pytestmark = pytest.mark.slow

TOKEN = "QTK-secret-scan-4f9a1c77e2b0d5"
DAY_ONE = "2026-11-02T12:00:00+00:00"
DAY_TWO = "2026-11-03T06:00:00+00:00"
EXPORTED_NOTEBOOKS = ["exported.ipynb", "production.ipynb"]
PLANTED_PII = 141  # PII values the sandbox planted in the NPS survey by DAY_TWO


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


def shell_env(workdir: Path, now: str, faults: str) -> dict[str, str]:
    """What a shell running ``qinbound`` in ``workdir`` would export."""
    return {
        "QINBOUND_TOKEN_ACME_SANDBOX": TOKEN,
        "QINBOUND_SANDBOX_NOW": now,
        "QINBOUND_SANDBOX_FAULTS": faults,
        "QINBOUND_STORE": str(workdir / "store.duckdb"),
    }


@dataclass
class Cli:
    """``qinbound ARGS`` through ``main``, in ``workdir``, with the shell's variables and stdin."""

    workdir: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, now: str = DAY_ONE, faults: str = "", stdin: str = "") -> str:
        """Run one command; return what it printed, stdout and stderr together."""
        for name, value in shell_env(self.workdir, now, faults).items():
            self.monkeypatch.setenv(name, value)
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return f"$ qinbound {' '.join(args)} -> {code}\n{out}\n{err}"


@pytest.fixture
def cli(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.chdir(workdir)
    return Cli(workdir, monkeypatch, capsys)


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


def run_statuses(workdir: Path) -> list[tuple[str, str]]:
    """The store's runs, oldest first: (run id, status)."""
    with duckdb.connect(str(workdir / "store.duckdb"), read_only=True) as connection:
        query = "SELECT run_id, status FROM runs ORDER BY started_at"
        return [(row[0], row[1]) for row in connection.execute(query).fetchall()]


def artifacts_of(
    workdir: Path, home: Path, outputs: list[str], logs: str, webhook: Webhook
) -> dict[str, str]:
    """Everything a flow left behind, by name: outputs, logs, webhooks, files, store tables."""
    artifacts = {"cli": "\n".join(outputs), "logs": logs}
    artifacts |= {f"webhook {n}": body.decode() for n, body in enumerate(webhook.bodies)}
    for folder in (workdir, home):
        for path in folder.rglob("*"):
            if path.is_file() and path != home / "connections.json":
                artifacts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for store in workdir.glob("*.duckdb"):
        artifacts[f"{store.name} tables"] = store_text(store)
    return artifacts


def assert_nothing_leaks(artifacts: dict[str, str], home: Path) -> None:
    """Neither the token nor any planted PII value is in any artifact (only in the token file)."""
    pii = planted_pii()
    assert len(pii) == PLANTED_PII
    assert leaks(artifacts, {TOKEN}) == {}
    assert leaks(artifacts, pii) == {}
    assert TOKEN in (home / "connections.json").read_text()


def test_no_artifact_of_the_notebook_flow_holds_the_token_or_raw_pii(
    workdir: Path,
    webhook: Webhook,
    isolated_home: Path,
    cli: Cli,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set up, export, run under papermill, then a papermill run failing on an expired token."""
    caplog.set_level(logging.DEBUG)
    outputs = [
        cli("connections", "add", "acme-sandbox", "--datacenter", "sandbox", stdin=TOKEN + "\n"),
        cli("connections", "list"),
        cli("connections", "check", "acme-sandbox"),
        cli("validate", "job.json"),
        cli("export", "job.json", "-o", "exported.ipynb"),
        cli("run", "job.json"),
        cli("run", "job.json", now=DAY_TWO, faults="expired@*=1"),
    ]
    runs = run_statuses(workdir)
    assert [status for _, status in runs] == ["succeeded", "failed"], outputs
    artifacts = artifacts_of(workdir, isolated_home, outputs, caplog.text, webhook)

    # the flow really produced what the scan looks at: the exported and production notebooks
    # and the output notebook of each papermill run
    names = sorted(Path(name).name for name in artifacts if name.endswith(".ipynb"))
    assert names == sorted([f"{run_id}.ipynb" for run_id, _ in runs] + EXPORTED_NOTEBOOKS)
    notebooks = [json.loads(artifacts[name]) for name in artifacts if name.endswith(".ipynb")]
    parameters = [n["metadata"]["papermill"]["parameters"] for n in notebooks
                  if "papermill" in n["metadata"]]  # fmt: skip
    assert len(parameters) == 2 and all("token" not in json.dumps(p).lower() for p in parameters)
    assert len(webhook.bodies) == 2  # success, failure
    assert_nothing_leaks(artifacts, isolated_home)


def test_no_artifact_of_the_direct_flow_holds_the_token_or_raw_pii(
    workdir: Path,
    webhook: Webhook,
    isolated_home: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Direct runs on two days and a failing one, history, jobs, reports, a run's exception."""
    caplog.set_level(logging.DEBUG)
    outputs = [
        cli("connections", "add", "acme-sandbox", "--datacenter", "sandbox", stdin=TOKEN + "\n"),
        cli("run", "job.json", "--direct"),
        cli("run", "job.json", "--direct", now=DAY_TWO),
        cli("run", "job.json", "--direct", now=DAY_TWO, faults="failed@export*2"),
        cli("history", "job.json"),
        cli("jobs"),
    ]
    runs = run_statuses(workdir)
    assert [status for _, status in runs] == ["succeeded", "succeeded", "failed"], outputs
    for number, (run_id, _) in enumerate(runs):
        outputs.append(cli("report", run_id, "-o", f"report-{number}.csv"))

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

    artifacts = artifacts_of(workdir, isolated_home, outputs, caplog.text, webhook)
    artifacts |= {"exception": str(raised.value), "report": failed.summary()}
    assert sorted(name for name in artifacts if name.endswith(".csv")) == [
        str(workdir / f"report-{number}.csv") for number in range(3)
    ]
    assert len(webhook.bodies) == 4  # success, success, failure, failure
    assert_nothing_leaks(artifacts, isolated_home)


def test_the_connections_file_and_folder_are_private(cli: Cli, isolated_home: Path) -> None:
    cli("connections", "add", "acme", "--datacenter", "iad1", stdin=TOKEN + "\n")
    path = isolated_home / "connections.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cli("connections", "add", "other", "--datacenter", "fra1", stdin="x-token\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a rewrite keeps the mode
    path.chmod(0o644)
    shown = cli("connections", "list")
    assert "-> 2" in shown and "chmod 600" in shown and TOKEN not in shown


def test_the_scan_sees_raw_pii_when_redaction_is_off(workdir: Path, sandbox_at) -> None:
    """A control: the same scan does find planted values when nothing redacts them."""
    job = JobConfig.load(workdir / "job.json")
    rules = job.rules.model_copy(update={"pii": []})
    bare = job.model_copy(update={"rules": rules, "connection": "sandbox"})
    assert run_job(bare, store=workdir / "bare.duckdb", **sandbox_at(DAY_TWO)).ok
    found = leaks({"store": store_text(workdir / "bare.duckdb")}, planted_pii())
    assert len(found["store"]) == PLANTED_PII
