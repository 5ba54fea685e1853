"""Export request bodies: what we ask Qualtrics for, refused here when the API would refuse it.

The API's boolean defaults are undocumented (the published "Default: True" is wrong), so every
flag that applies is sent explicitly. A key the API refuses in a combination is left out
rather than sent as ``false``: ``allowContinuation`` and ``sortByLastModifiedDate`` with a
saved filter, ``allowContinuation`` with a continuation token, and the CSV-only options
(``useLabels``, ``timeZone``, ``newlineReplacement``) with JSON and NDJSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.vocab import ExportFormat


def api_timestamp(moment: datetime | date) -> str:
    """``moment`` as the API's ISO-8601 UTC form; naive datetimes are refused (ambiguous)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        raise ConfigError(
            f"export date {moment.isoformat()} has no time zone; give an aware datetime "
            "(for example with tzinfo=datetime.UTC) so the window means what you expect"
        )
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _window(start: datetime | date | None, end: datetime | date | None) -> dict[str, str]:
    body = {}
    if start is not None:
        body["startDate"] = api_timestamp(start)
    if end is not None:
        body["endDate"] = api_timestamp(end)
    if start is not None and end is not None and body["startDate"] >= body["endDate"]:
        raise ConfigError(
            f"export window starts at {body['startDate']} but ends at {body['endDate']}: "
            "the start (inclusive) must come before the end (exclusive)"
        )
    return body


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ConfigError(f"export limit {limit} must be a positive number of responses")


def _continuation(
    allow: bool, token: str | None, sort_by_modified: bool, filter_id: str | None
) -> dict[str, Any]:
    if filter_id and (allow or token):
        raise ConfigError(
            "a saved filter cannot be combined with continuation tokens (Qualtrics refuses "
            "it); drop the filter or load by date window instead"
        )
    if filter_id and sort_by_modified:
        raise ConfigError(
            "a saved filter cannot be combined with sortByLastModifiedDate (Qualtrics refuses it)"
        )
    if token and allow:
        raise ConfigError(
            "send either a continuation token or allowContinuation, not both: a token already "
            "asks for the next one"
        )
    body: dict[str, Any] = {}
    if token:
        body["continuationToken"] = token
    elif not filter_id:
        body["allowContinuation"] = allow
    if not filter_id:
        body["sortByLastModifiedDate"] = sort_by_modified
    return body


@dataclass(frozen=True)
class ResponseExportRequest:
    """The body of ``POST surveys/{surveyId}/export-responses``."""

    format: ExportFormat = ExportFormat.NDJSON
    start_date: datetime | date | None = None
    end_date: datetime | date | None = None
    limit: int | None = None
    filter_id: str | None = None
    in_progress: bool = False
    allow_continuation: bool = False
    continuation_token: str | None = None
    sort_by_last_modified: bool = False
    question_ids: tuple[str, ...] | None = None
    embedded_data_ids: tuple[str, ...] | None = None
    survey_metadata_ids: tuple[str, ...] | None = None
    compress: bool = True
    use_labels: bool = False
    time_zone: str | None = None
    newline_replacement: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body with the API's camelCase names; ConfigError for refused combinations."""
        if self.format not in tuple(ExportFormat):
            choices = ", ".join(ExportFormat)
            raise ConfigError(f"export format {self.format!r} must be one of {choices}")
        _check_limit(self.limit)
        body: dict[str, Any] = {"format": self.format, "compress": self.compress}
        body |= _window(self.start_date, self.end_date)
        if self.limit is not None:
            body["limit"] = self.limit
        if self.filter_id:
            body["filterId"] = self.filter_id
        body["exportResponsesInProgress"] = self.in_progress
        body |= _continuation(
            self.allow_continuation,
            self.continuation_token,
            self.sort_by_last_modified,
            self.filter_id,
        )
        body |= self._subsets() | self._csv_options()
        return body

    def _subsets(self) -> dict[str, list[str]]:
        pairs = {
            "questionIds": self.question_ids,
            "embeddedDataIds": self.embedded_data_ids,
            "surveyMetadataIds": self.survey_metadata_ids,
        }
        return {key: list(value) for key, value in pairs.items() if value is not None}

    def _csv_options(self) -> dict[str, Any]:
        chosen = {
            "useLabels": self.use_labels or None,
            "timeZone": self.time_zone,
            "newlineReplacement": self.newline_replacement,
        }
        chosen = {key: value for key, value in chosen.items() if value is not None}
        if self.format != ExportFormat.CSV:
            if chosen:
                raise ConfigError(
                    f"{', '.join(chosen)} work only with CSV exports; Qualtrics refuses them "
                    f"for {self.format} (dates there are always UTC, labels sit in 'labels')"
                )
            return {}
        if self.time_zone:
            _check_zone(self.time_zone)
        return {"useLabels": self.use_labels} | chosen


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"time zone {name!r} is not an IANA name such as 'Europe/Berlin'"
        ) from None


@dataclass(frozen=True)
class IdpExportRequest:
    """The body of ``POST imported-data-projects/{idpSourceId}/exports`` (CSV only)."""

    start_date: datetime | date | None = None
    end_date: datetime | date | None = None
    limit: int | None = None
    allow_continuation: bool = False
    continuation_token: str | None = None
    sort_by_last_modified: bool = False
    compress: bool = True

    format: Literal[ExportFormat.CSV] = ExportFormat.CSV

    def body(self) -> dict[str, Any]:
        """The JSON body with the API's camelCase names; ConfigError for refused combinations."""
        if self.format != ExportFormat.CSV:
            raise ConfigError("Imported Data Project exports are read as CSV only")
        _check_limit(self.limit)
        body: dict[str, Any] = {"format": "csv", "compress": self.compress, "useLabels": False}
        body |= _window(self.start_date, self.end_date)
        if self.limit is not None:
            body["limit"] = self.limit
        body |= _continuation(
            self.allow_continuation, self.continuation_token, self.sort_by_last_modified, None
        )
        return body
