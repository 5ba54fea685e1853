"""The Qualtrics adapter: the API v3 client, its export flow and archives (never the sandbox)."""

from __future__ import annotations

from qinbound_nb.qualtrics.archive import ArchiveLimits, iter_members
from qinbound_nb.qualtrics.client import QualtricsClient
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
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest
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
