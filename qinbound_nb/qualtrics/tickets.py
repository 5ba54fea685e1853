"""Ticket export ("Closing the loop"), kept apart because its contract is peer knowledge only.

No official specification was found (reference/qualtrics-api.md §13). We follow the one
peer that describes a bulk export, singer-io/tap-qualtrics ``streams/tickets_export.py``:

- ``POST ticket-exports`` ``{"fileType":"json","filename":…,"updatedAtDates":{"startDate":…,
  "endDate":…}}`` → ``result.exportId``;
- ``GET ticket-exports/{exportId}/status`` until ``status`` is ``complete`` → ``result.fileId``;
- ``GET ticket-exports/{fileId}/file`` → the file (the sandbox sends a zip holding one JSON
  document ``{"tickets":[…]}``; each ticket has ``ticketId`` and ``updatedAt``).

If Qualtrics turns out to differ, this module is the only place to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.vocab import ExportFormat
from qinbound_nb.qualtrics import exports
from qinbound_nb.qualtrics.models import DownloadedExport, ExportProgress
from qinbound_nb.qualtrics.requests import api_timestamp

if TYPE_CHECKING:  # pragma: no cover
    from qinbound_nb.qualtrics.session import ApiSession


@dataclass(frozen=True)
class TicketExportRequest:
    """Tickets updated in ``[updated_since, updated_before)``, as a JSON file."""

    updated_since: datetime | date | None = None
    updated_before: datetime | date | None = None
    filename: str = "qinbound-tickets"

    def body(self) -> dict[str, Any]:
        """The body of ``POST ticket-exports``."""
        dates: dict[str, str] = {}
        if self.updated_since is not None:
            dates["startDate"] = api_timestamp(self.updated_since)
        if self.updated_before is not None:
            dates["endDate"] = api_timestamp(self.updated_before)
        if len(dates) == 2 and dates["startDate"] >= dates["endDate"]:
            raise ConfigError("the ticket window must start before it ends (the end is exclusive)")
        body: dict[str, Any] = {"fileType": "json", "filename": self.filename}
        if dates:
            body["updatedAtDates"] = dates
        return body


def ticket_export() -> exports.ExportSpec:
    """The endpoints of the ticket export."""
    return exports.ExportSpec(
        what="the ticket export",
        resource="the ticket export",
        start_path="ticket-exports",
        progress_path="ticket-exports/{id}/status",
        file_path="ticket-exports/{file_id}/file",
        id_key="exportId",
        format=ExportFormat.JSON,
        compressed=True,  # no compress flag is known; iter_members sniffs the file anyway
    )


def export_tickets(
    client: ApiSession,
    request: TicketExportRequest,
    dest_dir: Path,
    progress: Callable[[ExportProgress], None] | None,
) -> DownloadedExport:
    """Run the ticket export end to end (start, poll, download)."""
    if not isinstance(request, TicketExportRequest):
        raise ConfigError("export_tickets needs a TicketExportRequest")
    spec = ticket_export()
    return exports.run_export(client, spec, request.body(), dest_dir, progress)
