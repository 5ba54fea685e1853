"""The export size limit: Qualtrics refuses exports over 1.8 GB; so does the sandbox.

The sandbox refuses the start of a response export whose uncompressed file would pass its
``export_limit`` (1.8 GB unless scaled down by ``Sandbox(export_limit=...)`` or
``QINBOUND_SANDBOX_EXPORT_LIMIT``), with HTTP 400 and errorCode ``CreationResponseTooLarge``:
the name Qualtrics' spec gives this failure of the export start (its real code and wording
are unrecorded). A demo survey's file is measured; a generated one's is estimated from a
rendered sample.
"""

from __future__ import annotations

from datetime import datetime

from qinbound_nb.sandbox.catalog import DemoSurvey
from qinbound_nb.sandbox.exports import (
    BadRequest,
    Query,
    generated_indices,
    generated_stream,
    survey_content,
)
from qinbound_nb.sandbox.generated import GeneratedSurvey

EXPORT_LIMIT = 1_800_000_000  # bytes: Qualtrics refuses larger exports
MAX_ROW_BYTES = 16_384  # no sandbox row is longer: below rows x this, nothing to measure
SIZE_SAMPLE = 2048  # rows rendered to estimate a generated export's size


class TooLarge(BadRequest):
    """The export file would pass the size limit (HTTP 400)."""

    code = "CreationResponseTooLarge"


def refuse_if_too_large(
    survey: DemoSurvey | GeneratedSurvey, query: Query, as_of: datetime, limit: int
) -> None:
    """Raise TooLarge when the export's file would pass ``limit`` bytes."""
    if isinstance(survey, GeneratedSurvey):
        indices = generated_indices(survey, query, as_of)
        if len(indices) * MAX_ROW_BYTES <= limit:
            return
        sample = indices[:SIZE_SAMPLE]
        sampled = sum(map(len, generated_stream(survey, sample, query)))
        size = sampled * len(indices) // max(len(sample), 1)
    else:
        if len(survey.recorded(as_of)) * MAX_ROW_BYTES <= limit:
            return
        size = sum(map(len, survey_content(survey, query, as_of)))
    if size > limit:
        raise TooLarge(
            f"The export is too large: about {size} bytes, over the {limit}-byte maximum "
            "export size. Narrow it with startDate and endDate, a limit or a filter."
        )
