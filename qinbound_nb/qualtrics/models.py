"""The typed results of Qualtrics API calls, built from the ``result`` part of a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from qinbound_nb.job.vocab import ExportFormat

ProgressStage = Literal["start", "poll", "download", "done"]

# "Request proxied. For faster response times, use this host instead: az1.qualtrics.com"
PROXY_NOTICE = re.compile(r"use this host instead:\s*(?:https?://)?([a-z0-9-]+)\.qualtrics\.com")


def suggested_datacenter(notice: str | None) -> str | None:
    """The datacenter id a "Request proxied" notice tells us to use, if any."""
    match = PROXY_NOTICE.search(notice or "")
    return match.group(1) if match else None


def parse_timestamp(text: Any) -> datetime | None:
    """An ISO-8601 timestamp from the API (``Z`` suffix allowed), or None when absent."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class WhoAmI:
    """Who the token belongs to, and which datacenter Qualtrics says to use."""

    brand_id: str
    user_id: str
    user_name: str
    datacenter: str | None
    account_type: str | None = None
    email: str | None = None
    notice: str | None = None
    suggested_datacenter: str | None = None

    @classmethod
    def from_reply(cls, result: dict[str, Any], notice: str | None) -> WhoAmI:
        """Build from ``GET whoami``'s result and the reply's ``meta.notice``."""
        return cls(
            brand_id=str(result.get("brandId") or ""),
            user_id=str(result.get("userId") or ""),
            user_name=str(result.get("userName") or ""),
            datacenter=result.get("datacenter"),
            account_type=result.get("accountType"),
            email=result.get("email"),
            notice=notice,
            suggested_datacenter=suggested_datacenter(notice),
        )


@dataclass(frozen=True)
class SurveySummary:
    """One entry of the survey list."""

    id: str
    name: str
    owner_id: str | None
    last_modified: datetime | None
    creation_date: datetime | None
    is_active: bool

    @classmethod
    def from_element(cls, element: dict[str, Any]) -> SurveySummary:
        """Build from one ``result.elements[]`` item of ``GET surveys``."""
        return cls(
            id=str(element["id"]),
            name=str(element.get("name") or ""),
            owner_id=element.get("ownerId"),
            last_modified=parse_timestamp(element.get("lastModified")),
            creation_date=parse_timestamp(element.get("creationDate")),
            is_active=bool(element.get("isActive")),
        )


@dataclass(frozen=True)
class Question:
    """One survey question: its import id, text, export tag and type."""

    import_id: str
    text: str
    export_tag: str | None
    type: str | None
    selector: str | None
    choices: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)  # a matrix's sub-questions


@dataclass(frozen=True)
class SurveyMetadata:
    """What the wizard needs to map fields: questions, export columns, embedded data."""

    id: str
    name: str
    questions: dict[str, Question]
    export_column_map: dict[str, str]
    embedded_data: list[str]
    is_active: bool = True

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> SurveyMetadata:
        """Build from ``GET surveys/{surveyId}`` (the legacy survey reply)."""
        questions = {
            qid: _question(qid, body) for qid, body in (result.get("questions") or {}).items()
        }
        columns = {
            tag: str(entry.get("question"))
            for tag, entry in (result.get("exportColumnMap") or {}).items()
            if isinstance(entry, dict) and entry.get("question")
        }
        embedded = [
            str(item["name"]) for item in result.get("embeddedData") or [] if "name" in item
        ]
        return cls(
            id=str(result["id"]),
            name=str(result.get("name") or ""),
            questions=questions,
            export_column_map=columns,
            embedded_data=embedded,
            is_active=bool(result.get("isActive", True)),
        )


def _question(import_id: str, body: dict[str, Any]) -> Question:
    kind = body.get("questionType") or {}
    choices = {
        str(key): str(choice.get("description") or choice.get("choiceText") or "")
        for key, choice in (body.get("choices") or {}).items()
    }
    rows = {
        str(key): str(row.get("description") or row.get("choiceText") or "")
        for key, row in (body.get("subQuestions") or {}).items()
    }
    return Question(
        import_id=import_id,
        text=str(body.get("questionText") or ""),
        export_tag=body.get("questionName"),
        type=kind.get("type"),
        selector=kind.get("selector"),
        choices=choices,
        rows=rows,
    )


@dataclass(frozen=True)
class SavedFilter:
    """A saved response filter (made in the Qualtrics web UI)."""

    filter_id: str
    name: str
    creation_date: datetime | None

    @classmethod
    def from_element(cls, element: dict[str, Any]) -> SavedFilter:
        """Build from one ``result.elements[]`` item of ``GET surveys/{id}/filters``."""
        return cls(
            filter_id=str(element["filterId"]),
            name=str(element.get("filterName") or ""),
            creation_date=parse_timestamp(element.get("creationDate")),
        )


@dataclass(frozen=True)
class IdpSchema:
    """An Imported Data Project's schema; ``unique_field`` keys its records."""

    idp_source_id: str
    name: str
    unique_field: str
    fields: dict[str, str]

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> IdpSchema:
        """Build from ``GET imported-data-projects/{idpSourceId}``."""
        return cls(
            idp_source_id=str(result.get("idpSourceId") or ""),
            name=str(result.get("name") or ""),
            unique_field=str(result["uniqueField"]),
            fields={str(f["name"]): str(f.get("type") or "") for f in result.get("fields") or []},
        )


@dataclass(frozen=True)
class ExportProgress:
    """A progress report for a callback: which stage, and how far along."""

    stage: ProgressStage
    percent: float | None = None
    bytes_done: int = 0
    bytes_total: int | None = None


@dataclass(frozen=True)
class DownloadedExport:
    """An export file on disk (a zip unless ``compressed`` is False) and its ids."""

    path: Path
    format: ExportFormat
    compressed: bool
    continuation_token: str | None
    file_id: str
    progress_id: str
    request_id: str | None
    size: int
