"""XM Discover's Jobs page for the jobs a store knows: enable, disable, copy, delete, restore, stop.

A job is named by its name or its job file. The rules (ours, where XM Discover is silent):

- **disable** pauses the schedule: the scheduler and ``qinbound run --if-due`` skip the job;
  running it by hand still works. **enable** resumes it; missed slots are not caught up
  beyond the one run the scheduler always makes after a pause;
- **copy** writes a new job file beside the original, with the new name and the same
  settings. The name starts every natural_id, so the copy's documents are its own, and it
  has no checkpoint: its first run pulls everything. It starts *disabled*, so it does not
  load the same responses a second time before you edit it;
- **delete** moves the job file into ``.recycle/`` in its folder and marks the job deleted;
  its history and the documents it loaded stay. **restore** moves the file back. A running
  job cannot be deleted: stop it first;
- **stop** asks the running run of the job to stop (:mod:`qinbound_nb.store.stop_request`).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.store.backend import Location, describe, exists
from qinbound_nb.store.job_lock import is_running
from qinbound_nb.store.job_rows import unknown_job
from qinbound_nb.store.stop_request import request_stop
from qinbound_nb.store.store import Store

RECYCLE_FOLDER = ".recycle"


def job_name_of(job: str | os.PathLike[str]) -> str:
    """The job a user named: a job file's job name, else the text itself."""
    return JobConfig.load(job).name if Path(job).is_file() else str(job)


def registered(store: Store, job: str | os.PathLike[str]) -> dict[str, Any]:
    """The store's row of the named job; ConfigError naming the known jobs when there is none."""
    name = job_name_of(job)
    row = store.job_record(name)
    if row is None:
        raise unknown_job(name, [str(known["job_name"]) for known in store.job_records()])
    return row


def set_enabled(location: Location, job: str, enabled: bool) -> str:
    """Enable or disable a job's schedule; return what was done, in words."""
    with _open(location) as store:
        row = registered(store, job)
        _refuse_deleted(row)
        store.update_job(row["job_name"], enabled=enabled)
    if enabled:
        return f"job {row['job_name']!r} is enabled: the scheduler runs it at its next slot"
    return (
        f"job {row['job_name']!r} is disabled: the scheduler skips it until "
        f"'qinbound jobs enable {row['job_name']}' (running it by hand still works)"
    )


def copy_job(location: Location, job: str, new_name: str) -> Path:
    """Write the copy's job file beside the original and register it, disabled; return it."""
    with _open(location) as store:
        row = registered(store, job)
        _refuse_deleted(row)
        if store.job_record(new_name) is not None:
            raise ConfigError(f"the store already has a job {new_name!r}; choose another name")
        original = JobConfig.load(row["job_path"])
        copy = JobConfig.from_dict({**original.model_dump(mode="json"), "name": new_name})
        path = Path(row["job_path"]).with_name(_file_name(new_name))
        if path.exists():
            raise ConfigError(f"{path} already exists; move it away or choose another name")
        copy.save(path)
        store.register_job(copy, path)
        store.update_job(new_name, enabled=False)
    return path


def delete_job(location: Location, job: str) -> Path:
    """Move the job file to the recycle folder and mark the job deleted; return where it went."""
    with _open(location) as store:
        row = registered(store, job)
        _refuse_deleted(row)
        if is_running(location, row["job_name"]):
            raise ConfigError(
                f"job {row['job_name']!r} is running; stop it first "
                f"('qinbound jobs stop {row['job_name']}'), then delete it"
            )
        source = Path(row["job_path"])
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = source.parent / RECYCLE_FOLDER / f"{source.stem}-{stamp}{source.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.exists():
            shutil.move(source, target)
        store.update_job(row["job_name"], deleted_at=datetime.now(UTC), recycled_to=str(target))
    return target


def restore_job(location: Location, job: str) -> Path:
    """Move a deleted job's file back where it was and clear the mark; return its path."""
    with _open(location) as store:
        row = registered(store, job)
        if row.get("deleted_at") is None:
            raise ConfigError(f"job {row['job_name']!r} is not deleted; nothing to restore")
        target, recycled = Path(row["job_path"]), Path(str(row["recycled_to"]))
        if target.exists():
            raise ConfigError(f"{target} exists; move it away first, then restore the job")
        if not recycled.exists():
            raise ConfigError(
                f"the deleted job file {recycled} is gone; restore it by hand to {target}"
            )
        shutil.move(recycled, target)
        store.update_job(row["job_name"], deleted_at=None, recycled_to=None)
    return target


def stop_job(location: Location, job: str) -> bool:
    """Ask the running run of a job to stop; False when none is running."""
    return request_stop(location, job_name_of(job))


def job_path_to_run(location: Location, job: str) -> Path:
    """The job file of a job to run now (refused while the job is deleted)."""
    with _open(location, read_only=True) as store:
        row = registered(store, job)
    _refuse_deleted(row)
    return Path(row["job_path"])


def _open(location: Location, *, read_only: bool = False) -> Store:
    """The store holding the jobs; ConfigError rather than a new empty store file."""
    if not exists(location):
        raise ConfigError(
            f"there is no store at {describe(location)}: name the one your jobs run against "
            "with --store (or $QINBOUND_STORE)"
        )
    return Store.open(location, read_only=read_only)


def _refuse_deleted(row: dict[str, Any]) -> None:
    if row.get("deleted_at") is not None:
        raise ConfigError(
            f"job {row['job_name']!r} is deleted (its file is in {row['recycled_to']}); "
            f"restore it first with 'qinbound jobs restore {row['job_name']}'"
        )


def _file_name(job_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", job_name).strip("-.") + ".json"
