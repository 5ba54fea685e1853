"""One shared limit per Qualtrics brand: calls paced by an adaptive token bucket, exports capped.

Qualtrics counts API calls per brand (3,000 a minute in all, by its limits page) and answers
``429`` beyond that. Every call of every session of one brand on this machine waits here
first (:meth:`BrandLimiter.acquire`), so N jobs running at once, in threads or in processes
of their own, share the brand's budget instead of each spending all of it:

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

A slot whose holder died (or, on another host sharing the folder, showed no life for
``export_lease_s``) comes back. The state lives in a :class:`.brand_state.BrandState`: in
this process, or (:mod:`.brands`) in a file every process of the machine shares.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from qinbound_nb.qualtrics.brand_state import (
    BrandState,
    ExportLease,
    Limits,
    LocalState,
    StateHolder,
)

__all__ = ["BrandLimiter", "Limits"]

CUT_ROUND_S = 1.0  # 429s within this long after a pause ends belong to the same round
SLOT_POLL_S = 0.1  # how often a caller waiting for an export slot looks at other processes'


class BrandLimiter:
    """The thread-safe pacing of one brand's calls (see the module docstring).

    ``state``: where the state of record lives (default: in this process; the machine-wide
    limiter of :func:`shared_limiter` keeps it in a :class:`.state_file.StateFile`).
    """

    def __init__(
        self,
        limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe default
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        state: StateHolder | None = None,
    ) -> None:
        self.limits, self._clock, self._sleep = limits, clock, sleep
        self.ceiling = limits.calls_per_minute / 60.0
        self._capacity = max(1.0, self.ceiling * limits.burst_s)
        self._state = state or LocalState(BrandState.fresh(limits, clock()))
        self._released = threading.Condition()  # this process's exports ending
        self.waited = 0.0  # seconds this process's callers spent waiting here

    @property
    def rate(self) -> float:
        """Calls a second the brand is paced at now (AIMD keeps it at or below the ceiling)."""
        with self._state.hold() as state:
            return state.rate

    @property
    def export_cap(self) -> int:
        """Exports the brand may run at once now (at most ``limits.concurrent_exports``)."""
        with self._state.hold() as state:
            return state.export_cap

    @property
    def throttles(self) -> int:
        """429s reported for the brand (by every process sharing its state)."""
        with self._state.hold() as state:
            return state.throttles

    @property
    def export_refusals(self) -> int:
        """Of those, export starts refused."""
        with self._state.hold() as state:
            return state.export_refusals

    def acquire(self) -> None:
        """Wait until this brand may make its next call."""
        while True:
            with self._state.hold() as state:
                now = self._clock()
                self._renew_leases(state, now)
                epoch, wait = state.epoch, self._reserve(state, now)
            if wait <= 0:
                return
            self._sleep(wait)
            self.waited += wait
            with self._state.hold() as state:
                if state.epoch == epoch:
                    return
                state.tokens += 1  # a 429 paused the brand meanwhile: queue again behind it

    def succeeded(self) -> None:
        """A call went through: grow the rate back towards the ceiling (additive increase)."""
        with self._state.hold() as state:
            now = self._clock()
            grown = self.ceiling * max(0.0, now - state.grown_at) / self.limits.recovery_s
            state.rate, state.grown_at = min(self.ceiling, state.rate + grown), now

    def throttled(self, retry_after: float | None) -> None:
        """A call got 429: pause every caller for ``retry_after`` and halve the rate once."""
        with self._state.hold() as state:
            now = self._clock()
            state.throttles += 1
            self._refill(state, now)
            state.tokens += 1  # the refused call did not count against the brand
            if retry_after and now + retry_after > state.paused_until:
                self._pause(state, now + retry_after)
            if now >= state.cut_allowed_at:
                state.rate = max(self.ceiling * self.limits.floor_share, state.rate / 2)
                state.cut_allowed_at = max(now, state.paused_until) + CUT_ROUND_S
            state.grown_at = max(now, state.paused_until)

    @contextmanager
    def export_slot(self) -> Iterator[None]:
        """Hold one of the brand's concurrent-export slots (waits for a free one)."""
        lease = self._take_export_slot()
        completed = False
        try:
            yield
            completed = True
        finally:
            lease.release()
            with self._state.hold() as state:
                state.exports = [x for x in state.exports if x.id != lease.id]
                if completed:
                    self._grow_exports(state)
            with self._released:
                self._released.notify_all()

    def export_refused(self) -> None:
        """An export start got 429: allow one export fewer than are running now."""
        with self._state.hold() as state:
            running = self._running_exports(state, self._clock())
            state.export_refusals += 1
            state.export_cap = max(1, min(state.export_cap, running - 1))
            state.export_credit = 0.0

    def _take_export_slot(self) -> ExportLease:
        """Wait for a free slot: woken by this process's exports ending, polling for others'."""
        with self._released:
            while True:
                with self._state.hold() as state:
                    now = self._clock()
                    if self._running_exports(state, now) < state.export_cap:
                        lease = ExportLease.mine(now + self.limits.export_lease_s)
                        state.exports.append(lease)
                        return lease
                self._released.wait(SLOT_POLL_S)

    def _running_exports(self, state: BrandState, now: float) -> int:
        """Exports running, after taking back the slots of holders that are gone."""
        state.exports = [lease for lease in state.exports if not lease.lapsed(now)]
        return len(state.exports)

    def _renew_leases(self, state: BrandState, now: float) -> None:
        """Each call of this process is a sign of life of the exports it runs."""
        for lease in state.exports:
            if lease.is_mine():
                lease.until = now + self.limits.export_lease_s

    def _grow_exports(self, state: BrandState) -> None:
        """One more slot after as many completed exports as there are slots (additive)."""
        if state.export_cap >= self.limits.concurrent_exports:
            return
        state.export_credit += 1 / state.export_cap
        if state.export_credit >= 1:
            state.export_cap, state.export_credit = state.export_cap + 1, 0.0

    def _refill(self, state: BrandState, now: float) -> None:
        if now > state.filled_at:
            refill = (now - state.filled_at) * state.rate
            state.tokens = min(self._capacity, state.tokens + refill)
            state.filled_at = now

    def _reserve(self, state: BrandState, now: float) -> float:
        """Take one token (going into debt if need be); the seconds until it is ours."""
        self._refill(state, now)
        state.tokens -= 1
        ready = max(now, state.filled_at) + max(0.0, -state.tokens) / state.rate
        return ready - now

    def _pause(self, state: BrandState, until: float) -> None:
        state.tokens = min(state.tokens, 1.0)  # one call goes when it ends: no burst
        state.paused_until = state.filled_at = until
        state.epoch += 1
