"""A brand's limits and the state its limiter paces by (bucket, pause, AIMD rate, exports).

The state is plain data so that it can live in this process (:class:`LocalState`) or in a
file every process of the machine reads and writes under a lock (:mod:`.state_file`). The
limiter's arithmetic (:mod:`.limiter`) is the same either way.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qinbound_nb.local.settings import Settings

__all__ = ["BrandState", "ExportLease", "Limits", "LocalState", "StateHolder"]

MAX_WAIT_S = 600.0  # no pause or queue outlasts this: a longer one read back is stale
CLOCK_SKEW_S = 5.0  # a state written further ahead than this came from a clock set back
HOST = socket.gethostname()


@dataclass(frozen=True)
class Limits:
    """How fast one brand may be called, and how many of its exports may run at once."""

    calls_per_minute: float = 3000.0
    concurrent_exports: int = 4
    burst_s: float = 1.0
    floor_share: float = 0.02
    recovery_s: float = 60.0
    export_lease_s: float = 900.0  # a slot whose holder shows no life this long comes back

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Limits:
        """The limits ``QINBOUND_API_CALLS_PER_MINUTE`` and ``..._CONCURRENT_EXPORTS`` set."""
        settings = settings or Settings()
        return cls(settings.api_calls_per_minute, settings.api_concurrent_exports)


@dataclass
class ExportLease:
    """One running export's slot: who holds it, and until when without a sign of life."""

    id: str
    pid: int
    host: str
    until: float

    @classmethod
    def mine(cls, until: float) -> ExportLease:
        """A slot held by this process until ``until`` (renewed by each of its calls)."""
        lease = cls(uuid.uuid4().hex, os.getpid(), HOST, until)
        _HELD.add(lease.id)
        return lease

    def release(self) -> None:
        _HELD.discard(self.id)

    def is_mine(self) -> bool:
        return self.id in _HELD and self.pid == os.getpid()

    def lapsed(self, now: float) -> bool:
        """The holder is gone: a process of this host that died (or an earlier process with
        this one's pid, which this one does not hold), or a lease that ran out."""
        if self.is_mine():
            return False
        if self.host == HOST and (self.pid == os.getpid() or not _alive(self.pid)):
            return True
        return now > self.until


_HELD: set[str] = set()  # the slots this process holds, by lease id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead for us
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


@dataclass
class BrandState:
    """A brand's token bucket, pause, adaptive rate and export slots (see :mod:`.limiter`)."""

    tokens: float
    filled_at: float
    rate: float
    export_cap: int
    grown_at: float
    paused_until: float = -math.inf
    cut_allowed_at: float = -math.inf
    epoch: int = 0  # bumped by each pause: callers waiting across it queue again
    export_credit: float = 0.0
    exports: list[ExportLease] = field(default_factory=list)
    throttles: int = 0
    export_refusals: int = 0
    written_at: float = -math.inf
    ceiling_seen: float = 0.0  # the limits the state was last held to: a state at them (not
    exports_seen: float = 0.0  # cut by 429s) follows a raised setting at once

    @classmethod
    def fresh(cls, limits: Limits, now: float) -> BrandState:
        """A full bucket at the ceiling rate, no pause, no export running."""
        ceiling = limits.calls_per_minute / 60.0
        capacity = max(1.0, ceiling * limits.burst_s)
        return cls(capacity, now, ceiling, limits.concurrent_exports, now)

    def to_json(self, now: float) -> bytes:
        self.written_at = now
        values = {**vars(self), "exports": [vars(lease) for lease in self.exports]}
        return json.dumps(values, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, text: bytes, limits: Limits, now: float) -> BrandState:
        """The state written as ``text``, made safe for this process's limits and clock.

        Raises ValueError when ``text`` is not a state (a torn or foreign file).
        """
        try:
            values: dict[str, Any] = json.loads(text)
            leases = [ExportLease(str(x["id"]), int(x["pid"]), str(x["host"]), float(x["until"]))
                      for x in values.pop("exports")]  # fmt: skip
            numbers: dict[str, Any] = {name: float(value) for name, value in values.items()}
            state = cls(**numbers)
        except (TypeError, KeyError, AttributeError) as exc:
            raise ValueError(f"not a brand state: {exc}") from None
        state.epoch, state.export_cap = int(state.epoch), int(state.export_cap)
        state.throttles, state.export_refusals = int(state.throttles), int(state.export_refusals)
        state.exports = leases
        return state.within(limits, now)

    def within(self, limits: Limits, now: float) -> BrandState:
        """Clamp what a stale file or another process's settings could put out of bounds."""
        if self.written_at > now + CLOCK_SKEW_S:  # the clock went back: times mean nothing
            fresh = BrandState.fresh(limits, now)
            fresh.exports = [ExportLease(x.id, x.pid, x.host, now) for x in self.exports]
            return fresh
        ceiling = limits.calls_per_minute / 60.0
        if self.rate >= self.ceiling_seen:
            self.rate = ceiling
        if self.export_cap >= self.exports_seen:
            self.export_cap = limits.concurrent_exports
        self.ceiling_seen, self.exports_seen = ceiling, limits.concurrent_exports
        self.rate = min(max(self.rate, ceiling * limits.floor_share), ceiling)
        capacity = max(1.0, ceiling * limits.burst_s)
        self.tokens = min(max(self.tokens, -self.rate * MAX_WAIT_S), capacity)
        self.paused_until = min(self.paused_until, now + MAX_WAIT_S)
        self.filled_at = min(self.filled_at, max(now, self.paused_until))
        self.grown_at = min(self.grown_at, max(now, self.paused_until))
        self.export_cap = min(max(1, self.export_cap), limits.concurrent_exports)
        return self


class StateHolder(Protocol):
    """Where a limiter's state of record lives; ``hold()`` gives it exclusively, then keeps it."""

    def hold(self) -> AbstractContextManager[BrandState]: ...


class LocalState:
    """The state in this process only, behind a thread lock."""

    def __init__(self, state: BrandState) -> None:
        self._state, self._lock = state, threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[BrandState]:
        with self._lock:
            yield self._state
