"""The local run log: failed runs that could not reach their store, recorded there later.

A run that fails before it can reach the store (the server is down, the file stays locked)
is appended to ``$QINBOUND_HOME/pending-runs.jsonl`` with the store it was meant for; the
next successful writable open of that store records it in the history (as ``failed``, with
its error) and takes it off the log. The log never holds a password: stores are named
without one.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.local.connections import qinbound_home
from qinbound_nb.store.backend import Location, describe

log = logging.getLogger(__name__)
LOG_NAME = "pending-runs.jsonl"


class Recorder(Protocol):
    """What takes the logged runs: an open, writable store."""

    path: Location
    label: str

    def record_failure(
        self,
        run_id: str,
        job: JobConfig,
        error: BaseException | str,
        *,
        started_at: datetime | None = None,
        counts: dict[str, Any] | None = None,
    ) -> None: ...


def log_path() -> Path:
    return qinbound_home() / LOG_NAME


def remember_failed_run(
    location: Location,
    run_id: str,
    job: JobConfig,
    error: str,
    started_at: datetime,
    counts: dict[str, Any],
) -> None:
    """Append a failed run for store ``location`` to the local log (never raises)."""
    entry = {
        "store": store_key(location),
        "run_id": run_id,
        "job": job.model_dump(mode="json"),
        "error": error[:4000],
        "started_at": started_at.isoformat(),
        "counts": counts,
    }
    try:
        with _locked_log() as handle:
            handle.seek(0, 2)
            handle.write(json.dumps(entry, default=str) + "\n")
    except OSError as exc:
        log.warning("could not keep failed run %s in the local run log: %s", run_id, exc)


def record_pending_runs(store: Recorder) -> int:
    """Record in ``store`` the logged failed runs meant for it; return how many."""
    path = log_path()
    if not path.exists():
        return 0
    key = store_key(store.path)
    with _locked_log() as handle:
        entries = [json.loads(line) for line in handle.read().splitlines() if line.strip()]
        mine = [entry for entry in entries if entry.get("store") == key]
        if not mine:
            return 0
        for entry in mine:
            try:
                job = JobConfig.from_dict(entry["job"])
                started_at = datetime.fromisoformat(entry["started_at"])
            except (QInboundError, KeyError, ValueError) as exc:
                log.warning("dropping unreadable entry of the local run log: %s", exc)
                continue
            store.record_failure(
                entry["run_id"],
                job,
                entry.get("error") or "failed before reaching the store",
                started_at=started_at,
                counts=entry.get("counts") or {},
            )
        rest = [json.dumps(entry) + "\n" for entry in entries if entry.get("store") != key]
        handle.seek(0)
        handle.truncate()
        handle.writelines(rest)
    log.info("recorded %d failed run(s) from the local run log in %s", len(mine), store.label)
    return len(mine)


def store_key(location: Location) -> str:
    """A store's name in the log: a file's absolute path, or its URL without a password."""
    if isinstance(location, Path):
        return str(location.resolve())
    return describe(location)


@contextmanager
def _locked_log() -> Iterator[IO[str]]:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        yield handle
