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
from pathlib import Path

from qinbound_nb.errors import QInboundError, ScheduleError
from qinbound_nb.job.config import JobConfig, Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind
from qinbound_nb.local.settings import Settings
from qinbound_nb.scheduling.crontab import CRON_WEEKDAYS
from qinbound_nb.scheduling.lab_api import SchedulerApi
from qinbound_nb.scheduling.lab_server import JupyterServer, find_jupyter_server, this_kernel_id
from qinbound_nb.scheduling.recurrence import starts_on_time


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


def scheduler_server() -> JupyterServer | None:
    """The server to schedule on, when jupyter-scheduler is installed here, this code runs in a
    kernel (or ``QINBOUND_JUPYTER_URL`` names a server) and that server answers for the
    extension; None otherwise (the wizard then offers no JupyterLab schedule)."""
    if not extension_installed():
        return None
    try:
        if this_kernel_id() is None and not Settings().jupyter_url:
            return None  # a script or a test: no server runs this code
        server = find_jupyter_server()
        with SchedulerApi(server) as api:
            api.environments()
    except QInboundError:
        return None
    return server


def schedule_job(
    job: JobConfig,
    notebook: Path,
    *,
    job_path: Path,
    store: str,
    server: JupyterServer | None = None,
) -> dict[str, str]:
    """:func:`schedule_in_jupyterlab` on ``server`` (default: the one this kernel runs under)."""
    with SchedulerApi(server or find_jupyter_server()) as api:
        return schedule_in_jupyterlab(job, notebook, job_path=job_path, store=store, api=api)
