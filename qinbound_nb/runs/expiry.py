"""A connection's token expiry: the warning, the scheduler's advance notice, and the refusal.

Three moments: within ``notice_days`` of the expiry date a run warns
(:func:`expiry_warning`) and the scheduler sends one notice per connection and expiry date to
each job's email recipients and webhook (:func:`send_expiry_notice`, whichever events the job
subscribes to: otherwise the first news of it would be a failed run); once the date has passed,
a run fails before any API call (:func:`refuse_expired`), saying how to save a new token.
"""

from __future__ import annotations

from datetime import date

import httpx

from qinbound_nb.errors import AuthError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.runs.notify import SmtpSettings, deliver, summary_payload

EXPIRY_EVENT = "connection_expiry"  # not a run event a job subscribes to


def expiry_warning(connection: Connection, today: date) -> str | None:
    """A warning when the connection's token expires within its notice window (or has)."""
    days = connection.days_to_expiry(today)
    if days is None or days > connection.notice_days:
        return None
    when = connection.expires.isoformat() if connection.expires else "?"
    if days < 0:
        return (
            f"the token of connection {connection.name!r} expired on {when}; create a new "
            f"token in Qualtrics and save it with 'qinbound connections add {connection.name}'"
        )
    return (
        f"the token of connection {connection.name!r} expires in {days} day(s), on {when}; "
        f"renew it and save it with 'qinbound connections add {connection.name}'"
    )


def refuse_expired(connection: Connection, today: date) -> None:
    """Raise AuthError when the connection's token expired before ``today``."""
    days = connection.days_to_expiry(today)
    if days is None or days >= 0:
        return
    raise AuthError(
        f"the token of connection {connection.name!r} expired on {connection.expires}, so "
        "the run stopped before calling Qualtrics. Create a new API token in Qualtrics "
        f"(Account Settings > Qualtrics IDs) and save it with 'qinbound connections add "
        f"{connection.name} --datacenter {connection.datacenter} --expires YYYY-MM-DD' "
        "(the token is read from the prompt or stdin; --expires is the new token's expiry date)"
    )


def send_expiry_notice(
    job: JobConfig,
    connection: Connection,
    today: date,
    *,
    settings: SmtpSettings | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Tell the job's email recipients and webhook that its connection's token expires.

    Nothing is sent outside the notice window. Returns one warning per notification that
    could not be delivered; never raises.
    """
    message = expiry_warning(connection, today)
    if message is None:
        return []
    expired = (connection.days_to_expiry(today) or 0) < 0
    summary = {
        "job": job.name,
        "project": job.project,
        "status": "connection_expired" if expired else "connection_expiring",
        "warnings": [message],
    }
    payload = summary_payload(EXPIRY_EVENT, summary)
    payload.update(connection=connection.name, expires=str(connection.expires))
    return deliver(payload, job.notifications, settings, transport=transport)
