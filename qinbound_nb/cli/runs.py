"""CLI commands about runs: run, preview, export, jobs, history, report, purge.

Each handler takes the parsed arguments and returns the exit code; errors are
``QInboundError``s that :func:`qinbound_nb.cli.main.main` turns into one paragraph.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.notebooks.export import export_notebook
from qinbound_nb.notebooks.production import run_production
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.runs.execute import check_job, run_job
from qinbound_nb.runs.preview import preview
from qinbound_nb.scheduling.recurrence import describe_schedule, next_run
from qinbound_nb.scheduling.scheduler import run_if_due
from qinbound_nb.store import Location, exists, resolve_location
from qinbound_nb.store.store import Store


def progress_line(update: ExportProgress) -> None:
    """One self-overwriting progress line on stderr."""
    if update.stage == "download":
        done = f"{update.bytes_done / 1e6:.1f} MB"
        total = f" of {update.bytes_total / 1e6:.1f} MB" if update.bytes_total else ""
        text = f"downloading {done}{total}"
    elif update.stage == "poll" and update.percent is not None:
        text = f"export {update.percent:.0f}% ready"
    else:
        text = update.stage
    end = "\n" if update.stage == "done" else ""
    print(f"\r\033[K{text}", end=end, file=sys.stderr, flush=True)


def store_path(args: argparse.Namespace) -> Location:
    """The store named by ``--store`` (a path or a postgresql:// URL), else the default."""
    return resolve_location(args.store)


def cmd_run(args: argparse.Namespace) -> int:
    if args.if_due:
        return run_if_due(Path(args.job), lambda _path: _run_once(args))
    return _run_once(args)


def _run_once(args: argparse.Namespace) -> int:
    job = JobConfig.load(args.job)
    check_job(job)
    if args.xm_files and not args.direct:
        raise ConfigError("--xm-files works with --direct runs; add --direct")
    if args.direct:
        report = run_job(
            job,
            store=store_path(args),
            dry_run=args.dry_run,
            feedback_files=args.xm_files,
            feedback_format=args.xm_format,
            progress=progress_line if sys.stderr.isatty() else None,
        )
        print(report.summary())
        _register(job, args)
        return 0 if report.ok else 1
    outcome = run_production(
        args.job, store=store_path(args), dry_run=args.dry_run, timeout_s=args.timeout
    )
    counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items() if v)
    print(f"run {outcome.run_id} of {job.name!r}: {outcome.status}")
    print(f"  {counts or 'no documents'}")
    if outcome.error:
        print(f"  error: {outcome.error}")
    print(f"  output notebook: {outcome.output_notebook}")
    _register(job, args)
    return 0 if outcome.ok else 1


def _register(job: JobConfig, args: argparse.Namespace) -> None:
    path = store_path(args)
    if exists(path) and not args.dry_run:
        with Store.open(path) as store:
            store.register_job(job, Path(args.job).resolve())


def cmd_preview(args: argparse.Namespace) -> int:
    job = JobConfig.load(args.job)
    check_job(job)
    shown = preview(
        job,
        limit=args.limit,
        store=store_path(args),
        progress=progress_line if sys.stderr.isatty() else None,
    )
    counts = ", ".join(f"{k} {v}" for k, v in shown.counts.items() if v)
    print(f"preview of {job.name!r}: {counts}")
    columns = [c for c in shown.documents.columns if c not in ("job_name", "loadDate")]
    with pd.option_context("display.max_colwidth", 60, "display.width", 160):
        print(shown.documents[columns].head(args.rows).to_string())
    if args.output:
        Path(args.output).write_text(shown.html(), encoding="utf-8")
        print(f"side-by-side preview written to {args.output}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    job = JobConfig.load(args.job)
    check_job(job)
    path = export_notebook(
        job, args.output, job_path=Path(args.job).resolve(), store_path=args.store
    )
    print(f"exported {path}; run it with: qinbound run {args.job}")
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        jobs = store.registered_jobs()
        runs = store.runs()
    if jobs.empty:
        print("no jobs yet: run one with 'qinbound run JOB'")
        return 0
    now = datetime.now(UTC)
    for _, row in jobs.iterrows():
        last = runs[runs["job_name"] == row["job_name"]].head(1)
        status = (
            f"{last.iloc[0]['status']} ({last.iloc[0]['run_id']})" if len(last) else "never run"
        )
        job = _job_or_none(row)
        schedule = describe_schedule(job.schedule) if job else "?"
        upcoming = next_run(job.schedule, now) if job and job.schedule.kind == "recurring" else None
        when = upcoming.isoformat(timespec="minutes") if upcoming else "-"
        print(f"{row['job_name']}\t{status}\t{schedule}\tnext: {when}")
    return 0


def _job_or_none(row: pd.Series) -> JobConfig | None:
    try:
        return JobConfig.load(row["job_path"])
    except Exception:
        return None


def cmd_history(args: argparse.Namespace) -> int:
    job_name = _job_name(args.job)
    with Store.open(store_path(args), read_only=True) as store:
        runs = store.runs(job_name)
    if runs.empty:
        print(f"no runs of {job_name!r} in {store_path(args)}")
        return 0
    for _, row in runs.iterrows():
        counts = json.loads(row["counts"]) if isinstance(row["counts"], str) else row["counts"]
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and v)
        error = f"  error: {row['error']}" if pd.notna(row["error"]) else ""
        print(f"{row['run_id']}\t{row['started_at']}\t{row['status']}\t{shown}{error}")
    return 0


def _job_name(job: str) -> str:
    return JobConfig.load(job).name if Path(job).is_file() else job


def cmd_report(args: argparse.Namespace) -> int:
    with Store.open(store_path(args), read_only=True) as store:
        path = store.write_report(args.run, args.output)
    print(f"processed-documents report of run {args.run} written to {path}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with Store.open(store_path(args)) as store:
        result = store.purge(args.run)
    print(f"purged run {args.run}: {result}")
    return 0
