"""Which limiter a session's calls wait for: the brand's, shared by this machine's processes.

The brand key is the datacenter plus the brand id once ``whoami`` told it for the token,
else the datacenter plus a fingerprint of the token (a token belongs to one user of one
brand). The brand's state of record is a file under ``$QINBOUND_HOME/limits``
(:mod:`.state_file`); where that folder cannot be written, the process paces its calls
alone and says so. A session with an injected clock gets a limiter of its own on that clock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from qinbound_nb.local.settings import Settings
from qinbound_nb.qualtrics import state_file
from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits
from qinbound_nb.qualtrics.state_file import StateFile, state_path

__all__ = [
    "brand_key",
    "learn_brand",
    "limits_folder",
    "private_limiter",
    "shared_limiter",
    "shared_limits_available",
]

log = logging.getLogger(__name__)
_shared: dict[tuple[Path, str, Limits], BrandLimiter] = {}
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


def limits_folder() -> Path:
    """Where the brands' limiter states live: ``$QINBOUND_HOME/limits``."""
    return Settings().home_folder / "limits"


def shared_limiter(key: str, limits: Limits) -> BrandLimiter:
    """The limiter of brand ``key`` on this machine (this process's handle, made on first use)."""
    folder = limits_folder()
    with _registry_lock:
        limiter = _shared.get((folder, key, limits))
        if limiter is None:
            limiter = _shared[(folder, key, limits)] = _machine_limiter(folder, key, limits)
        return limiter


def _machine_limiter(folder: Path, key: str, limits: Limits) -> BrandLimiter:
    try:
        state = StateFile(state_path(folder, key), limits, time.time)
    except OSError as exc:
        log.warning(
            "cannot keep the Qualtrics limits of %s in %s (%s): this process paces its calls "
            "alone, and other processes of the brand are not counted",
            key,
            folder,
            exc,
        )
        return BrandLimiter(limits)
    return BrandLimiter(limits, clock=time.time, state=state)


def shared_limits_available() -> bool:
    """Whether this machine's processes can share brand limits (the folder is writable)."""
    if state_file.fcntl is None:  # pragma: no cover - Windows
        return False
    folder = limits_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


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
