"""The scheduler's advance notice of an expiring connection token, sent whether or not a job runs.

Each tick, for every job: when its connection's token is within ``notice_days`` of its expiry
date (or past it), the notice goes once per connection, expiry date and set of recipients (two
jobs with the same webhook share one notice), through the sender the scheduler was given
(:func:`qinbound_nb.runs.expiry.send_expiry_notice` in ``qinbound scheduler``). A token saved
again with a new expiry date is noticed afresh. What was sent is remembered in the state folder.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.scheduling.state import Notices

ExpiryNotice = Callable[[JobConfig, Connection, date], list[str]]  # returns delivery failures


def send_due_notices(
    job_paths: list[Path], today: date, state_dir: Path, send: ExpiryNotice, log: logging.Logger
) -> int:
    """Send every due expiry notice not sent before; return how many were sent."""
    return sum(notice_expiry(path, today, state_dir, send, log) for path in job_paths)


def notice_expiry(
    job_path: Path, today: date, state_dir: Path, send: ExpiryNotice, log: logging.Logger
) -> bool:
    """Send the job's expiry notice if one is due and not yet sent; True when it was sent."""
    try:
        job = JobConfig.load(job_path)
        connection = ConnectionStore().get(job.connection)
    except QInboundError:
        return False  # an invalid job file is reported where the job is scheduled
    days = connection.days_to_expiry(today)
    if days is None or days > connection.notice_days:
        return False
    key = f"expiry|{connection.name}|{connection.expires}"
    if Notices(state_dir).first_time(key):
        log.warning("the token of connection %r expires on %s", connection.name, connection.expires)
    if not Notices(state_dir).first_time(f"{key}|{_recipients(job)}"):
        return False
    for failure in send(job, connection, today):
        log.warning("%s: expiry notice: %s", job_path, failure)
    return True


def _recipients(job: JobConfig) -> str:
    """A digest of where the job's notices go (a webhook's address may hold its secret)."""
    where = f"{sorted(job.notifications.email)}|{job.notifications.webhook}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]
