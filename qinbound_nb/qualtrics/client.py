"""``QualtricsClient``: one typed method per Qualtrics API v3 endpoint, over an ``ApiSession``.

The session (:mod:`.session`) sends, retries and streams; the export flow (start, poll,
download) lives in :mod:`.exports`, tickets in :mod:`.tickets`.
"""

from __future__ import annotations

from pathlib import Path

from qinbound_nb.errors import QualtricsError
from qinbound_nb.qualtrics import exports, tickets
from qinbound_nb.qualtrics.brands import learn_brand
from qinbound_nb.qualtrics.models import (
    DownloadedExport,
    IdpSchema,
    SavedFilter,
    SurveyMetadata,
    SurveySummary,
    WhoAmI,
)
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.qualtrics.session import ApiSession, ProgressCallback


class QualtricsClient(ApiSession):
    """A synchronous Qualtrics API v3 client for one connection; use it as a context manager."""

    def whoami(self) -> WhoAmI:
        """The token's user, brand and datacenter; the connection test."""
        reply = self.request_json("GET", "whoami", action="the connection test (whoami)")
        who = WhoAmI.from_reply(reply.get("result") or {}, reply.get("meta", {}).get("notice"))
        learn_brand(self._secret, who.brand_id)  # later calls share the brand's limiter
        return who

    def list_surveys(self) -> list[SurveySummary]:
        """Every survey the token can see, following ``nextPage`` exactly as given."""
        return [SurveySummary.from_element(e) for e in self._pages("surveys", "the survey list")]

    def survey_metadata(self, survey_id: str) -> SurveyMetadata:
        """Questions (import id → text and type), the export column map and embedded data."""
        reply = self.request_json(
            "GET",
            f"surveys/{survey_id}",
            action="reading the survey",
            resource=f"survey {survey_id}",
        )
        return SurveyMetadata.from_result(reply["result"])

    def list_filters(self, survey_id: str) -> list[SavedFilter]:
        """The saved filters of a survey."""
        pages = self._pages(
            f"surveys/{survey_id}/filters", "the saved filter list", resource=f"survey {survey_id}"
        )
        return [SavedFilter.from_element(element) for element in pages]

    def idp_schema(self, idp_source_id: str) -> IdpSchema:
        """An Imported Data Project's fields and its ``uniqueField``."""
        reply = self.request_json(
            "GET",
            f"imported-data-projects/{idp_source_id}",
            action="reading the imported data project",
            resource=f"imported data project {idp_source_id}",
        )
        return IdpSchema.from_result(reply["result"])

    def export_responses(
        self,
        survey_id: str,
        request: ResponseExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Start, poll and download a response export; the file is streamed into ``dest_dir``."""
        spec = exports.response_export(survey_id, request)
        return exports.run_export(self, spec, request.body(), Path(dest_dir), progress)

    def export_idp(
        self,
        idp_source_id: str,
        request: IdpExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Export an Imported Data Project (ORM reviews) as CSV into ``dest_dir``."""
        spec = exports.idp_export(idp_source_id, request)
        return exports.run_export(self, spec, request.body(), Path(dest_dir), progress)

    def export_tickets(
        self,
        request: tickets.TicketExportRequest,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
    ) -> DownloadedExport:
        """Export tickets (peer knowledge only: see :mod:`.tickets`) into ``dest_dir``."""
        return tickets.export_tickets(self, request, Path(dest_dir), progress)


__all__ = ["QualtricsClient", "QualtricsError"]
