"""One run per job at a time, whatever the store: the same job started twice never loads twice.

A run holds its job's lock from before it reads the checkpoint until after its load
commits. On PostgreSQL that is a session advisory lock on a hash of the job name (held by
a connection of its own, released when it closes, also when the process dies); on a
DuckDB file it is an exclusive ``flock`` on ``<store>.jobs/<job>.lock`` beside the file.
A second run of the same job refuses to start and says so; other jobs run alongside.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from qinbound_nb.errors import StoreError
from qinbound_nb.store.backend import Location, describe, is_url

JOB_LOCK_SPACE = "qinbound-job:"
log = logging.getLogger(__name__)


@contextmanager
def job_lock(location: Location, job_name: str) -> Iterator[None]:
    """Hold ``job_name``'s run lock on the store at ``location``; StoreError if taken."""
    if is_url(location):
        with _advisory_lock(str(location), job_name):
            yield
    else:
        with _file_lock(Path(location), job_name):
            yield


def is_running(location: Location, job_name: str) -> bool:
    """True while some process holds ``job_name``'s run lock on the store at ``location``."""
    try:
        with job_lock(location, job_name):
            return False
    except StoreError as exc:
        if "already running" in str(exc):
            return True
        raise


def lock_file(store: Path, job_name: str, suffix: str = ".lock") -> Path:
    """The file beside a DuckDB store that belongs to ``job_name`` (its lock, its stop request)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", job_name)[:80]
    return (
        store.parent
        / f"{store.name}.jobs"
        / f"{safe}-{lock_key(job_name) & 0xFFFFFFFF:08x}{suffix}"
    )


def already_running(job_name: str, location: Location) -> StoreError:
    return StoreError(
        f"job {job_name!r} is already running against store {describe(location)} (another "
        "process or notebook holds its run lock); this run refused to start, so the job is "
        "never loaded twice. Let that run finish, then run again: it starts from the "
        "checkpoint the running one leaves."
    )


def lock_key(job_name: str) -> int:
    """A stable signed 64-bit key for the job's advisory lock."""
    digest = hashlib.sha256((JOB_LOCK_SPACE + job_name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _advisory_lock(url: str, job_name: str) -> Iterator[None]:
    import psycopg  # only a postgresql:// store needs it

    from qinbound_nb.store.postgres import PostgresBackend

    backend = PostgresBackend(url)
    try:
        with backend.errors(f"take the run lock of job {job_name!r}"):
            row = backend.execute("SELECT pg_try_advisory_lock(?)", [lock_key(job_name)])
            taken = bool(row.fetchall()[0][0])
        if not taken:
            raise already_running(job_name, url)
        yield
    finally:
        with suppress(psycopg.Error):  # a dropped connection has released the lock already
            backend.close()


@contextmanager
def _file_lock(store: Path, job_name: str) -> Iterator[None]:
    path = lock_file(store, job_name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - closed below
    except OSError as exc:  # a read-only folder: the store's own lock still guards the load
        log.warning("cannot keep job %r's run lock beside %s (%s)", job_name, store, exc)
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise already_running(job_name, store) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
