"""An Apache Airflow (3.x) DAG file that runs a job with ``qinbound run`` on the job's schedule.

Why a task that calls ``qinbound run`` rather than the Papermill provider's operator: Airflow
pins its own dependency set (SQLAlchemy, pydantic, FastAPI...) and qinbound's (pandas,
pyarrow, DuckDB, psycopg) need not agree with it, so the worker calls the ``qinbound``
command of qinbound's own environment (recorded when the DAG is written). That command
already runs the exported notebook through papermill, creates the folder for the output
notebook, records the run in the store, prints the run's status and counts (the task
log shows them) and exits 2 when the input needs a person (nothing ran). A failed run
whose ``--report-json`` outcome says a retry cannot help (the token, the job, a survey
that is gone) fails the task at once (``AirflowFailException``); other failures retry with
exponential backoff up to ``max_retry_delay``.

The file uses Airflow 3's ``airflow.sdk`` (``DAG``, ``@task``), cron strings evaluated in the
job's time zone, ``catchup=False`` (after downtime only the latest slot runs, as our
scheduler catches up once), ``max_active_runs=1`` (a slow run never overlaps the next) and a
pool per Qualtrics datacenter (``qinbound_<datacenter>``) that caps concurrent jobs. Where
one cron string cannot say it, the file holds several DAGs:

- monthly day 29 or 30: one DAG for the months that have the day, one for February's last day;
- monthly day 31: croniter's ``L`` (last day of the month);
- hourly every X with ``24 % X != 0``: a ``timedelta`` schedule from the anchor (starts-on on
  the anchor's day, ``REFERENCE_DAY`` by default), which counts elapsed hours, so it drifts by
  an hour across DST changes.

Secrets stay out of the file: the token is read on the worker from ``QINBOUND_TOKEN_<CONNECTION>``
(or its connections file), and a store URL carrying a password is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind
from qinbound_nb.local.settings import token_variable
from qinbound_nb.scheduling.airflow_template import DAG_FILE
from qinbound_nb.scheduling.recurrence import (
    REFERENCE_DAY,
    describe_schedule,
    starts_on_time,
    zone_of,
)
from qinbound_nb.store.backend import Location, describe, is_url

__all__ = ["airflow_dag", "airflow_schedules", "pool_name"]


def pool_name(datacenter: str) -> str:
    """The Airflow pool shared by every qinbound job calling ``datacenter``."""
    return "qinbound_" + re.sub(r"[^A-Za-z0-9_]", "_", datacenter).lower()


def airflow_dag(
    job_path: Path | str,
    schedule: Schedule,
    *,
    qinbound: Sequence[str],
    job_name: str | None = None,
    connection: str = "",
    datacenter: str = "sandbox",
    store: Location | None = None,
    anchor: datetime | None = None,
    cell_timeout_s: int = 3600,
    execution_timeout_s: int = 4 * 3600,
    retries: int = 3,
    retry_delay_s: int = 300,
    max_retry_delay_s: int = 3600,
) -> str:
    """The Python source of an Airflow DAG file running ``qinbound run JOB`` on ``schedule``.

    Args:
        job_path: the job file the task runs (recorded as an absolute path).
        schedule: the job's schedule; a one-time job gets a DAG that runs only when triggered.
        qinbound: the command that starts qinbound on the worker, e.g.
            ``["/opt/qinbound/.venv/bin/qinbound"]`` (``QINBOUND_EXECUTABLE`` overrides it).
        job_name: names the DAG (default: the job file's stem).
        connection: the job's connection, to tell operators which variable holds the token.
        datacenter: the connection's datacenter, which names the pool.
        store: the store passed as ``--store`` (None: qinbound's default on the worker).
        anchor: the moment the schedule counts from (its day, at starts-on, in the job's time
            zone, is the DAGs' start date); None: ``REFERENCE_DAY``, as the scheduler does.
        cell_timeout_s: the notebook's per-cell timeout (``qinbound run --timeout``).
        execution_timeout_s: the task's execution timeout.
        retries: how often Airflow retries a run that may pass later.
        retry_delay_s: the first retry's delay; it doubles each time, up to max_retry_delay_s.

    Raises:
        ConfigError: the store URL carries a password.
    """
    name = re.sub(r"[^A-Za-z0-9 _.\-]", "_", job_name or Path(job_path).stem)  # safe in a docstring
    dag_id = "qinbound_" + re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    pool = pool_name(datacenter)
    return DAG_FILE.substitute(
        title=repr(name),
        description=describe_schedule(schedule),
        short=repr(f"qinbound job {name}: {describe_schedule(schedule)}"),
        token_variable=token_variable(connection),
        datacenter=re.sub(r"[^A-Za-z0-9_.\-]", "_", datacenter),
        pool=pool,
        pool_literal=repr(pool),
        qinbound=repr(list(qinbound)),
        job_path=repr(str(Path(job_path).resolve())),
        store=repr(store_literal(store)),
        cell_timeout_s=repr(cell_timeout_s),
        timezone=repr(schedule.timezone),
        schedules="\n".join(
            f"    {key!r}: {value}," for key, value in airflow_schedules(dag_id, schedule).items()
        ),
        start=", ".join(str(part) for part in _start(schedule, anchor)),
        retries=repr(retries),
        retry_delay_s=repr(retry_delay_s),
        max_retry_delay_s=repr(max_retry_delay_s),
        execution_timeout_s=repr(execution_timeout_s),
    )


def store_literal(store: Location | None) -> str | None:
    """The store as the DAG names it (an absolute path or a URL); ConfigError for a password."""
    if store is None:
        return None
    if is_url(store):
        if describe(store) != str(store):
            raise ConfigError(
                "the store URL carries a password, which would be written into the DAG file; "
                "give the URL without it and let the Airflow worker read the password from "
                "PGPASSWORD or ~/.pgpass (PGPASSFILE)"
            )
        return str(store)
    return str(Path(store).resolve())


def _start(schedule: Schedule, anchor: datetime | None) -> tuple[int, int, int, int, int]:
    """Year, month, day, hour, minute of the DAGs' start date, in the job's time zone."""
    day = anchor.astimezone(zone_of(schedule)).date() if anchor is not None else REFERENCE_DAY
    at = starts_on_time(schedule)
    return day.year, day.month, day.day, at.hour, at.minute


def airflow_schedules(dag_id: str, schedule: Schedule) -> dict[str, str]:
    """DAG id → the schedule as Python source (a cron string literal, a timedelta, or None)."""
    at = starts_on_time(schedule)
    minute_hour = f"{at.minute} {at.hour}"
    if schedule.kind == ScheduleKind.ONCE:
        return {dag_id: "None"}
    if schedule.frequency == Frequency.HOURLY:
        every = schedule.every_hours
        if 24 % every:
            return {dag_id: f"datetime.timedelta(hours={every})"}
        hours = ",".join(
            str(hour) for hour in sorted({(at.hour + k * every) % 24 for k in range(24)})
        )
        return {dag_id: repr(f"{at.minute} {hours} * * *")}
    if schedule.frequency == Frequency.DAILY:
        return {dag_id: repr(f"{minute_hour} * * *")}
    if schedule.frequency == Frequency.WEEKLY:
        days = ",".join(schedule.days)  # croniter reads mon, tue...
        return {dag_id: repr(f"{minute_hour} * * {days}")}
    day = schedule.day_of_month
    if day <= 28:
        return {dag_id: repr(f"{minute_hour} {day} * *")}
    if day == 31:
        return {dag_id: repr(f"{minute_hour} L * *")}
    return {
        dag_id: repr(f"{minute_hour} {day} 1,3-12 *"),
        f"{dag_id}_february": repr(f"{minute_hour} L 2 *"),
    }
