"""One schedule anchor per job, read from the store, so every path names the same next runs.

A job's schedule is anchored on its creation: the moment the store first saw it (its first
run, ``qinbound schedule --install``, the wizard saving it; see
:mod:`qinbound_nb.store.job_rows`). The scheduler, ``qinbound run --if-due``,
``qinbound schedule``, ``qinbound jobs`` and the wizard all read that one ``created_at``
(:func:`job_anchor`, :func:`job_entries`), so an hourly lattice that drifts across midnight
(every 5 h) lands on the same hours everywhere. A job the store has not seen yet is shown as
if created now. The scheduler also reads each job's last run, manual or scheduled: a run
covers every slot before it, so a manual run is never followed at once by a scheduled one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qinbound_nb.job.config import JobConfig, Schedule
from qinbound_nb.job.vocab import JobStatus, ScheduleKind
from qinbound_nb.scheduling.recurrence import upcoming_runs

if TYPE_CHECKING:  # ``validate`` imports this module's CLI neighbour: no duckdb until asked
    from qinbound_nb.store.backend import Location


@dataclass(frozen=True)
class JobEntry:
    """What the store knows of one job that its schedule depends on."""

    created_at: datetime | None = None
    status: JobStatus = JobStatus.ENABLED
    last_run_at: datetime | None = None  # the latest run's start, manual or scheduled

    @property
    def enabled(self) -> bool:
        """True when the scheduler runs the job (neither disabled nor deleted)."""
        return self.status == JobStatus.ENABLED


def job_entry(row: dict[str, Any]) -> JobEntry:
    """A ``Store.job_records()`` row as a JobEntry (an older store's row lacks the new columns)."""
    if row.get("deleted_at") is not None:
        status = JobStatus.DELETED
    elif row.get("enabled") is False:
        status = JobStatus.DISABLED
    else:
        status = JobStatus.ENABLED
    return JobEntry(_utc(row.get("created_at")), status, _utc(row.get("last_started_at")))


def job_entries(location: Location | str | os.PathLike[str] | None) -> dict[Path, JobEntry]:
    """Each registered job file's entry, by path (empty when there is no store yet)."""
    from qinbound_nb.store.backend import exists, resolve_location
    from qinbound_nb.store.store import Store

    store = resolve_location(location)
    if not exists(store):
        return {}
    with Store.open(store, read_only=True) as opened:
        return {Path(row["job_path"]): job_entry(row) for row in opened.job_records()}


def job_anchor(
    job: JobConfig,
    job_path: Path,
    location: Location | str | os.PathLike[str] | None,
    *,
    create: bool = False,
) -> datetime | None:
    """The job's schedule anchor (its creation time) from the store at ``location``.

    With ``create`` (``qinbound schedule --install``) a job the store has not seen is
    registered now and its new anchor returned; without, such a job has no anchor (None).
    """
    from qinbound_nb.store.backend import exists, resolve_location
    from qinbound_nb.store.store import Store

    store = resolve_location(location)
    if create:
        with Store.open(store) as opened:
            return opened.register_job(job, job_path)
    if not exists(store):
        return None
    with Store.open(store, read_only=True) as opened:
        row = opened.job_record(job.name)
    return None if row is None else _utc(row.get("created_at"))


def next_runs(
    schedule: Schedule, now: datetime, count: int, anchor: datetime | None
) -> list[datetime]:
    """The next ``count`` scheduled runs after ``now`` on the job's anchor (now if None)."""
    if schedule.kind != ScheduleKind.RECURRING:
        return []
    quiet = schedule.model_copy(update={"pull_on_create": False})  # the creation pull is past
    return upcoming_runs(quiet, now, count, created_at=anchor or now)


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def _utc(moment: object) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
