"""Reading the source fields a job can map: a sample export's columns, the survey's metadata,
an ORM source's schema (the network part of the mapping step, run off the UI thread)."""

from __future__ import annotations

from typing import Any

from qinbound_nb.job.config import JobConfig, OrmSource, TicketsSource
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.widgets.context import WizardContext
from qinbound_nb.widgets.suggestions import SourceField, idp_fields, survey_fields, ticket_fields

SAMPLE_ROWS = 20


def source_fields(context: WizardContext, draft: dict[str, Any]) -> list[SourceField]:
    """The fields the mapping table offers for the draft job's source."""
    job = JobConfig.model_validate(draft)
    source = job.source
    api = context.api()
    if isinstance(source, OrmSource):
        return idp_fields(api.idp_schema(source.idp_source_id))
    columns = sampled_columns(api, job)
    if isinstance(source, TicketsSource):
        return ticket_fields(columns or [])
    return survey_fields(context.survey_metadata(source.survey_id), columns)


def sampled_columns(api: Any, job: JobConfig) -> list[str] | None:
    """The columns of a small sample export, or None when this API cannot export."""
    needed = {
        SourceType.SURVEY: "export_responses",
        SourceType.ORM: "export_idp",
        SourceType.TICKETS: "export_tickets",
    }
    if not callable(getattr(api, needed[job.source.type], None)):
        return None
    from qinbound_nb.runs.preview import sample_columns

    return sample_columns(job, client=api, limit=SAMPLE_ROWS)
