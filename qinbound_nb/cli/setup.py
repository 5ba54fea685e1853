"""CLI commands that set things up: validate, schema, schedule, scheduler, sandbox serve.

``validate`` and ``schema`` load only the job model and the checks; the scheduler, the
sandbox and papermill load inside the commands that use them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from qinbound_nb.errors import ConfigError, StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import JobStatus, RunTrigger
from qinbound_nb.scheduling.anchor import JobEntry, job_anchor, job_entry, next_runs
from qinbound_nb.scheduling.crontab import crontab_lines, install_crontab
from qinbound_nb.scheduling.recurrence import describe_schedule

# Every run of 'qinbound scheduler' writes the same store, and DuckDB takes one writing
# process at a time: unless QINBOUND_MAX_CONCURRENT_JOBS says otherwise, due jobs on a DuckDB
# store run one by one; on a PostgreSQL store (several writers) four at once.
SCHEDULER_PARALLEL_RUNS = 1
# A tick that finds the store busy lists the jobs it knew rather than waiting for the writer.
SCHEDULER_LIST_WAIT_S = 1.0


def cmd_validate(args: argparse.Namespace) -> int:
    from qinbound_nb.runs.checks import check_job  # the expression parser: lark, pyarrow

    job = check_job(JobConfig.load(args.job))
    print(f"{args.job}: valid job {job.name!r} for project {job.project!r} ({job.source.type})")
    from qinbound_nb.job.rulesyntax import substitution_warnings

    for warning in substitution_warnings(job.rules.substitutions, source="rules.substitutions"):
        print(f"  warning: {warning}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(JobConfig.model_json_schema(), indent=2))
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from qinbound_nb.store.backend import absolute, resolve_location

    job_path = Path(args.job).resolve()
    job = JobConfig.load(job_path)
    if args.airflow:  # before the store opens: a password in its URL is bad input (exit 2)
        from qinbound_nb.scheduling.airflow import store_literal

        store_literal(resolve_location(args.store))
    # installing the schedule creates the job: the store records its anchor now, once
    anchor = job_anchor(job, job_path, args.store, create=args.install or bool(args.airflow))
    print(f"{job.name}: {describe_schedule(job.schedule)}")
    if anchor is None:
        print(
            "  (the store has not seen this job yet: its runs are shown as if it were created now)"
        )
    for moment in next_runs(job.schedule, datetime.now(UTC), args.count, anchor):
        print(f"  next: {moment.isoformat(timespec='minutes')}")
    command = shutil.which("qinbound") or f"{sys.executable} -m qinbound_nb"
    store = str(absolute(resolve_location(args.store))) if args.store else None
    lines = crontab_lines(job_path, job.schedule, qinbound_command=command, store=store)
    print("\n".join(lines))
    if args.install:
        install_crontab(lines)
        print("installed in your crontab")
    if args.airflow:
        _write_airflow_dag(args, job, job_path, anchor)
    return 0


def _write_airflow_dag(
    args: argparse.Namespace, job: JobConfig, job_path: Path, anchor: datetime | None
) -> None:
    from qinbound_nb.local.connections import ConnectionStore
    from qinbound_nb.scheduling.airflow import airflow_dag, pool_name
    from qinbound_nb.store.backend import absolute, resolve_location

    try:
        datacenter = ConnectionStore().get(job.connection).datacenter
    except ConfigError:  # the connection lives on the workers only: name the pool after it
        datacenter = job.connection
    source = airflow_dag(
        job_path,
        job.schedule,
        qinbound=qinbound_command(),
        job_name=job.name,
        connection=job.connection,
        datacenter=datacenter,
        store=absolute(resolve_location(args.store)),
        anchor=anchor,
    )
    dag_path = Path(args.airflow)
    dag_path.write_text(source, encoding="utf-8")
    pool = pool_name(datacenter)
    print(f"Airflow DAG written to {dag_path}; its runs take a slot of the pool {pool}:")
    print(f'  airflow pools set {pool} 4 "qinbound jobs calling Qualtrics {datacenter}"')


def qinbound_command() -> list[str]:
    """The command that starts this environment's qinbound (its console script, if any)."""
    script = Path(sys.executable).parent / "qinbound"
    if script.exists():
        return [str(script)]
    found = shutil.which("qinbound")
    return [found] if found else [sys.executable, "-m", "qinbound_nb"]


def cmd_scheduler(args: argparse.Namespace) -> int:
    from qinbound_nb.local.settings import Settings
    from qinbound_nb.notebooks.production import run_production
    from qinbound_nb.qualtrics.brands import shared_limits_available
    from qinbound_nb.runs.expiry import send_expiry_notice
    from qinbound_nb.scheduling.scheduler import Scheduler
    from qinbound_nb.store.backend import exists, is_url, resolve_location
    from qinbound_nb.store.store import Store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    store = resolve_location(args.store)

    known: dict[Path, JobEntry] = {}  # job file → what the store says of it (anchor, enabled)

    def list_jobs() -> list[Path]:
        if not exists(store):
            return []
        try:
            with Store.open(store, read_only=True, wait_s=SCHEDULER_LIST_WAIT_S) as opened:
                jobs = opened.job_records()
        except StoreError as exc:  # a run is writing the store: keep the jobs we knew
            logging.getLogger("qinbound_nb.scheduling.scheduler").info(
                "%s; using the last job list", exc
            )
            return list(known)
        entries = {Path(row["job_path"]): job_entry(row) for row in jobs}
        known.clear()
        known.update({path: e for path, e in entries.items() if e.status != JobStatus.DELETED})
        return list(known)

    def run(job_path: Path) -> int:
        outcome = run_production(job_path, store=store, trigger=RunTrigger.SCHEDULE)
        return 0 if outcome.ok else 1

    parallel = Settings().concurrent_jobs(server_store=is_url(store))
    if not shared_limits_available():
        share_brand_limits(parallel)
    scheduler = Scheduler(
        list_jobs,
        run,
        max_parallel=parallel,
        expiry_notice=send_expiry_notice,
        lookup=known.get,
    )
    if args.once:
        scheduler.tick()
        return 0
    stop = threading.Event()
    try:
        scheduler.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def share_brand_limits(parallel: int) -> None:
    """Give each of ``parallel`` run processes 1/N of a brand's limits, through the environment.

    Only a fallback: the run processes (papermill kernels) share each brand's limiter through
    a file under ``$QINBOUND_HOME/limits``. Where that folder cannot be written each kernel
    paces alone, and N of them sharing a brand would together make N times its calls; a
    static share keeps the sum within the brand's limit (429s still adapt each share).
    """
    from qinbound_nb.qualtrics.limiter import Limits

    if parallel > 1:
        limits = Limits.from_settings()
        exports = max(1, limits.concurrent_exports // parallel)
        os.environ["QINBOUND_API_CALLS_PER_MINUTE"] = f"{limits.calls_per_minute / parallel:g}"
        os.environ["QINBOUND_API_CONCURRENT_EXPORTS"] = str(exports)


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from qinbound_nb.sandbox.simulator import serve_forever

    serve_forever(port=args.port, host=args.host)
    return 0
