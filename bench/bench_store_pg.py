"""The PostgreSQL store beside the DuckDB store and beside a plain ``COPY`` of the same rows.

Stages, each on a fresh store per repeat, interleaved repeat by repeat (medians):

- ``run_job`` into PostgreSQL and into DuckDB: the whole run (sandbox export, parse, map,
  redact, load) of the end-to-end bench's job, so the difference is the store;
- the load alone: the documents that run produced, staged in 50,000-row chunks through
  ``Store.load_run`` and committed (one transaction, duplicates settled, outcomes, run row)
  into PostgreSQL and into DuckDB;
- the floor: the same documents ``COPY``'d into an empty PostgreSQL table with the same
  columns, nothing else (target: the PostgreSQL load within 1.5x of it).

A throwaway server is started as the tests start one (``initdb`` into a temporary folder,
a free loopback port); ``--url`` uses an existing database instead (it must be empty).

Run: ``python bench/bench_store_pg.py`` (100k responses) or ``--large`` (adds 1M).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import e2e_stages as stages
import pandas as pd
import psycopg

from qinbound_nb.store.pg_copy import copy_arrow, pg_type
from qinbound_nb.store.schema import arrow_types
from qinbound_nb.store.store import Store

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "store_pg.md"
CHUNK = 50_000
LOAD_AT_START = os.getloadavg()[0]


@contextmanager
def throwaway_server() -> Iterator[object]:
    """The server the tests start, started here outside pytest."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import pg_server  # type: ignore[import-not-found]

    # a terminated bench still stops its server (the context manager's cleanup runs)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with pg_server.running_server() as server:
        yield server


def run_job_into(location: Path | str, size: int) -> float:
    started = time.perf_counter()
    with stages.client(size) as api:
        report = stages.run_job(stages.job(), store=location, client=api, now=stages.NOW)
    if report.status != "succeeded":
        raise SystemExit(report.summary())
    return time.perf_counter() - started


def load_into(location: Path | str, documents: pd.DataFrame) -> float:
    started = time.perf_counter()
    with Store(location) as store, store.load_run("bench-load", stages.job()) as load:
        for start in range(0, len(documents), CHUNK):
            load.stage(documents.iloc[start : start + CHUNK])
        load.finish()
    return time.perf_counter() - started


def copy_floor(url: str, documents: pd.DataFrame) -> float:
    import pyarrow as pa

    table = pa.Table.from_pandas(documents, preserve_index=False)
    columns = ", ".join(f'"{c}" {pg_type(t)}' for c, t in arrow_types(table).items())
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        connection.execute(f"CREATE TABLE floor ({columns})")
        copy_arrow(connection, "floor", table)
    return time.perf_counter() - started


def measure(size: int, repeats: int, new_database: Callable[[], str]) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        stages.prepare(Path(folder))
        run_job_into(Path(folder) / "produce.duckdb", size)
        with Store(Path(folder) / "produce.duckdb", read_only=True) as store:
            documents = store.documents("bench")
        for repeat in range(repeats):
            duck_run, duck_load = (Path(folder) / f"{kind}{repeat}.duckdb" for kind in "rl")
            trials: dict[str, Callable[[], float]] = {
                "run_job → PostgreSQL": lambda: run_job_into(new_database(), size),
                "run_job → DuckDB": lambda: run_job_into(duck_run, size),  # noqa: B023
                "load → PostgreSQL": lambda: load_into(new_database(), documents),
                "load → DuckDB": lambda: load_into(duck_load, documents),  # noqa: B023
                "COPY floor → PostgreSQL": lambda: copy_floor(new_database(), documents),
            }
            for name, trial in trials.items():
                runs.setdefault(name, []).append(trial())
    return runs


def run_named(name: str, url: str, size: int) -> int:
    job = stages.job().model_copy(update={"name": name})
    with stages.client(size) as api:
        report = stages.run_job(job, store=url, client=api, now=stages.NOW)
    if report.status == "failed":  # (a warning is expected: the jobs share one survey)
        raise SystemExit(report.summary())
    return int(report.counts["loaded"])


def eight_jobs(size: int, new_database: Callable[[], str], rounds: int) -> dict[str, float]:
    """Eight jobs of ``size`` responses, one after another then as eight processes at once,
    ``rounds`` times interleaved; the median wall time of each."""
    names = [f"bench-{number}" for number in range(8)]
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        stages.prepare(Path(folder))
    # the store is measured here, not Qualtrics' limits: the brand's limiter lets all eight
    # export at once (bench_many_jobs.py measures jobs under the brand's real limits)
    os.environ["QINBOUND_API_CONCURRENT_EXPORTS"] = "8"
    os.environ["QINBOUND_API_CALLS_PER_MINUTE"] = "100000"
    # a home of its own: the brand's shared limiter state starts at these limits, not at
    # what earlier runs on this machine left in ~/.qinbound/limits
    os.environ["QINBOUND_HOME"] = tempfile.mkdtemp(prefix="bench-home-")
    run_named("warm-up", new_database(), size)
    timings: dict[str, list[float]] = {"one after another": [], "8 processes at once": []}
    for _ in range(rounds):
        sequential_url, parallel_url = new_database(), new_database()
        started = time.perf_counter()
        for name in names:
            run_named(name, sequential_url, size)
        timings["one after another"].append(time.perf_counter() - started)
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(len(names)) as pool:
            pool.starmap(run_named, [(name, parallel_url, size) for name in names])
        timings["8 processes at once"].append(time.perf_counter() - started)
    return {how: statistics.median(times) for how, times in timings.items()}


def concurrency_section(size: int, timings: dict[str, float]) -> list[str]:
    sequential = timings["one after another"]
    lines = [
        "",
        f"Eight jobs of {size:,} responses each into one PostgreSQL database (`run_job`, "
        "sandbox export included), one after another in one process, then as eight forked "
        "processes at once, in interleaved rounds (median wall time; target: at once ≤ 0.6× "
        "one after another; the machine has 2 cores). The brand's limiter is opened to 8 "
        "exports at once and 100,000 calls a minute here, so this measures the store; "
        "`bench_many_jobs.py` measures jobs under the brand's real limits.",
        "",
        "| how | wall s | vs one after another |",
        "|---|---:|---:|",
    ]
    for name, seconds in timings.items():
        lines.append(f"| {name} | {seconds:.2f} | {seconds / sequential:.2f}× |")
    return lines


def section(results: dict[int, dict[str, list[float]]], command: str) -> str:
    lines = [
        "## PostgreSQL store",
        "",
        "`run_job` of the end-to-end bench's job (sandbox export, parse, map, redact all five "
        "PII kinds, load) into a fresh PostgreSQL database and into a fresh DuckDB file; the "
        "load alone (the same documents staged in 50k chunks through `Store.load_run`, one "
        "transaction); and the floor: the same rows `COPY`'d into an empty table. Server: "
        "Debian's PostgreSQL 15, throwaway cluster on loopback (fsync off), same machine. "
        f"1-minute load average when the bench began: {LOAD_AT_START:.1f}.",
        "",
        "| responses | stage | runs | wall s (median) | vs COPY floor |",
        "|---:|---|---:|---:|---:|",
    ]
    for size, runs in results.items():
        floor = statistics.median(runs["COPY floor → PostgreSQL"])
        for name, times in runs.items():
            median = statistics.median(times)
            lines.append(
                f"| {size:,} | {name} | {len(times)} | {median:.2f} | {median / floor:.1f}× |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 1,000,000 responses")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-repeats", type=int, default=3, help="repeats at 1M (3)")
    args = parser.parse_args(argv)
    sizes = [args.responses] + ([1_000_000] if args.large else [])
    results = {}
    with throwaway_server() as server:
        new_database = server.create_database  # type: ignore[attr-defined]
        for size in sizes:
            repeats = args.repeats if size <= 100_000 else args.large_repeats
            results[size] = measure(size, repeats, new_database)
        together = eight_jobs(args.responses // 8, new_database, args.repeats)
    command = "python bench/bench_store_pg.py" + (" --large" if args.large else "")
    lines = [section(results, command), *concurrency_section(args.responses // 8, together)]
    text = "\n".join([*lines, "", f"Command: `{command}`", ""])
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
