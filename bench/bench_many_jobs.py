"""Many jobs, one Qualtrics brand: 100 jobs due at once, run N at a time vs one at a time.

Each round: a fresh DuckDB store (its project table made by a warm-up run), a fresh in-process
sandbox with its rate limit on at Qualtrics' documented brand limit (50 calls a second, i.e.
3,000 a minute) and four exports at once, and 100 job files (the demo survey at a moment with
six responses: small runs) due in the same scheduler tick. ``Scheduler.tick`` runs them with
``max_parallel`` 1 (the baseline), 4 and 8; every run is a real ``run_job`` through its own
client, all clients sharing the brand's limiter at its defaults. Rounds are interleaved
(1, 4, 8, 1, 4, 8, ...) so a busy moment on the shared machine hits every contender alike;
figures are medians.

    python bench/bench_many_jobs.py                  # 100 jobs, 3 rounds
    python bench/bench_many_jobs.py --jobs 30 --repeats 1   # a quick look
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "many_jobs.md"
SANDBOX_NOW = "2026-11-01T01:00:00Z"
SANDBOX_LIMITS = "calls=50,exports=4,retry=1"
AT_ONCE = (1, 4, 8)
POLL_FIRST_DELAY = 0.05  # the sandbox finishes an export on its third poll: 0.35 s of polling


@dataclass(frozen=True)
class Round:
    at_once: int
    wall: float
    cpu: float
    refused: int
    failed: int
    limiter_wait: float


def job_files(folder: Path, count: int) -> list[Path]:
    from qinbound_nb import JobConfig

    paths = []
    for number in range(count):
        data = {"name": f"job-{number:03d}", "project": "bench", "connection": "sandbox",
                "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
                "schedule": {"kind": "recurring", "frequency": "hourly", "starts_on": "00:00",
                             "pull_on_create": False}}  # fmt: skip
        paths.append(JobConfig.from_dict(data).save(folder / f"job-{number:03d}.json"))
    return paths


def one_round(jobs: int, at_once: int) -> Round:
    """Run ``jobs`` due jobs ``at_once`` at a time in a fresh folder, store and sandbox."""
    from pydantic import SecretStr

    from qinbound_nb import JobConfig, run_job
    from qinbound_nb.local.connections import SANDBOX
    from qinbound_nb.qualtrics import PollPolicy, QualtricsClient
    from qinbound_nb.sandbox.simulator import Sandbox
    from qinbound_nb.scheduling.scheduler import Scheduler

    folder = Path(tempfile.mkdtemp(prefix="bench-many-jobs-"))
    box = Sandbox(now=datetime.fromisoformat(SANDBOX_NOW), rate_limit=SANDBOX_LIMITS)
    connection = SANDBOX.model_copy(update={"token": SecretStr(uuid.uuid4().hex)})  # fresh brand
    store, failed, lock = folder / "store.duckdb", [0], threading.Lock()
    limiters = []

    def run(job: Path | JobConfig) -> int:
        poll = PollPolicy(first_delay=POLL_FIRST_DELAY)
        with QualtricsClient(connection, transport=box.transport(), poll=poll) as client:
            limiters.append(client.brand_limiter)
            report = run_job(job, store=store, client=client)
        if report.status == "failed":
            with lock:
                failed[0] += 1
        return 0 if report.status != "failed" else 1

    paths = job_files(folder, jobs)
    run(JobConfig.load(paths[0]).model_copy(update={"name": "warm-up"}))  # makes the tables
    box.rate_limit.refused, failed[0] = 0, 0
    clock = [datetime(2026, 3, 16, 5, 0, tzinfo=UTC)]
    scheduler = Scheduler(lambda: paths, run, clock=lambda: clock[0], state_dir=folder / "state",
                          max_parallel=at_once)  # fmt: skip
    scheduler.tick()
    clock[0] += timedelta(hours=1)
    started, cpu = time.perf_counter(), time.process_time()
    scheduler.tick()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Round(at_once, wall, cpu, box.rate_limit.refused, failed[0], limiters[-1].waited)


def table(rounds: list[Round]) -> list[str]:
    baseline = statistics.median(r.wall for r in rounds if r.at_once == 1)
    lines = ["| how | rounds | wall s (median) | CPU s (median) | vs one at a time | 429s "
             "(all rounds) | failed runs | waits in the limiter, s (median of sums over callers) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for at_once in AT_ONCE:
        mine = [r for r in rounds if r.at_once == at_once]
        wall = statistics.median(r.wall for r in mine)
        how = "one at a time (baseline)" if at_once == 1 else f"{at_once} at once"
        lines.append(
            f"| {how} | {len(mine)} | {wall:.2f} | {statistics.median(r.cpu for r in mine):.2f} "
            f"| {wall / baseline:.2f}× | {sum(r.refused for r in mine)} "
            f"| {sum(r.failed for r in mine)} "
            f"| {statistics.median(r.limiter_wait for r in mine):.1f} |"
        )
    return lines


def section(rounds: list[Round], jobs: int, command: str) -> str:
    load = os.getloadavg()[0]
    return "\n".join([
        "## Many jobs, one brand",
        "",
        f"{jobs} jobs due in one scheduler tick, each a real `run_job` (export of six demo "
        "responses, parse, map, load into one DuckDB store) through its own client; all "
        "clients share the brand's limiter at its defaults (3,000 calls a minute, 4 exports "
        f"at once) and the in-process sandbox enforces the same (`{SANDBOX_LIMITS}`). The "
        f"sandbox finishes an export on its third poll (polls from {POLL_FIRST_DELAY} s, "
        "doubling); a real export waits longer, where running jobs at once gains more. "
        f"1-minute load average at the end: {load:.1f}.",
        "",
        *table(rounds),
        "",
        f"Command: `{command}`",
        "",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="300 jobs")
    args = parser.parse_args(argv)
    jobs = 300 if args.large else args.jobs
    os.environ["QINBOUND_HOME"] = tempfile.mkdtemp(prefix="bench-home-")
    os.environ["QINBOUND_SANDBOX_NOW"] = SANDBOX_NOW
    rounds = []
    for repeat in range(args.repeats):
        for at_once in AT_ONCE:
            rounds.append(one_round(jobs, at_once))
            print(f"round {repeat + 1}: {rounds[-1]}", flush=True)
    command = " ".join(["python bench/bench_many_jobs.py", *(argv or sys.argv[1:])])
    text = section(rounds, jobs, command)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    return 0 if not any(r.failed for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
