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

from qinbound_nb.errors import StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.scheduling.crontab import crontab_lines, install_crontab
from qinbound_nb.scheduling.recurrence import describe_schedule, upcoming_runs

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
    job_path = Path(args.job).resolve()
    job = JobConfig.load(job_path)
    print(f"{job.name}: {describe_schedule(job.schedule)}")
    for moment in upcoming_runs(job.schedule, datetime.now(UTC), args.count):
        print(f"  next: {moment.isoformat(timespec='minutes')}")
    command = shutil.which("qinbound") or f"{sys.executable} -m qinbound_nb"
    lines = crontab_lines(job_path, job.schedule, qinbound_command=command)
    print("\n".join(lines))
    if args.install:
        install_crontab(lines)
        print("installed in your crontab")
    if args.airflow:
        _write_airflow_dag(job, job_path, Path(args.airflow))
    return 0


def _write_airflow_dag(job: JobConfig, job_path: Path, dag_path: Path) -> None:
    from qinbound_nb.notebooks.export import export_notebook
    from qinbound_nb.scheduling.airflow import airflow_dag

    notebook = export_notebook(job, dag_path.with_suffix(".ipynb"), job_path=job_path)
    source = airflow_dag(
        job_path,
        notebook,
        job.schedule,
        output_dir=dag_path.parent / "runs",
        job_name=job.name,
        connection=job.connection,
    )
    dag_path.write_text(source, encoding="utf-8")
    print(f"Airflow DAG written to {dag_path} (notebook {notebook})")


def cmd_scheduler(args: argparse.Namespace) -> int:
    from qinbound_nb.local.settings import Settings
    from qinbound_nb.notebooks.production import run_production
    from qinbound_nb.runs.expiry import send_expiry_notice
    from qinbound_nb.scheduling.scheduler import Scheduler
    from qinbound_nb.store.backend import exists, is_url, resolve_location
    from qinbound_nb.store.store import Store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    store = resolve_location(args.store)

    known: list[Path] = []

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
        known[:] = [Path(row["job_path"]) for row in jobs]
        return list(known)

    def run(job_path: Path) -> int:
        return 0 if run_production(job_path, store=store).ok else 1

    parallel = Settings().concurrent_jobs(server_store=is_url(store))
    share_brand_limits(parallel)
    scheduler = Scheduler(list_jobs, run, max_parallel=parallel, expiry_notice=send_expiry_notice)
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

    Each scheduled run is a papermill kernel of its own, with its own brand limiter: N of
    them sharing a brand would together make N times its calls. A static share keeps the
    sum within the brand's limit whatever mix of brands is due (429s still adapt each share).
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
