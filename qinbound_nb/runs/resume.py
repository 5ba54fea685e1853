"""Where a run resumes: the job's stored checkpoint, if it was made for the job's current source.

A checkpoint (continuation token and watermark) belongs to one survey, IDP project or saved
filter. When the job's source changed since the run that set it, the run starts over and
says so; when a job has no checkpoint, the run warns if another job name already loaded the
same source into the project (a renamed job loads those responses again).
"""

from __future__ import annotations

import json
from typing import Any

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import RunStatus
from qinbound_nb.store.load import Checkpoint
from qinbound_nb.store.store import Store

__all__ = ["resume_point"]

SOURCE_KEYS = ("type", "survey_id", "idp_source_id", "filter_id")


def resume_point(store: Store | None, job: JobConfig) -> tuple[Checkpoint | None, list[str]]:
    """The checkpoint to pull from (None: from the start) and the warnings that go with it."""
    if store is None:
        return None, []
    warnings: list[str] = []
    checkpoint = store.checkpoint(job.name)
    changed = _source_changed(store, job) if checkpoint is not None else None
    if changed:
        warnings.append(changed)
        checkpoint = None
    if checkpoint is None:
        warnings += _loaded_by_other_jobs(store, job)
    return checkpoint, warnings


def _source_changed(store: Store, job: JobConfig) -> str | None:
    """A warning when the checkpoint was made for another survey, IDP project or filter."""
    previous = (store.checkpoint_job(job.name) or {}).get("source") or {}
    current = job.source.model_dump(mode="json")
    if not previous or _same_source(previous, current):
        return None
    return (
        f"the job's source changed since the run that set its checkpoint; pulling "
        f"{_describe_source(current)} from the start instead of from "
        f"{_describe_source(previous)}'s checkpoint"
    )


def _loaded_by_other_jobs(store: Store, job: JobConfig) -> list[str]:
    """A warning when another job name loaded this source into this project (a renamed job?)."""
    runs = store.runs()
    if runs.empty:
        return []
    mine = runs[(runs["project"] == job.project) & (runs["job_name"] != job.name)]
    current = job.source.model_dump(mode="json")
    names = sorted(
        {
            str(row.job_name)
            for row in mine.itertuples()
            if _same_source(_job_source(row.job), current) and row.status != RunStatus.FAILED
        }
    )
    if not names:
        return []
    return [
        f"job {', '.join(map(repr, names))} already loaded {_describe_source(current)} "
        f"into project {job.project!r}; natural_id starts with the job name, so "
        f"this job ({job.name!r}, a rename?) loads those responses again"
    ]


def _describe_source(source: dict[str, Any]) -> str:
    ident = source.get("survey_id") or source.get("idp_source_id") or source.get("type")
    saved_filter = source.get("filter_id")
    return f"{ident} (filter {saved_filter})" if saved_filter else str(ident)


def _same_source(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return all(one.get(key) == other.get(key) for key in SOURCE_KEYS)


def _job_source(job: object) -> dict[str, Any]:
    try:
        data = json.loads(job) if isinstance(job, str) else job
    except ValueError:
        return {}
    source = data.get("source") if isinstance(data, dict) else None
    return source if isinstance(source, dict) else {}
