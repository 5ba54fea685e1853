"""A brand's limiter state kept in one file that every process of this machine shares.

``$QINBOUND_HOME/limits/<key>.json`` holds the state of record; each acquire or report
reads, changes and rewrites it under an exclusive ``flock`` (a few tens of microseconds),
so the papermill kernels of ``qinbound scheduler`` and the ``qinbound run`` processes that
cron or Airflow start on one worker keep one pace, one pause and one export cap. A torn or
foreign file is replaced by a fresh state (with a warning), never a crash. The file holds
no token: ``<key>`` is the brand key (datacenter plus brand id or token fingerprint).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qinbound_nb.errors import ConfigError
from qinbound_nb.qualtrics.brand_state import BrandState, Limits

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["StateFile", "state_path"]

log = logging.getLogger(__name__)
MAX_STATE_BYTES = 1 << 16


def state_path(folder: Path, key: str) -> Path:
    """The file of brand ``key`` in ``folder``: the key made file-safe, plus a short hash."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:80]
    return folder / f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.json"


class StateFile:
    """The state of one brand in a file, held under ``flock`` for each change.

    Raises OSError when the file cannot be created, ConfigError where ``fcntl`` is missing.
    """

    def __init__(self, path: Path, limits: Limits, clock: Callable[[], float]) -> None:
        if fcntl is None:  # pragma: no cover - Windows
            raise ConfigError(
                "sharing the Qualtrics rate limits between processes needs POSIX file locks "
                "(fcntl), which this platform lacks; run qinbound on Linux or macOS"
            )
        self.path, self._limits, self._clock = path, limits, clock
        self._lock = threading.Lock()  # one flock at a time per process: no kernel queue
        os.close(self._open())  # cannot create it: fail now, not at the first call

    @contextmanager
    def hold(self) -> Iterator[BrandState]:
        with self._lock:
            fd = self._open()  # opened each time: no descriptor shared with a forked child
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # released by closing
                text = os.pread(fd, MAX_STATE_BYTES, 0)
                state = self._parse(text)
                yield state
                self._write(fd, state, len(text))
            finally:
                os.close(fd)

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path, flags, 0o600)
        except FileNotFoundError:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return os.open(self.path, flags, 0o600)

    def _parse(self, text: bytes) -> BrandState:
        now = self._clock()
        if not text:
            return BrandState.fresh(self._limits, now)
        try:
            return BrandState.from_json(text, self._limits, now)
        except ValueError as exc:
            log.warning("%s was unreadable (%s); the brand's limits start afresh", self.path, exc)
            return BrandState.fresh(self._limits, now)

    def _write(self, fd: int, state: BrandState, written_before: int) -> None:
        data = state.to_json(self._clock())
        os.pwrite(fd, data, 0)
        if len(data) < written_before:  # what the old text left beyond ours must go
            os.ftruncate(fd, len(data))
