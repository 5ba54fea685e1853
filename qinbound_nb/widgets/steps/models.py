"""Models for the steps whose settings are top-level job fields rather than a section.

The checks are JobConfig's own: each model validates its fields by building a placeholder
job, so the wizard can never accept what a job file would refuse.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.job.vocab import DuplicateMode, SourceType
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.widgets.base import check_job_fields


class StepModel(BaseModel):
    """Frozen, strict, and checked against JobConfig."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _as_job_fields(self) -> Any:
        problems = check_job_fields(self.model_dump())
        if problems:
            raise ValueError("; ".join(f"{key}: {message}" for key, message in problems.items()))
        return self


class JobBasics(StepModel):
    """Job name, target project and description (XM Discover steps 1 and 2)."""

    name: str
    project: str
    description: str = ""


class DataType(BaseModel):
    """Which Qualtrics data the job loads (its own fields are checked at the source step)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: SourceType = SourceType.SURVEY


class DuplicateHandling(StepModel):
    """What happens to a document whose natural_id is already in the project."""

    duplicates: DuplicateMode = DuplicateMode.REPLACE


def step_models(job: JobConfig, connections: ConnectionStore) -> dict[str, Any]:
    """Each settings step's model for ``job``, by step name (reopening a job for editing).

    A connection the job names but this machine does not have stays named, so the
    connection step can say that it is missing.
    """
    try:
        connection = connections.get(job.connection)
    except QInboundError:
        connection = Connection(name=job.connection, datacenter="unknown")
    return {
        "basics": JobBasics(name=job.name, project=job.project, description=job.description),
        "connection": connection,
        "data_type": DataType(type=job.source.type),
        "source": job.source,
        "mapping": job.mapping,
        "rules": job.rules,
        "filter": job.filter,
        "notifications": job.notifications,
        "duplicates": DuplicateHandling(duplicates=job.duplicates),
        "schedule": job.schedule,
    }
