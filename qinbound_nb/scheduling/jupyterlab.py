"""Scheduling a job in JupyterLab: job definitions created through jupyter-scheduler's REST API.

jupyter-scheduler (the "Create Notebook Job" extension) keeps a job definition per schedule:
a notebook copied into its staging area, a cron line read by ``croniter`` in a time zone, and
parameters injected as raw ``key = value`` text (``notebooks/parameters.py`` reads them). The
definition gets the job's own cron line and zone where one line says the schedule exactly;
monthly on day 29 or 30 becomes two definitions (the months that have the day, and
February's last day); hourly every X hours with ``24 % X != 0`` drifts across midnight, which
no cron line can say, so it is refused rather than approximated. One difference remains:
a slot inside a spring-forward gap (02:30 on a night clocks jump 02:00 -> 03:00) runs at 03:30
under croniter, at 03:00 under qinbound's own scheduler. Parameters are only the job file and
the store, never the Qualtrics token: the run reads that from the connection.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from qinbound_nb.errors import ScheduleError
from qinbound_nb.job.config import JobConfig, Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind
from qinbound_nb.scheduling.crontab import CRON_WEEKDAYS
from qinbound_nb.scheduling.lab_server import JupyterServer
from qinbound_nb.scheduling.recurrence import starts_on_time

UPLOAD_FOLDER = "qinbound-jobs"  # where a notebook outside the server's folder is uploaded
TIMEOUT_S = 30.0


def extension_installed() -> bool:
    """True when jupyter-scheduler can be imported here (the server still has to load it)."""
    return importlib.util.find_spec("jupyter_scheduler") is not None


def jupyterlab_crons(name: str, schedule: Schedule) -> dict[str, str]:
    """Definition name -> the cron line (read in the schedule's zone) that fires at its slots.

    Raises:
        ScheduleError: the job runs once, or no cron line can say its schedule.
    """
    at = starts_on_time(schedule)
    minute_hour = f"{at.minute} {at.hour}"
    if schedule.kind == ScheduleKind.ONCE:
        raise ScheduleError(
            f"job {name!r} runs once, so there is nothing for JupyterLab to schedule; use Run "
            "now, or give the job a recurring schedule (step 'Schedule') and save it again"
        )
    if schedule.frequency == Frequency.HOURLY:
        return {name: f"{at.minute} {_hours(schedule, at.hour)} * * *"}
    if schedule.frequency == Frequency.WEEKLY:
        days = ",".join(str(number) for number in sorted({CRON_WEEKDAYS[d] for d in schedule.days}))
        return {name: f"{minute_hour} * * {days}"}
    if schedule.frequency == Frequency.MONTHLY:
        day = schedule.day_of_month
        if day in (29, 30):
            return {
                name: f"{minute_hour} {day} 1,3-12 *",
                f"{name} (February)": f"{minute_hour} L 2 *",
            }
        return {name: f"{minute_hour} {'L' if day == 31 else day} * *"}
    return {name: f"{minute_hour} * * *"}


def _hours(schedule: Schedule, start_hour: int) -> str:
    every = schedule.every_hours
    if 24 % every:
        raise ScheduleError(
            f"every {every} hours from {schedule.starts_on} runs at times that move from day to "
            "day across midnight, which a cron line (all JupyterLab's scheduler reads) cannot "
            "say, so no JupyterLab schedule was created; choose every 1, 2, 3, 4, 6, 8 or 12 "
            "hours, or let qinbound's own scheduler run it (qinbound schedule JOB --install)"
        )
    return ",".join(
        str(hour) for hour in sorted({(start_hour + k * every) % 24 for k in range(24)})
    )


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


def schedule_in_jupyterlab(
    job: JobConfig,
    notebook: Path,
    *,
    job_path: Path,
    store: str,
    api: SchedulerApi,
) -> dict[str, str]:
    """Create the job definition(s) that run ``notebook`` on the job's schedule.

    Returns:
        Definition name -> its id on the server.

    Raises:
        ScheduleError: no cron line can say the schedule (nothing is created), or the server
            refused or could not be reached.
    """
    crons = jupyterlab_crons(job.name, job.schedule)  # before anything is created
    environments = api.environments()
    if not environments:
        raise ScheduleError("JupyterLab's scheduler offers no runtime environment to run in")
    common = {
        "input_uri": api.notebook_path(notebook),
        "runtime_environment_name": environments[0],
        "output_formats": ["ipynb"],
        # Python literals: the notebook reads raw text too, but quoted paths read the same in
        # any notebook and show plainly in JupyterLab's "Notebook Job Definitions" panel
        "parameters": {"job_path": repr(str(job_path.resolve())), "store": repr(store)},
        "timezone": job.schedule.timezone,
    }
    return {
        name: api.create_job_definition({**common, "name": name, "schedule": cron})
        for name, cron in crons.items()
    }


def wait_for_job(
    api: SchedulerApi,
    job_id: str,
    *,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Poll a job until it is COMPLETED, FAILED or STOPPED; the job's description."""
    import time

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
