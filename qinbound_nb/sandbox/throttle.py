"""The sandbox's rate limit mode: per-brand calls per second and concurrent exports, like Qualtrics.

Off unless asked for (``QINBOUND_SANDBOX_RATE_LIMIT`` or ``Sandbox(rate_limit=...)``)::

    calls=N[,exports=M][,retry=S]

``calls``: requests one brand may make in any one-second window (a leaky bucket: a refused
request does not count); ``exports``: exports one brand may have running (started, not yet
downloaded or ended); ``retry``: the ``Retry-After`` seconds a refusal carries (default 1,
an integer as HTTP sends it; a fraction speeds tests up). Beyond either limit the sandbox
answers 429 with ``Retry-After`` and Qualtrics' words "You have reached the concurrent
request limit." Every token is of the brand ``sandbox``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from qinbound_nb.errors import ConfigError

PLAN = re.compile(r"(calls|exports|retry)=(\d+(?:\.\d+)?)")
WINDOW_S = 1.0
BRAND = "sandbox"


@dataclass(frozen=True)
class RatePlan:
    """The limits of the rate limit mode; None means that limit is off."""

    calls: float | None = None
    exports: int | None = None
    retry_after: float = 1.0

    @property
    def on(self) -> bool:
        return self.calls is not None or self.exports is not None


def parse_rate_plan(text: str | None) -> RatePlan:
    """Read ``calls=N,exports=M,retry=S``; ConfigError naming the bad part."""
    values: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in (text or "").split(","))):
        match = PLAN.fullmatch(part)
        if match is None or float(match.group(2)) <= 0:
            raise ConfigError(
                f"sandbox rate limit part {part!r} must be calls=N, exports=M or retry=S with "
                "positive numbers, e.g. 'calls=20,exports=4,retry=1'"
            )
        values[match.group(1)] = float(match.group(2))
    exports = values.get("exports")
    return RatePlan(values.get("calls"), None if exports is None else int(exports),
                    values.get("retry", 1.0))  # fmt: skip


class RateLimit:
    """Counts each brand's calls in the last second; thread-safe (the socket server is threaded)."""

    def __init__(self, plan: RatePlan, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan, self._clock = plan, clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.refused = 0  # 429s answered

    def admit(self, brand: str, starts_export: bool, exports_running: int) -> float | None:
        """None when the call may go ahead, else the ``Retry-After`` seconds of its 429."""
        if not self.plan.on:
            return None
        with self._lock:
            now = self._clock()
            calls = self._calls.setdefault(brand, deque())
            while calls and calls[0] <= now - WINDOW_S:
                calls.popleft()
            too_many = self.plan.calls is not None and len(calls) >= self.plan.calls
            exports = self.plan.exports
            if too_many or (starts_export and exports is not None and exports_running >= exports):
                self.refused += 1
                return self.plan.retry_after
            calls.append(now)
            return None
