"""The sandbox's fault plan: which requests fail, and how, written as one short string.

Grammar (``QINBOUND_SANDBOX_FAULTS`` or ``Sandbox(faults=...)``), rules separated by commas::

    KIND@TARGET[*COUNT][=VALUE]

KIND
    a status code (``429``, ``500``, ``503``, ``504``, ``400``, ``403``…) answered in the
    current error envelope; ``cut`` (the body stops after VALUE bytes, default 512);
    ``slow`` (the body waits VALUE seconds, default 2; a client whose read timeout is
    shorter sees a read timeout); ``failed`` / ``nofile`` (the export ends ``failed``, or
    ``complete`` without a ``fileId``); ``expired`` (the token stops working after VALUE
    requests, default 0); ``proxied`` (replies carry the "Request proxied" notice naming
    datacenter VALUE, default ``az1``).
TARGET
    ``whoami``, ``surveys`` (the list), ``survey`` (metadata), ``filters``, ``start``,
    ``poll``, ``file`` (any export kind), ``export`` (for failed/nofile), ``idp``
    (schema), or ``*`` for every request.
COUNT
    how many matching requests the rule hits; without it, every matching request.
VALUE
    for ``429``, the ``Retry-After`` seconds (default 1); otherwise as above.

Example: ``429@start*2=0,500@poll*1,cut@file*1,failed@export*1,slow@file=2.5,expired@*=40``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from qinbound_nb.errors import ConfigError

RULE = re.compile(
    r"(?P<kind>\d{3}|cut|slow|failed|nofile|expired|proxied)@(?P<target>[a-z]+|\*)"
    r"(?:\*(?P<count>\d+))?(?:=(?P<value>[A-Za-z0-9.]+))?"
)
TARGETS = {"whoami", "surveys", "survey", "filters", "start", "poll", "file", "export", "idp", "*"}


@dataclass
class Fault:
    """One rule of the plan and how many hits it has left (None: unlimited)."""

    kind: str
    target: str
    remaining: int | None
    value: str | None

    def number(self, default: float) -> float:
        """VALUE as a number, or ``default``."""
        return float(self.value) if self.value is not None else default


class FaultPlan:
    """Parsed rules plus thread-safe hit counting (the socket server is threaded)."""

    def __init__(self, text: str | None = None) -> None:
        self.faults = parse_plan(text or "")
        self._lock = threading.Lock()
        self.requests = 0

    def take(self, target: str, kinds: tuple[str, ...] | None = None) -> Fault | None:
        """The first rule that matches ``target`` (and one of ``kinds``), spending one hit."""
        with self._lock:
            for fault in self.faults:
                if fault.target not in (target, "*") or fault.kind in ("expired", "proxied"):
                    continue
                if kinds is not None and fault.kind not in kinds:
                    continue
                if kinds is None and not fault.kind.isdigit():
                    continue
                if fault.remaining == 0:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def token_expired(self) -> bool:
        """Count one request; True once an ``expired`` rule's allowance is used up."""
        with self._lock:
            self.requests += 1
            rules = [fault for fault in self.faults if fault.kind == "expired"]
            return any(self.requests > fault.number(0) for fault in rules)

    def proxy_notice(self) -> str | None:
        """The "Request proxied" notice, when the plan asks for one."""
        for fault in self.faults:
            if fault.kind == "proxied":
                datacenter = fault.value or "az1"
                return (
                    "Request proxied. For faster response times, use this host instead: "
                    f"{datacenter}.qualtrics.com"
                )
        return None


def parse_plan(text: str) -> list[Fault]:
    """Parse a fault plan; ConfigError naming the bad rule."""
    faults = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        match = RULE.fullmatch(raw)
        if not match or match.group("target") not in TARGETS or not _value_fits(match):
            raise ConfigError(
                f"sandbox fault rule {raw!r} must look like KIND@TARGET[*COUNT][=VALUE], e.g. "
                f"'429@start*2=1'; targets: {', '.join(sorted(TARGETS))}"
            )
        count = match.group("count")
        faults.append(
            Fault(
                kind=match.group("kind"),
                target=match.group("target"),
                remaining=int(count) if count is not None else None,
                value=match.group("value"),
            )
        )
    return faults


def _value_fits(match: re.Match[str]) -> bool:
    """VALUE is a number, except for ``proxied`` (a datacenter id)."""
    value = match.group("value")
    if value is None or match.group("kind") == "proxied":
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True
