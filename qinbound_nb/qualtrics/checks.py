"""The connection check behind ``qinbound connections check``: whoami plus token expiry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import WhoAmI


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection test found, and what the user should do about it."""

    connection: str
    whoami: WhoAmI
    days_to_expiry: int | None
    warnings: tuple[str, ...]

    def lines(self) -> list[str]:
        """A short human report (never includes the token)."""
        who = self.whoami
        head = (
            f"{self.connection}: OK, user {who.user_name or who.user_id} in brand "
            f"{who.brand_id} (datacenter {who.datacenter or 'unknown'})"
        )
        return [head, *(f"  warning: {text}" for text in self.warnings)]


def check_connection(
    connection: Connection,
    *,
    today: date | None = None,
    client_factory: Callable[[Connection], QualtricsClient],
) -> ConnectionCheck:
    """Call whoami and report the brand, datacenter advice and an approaching expiry.

    Raises:
        AuthError: the token is missing, wrong, revoked or expired.
        RetriableError: Qualtrics could not be reached after retries.
    """
    with client_factory(connection) as client:
        who = client.whoami()
    warnings = []
    suggested = who.suggested_datacenter
    if suggested and suggested != connection.datacenter:
        warnings.append(
            f"Qualtrics proxied the call: set the datacenter of {connection.name!r} to "
            f"{suggested!r} for faster and more reliable exports"
        )
    days = connection.days_to_expiry(today or date.today())
    if days is not None and days < 0:
        warnings.append(f"the token expired {-days} day(s) ago by the date you saved; renew it")
    elif days is not None and days <= connection.notice_days:
        warnings.append(f"the token expires in {days} day(s); generate a new one soon")
    return ConnectionCheck(connection.name, who, days, tuple(warnings))
