"""One shared limit per Qualtrics brand: calls paced by an adaptive token bucket, exports capped.

Qualtrics counts API calls per brand (3,000 a minute in all, by its limits page) and answers
``429`` beyond that. Every call of every session of one brand in this process waits here
first (:meth:`BrandLimiter.acquire`), so N jobs running at once share the brand's budget
instead of each spending all of it:

- **token bucket**: calls flow at ``rate`` per second with a burst of ``burst_s`` seconds'
  worth; the ceiling is ``QINBOUND_API_CALLS_PER_MINUTE`` (default 3,000);
- **Retry-After pauses everyone**: a 429 carrying ``Retry-After`` stops every caller of the
  brand until then, not just the one that got it; callers already waiting queue again
  behind the pause, so they do not all fire the moment it ends;
- **AIMD**: a 429 halves the rate (once per round of 429s, never below a floor); each
  success adds back a share of the ceiling over ``recovery_s`` seconds of good calls;
- **concurrent exports**: :meth:`BrandLimiter.export_slot` holds one of the brand's export
  slots from an export's start to its file: at most ``QINBOUND_API_CONCURRENT_EXPORTS``
  (default 4; Qualtrics documents no number). A 429 refusing an export start
  (:meth:`BrandLimiter.export_refused`) lowers the slots to one fewer than are running, and
  each export that completes wins back a share of a slot (AIMD again), so the brand settles
  just under what Qualtrics accepts without pausing the brand's other calls.

The brand key is the datacenter plus the brand id once ``whoami`` told it for the token,
else the datacenter plus a fingerprint of the token (a token belongs to one user of one
brand). A session with an injected clock gets a limiter of its own on that clock.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from qinbound_nb.local.settings import Settings

__all__ = [
    "BrandLimiter",
    "Limits",
    "brand_key",
    "learn_brand",
    "private_limiter",
    "shared_limiter",
]

CUT_ROUND_S = 1.0  # 429s within this long after a pause ends belong to the same round


@dataclass(frozen=True)
class Limits:
    """How fast one brand may be called, and how many of its exports may run at once."""

    calls_per_minute: float = 3000.0
    concurrent_exports: int = 4
    burst_s: float = 1.0
    floor_share: float = 0.02
    recovery_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        """The limits ``QINBOUND_API_CALLS_PER_MINUTE`` and ``..._CONCURRENT_EXPORTS`` set."""
        settings = settings or Settings()
        return cls(settings.api_calls_per_minute, settings.api_concurrent_exports)


class BrandLimiter:
    """The thread-safe pacing of one brand's calls (see the module docstring)."""

    def __init__(
        self,
        limits: Limits = Limits(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits, self._clock, self._sleep = limits, clock, sleep
        self.ceiling = limits.calls_per_minute / 60.0
        self.rate = self.ceiling
        self._capacity = max(1.0, self.ceiling * limits.burst_s)
        self._tokens, self._filled_at = self._capacity, clock()
        self._paused_until, self._cut_allowed_at, self._grown_at = -math.inf, -math.inf, clock()
        self._epoch = 0
        self._lock = threading.Lock()
        self.export_cap, self._exports_running, self._export_credit = (
            limits.concurrent_exports,
            0,
            0.0,
        )
        self._slots = threading.Condition()
        self.throttles = 0  # 429s reported
        self.export_refusals = 0  # of which export starts refused
        self.waited = 0.0  # seconds callers spent waiting here

    def acquire(self) -> None:
        """Wait until this brand may make its next call."""
        while True:
            with self._lock:
                epoch, wait = self._epoch, self._reserve(self._clock())
            if wait <= 0:
                return
            self._sleep(wait)
            with self._lock:
                self.waited += wait
                if self._epoch == epoch:
                    return
                self._tokens += 1  # a 429 paused the brand meanwhile: queue again behind it

    def succeeded(self) -> None:
        """A call went through: grow the rate back towards the ceiling (additive increase)."""
        with self._lock:
            now = self._clock()
            grown = self.ceiling * max(0.0, now - self._grown_at) / self.limits.recovery_s
            self.rate, self._grown_at = min(self.ceiling, self.rate + grown), now

    def throttled(self, retry_after: float | None) -> None:
        """A call got 429: pause every caller for ``retry_after`` and halve the rate once."""
        with self._lock:
            now = self._clock()
            self.throttles += 1
            self._refill(now)
            self._tokens += 1  # the refused call did not count against the brand
            if retry_after and now + retry_after > self._paused_until:
                self._pause(now + retry_after)
            if now >= self._cut_allowed_at:
                self.rate = max(self.ceiling * self.limits.floor_share, self.rate / 2)
                self._cut_allowed_at = max(now, self._paused_until) + CUT_ROUND_S
            self._grown_at = max(now, self._paused_until)

    @contextmanager
    def export_slot(self) -> Iterator[None]:
        """Hold one of the brand's concurrent-export slots (waits for a free one)."""
        with self._slots:
            self._slots.wait_for(lambda: self._exports_running < self.export_cap)
            self._exports_running += 1
        completed = False
        try:
            yield
            completed = True
        finally:
            with self._slots:
                self._exports_running -= 1
                if completed:
                    self._grow_exports()
                self._slots.notify_all()

    def export_refused(self) -> None:
        """An export start got 429: allow one export fewer than are running now."""
        with self._slots:
            self.export_refusals += 1
            self.export_cap = max(1, min(self.export_cap, self._exports_running - 1))
            self._export_credit = 0.0

    def _grow_exports(self) -> None:
        """One more slot after as many completed exports as there are slots (additive)."""
        if self.export_cap >= self.limits.concurrent_exports:
            return
        self._export_credit += 1 / self.export_cap
        if self._export_credit >= 1:
            self.export_cap, self._export_credit = self.export_cap + 1, 0.0
            self._slots.notify_all()

    def _refill(self, now: float) -> None:
        if now > self._filled_at:
            refill = (now - self._filled_at) * self.rate
            self._tokens, self._filled_at = min(self._capacity, self._tokens + refill), now

    def _reserve(self, now: float) -> float:
        """Take one token (going into debt if need be); the seconds until it is ours."""
        self._refill(now)
        self._tokens -= 1
        ready = max(now, self._filled_at) + max(0.0, -self._tokens) / self.rate
        return ready - now

    def _pause(self, until: float) -> None:
        self._tokens = min(self._tokens, 1.0)  # one call goes when it ends: no burst
        self._paused_until = self._filled_at = until
        self._epoch += 1


_shared: dict[tuple[str, Limits], BrandLimiter] = {}
_brands: dict[str, str] = {}
_registry_lock = threading.Lock()


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def brand_key(datacenter: str, token: str) -> str:
    """``datacenter/brand`` when whoami told the token's brand, else ``datacenter/token-<hash>``."""
    fingerprint = _fingerprint(token)
    brand = _brands.get(fingerprint)
    return f"{datacenter}/{brand}" if brand else f"{datacenter}/token-{fingerprint}"


def learn_brand(token: str, brand_id: str) -> None:
    """Remember the token's brand (from ``whoami``) so its calls share the brand's limiter."""
    if brand_id:
        with _registry_lock:
            _brands[_fingerprint(token)] = brand_id


def shared_limiter(key: str, limits: Limits) -> BrandLimiter:
    """The one limiter of this process for ``key`` with these limits (made on first use)."""
    with _registry_lock:
        limiter = _shared.get((key, limits))
        if limiter is None:
            limiter = _shared[(key, limits)] = BrandLimiter(limits)
        return limiter


def private_limiter(
    limits: Limits, sleep: Callable[[float], None], clock: Callable[[], float]
) -> BrandLimiter | None:
    """A limiter of a session's own when its time is injected (None: share the brand's).

    A limiter waits on its own clock; a session living on a fake one must not pause on (or
    pause) the real clock every other session of the brand reads.
    """
    if sleep is time.sleep and clock is time.monotonic:
        return None
    return BrandLimiter(limits, clock=clock, sleep=sleep)
