"""A process of its own using a brand's machine-wide limiter (the multi-process tests run it).

    python limiter_worker.py KEY CALLS_PER_MINUTE EXPORTS START_AT ACTION [ARG]

ACTION: ``calls N`` (prints each call's wall time), ``throttle SECONDS`` (reports a 429 with
that Retry-After, prints when), ``export SECONDS`` (holds an export slot, prints when it got
and released it), ``hold`` (holds a slot until killed). Waits until wall time ``START_AT``
first, so that processes started one by one run at the same time.
"""

from __future__ import annotations

import sys
import time

from qinbound_nb.qualtrics.brands import shared_limiter
from qinbound_nb.qualtrics.limiter import Limits


def main(key: str, per_minute: str, exports: str, start_at: str, action: str, arg: str) -> None:
    brand = shared_limiter(key, Limits(float(per_minute), int(exports), burst_s=0.25))
    time.sleep(max(0.0, float(start_at) - time.time()))
    if action == "calls":
        for _ in range(int(arg)):
            brand.acquire()
            print(f"call {time.time()!r}", flush=True)
    elif action == "throttle":
        brand.acquire()
        brand.throttled(float(arg))
        print(f"throttled {time.time()!r}", flush=True)
    elif action in ("export", "hold"):
        with brand.export_slot():
            print(f"got {time.time()!r}", flush=True)
            time.sleep(float(arg) if action == "export" else 3600)
        print(f"released {time.time()!r}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:7])
