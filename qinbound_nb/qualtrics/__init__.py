"""The Qualtrics adapter: the API client, export archives, and the embedded sandbox API.

``Sandbox`` lives in :mod:`qinbound_nb.qualtrics.sandbox` and is imported only when used,
because it pulls in numpy and pyarrow for its fast generator.
"""

from __future__ import annotations

from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.export_requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.qualtrics.exports import ArchiveLimits, iter_members
from qinbound_nb.qualtrics.models import (
    DownloadedExport,
    ExportProgress,
    IdpSchema,
    Question,
    SavedFilter,
    SurveyMetadata,
    SurveySummary,
    WhoAmI,
)
from qinbound_nb.qualtrics.policy import PollPolicy, RetryPolicy
from qinbound_nb.qualtrics.tickets import TicketExportRequest

__all__ = [
    "ArchiveLimits",
    "DownloadedExport",
    "ExportProgress",
    "IdpExportRequest",
    "IdpSchema",
    "PollPolicy",
    "QualtricsClient",
    "Question",
    "ResponseExportRequest",
    "RetryPolicy",
    "SavedFilter",
    "SurveyMetadata",
    "SurveySummary",
    "TicketExportRequest",
    "WhoAmI",
    "iter_members",
]
