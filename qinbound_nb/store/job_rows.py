"""The ``jobs`` table: one row per job the store has seen, for ``qinbound jobs`` and the scheduler.

A job is *created* the first time the store sees it: its first run, its first
``qinbound schedule --install``, the wizard saving it. That moment is ``created_at``, the
anchor of its schedule (an hourly lattice starts on that day), recorded once and never moved:
re-registering the job (a later run, an edited file) updates its path, project and schedule
only. A job registered after it already ran was created by its first run, so ``created_at``
is the earliest of that run's start and now. ``enabled`` (the scheduler skips a disabled
job), ``deleted_at`` and ``recycled_to`` (a deleted job's file waits in a recycle folder)
belong to the Jobs page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.store.backend import Executes
from qinbound_nb.store.schema import fetch_first

# the columns the Jobs page changes; anything else is the registration's
EDITABLE = frozenset({"enabled", "deleted_at", "recycled_to", "job_path"})


def write_job_row(
    connection: Executes, job: JobConfig, path: Path, *, seen_at: datetime | None = None
) -> datetime:
    """Register (or re-register) a job file; return its creation time (the schedule anchor).

    ``seen_at`` is when the store sees the job now (default: the current time).
    """
    now = datetime.now(UTC)
    schedule = json.dumps(job.schedule.model_dump(mode="json"))
    known = fetch_first(connection, "SELECT created_at FROM jobs WHERE job_name = ?", [job.name])
    if known is not None:
        created = known[0] or _first_seen(connection, job.name, seen_at or now)
        connection.execute(
            "UPDATE jobs SET job_path = ?, project = ?, schedule = ?, updated_at = ?, "
            "created_at = ?, deleted_at = NULL, recycled_to = NULL WHERE job_name = ?",
            [str(path), job.project, schedule, now, created, job.name],
        )
        return _aware(created)
    created = _first_seen(connection, job.name, seen_at or now)
    connection.execute(
        "INSERT INTO jobs (job_name, job_path, project, schedule, registered_at, updated_at, "
        "created_at, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, true)",
        [job.name, str(path), job.project, schedule, now, now, created],
    )
    return _aware(created)


def update_job_row(connection: Executes, job_name: str, **columns: Any) -> None:
    """Change Jobs-page columns of one job's row; ConfigError when the store has no such job."""
    unknown = set(columns) - EDITABLE
    if unknown:
        raise ValueError(f"not a Jobs-page column: {sorted(unknown)}")
    if job_row(connection, job_name) is None:
        rows = connection.execute("SELECT job_name FROM jobs ORDER BY job_name").fetchall()
        raise unknown_job(job_name, [str(row[0]) for row in rows])
    assignments = ", ".join(f"{name} = ?" for name in columns)
    connection.execute(
        f"UPDATE jobs SET {assignments}, updated_at = ? WHERE job_name = ?",
        [*columns.values(), datetime.now(UTC), job_name],
    )


def job_row(connection: Executes, job_name: str) -> dict[str, Any] | None:
    """One job's row (column → value), or None."""
    cursor = connection.execute("SELECT * FROM jobs WHERE job_name = ?", [job_name])
    names = [column[0] for column in getattr(cursor, "description", None) or ()]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def unknown_job(job_name: str, known_jobs: Iterable[str]) -> ConfigError:
    """The error for a job name the store does not know, naming the ones it does."""
    known = ", ".join(repr(name) for name in known_jobs) or "none yet"
    return ConfigError(
        f"the store has no job {job_name!r} (its jobs: {known}); a job joins the store with "
        "its first run ('qinbound run JOB'), 'qinbound schedule JOB --install', or the wizard "
        "saving it. List them with 'qinbound jobs'."
    )


def _first_seen(connection: Executes, job_name: str, now: datetime) -> datetime:
    """The earliest of the job's first run and ``now``: when the store first saw the job."""
    row = fetch_first(connection, "SELECT min(started_at) FROM runs WHERE job_name = ?", [job_name])
    first_run = row[0] if row else None
    return min(now, _aware(first_run)) if first_run is not None else now


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
