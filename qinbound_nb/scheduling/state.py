"""One job's scheduler state on disk: a JSON file per job, and the flock that guards its runs.

The state file is rewritten atomically under its own short-lived lock, so the scheduler loop,
``qinbound run --if-due`` from cron and a second scheduler can share one state folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from qinbound_nb.job.config import write_atomically

LOGGER = logging.getLogger("qinbound_nb.scheduling.scheduler")


class JobState:
    """One job's state file and lock files inside the scheduler's state folder."""

    def __init__(self, state_dir: Path, job_path: Path) -> None:
        resolved = str(job_path.resolve())
        digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", job_path.stem)[:40]
        self.path = state_dir / f"{stem}-{digest}.json"
        self.lock_path = state_dir / "locks" / f"{stem}-{digest}.lock"
        self.job_path = resolved

    @contextmanager
    def update(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write the state under a lock; the change is saved on a clean exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".json.lock"), "a+b") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            record = self._read()
            before = dict(record)
            yield record
            if record != before:
                write_atomically(self.path, json.dumps(record, indent=2) + "\n")

    def try_lock(self) -> IO[bytes] | None:
        """Take the run lock without waiting; None while another run holds it."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+b")  # noqa: SIM115 (held until the run ends)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        return handle

    def _read(self) -> dict[str, Any]:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            record = {}
        except ValueError:
            LOGGER.warning("%s: unreadable scheduler state, starting afresh", self.path)
            record = {}
        record["job_path"] = self.job_path
        return dict(record)


def parse_instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Notices:
    """The notices already sent: one JSON list of keys in the state folder, shared under a lock."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "notices.json"

    def first_time(self, key: str) -> bool:
        """Record ``key``; True only for the call that recorded it first (across processes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".json.lock"), "a+b") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            try:
                sent = set(json.loads(self.path.read_text(encoding="utf-8")))
            except (FileNotFoundError, ValueError, TypeError):
                sent = set()
            if key in sent:
                return False
            write_atomically(self.path, json.dumps(sorted(sent | {key}), indent=2) + "\n")
            return True
