"""CLI commands that set things up: validate, schema, connections, schedule, scheduler, sandbox."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import shutil
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr, ValidationError

from qinbound_nb.errors import ConfigError, StoreError
from qinbound_nb.job.config import Connection, JobConfig, describe_validation_error
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.notebooks.export import export_notebook
from qinbound_nb.notebooks.production import run_production
from qinbound_nb.qualtrics.checks import check_connection
from qinbound_nb.runs.clients import client_for_connection
from qinbound_nb.runs.execute import check_job
from qinbound_nb.sandbox.simulator import serve_forever
from qinbound_nb.scheduling.airflow import airflow_dag
from qinbound_nb.scheduling.crontab import crontab_lines, install_crontab
from qinbound_nb.scheduling.recurrence import describe_schedule, upcoming_runs
from qinbound_nb.scheduling.scheduler import Scheduler
from qinbound_nb.store import exists, is_url, resolve_location
from qinbound_nb.store.store import Store

# Every run of 'qinbound scheduler' writes the same store, and DuckDB takes one writing
# process at a time: a second run in parallel would fail with "store is locked".
SCHEDULER_PARALLEL_RUNS = 1
# A PostgreSQL store takes several writers: due jobs run side by side.
SCHEDULER_PARALLEL_RUNS_SERVER = 4
# A tick that finds the store busy lists the jobs it knew rather than waiting for the writer.
SCHEDULER_LIST_WAIT_S = 1.0


def cmd_validate(args: argparse.Namespace) -> int:
    job = check_job(JobConfig.load(args.job))
    print(f"{args.job}: valid job {job.name!r} for project {job.project!r} ({job.source.type})")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(JobConfig.model_json_schema(), indent=2))
    return 0


def read_token(interactive: bool) -> str:
    """Read a token from a hidden prompt, or from standard input when it is piped."""
    if interactive:
        token = getpass.getpass("Qualtrics API token (input hidden): ")
    else:
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise ConfigError("no token was given; paste it at the prompt or pipe it on stdin")
    return token


def cmd_connections_add(args: argparse.Namespace) -> int:
    token = read_token(sys.stdin.isatty())
    try:
        connection = Connection(
            name=args.name,
            datacenter=args.datacenter,
            token=SecretStr(token),
            expires=args.expires,
            notice_days=args.notice_days,
        )
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, "connection")) from None
    ConnectionStore().add(connection)
    print(f"saved connection {connection.name!r} (datacenter {connection.datacenter})")
    return 0


def cmd_connections_list(args: argparse.Namespace) -> int:
    for connection in ConnectionStore().list():
        expiry = connection.expires.isoformat() if connection.expires else "no expiry set"
        has_token = "token set" if connection.token else "no token"
        print(f"{connection.name}\t{connection.datacenter}\t{expiry}\t{has_token}")
    return 0


def cmd_connections_remove(args: argparse.Namespace) -> int:
    ConnectionStore().remove(args.name)
    print(f"removed connection {args.name!r}")
    return 0


def cmd_connections_check(args: argparse.Namespace) -> int:
    report = check_connection(
        ConnectionStore().get(args.name), client_factory=client_for_connection
    )
    print("\n".join(report.lines()))
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
        notebook = export_notebook(job, Path(args.airflow).with_suffix(".ipynb"), job_path=job_path)
        source = airflow_dag(
            job_path,
            notebook,
            job.schedule,
            output_dir=Path(args.airflow).parent / "runs",
            job_name=job.name,
            connection=job.connection,
        )
        Path(args.airflow).write_text(source, encoding="utf-8")
        print(f"Airflow DAG written to {args.airflow} (notebook {notebook})")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    store = resolve_location(args.store)

    known: list[Path] = []

    def list_jobs() -> list[Path]:
        if not exists(store):
            return []
        try:
            with Store.open(store, read_only=True, wait_s=SCHEDULER_LIST_WAIT_S) as opened:
                jobs = opened.registered_jobs()
        except StoreError as exc:  # a run is writing the store: keep the jobs we knew
            logging.getLogger("qinbound_nb.scheduling.scheduler").info(
                "%s; using the last job list", exc
            )
            return list(known)
        known[:] = [Path(path) for path in jobs["job_path"]] if not jobs.empty else []
        return list(known)

    def run(job_path: Path) -> int:
        return 0 if run_production(job_path, store=store).ok else 1

    parallel = SCHEDULER_PARALLEL_RUNS_SERVER if is_url(store) else SCHEDULER_PARALLEL_RUNS
    scheduler = Scheduler(list_jobs, run, max_parallel=parallel)
    if args.once:
        scheduler.tick()
        return 0
    stop = threading.Event()
    try:
        scheduler.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    serve_forever(port=args.port, host=args.host)
    return 0
