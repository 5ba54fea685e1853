"""How the sandbox writes survey responses: JSON/NDJSON records, CSV rows, streamed zips.

The same functions render real responses and the generator's row templates (whose ids and
dates are placeholder strings), so both always have the recorded shapes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qinbound_nb.job.vocab import SURVEY_DATE_FIELDS
from qinbound_nb.sandbox.catalog import SurveyDef

# (ImportId, export tag, question text, name in surveyMetadataIds)
METADATA = (
    ("startDate", "StartDate", "Start Date", "startDate"),
    ("endDate", "EndDate", "End Date", "endDate"),
    ("status", "Status", "Response Type", "status"),
    ("ipAddress", "IPAddress", "IP Address", "ipAddress"),
    ("progress", "Progress", "Progress", "progress"),
    ("duration", "Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("finished", "Finished", "Finished", "finished"),
    ("recordedDate", "RecordedDate", "Recorded Date", "recordedDate"),
    ("_recordId", "ResponseId", "Response ID", "_recordId"),
    ("recipientLastName", "RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("recipientFirstName", "RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("recipientEmail", "RecipientEmail", "Recipient Email", "recipientEmail"),
    ("externalDataReference", "ExternalReference", "External Data Reference",
     "externalReference"),
    ("locationLatitude", "LocationLatitude", "Location Latitude", "locationLatitude"),
    ("locationLongitude", "LocationLongitude", "Location Longitude", "locationLongitude"),
    ("distributionChannel", "DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("userLanguage", "UserLanguage", "User Language", "userLanguage"),
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One export column: ImportId, export tag (may repeat), question text, owning QID."""

    import_id: str
    tag: str
    text: str
    owner: str  # QID, "meta" or "embedded"


@dataclass(frozen=True)
class Selection:
    """Which columns an export keeps (``None`` = all), and whether LastModifiedDate is added."""

    question_ids: frozenset[str] | None = None
    embedded_ids: frozenset[str] | None = None
    metadata_ids: frozenset[str] | None = None
    last_modified: bool = False


def columns(survey: SurveyDef, selection: Selection) -> list[Column]:
    """The export columns of ``survey`` in file order."""
    keep_meta = selection.metadata_ids
    result = [
        Column(import_id, tag, text, "meta")
        for import_id, tag, text, name in METADATA
        if keep_meta is None or name in keep_meta
    ]
    for question in survey.questions:
        if selection.question_ids is not None and question.qid not in selection.question_ids:
            continue
        result += _question_columns(question.qid, question.kind, question.tag, question.text,
                                    question.rows)  # fmt: skip
    for name in survey.embedded:
        if selection.embedded_ids is None or name in selection.embedded_ids:
            result.append(Column(name, name, name, "embedded"))
    if selection.last_modified:
        result.append(Column("lastModifiedDate", "LastModifiedDate", "Last Modified Date", "meta"))
    return result


def _question_columns(
    qid: str, kind: str, tag: str, text: str, rows: dict[str, str]
) -> list[Column]:
    if kind == "nps":
        return [Column(f"{qid}_NPS_GROUP", f"{tag}_NPS_GROUP", f"{text} - Group", qid),
                Column(qid, tag, text, qid)]  # fmt: skip
    if kind == "text":
        return [Column(f"{qid}_TEXT", tag, text, qid)]
    if kind == "multi":
        return [Column(qid, tag, f"{text} - Selected Choice", qid)]
    if kind == "matrix":  # Qualtrics tags matrix rows by row number, so tags repeat
        return [
            Column(f"{qid}_{row}", row, f"{text} - {label}", qid) for row, label in rows.items()
        ]
    return [Column(qid, tag, text, qid)]


def json_record(
    response_id: str,
    dates: dict[str, str],
    values: dict[str, Any],
    labels: dict[str, Any],
    cols: list[Column],
) -> dict[str, Any]:
    """One response as the JSON export writes it (``values`` keyed by ImportId)."""
    merged = {**values, **dates, "_recordId": response_id}
    kept = {c.import_id: merged[c.import_id] for c in cols if c.import_id in merged}
    shown = [
        c.import_id for c in cols if c.owner not in ("meta", "embedded") and c.import_id in kept
    ]
    return {
        "responseId": response_id,
        "values": kept,
        "labels": {key: value for key, value in labels.items() if key in kept},
        "displayedFields": shown,
        "displayedValues": {key: kept[key] for key in shown if not isinstance(kept[key], str)},
    }


def json_text(record: dict[str, Any]) -> str:
    """Compact JSON as Qualtrics writes it (non-ASCII kept)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def csv_header(cols: list[Column], time_zone: str | None) -> list[list[str]]:
    """The three header rows: export tags, question texts, JSON ImportIds."""
    zone = time_zone or "Z"
    ids = []
    for column in cols:
        ref: dict[str, str] = {"ImportId": column.import_id}
        if column.import_id in (*SURVEY_DATE_FIELDS, "lastModifiedDate"):
            ref["timeZone"] = zone
        ids.append(json.dumps(ref, separators=(",", ":")))
    return [[c.tag for c in cols], [c.text for c in cols], ids]


def csv_row(
    response_id: str,
    dates: dict[str, str],
    values: dict[str, Any],
    labels: dict[str, Any],
    cols: list[Column],
    use_labels: bool,
) -> list[str]:
    """One response as a CSV row; ``dates`` are already in the requested zone."""
    merged = {**values, **dates, "_recordId": response_id}
    if use_labels:
        merged |= labels
    return [_csv_cell(merged.get(column.import_id)) for column in cols]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def write_csv(rows: Iterable[list[str]]) -> str:
    """CSV text with CRLF line ends and minimal quoting, as in the recorded files."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def json_date(moment: datetime, millis: bool = False) -> str:
    """A UTC date as the JSON export writes it (``recordedDate`` with milliseconds)."""
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_date(moment: datetime, time_zone: str | None) -> str:
    """A date as the CSV export writes it, in the requested zone (UTC by default)."""
    local = moment.astimezone(ZoneInfo(time_zone)) if time_zone else moment
    return local.strftime("%Y-%m-%d %H:%M:%S")


class _Sink:
    """An unseekable file that keeps what is written until drained (zipfile streams into it)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def zip_stream(member: str, chunks: Iterable[bytes], level: int = 1) -> Iterator[bytes]:
    """Zip ``chunks`` into one member as they come, yielding the archive in pieces."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level)  # type: ignore[call-overload]
    with archive, archive.open(member, "w", force_zip64=True) as out:
        for chunk in chunks:
            out.write(chunk)
            if sink.size >= 1 << 16:
                yield sink.drain()
    yield sink.drain()
