"""CLI commands that run a job: run, preview, export.

Each handler takes the parsed arguments and returns the exit code; errors are
``QInboundError``s that :func:`qinbound_nb.cli.main.main` turns into one paragraph. Each
imports what it needs when it runs: ``export`` writes a notebook without pandas,
``run --direct`` runs without papermill, and only ``run`` through papermill loads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunTrigger
from qinbound_nb.runs.checks import check_job

if TYPE_CHECKING:
    from qinbound_nb.qualtrics.models import ExportProgress
    from qinbound_nb.store.backend import Location


def store_path(args: argparse.Namespace) -> Location:
    """The store named by ``--store`` (a path or a postgresql:// URL), else the default."""
    from qinbound_nb.store.backend import resolve_location

    return resolve_location(args.store)


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


def cmd_run(args: argparse.Namespace) -> int:
    if args.if_due:
        from qinbound_nb.runs.expiry import send_expiry_notice
        from qinbound_nb.scheduling.anchor import job_entries
        from qinbound_nb.scheduling.scheduler import run_if_due

        job_path = Path(args.job)
        return run_if_due(
            job_path,
            lambda _path: run_once(args, RunTrigger.SCHEDULE),
            expiry_notice=send_expiry_notice,
            entry=job_entries(args.store).get(job_path.resolve()),
        )
    return run_once(args)


def run_once(args: argparse.Namespace, trigger: RunTrigger = RunTrigger.MANUAL) -> int:
    """Run ``args.job`` once (direct or through papermill), print the outcome, register it."""
    job = JobConfig.load(args.job)
    check_job(job)
    if args.xm_files and not args.direct:
        raise ConfigError("--xm-files works with --direct runs; add --direct")
    if args.direct:
        code = _run_direct(job, args, trigger)
    else:
        code = _run_through_papermill(job, args, trigger)
    _register(job, args)
    return code


def _run_direct(job: JobConfig, args: argparse.Namespace, trigger: RunTrigger) -> int:
    from qinbound_nb.runs.execute import run_job

    report = run_job(
        job,
        store=store_path(args),
        dry_run=args.dry_run,
        feedback_files=args.xm_files,
        feedback_format=args.xm_format,
        progress=progress_line if sys.stderr.isatty() else None,
        trigger=trigger,
    )
    print(report.summary())
    outcome = {"run_id": report.run_id, "status": report.status, "counts": report.counts}
    _write_outcome(args, outcome | {"error": report.error, "retriable": report.retriable})
    return 0 if report.ok else 1


def _run_through_papermill(job: JobConfig, args: argparse.Namespace, trigger: RunTrigger) -> int:
    from qinbound_nb.cli.history import shown_counts
    from qinbound_nb.notebooks.production import run_production

    outcome = run_production(
        args.job,
        store=store_path(args),
        dry_run=args.dry_run,
        timeout_s=args.timeout,
        trigger=trigger,
    )
    counts = shown_counts(outcome.counts, job.rules.model_dump(mode="json"))
    print(f"run {outcome.run_id} of {job.name!r}: {outcome.status}")
    print(f"  {counts or 'no documents'}")
    for warning in outcome.warnings:
        print(f"  warning: {warning}")
    for failure in outcome.notification_failures:
        print(f"  notification failed: {failure}")
    if outcome.error:
        print(f"  error: {outcome.error}")
    print(f"  output notebook: {outcome.output_notebook}")
    _write_outcome(
        args,
        {"run_id": outcome.run_id, "status": outcome.status, "counts": outcome.counts}
        | {"error": outcome.error, "retriable": outcome.retriable}
        | {"output_notebook": str(outcome.output_notebook)},
    )
    return 0 if outcome.ok else 1


def _write_outcome(args: argparse.Namespace, outcome: Mapping[str, object]) -> None:
    """``--report-json``: the run's outcome for an orchestrator (no document content)."""
    if args.report_json:
        Path(args.report_json).write_text(json.dumps(outcome, indent=2), encoding="utf-8")


def _register(job: JobConfig, args: argparse.Namespace) -> None:
    from qinbound_nb.store.backend import exists
    from qinbound_nb.store.store import Store

    path = store_path(args)
    if exists(path) and not args.dry_run:
        with Store.open(path) as store:
            store.register_job(job, Path(args.job).resolve())


def cmd_preview(args: argparse.Namespace) -> int:
    import pandas as pd

    from qinbound_nb.runs.preview import preview

    job = check_job(JobConfig.load(args.job))
    shown = preview(
        job,
        limit=args.limit,
        store=store_path(args),
        progress=progress_line if sys.stderr.isatty() else None,
    )
    counts = ", ".join(f"{k} {v}" for k, v in shown.counts.items() if v)
    print(f"preview of {job.name!r}: {counts}")
    with pd.option_context("display.max_colwidth", 60, "display.width", 160):
        print(shown.documents.head(args.rows).to_string())
    if args.output:
        Path(args.output).write_text(shown.html(), encoding="utf-8")
        print(f"comparison view written to {args.output}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from qinbound_nb.notebooks.export import export_notebook

    job = check_job(JobConfig.load(args.job))
    path = export_notebook(
        job, args.output, job_path=Path(args.job).resolve(), store_path=args.store
    )
    print(f"exported {path}; run it with: qinbound run {args.job}")
    return 0
