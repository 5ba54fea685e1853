"""jupyter-scheduler for real: a Jupyter server with the extension runs the exported notebook
with raw-text parameters into a store, and "Schedule in JupyterLab" creates job definitions
on it with the job's cron line and time zone.

One server for the module, on a free loopback port with its own token, folder, scheduler
database, staging area and runtime folder; its kernels run this venv with the sandbox clock
pinned, so a run loads the demo survey's 2,736 responses.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from qinbound_nb import JobConfig, Store, export_notebook
from qinbound_nb.errors import ScheduleError
from qinbound_nb.local.settings import Settings
from qinbound_nb.scheduling.jupyterlab import schedule_in_jupyterlab
from qinbound_nb.scheduling.lab_api import SchedulerApi, wait_for_job
from qinbound_nb.scheduling.lab_server import JupyterServer, find_jupyter_server
from qinbound_nb.widgets.steps.lab_schedule import LabSchedulePanel
from qinbound_nb.widgets.tasks import SynchronousExecutor

pytestmark = pytest.mark.slow

TEMPLATE_JOB = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
SANDBOX_NOW = "2026-11-20T06:30:00Z"  # the demo's first run: 2,736 responses
STARTUP_S = 45.0


@dataclass
class LabServer:
    server: JupyterServer
    root: Path
    runtime_dir: Path
    process: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINBOUND_")}
    return env | {
        "QINBOUND_HOME": str(base / "home"),
        "QINBOUND_SANDBOX_NOW": SANDBOX_NOW,
        "QINBOUND_SANDBOX_SEED": "0",
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "PYTHONWARNINGS": "ignore",  # the server's own deprecation noise stays in its log
    }


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    base = Path(tempfile.mkdtemp(prefix="qinbound-lab-"))
    root, port, token = base / "root", _free_port(), secrets.token_hex(16)
    root.mkdir()
    log = base / "server.log"
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.allow_root=True",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--SchedulerApp.db_url=sqlite:///{base / 'scheduler.sqlite'}",
        f"--Scheduler.staging_path={base / 'staging'}",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=_environment(base), stdout=output, stderr=subprocess.STDOUT, cwd=base
        )
    server = JupyterServer(f"http://127.0.0.1:{port}/", SecretStr(token), root)
    running = LabServer(server, root, base / "runtime", process, log)
    try:
        _wait_until_up(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def api(lab: LabServer) -> Iterator[SchedulerApi]:
    with SchedulerApi(lab.server) as opened:
        yield opened


def _wait_until_up(lab: LabServer) -> None:
    deadline = time.monotonic() + STARTUP_S
    headers = {"Authorization": f"token {lab.server.token.get_secret_value()}"}
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            pytest.fail(f"the Jupyter server exited: {lab.log.read_text()[-2000:]}")
        try:
            answer = httpx.get(
                f"{lab.server.url}scheduler/runtime_environments", headers=headers, timeout=2
            )
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the Jupyter server did not answer in {STARTUP_S:.0f} s")


def exported(lab: LabServer, schedule: dict | None = None, folder: Path | None = None) -> Path:
    data = JobConfig.load(TEMPLATE_JOB).model_dump(mode="json")
    if schedule is not None:
        data["schedule"] = schedule
    folder = folder or lab.root
    return export_notebook(JobConfig.from_dict(data), folder / "nps.ipynb")


def test_a_job_with_raw_text_parameters_loads_the_store(lab: LabServer, api: SchedulerApi) -> None:
    notebook = exported(lab)
    job_path, store = lab.root / "nps.job.json", lab.root.parent / "qinbound.duckdb"
    started = time.monotonic()
    job_id = api.create_job({
        "input_uri": "nps.ipynb", "runtime_environment_name": api.environments()[0],
        "name": "nps-weekly", "output_formats": ["ipynb"],
        # as typed in JupyterLab's "Create Job" dialog: raw text, no quotes
        "parameters": {"job_path": str(job_path), "store": str(store), "dry_run": "false"},
    })  # fmt: skip
    described = wait_for_job(api, job_id, timeout_s=25)
    took = time.monotonic() - started
    assert described["status"] == "COMPLETED", described.get("status_message")
    assert took < 25, f"the scheduled run took {took:.1f} s"
    with Store.open(store) as opened:
        documents = opened.documents("customer_feedback")
        runs = opened.run_records("nps-weekly")
    assert len(documents) == 2736
    assert [run["status"] for run in runs] == ["succeeded"]
    assert notebook.exists()


def test_a_value_the_notebook_cannot_read_fails_the_job_with_its_message(
    lab: LabServer, api: SchedulerApi
) -> None:
    exported(lab)
    job_id = api.create_job({
        "input_uri": "nps.ipynb", "runtime_environment_name": api.environments()[0],
        "name": "bad-flag", "output_formats": ["ipynb"], "parameters": {"dry_run": "perhaps"},
    })  # fmt: skip
    described = wait_for_job(api, job_id, timeout_s=25)
    assert described["status"] == "FAILED"
    assert "dry_run='perhaps' cannot be read as true or false" in described["status_message"]


WEEKLY = {"kind": "recurring", "frequency": "weekly", "days": ["mon", "wed"],
          "starts_on": "07:15", "timezone": "America/New_York"}  # fmt: skip


def test_schedule_in_jupyterlab_creates_the_definition_with_cron_and_zone(
    lab: LabServer, api: SchedulerApi
) -> None:
    notebook = exported(lab, WEEKLY)
    job = JobConfig.load(lab.root / "nps.job.json")
    store = str(lab.root.parent / "qinbound.duckdb")
    created = schedule_in_jupyterlab(
        job, notebook, job_path=lab.root / "nps.job.json", store=store, api=api
    )
    definition = api.job_definition(created["nps-weekly"])
    assert definition["schedule"] == "15 7 * * 1,3"
    assert definition["timezone"] == "America/New_York"
    assert definition["input_filename"] == "nps.ipynb" and definition["active"]
    assert definition["parameters"] == {
        "job_path": repr(str((lab.root / "nps.job.json").resolve())),
        "store": repr(store),
    }


def test_day_30_becomes_two_definitions_and_a_drifting_hourly_none(
    lab: LabServer, api: SchedulerApi, tmp_path: Path
) -> None:
    monthly = {**WEEKLY, "frequency": "monthly", "day_of_month": 30, "timezone": "Asia/Tokyo"}
    notebook = exported(lab, monthly, folder=tmp_path)  # outside the server's folder: uploaded
    job = JobConfig.load(tmp_path / "nps.job.json")
    job_file = tmp_path / "nps.job.json"
    created = schedule_in_jupyterlab(job, notebook, job_path=job_file, store="s.duckdb", api=api)
    schedules = {name: api.job_definition(i)["schedule"] for name, i in created.items()}
    assert schedules == {"nps-weekly": "15 7 30 1,3-12 *", "nps-weekly (February)": "15 7 L 2 *"}
    assert (lab.root / "qinbound-jobs" / "nps.ipynb").exists()
    drifting = JobConfig.from_dict(
        job.model_dump(mode="json")
        | {"schedule": {**WEEKLY, "frequency": "hourly", "every_hours": 5}}
    )
    with pytest.raises(ScheduleError, match="cannot say"):
        schedule_in_jupyterlab(drifting, notebook, job_path=tmp_path, store="s", api=api)


def test_the_wizard_panel_schedules_on_the_configured_server(
    lab: LabServer, api: SchedulerApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_JUPYTER_URL", lab.server.url)
    monkeypatch.setenv("QINBOUND_JUPYTER_TOKEN", lab.server.token.get_secret_value())
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(lab.runtime_dir))
    notebook = exported(lab, WEEKLY)
    job = JobConfig.load(lab.root / "nps.job.json")
    panel = LabSchedulePanel(SynchronousExecutor())  # the real JupyterLabScheduling
    panel.offer(job, lab.root / "nps.job.json", notebook, lab.root.parent / "qinbound.duckdb")
    assert panel.widget.layout.display == "flex"
    panel.button.click()
    assert not panel.messages.text
    definition = api.job_definition(panel.created["nps-weekly"])
    assert (definition["schedule"], definition["timezone"]) == ("15 7 * * 1,3", "America/New_York")
    assert definition["input_filename"] == "nps.ipynb"
    assert "<code>15 7 * * 1,3</code> in America/New_York" in panel.result.value


def test_the_server_is_found_from_the_running_servers(
    lab: LabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(lab.runtime_dir))
    monkeypatch.delenv("QINBOUND_JUPYTER_URL", raising=False)
    found = find_jupyter_server(settings=Settings())
    assert found.url == lab.server.url and found.root_dir == lab.root
    headers = {"Authorization": f"token {lab.server.token.get_secret_value()}"}
    kernel = httpx.post(f"{lab.server.url}api/kernels", headers=headers, json={}, timeout=10)
    kernel_id = kernel.json()["id"]
    try:  # the kernel's connection file carries its id (what this_kernel_id reads)
        assert (lab.runtime_dir / f"kernel-{kernel_id}.json").exists()
        elsewhere = {"url": "http://127.0.0.1:9/", "token": "x", "root_dir": "/elsewhere"}
        real = {"url": lab.server.url, "token": lab.server.token.get_secret_value(),
                "root_dir": str(lab.root)}  # fmt: skip
        chosen = find_jupyter_server(
            settings=Settings(), servers=[elsewhere, real], kernel_id=kernel_id
        )
        assert chosen.url == lab.server.url
        with pytest.raises(ScheduleError, match="none of them runs this kernel"):
            find_jupyter_server(settings=Settings(), servers=[elsewhere, real], kernel_id="nope")
    finally:
        httpx.delete(f"{lab.server.url}api/kernels/{kernel_id}", headers=headers, timeout=10)
