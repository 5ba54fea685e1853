"""The cost of one ``acquire`` + ``succeeded`` on a brand limiter: in-process vs its state file.

The machine-wide limiter reads, changes and rewrites ``$QINBOUND_HOME/limits/<key>.json``
under ``flock`` for every call; this measures what that adds per call, uncontended (one
thread) and with four threads of one process taking turns, at a rate no caller waits for.

    python bench/bench_limiter.py            # 20,000 calls a contender
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "limiter.md"


def per_call_us(brand: object, calls: int, threads: int) -> float:
    """Microseconds of wall time per acquire+succeeded, ``threads`` callers at once."""

    def caller() -> None:
        for _ in range(calls // threads):
            brand.acquire()  # type: ignore[attr-defined]
            brand.succeeded()  # type: ignore[attr-defined]

    workers = [threading.Thread(target=caller) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["QINBOUND_HOME"] = tempfile.mkdtemp(prefix="bench-limiter-")
    from qinbound_nb.qualtrics.brands import shared_limiter
    from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits

    unlimited = Limits(calls_per_minute=1e12)
    contenders = [BrandLimiter(unlimited), shared_limiter("brand", unlimited)]
    lines = ["## Brand limiter, per call", "",
             "One `acquire` + `succeeded` (two read-modify-writes of the brand's state) at a "
             "rate no caller waits for; medians of µs a call.", "",
             "| callers | in-process (baseline) | state file under flock | added per call |",
             "|---|---:|---:|---:|"]  # fmt: skip
    for threads in (1, 4):
        local, shared = (
            statistics.median(per_call_us(brand, args.calls, threads) for _ in range(args.repeats))
            for brand in contenders
        )
        lines.append(f"| {threads} thread(s) | {local:.1f} | {shared:.1f} "
                     f"| {shared - local:.1f} |")  # fmt: skip
    command = " ".join(["python bench/bench_limiter.py", *sys.argv[1:]])
    text = "\n".join([*lines, "", f"Command: `{command}`", ""])
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
