"""Asking a running run to stop, across processes: ``qinbound jobs stop`` writes, the run reads.

The request names the job and when it was made. For a DuckDB store it is a file beside the
store (``<store>.jobs/<job>.stop``, next to the job's run lock): the running process holds the
store file itself while it loads, so nobody else could write a row there. For a PostgreSQL
store it is a row of ``stop_requests``, which every machine sharing the server sees. A run
watches for requests made after it began waiting for its run lock, so a request left over
from an earlier run never stops a later one; the run removes the request when it ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qinbound_nb.errors import QInboundError
from qinbound_nb.store.backend import Location, is_url
from qinbound_nb.store.job_lock import is_running, lock_file

if TYPE_CHECKING:
    from qinbound_nb.store.postgres import PostgresBackend

log = logging.getLogger(__name__)
CHECK_EVERY_S = 0.5  # a run looks at a server this often at most (each look is a connection)
PG_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS stop_requests (job_name TEXT PRIMARY KEY, requested_at TIMESTAMPTZ)"
)


def request_stop(location: Location, job_name: str) -> bool:
    """Ask the running run of ``job_name`` to stop; False when no run of it is running."""
    if not is_running(location, job_name):
        return False
    now = datetime.now(UTC)
    if is_url(location):
        with _pg(str(location)) as backend:
            backend.execute(PG_TABLE_DDL)
            backend.execute("DELETE FROM stop_requests WHERE job_name = ?", [job_name])
            backend.execute("INSERT INTO stop_requests VALUES (?, ?)", [job_name, now])
    else:
        path = _stop_file(location, job_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(now.isoformat() + "\n", encoding="utf-8")
    return True


class StopWatch:
    """One run's view of stop requests: ``requested()`` between pages and stages."""

    def __init__(self, location: Location, job_name: str) -> None:
        self.location, self.job_name = location, job_name
        self.since = datetime.now(UTC)  # requests made before this were for an earlier run
        self._next_look = 0.0
        self._seen = False

    def requested(self, *, final: bool = False) -> bool:
        """True once a stop was requested for this run.

        A server is asked at most every CHECK_EVERY_S, except for the ``final`` look before
        the run commits; a file beside the store is cheap to read every time.
        """
        throttled = is_url(self.location) and not final
        if self._seen or (throttled and time.monotonic() < self._next_look):
            return self._seen
        self._next_look = time.monotonic() + CHECK_EVERY_S
        made = self._request_time()
        self._seen = made is not None and made >= self.since
        return self._seen

    def clear(self) -> None:
        """Remove this job's request (the run ended); never raises."""
        with suppress(OSError, QInboundError):
            if is_url(self.location):
                with _pg(str(self.location)) as backend:
                    backend.execute(
                        "DELETE FROM stop_requests WHERE job_name = ? AND requested_at >= ?",
                        [self.job_name, self.since],
                    )
            else:
                _stop_file(self.location, self.job_name).unlink(missing_ok=True)

    def _request_time(self) -> datetime | None:
        try:
            if is_url(self.location):
                return _pg_request_time(str(self.location), self.job_name)
            text = _stop_file(self.location, self.job_name).read_text(encoding="utf-8")
            return datetime.fromisoformat(text.strip())
        except (OSError, ValueError, QInboundError) as exc:  # no request, or none readable
            log.debug("no stop request for %s: %s", self.job_name, exc)
            return None


def _stop_file(location: Location, job_name: str) -> Path:
    return lock_file(Path(location), job_name, ".stop")


def _pg_request_time(url: str, job_name: str) -> datetime | None:
    with _pg(url) as backend:
        if "stop_requests" not in backend.table_names():
            return None
        rows = backend.execute(
            "SELECT requested_at FROM stop_requests WHERE job_name = ?", [job_name]
        ).fetchall()
    return rows[0][0] if rows else None


@contextmanager
def _pg(url: str) -> Iterator[PostgresBackend]:
    """A short PostgreSQL connection whose errors read as StoreErrors."""
    from qinbound_nb.store.postgres import PostgresBackend  # psycopg only for a URL

    backend = PostgresBackend(url)
    try:
        with backend.errors("handle a stop request"):
            yield backend
    finally:
        backend.close()
