"""Production runs through papermill: export the job's notebook, execute it, keep the output.

``qinbound run JOB`` (and the scheduler) come here. The steps: load the job (bad input
stops before anything runs), pick a run id, export the notebook fresh from the job file (so
the notebook always matches the job), execute it with papermill into
``<runs>/<job>/<run id>.ipynb`` with an execution timeout, then read the run's outcome from
the store, where ``run_job`` inside the notebook recorded it. The output notebook is kept
with the run in history, failed or not.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qinbound_nb.errors import NotebookRunError, StoreError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunStatus, RunTrigger
from qinbound_nb.local.connections import qinbound_home
from qinbound_nb.notebooks.export import export_notebook, run_notebook
from qinbound_nb.runs.execute import RunReport, new_run_id
from qinbound_nb.store import Location, absolute, exists, is_url, resolve_location
from qinbound_nb.store.store import Store


@dataclass(frozen=True)
class ProductionRun:
    """The outcome of one papermill run: status from the store, and the output notebook."""

    run_id: str
    status: str
    output_notebook: Path
    counts: dict[str, int]
    error: str | None = None
    warnings: tuple[str, ...] = ()
    notification_failures: tuple[str, ...] = ()
    retriable: bool = False  # a failed run that may succeed when tried again later

    @property
    def ok(self) -> bool:
        """True unless the run failed."""
        return self.status != RunStatus.FAILED


def runs_folder(store_path: Location) -> Path:
    """Where output notebooks are kept: ``runs/`` beside the store file (for a server
    store: ``runs/`` in ``$QINBOUND_HOME``)."""
    if is_url(store_path):
        return qinbound_home() / "runs"
    return Path(store_path).resolve().parent / "runs"


def run_production(
    job_path: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    timeout_s: int = 3600,
    kernel_name: str | None = None,
    run_id: str | None = None,
    trigger: RunTrigger = RunTrigger.MANUAL,
) -> ProductionRun:
    """Run a job file through its exported notebook under papermill.

    ``trigger`` (what started the run) is written to its history row once the notebook ends.

    Raises:
        ConfigError: the job file is invalid (nothing ran).
        NotebookRunError: the notebook could not run at all (no kernel, dead kernel).
    """
    job_file = Path(job_path).resolve()
    job = JobConfig.load(job_file)
    store_path = resolve_location(store)
    run_id = run_id or new_run_id()
    folder = runs_folder(store_path) / job.name
    notebook = export_notebook(job, folder / "production.ipynb", job_path=job_file)
    output = folder / f"{run_id}.ipynb"
    parameters = {
        "job_path": str(job_file),
        "store": str(absolute(store_path)),
        "dry_run": dry_run,
        "run_id": run_id,
        "output_notebook": str(output),
    }
    failure: NotebookRunError | None = None
    try:
        run_notebook(
            notebook, output, parameters=parameters, timeout_s=timeout_s, kernel_name=kernel_name
        )
    except NotebookRunError as exc:
        failure = exc
    outcome = _outcome(job, run_id, store_path, output, failure, dry_run)
    if trigger != RunTrigger.MANUAL and not dry_run and exists(store_path):
        with Store.open(store_path) as opened:
            opened.mark_trigger(run_id, trigger)
    return outcome


def _outcome(
    job: JobConfig,
    run_id: str,
    store_path: Location,
    output: Path,
    failure: NotebookRunError | None,
    dry_run: bool,
) -> ProductionRun:
    sidecar = output.with_suffix(".report.json")
    if sidecar.exists():  # the notebook's own report: dry runs and warnings included
        report = RunReport.from_json(sidecar.read_text())
        counts = dict(report.counts)
        counts |= {f"redaction_{k}": v for k, v in report.redaction_counts.items()}
        counts |= {f"would {k}": v for k, v in report.would.items()}
        status = RunStatus.FAILED if failure is not None else report.status
        error = str(failure) if failure is not None else report.error
        # the run's own verdict; a notebook that failed after a good run failed in the kernel
        retriable = report.retriable if not report.ok else failure is not None
        return ProductionRun(
            run_id,
            status,
            output,
            counts,
            error,
            report.warnings,
            report.notification_failures,
            retriable,
        )
    return _outcome_from_store(job, run_id, store_path, output, failure, dry_run)


def _outcome_from_store(
    job: JobConfig,
    run_id: str,
    store_path: Location,
    output: Path,
    failure: NotebookRunError | None,
    dry_run: bool,
) -> ProductionRun:
    recorded = None
    if exists(store_path) and not dry_run:
        with Store.open(store_path) as store:
            recorded = _recorded_run(store, run_id)
            if recorded is None and failure is not None:
                # the kernel never reached run_job (or died): history still gets the run
                store.record_failure(run_id, job, failure, output_notebook=str(output))
    if recorded is not None:
        status = RunStatus.FAILED if failure is not None else str(recorded["status"])
        error = str(failure) if failure is not None else recorded.get("error")
        counts, warnings = dict(recorded["counts"]), tuple(recorded["warnings"])
        return ProductionRun(
            run_id, status, output, counts, error, warnings, retriable=failure is not None
        )
    status = RunStatus.FAILED if failure is not None else RunStatus.SUCCEEDED
    error = str(failure) if failure else None
    # the kernel failed before run_job reported (no kernel, a dead kernel): worth another try
    return ProductionRun(run_id, status, output, {}, error, retriable=failure is not None)


def _recorded_run(store: Store, run_id: str) -> dict[str, Any] | None:
    try:
        row = store.run(run_id)
    except StoreError:
        return None
    counts = row.get("counts")
    error = row.get("error")
    return {
        "status": str(row["status"]),
        "counts": counts if isinstance(counts, dict) else _numbers(counts),
        "error": None if pd.isna(error) else str(error),
        "warnings": _texts(row.get("warnings")),
    }


def _texts(value: object) -> list[str]:
    """The warnings column: a JSON list (DuckDB may hand it over as text)."""
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            return [text]
    return [str(item) for item in value] if isinstance(value, list | tuple) else []


def _numbers(text: object) -> dict[str, int]:
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}
