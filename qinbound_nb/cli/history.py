"""CLI commands that read the store's history: jobs, history, report, purge.

They open the store and print a few rows, so they read plain rows (``Store.run_records``,
``Store.job_records``) and never load pandas, papermill or the widgets.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.rulesyntax import rule_label
from qinbound_nb.job.vocab import JobStatus
from qinbound_nb.scheduling.anchor import job_entry, next_runs
from qinbound_nb.scheduling.recurrence import describe_schedule
from qinbound_nb.store.backend import Location, describe, resolve_location
from qinbound_nb.store.store import Store


def store_path(args: argparse.Namespace) -> Location:
    """The store named by ``--store`` (a path or a postgresql:// URL), else the default."""
    return resolve_location(args.store)


def cmd_jobs(args: argparse.Namespace) -> int:
    """``qinbound jobs``: each job, its last run, whether it is enabled, its next run."""
    with Store.open(store_path(args), read_only=True) as store:
        jobs = store.job_records()
        runs = store.run_records()
    if not jobs:
        print("no jobs yet: run one with 'qinbound run JOB'")
        return 0
    now = datetime.now(UTC)
    for row in jobs:
        last = next((run for run in runs if run["job_name"] == row["job_name"]), None)
        status = f"{last['status']} ({last['run_id']}{_by(last)})" if last else "never run"
        entry = job_entry(row)
        job = _job_or_none(row["recycled_to"] if entry.status == JobStatus.DELETED else row)
        schedule = describe_schedule(job.schedule) if job else "?"
        upcoming = next_runs(job.schedule, now, 1, entry.created_at) if job else []
        when = upcoming[0].isoformat(timespec="minutes") if upcoming else "-"
        when = when if entry.enabled else f"- ({entry.status})"
        print(f"{row['job_name']}\t{status}\t{entry.status}\t{schedule}\tnext: {when}")
    return 0


def _by(run: dict[str, Any]) -> str:
    return f", {run['trigger']}" if run.get("trigger") else ""


def _job_or_none(row: dict[str, Any] | str | None) -> JobConfig | None:
    path = row.get("job_path") if isinstance(row, dict) else row
    try:
        return JobConfig.load(str(path)) if path else None
    except Exception:
        return None


def cmd_history(args: argparse.Namespace) -> int:
    job_name = _job_name(args.job)
    with Store.open(store_path(args), read_only=True) as store:
        runs = store.run_records(job_name)
    if not runs:
        print(f"no runs of {job_name!r} in {describe(store_path(args))}")
        return 0
    for row in runs:
        counts = _counts(row["counts"])
        shown = shown_counts(counts, _rules_of(row["job"]))
        error = f"  error: {row['error']}" if row["error"] is not None else ""
        status = f"{row['status']} ({row['trigger']})" if row.get("trigger") else row["status"]
        print(f"{row['run_id']}\t{row['started_at']}\t{status}\t{shown}{error}")
    return 0


def _counts(value: Any) -> dict[str, Any]:
    counts = json.loads(value) if isinstance(value, str) else value
    return counts if isinstance(counts, dict) else {}


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
    print(result.summary())
    return 0


def shown_counts(counts: Mapping[str, object], rules: Mapping[str, object]) -> str:
    """A run's counts, its redaction hits (``redaction_<rule>``) named by their rule."""
    shown = {k: v for k, v in counts.items() if isinstance(v, int) and v}
    plain = [f"{k} {v}" for k, v in shown.items() if not k.startswith("redaction_")]
    hits = [
        f"{rule_label(k.removeprefix('redaction_'), rules)} {v}"
        for k, v in shown.items()
        if k.startswith("redaction_")
    ]
    return ", ".join(plain) + (f"; redaction hits: {', '.join(hits)}" if hits else "")


def _rules_of(job: object) -> dict[str, object]:
    """The rule texts of a run's saved job settings (empty when unreadable)."""
    try:
        data = json.loads(job) if isinstance(job, str) else job
        rules = data.get("rules") if isinstance(data, dict) else None
    except ValueError:
        return {}
    return rules if isinstance(rules, dict) else {}
