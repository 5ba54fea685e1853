"""``qinbound demo``: the main job end to end on the embedded sandbox, in a few seconds.

The steps a newcomer sees: write the example job (sandbox connection, PII redaction on),
preview three comments raw beside redacted, export the production notebook, run it through
papermill into ``demo/qinbound.duckdb``, then let the sandbox live one day later and run
again to show the incremental pull loading only what is new. The sandbox clock is pinned
(``QINBOUND_SANDBOX_NOW``) so the demo prints the same figures every time.
"""

from __future__ import annotations

import argparse
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import Outcome
from qinbound_nb.notebooks.export import export_notebook
from qinbound_nb.notebooks.production import ProductionRun, run_production
from qinbound_nb.runs.checks import check_job
from qinbound_nb.runs.preview import preview
from qinbound_nb.store.store import Store

EXAMPLE_JOB = Path(__file__).parents[1] / "templates" / "nps-weekly.json"
FIRST_RUN_AT = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def cmd_demo(args: argparse.Namespace) -> int:
    folder = Path(args.dir).resolve()
    _fresh(folder)
    job = check_job(JobConfig.load(EXAMPLE_JOB))
    job_path = job.save(folder / "nps-weekly.json")
    store = folder / "qinbound.duckdb"
    print(f"1. example job {job.name!r} written to {job_path}")
    _pin_sandbox(FIRST_RUN_AT)
    _show_preview(job)
    notebook = export_notebook(job, folder / "nps-weekly.ipynb", job_path=job_path)
    print(f"3. production notebook exported to {notebook}")
    first = run_production(job_path, store=store)
    _print_run("4. first run (through papermill)", first)
    if not first.ok:
        return 1
    _pin_sandbox(FIRST_RUN_AT + timedelta(days=1))
    second = run_production(job_path, store=store)
    _print_run("5. a day later, the incremental run", second)
    with Store.open(store) as opened:
        opened.register_job(job, job_path)
        total = len(opened.documents(job.project))
    print(f"\nThe store {store} now holds {total} documents in project {job.project!r}.")
    print(
        f"Query it in Python: Store.open({str(store)!r}).documents({job.project!r}), or with "
        "SQL over runs, document_outcomes, checkpoints, projects (notebooks/explore.ipynb)"
    )
    print("History:  qinbound history " + f"{job_path} --store {store}")
    print("Open the wizard to build your own job: make lab")
    return 0 if second.ok else 1


def _fresh(folder: Path) -> None:
    for name in ("qinbound.duckdb", "qinbound.duckdb.wal", "runs"):
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)


def _pin_sandbox(moment: datetime) -> None:
    os.environ["QINBOUND_SANDBOX_NOW"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _show_preview(job: JobConfig) -> None:
    sample = preview(job, limit=200)
    comments = sample.documents["nps_comment"]
    raw = sample.raw["QID2_TEXT"]
    differs = comments.ne(raw).fillna(False).astype(bool)
    changed = list(comments.index[differs.to_numpy()][:3])
    print(f"2. preview of {len(sample.raw)} responses: {_hits(sample.counts)}")
    for index in changed:
        print(f"   raw:      {_short(raw[index])}")
        print(f"   redacted: {_short(comments[index])}")


def _hits(counts: dict[str, int]) -> str:
    hits = {k.removeprefix("hits "): v for k, v in counts.items() if k.startswith("hits ")}
    return ", ".join(f"{kind} {count}" for kind, count in sorted(hits.items())) or "no hits"


def _short(text: object, width: int = 110) -> str:
    value = str(text).replace("\n", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


def _print_run(title: str, run: ProductionRun) -> None:
    print(f"{title}: {run.status}")
    outcomes = (Outcome.LOADED, Outcome.REPLACED, Outcome.SKIPPED_DUPLICATE, Outcome.FILTERED_OUT)
    shown = ["fetched", *outcomes, "in_progress"]
    counts = ", ".join(f"{name} {run.counts[name]}" for name in shown if run.counts.get(name))
    hits = {
        k.removeprefix("redaction_"): v for k, v in run.counts.items() if k.startswith("redaction_")
    }
    print(f"   documents: {counts or 'none'}")
    if hits:
        print("   redaction hits: " + ", ".join(f"{k} {v}" for k, v in sorted(hits.items())))
    if run.error:
        print(f"   error: {run.error}")
    print(f"   output notebook: {run.output_notebook}")
