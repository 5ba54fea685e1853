"""jupyter-scheduler's REST API on one Jupyter server: runtime environments, job definitions,
jobs, and the contents API for a notebook outside the server's folder.

Endpoints (``jupyter_scheduler/extension.py``): ``GET /scheduler/runtime_environments``,
``POST /scheduler/job_definitions`` and ``/scheduler/jobs`` (JSON: ``input_uri`` relative to
the server's folder, ``runtime_environment_name``, ``name``, ``parameters`` as text,
``output_formats``; a definition adds ``schedule``, a cron line, and ``timezone``), ``GET
/scheduler/jobs/{id}`` (``status``: COMPLETED, FAILED, IN_PROGRESS...). The server answers
its refusals with 500 and a ``message``; here they become ScheduleError in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from qinbound_nb.errors import ScheduleError
from qinbound_nb.scheduling.lab_server import JupyterServer

UPLOAD_FOLDER = "qinbound-jobs"  # where a notebook outside the server's folder is uploaded
TIMEOUT_S = 30.0


class SchedulerApi:
    """The jupyter-scheduler endpoints of one Jupyter server (``/scheduler/...``)."""

    def __init__(self, server: JupyterServer, *, transport: httpx.BaseTransport | None = None):
        self.server = server
        self._http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"token {server.token.get_secret_value()}"},
            timeout=TIMEOUT_S,
            transport=transport,
        )

    def __enter__(self) -> SchedulerApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection."""
        self._http.close()

    def environments(self) -> list[str]:
        """The runtime environments the server offers (the first is this Python's)."""
        return [str(env["name"]) for env in self._call("GET", "scheduler/runtime_environments")]

    def create_job_definition(self, definition: dict[str, Any]) -> str:
        """Create a job definition; its id."""
        return str(
            self._call("POST", "scheduler/job_definitions", json=definition)["job_definition_id"]
        )

    def job_definition(self, definition_id: str) -> dict[str, Any]:
        """A job definition as the server describes it."""
        return dict(self._call("GET", f"scheduler/job_definitions/{definition_id}"))

    def create_job(self, job: dict[str, Any]) -> str:
        """Start a job (one run) now; its id."""
        return str(self._call("POST", "scheduler/jobs", json=job)["job_id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """A job as the server describes it: ``status`` is COMPLETED, FAILED, IN_PROGRESS..."""
        return dict(self._call("GET", f"scheduler/jobs/{job_id}"))

    def notebook_path(self, notebook: Path) -> str:
        """``notebook`` as a path under the server's folder, uploading it there when outside."""
        root = self.server.root_dir
        if root is not None and notebook.resolve().is_relative_to(root.resolve()):
            return notebook.resolve().relative_to(root.resolve()).as_posix()
        self._call("PUT", f"api/contents/{UPLOAD_FOLDER}", json={"type": "directory"})
        target = f"{UPLOAD_FOLDER}/{notebook.name}"
        content = {"type": "file", "format": "text", "content": notebook.read_text("utf-8")}
        self._call("PUT", f"api/contents/{target}", json=content)
        return target

    def _call(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = self._http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise ScheduleError(
                f"cannot reach the Jupyter server at {self.server.url} ({exc}); is JupyterLab "
                "still running? Set QINBOUND_JUPYTER_URL to the server's address if it moved"
            ) from exc
        if response.status_code in (401, 403):
            raise ScheduleError(
                f"the Jupyter server at {self.server.url} refused the token; set "
                "QINBOUND_JUPYTER_TOKEN to the token JupyterLab prints when it starts"
            )
        if response.status_code == 404 and path.startswith("scheduler/"):
            raise ScheduleError(
                f"the Jupyter server at {self.server.url} has no jupyter-scheduler extension; "
                "install it (pip install jupyter-scheduler) and restart JupyterLab"
            )
        if response.is_error:
            raise ScheduleError(
                f"JupyterLab's scheduler refused {method} /{path} ({response.status_code}): "
                f"{_message(response)}"
            )
        return response.json() if response.content else None


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))[:300]
    except ValueError:
        return response.text[:300]


def wait_for_job(
    api: SchedulerApi,
    job_id: str,
    *,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Poll a job until it is COMPLETED, FAILED or STOPPED; the job's description."""
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    deadline = clock() + timeout_s
    while True:
        described = api.job(job_id)
        if _finished(described):
            return described
        if clock() > deadline:
            raise ScheduleError(f"JupyterLab job {job_id} did not finish in {timeout_s:.0f} s")
        sleep(0.5)


def _finished(job: dict[str, Any]) -> bool:
    # a new job reads STOPPED (the table's default) until its process marks it IN_PROGRESS
    started = job.get("start_time") is not None
    return job["status"] in ("COMPLETED", "FAILED") or (job["status"] == "STOPPED" and started)
