"""Export semantics of the sandbox: validating request bodies, continuation tokens, content.

``startDate`` is inclusive and ``endDate`` exclusive on ``recordedDate`` (on the last-modified
date with ``sortByLastModifiedDate``; on the start date for in-progress sessions). A token
returns what was recorded (or modified) after the export that issued it, and is refused once
it is more than 7 days old in sandbox time.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from qinbound_nb.sandbox import render
from qinbound_nb.sandbox.catalog import DemoSurvey, Response, matches_filter
from qinbound_nb.sandbox.generated import GeneratedSurvey

TOKEN_LIFETIME = timedelta(days=7)
CSV_ONLY = ("useLabels", "timeZone", "newlineReplacement", "includeDisplayOrder",
            "formatDecimalAsComma", "seenUnansweredRecode", "multiselectSeenUnansweredRecode",
            "breakoutSets")  # fmt: skip
RESPONSE_KEYS = frozenset({"format", "compress", "startDate", "endDate", "limit", "filterId",
    "exportResponsesInProgress", "includeLabelColumns", "questionIds", "embeddedDataIds",
    "surveyMetadataIds", "allowContinuation", "continuationToken", "sortByLastModifiedDate",
    *CSV_ONLY})  # fmt: skip
IDP_KEYS = frozenset({"format", "compress", "startDate", "endDate", "limit", "useLabels",
    "timeZone", "formatDecimalAsComma", "newlineReplacement", "allowContinuation",
    "continuationToken", "sortByLastModifiedDate", "fields"})  # fmt: skip


class BadRequest(Exception):
    """The request body is refused (HTTP 400 in the current error envelope)."""

    code = "RCE_1"


class Missing(Exception):
    """A survey, filter, project or export that does not exist (HTTP 404)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Query:
    """A validated export request."""

    format: str
    compress: bool
    start: datetime | None
    end: datetime | None
    limit: int | None
    filter_id: str | None
    in_progress: bool
    since: datetime | None
    wants_token: bool
    sort_modified: bool
    selection: render.Selection
    use_labels: bool
    time_zone: str | None


def parse_query(body: Any, allowed: frozenset[str], formats: tuple[str, ...]) -> Query:
    """Validate an export body the way the API does; BadRequest says what is wrong."""
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"Unrecognized field(s): {', '.join(unknown)}.")
    fmt = body.get("format")
    if fmt not in formats:
        raise BadRequest(f"Invalid format. Supported here: {', '.join(formats)}.")
    if fmt != "csv" and any(key in body for key in CSV_ONLY):
        raise BadRequest(f"{', '.join(k for k in CSV_ONLY if k in body)} not allowed with {fmt}.")
    _check_combinations(body)
    start, end = parse_date(body, "startDate"), parse_date(body, "endDate")
    if start and end and start >= end:
        raise BadRequest("startDate must be before endDate.")
    limit = body.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise BadRequest("limit must be a positive integer.")
    sort_modified = _flag(body, "sortByLastModifiedDate")
    in_progress = _flag(body, "exportResponsesInProgress")
    return Query(
        format=fmt,
        compress=_flag(body, "compress", default=True),
        start=start,
        end=end,
        limit=limit,
        filter_id=body.get("filterId"),
        in_progress=in_progress,
        since=None,
        wants_token=_flag(body, "allowContinuation") or "continuationToken" in body,
        sort_modified=sort_modified and not in_progress,
        selection=render.Selection(
            question_ids=_ids(body, "questionIds"),
            embedded_ids=_ids(body, "embeddedDataIds"),
            metadata_ids=_ids(body, "surveyMetadataIds"),
            last_modified=sort_modified and not in_progress,
        ),
        use_labels=_flag(body, "useLabels"),
        time_zone=body.get("timeZone"),
    )


def _check_combinations(body: dict[str, Any]) -> None:
    if "filterId" in body and {"allowContinuation", "continuationToken"} & set(body):
        raise BadRequest("filterId cannot be used with allowContinuation or continuationToken.")
    if "filterId" in body and "sortByLastModifiedDate" in body:
        raise BadRequest("filterId cannot be used with sortByLastModifiedDate.")
    if "continuationToken" in body and "allowContinuation" in body:
        raise BadRequest("Do not send allowContinuation with a continuationToken.")


def _flag(body: dict[str, Any], key: str, default: bool = False) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{key} must be true or false.")
    return value


def parse_date(body: dict[str, Any], key: str) -> datetime | None:
    """``body[key]`` as an aware UTC datetime (None when absent); BadRequest if malformed."""
    text = body.get(key)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{key} must be an ISO-8601 date-time.") from None
    if moment.tzinfo is None:
        raise BadRequest(f"{key} needs a time zone offset or Z.")
    return moment.astimezone(UTC)


def _ids(body: dict[str, Any], key: str) -> frozenset[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(f"{key} must be a list of strings.")
    return frozenset(value)


def make_token(seed: int, source: str, as_of: datetime) -> str:
    """An opaque continuation token naming the source and the moment it was issued."""
    millis = int(as_of.timestamp() * 1000)
    payload = f"v1|{source}|{millis}|{_signature(seed, source, millis)}"
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def read_token(seed: int, source: str, token: str, now: datetime) -> datetime:
    """The issue moment of a token; BadRequest when foreign, forged or older than 7 days."""
    try:
        padded = token + "=" * (-len(token) % 4)
        version, named, millis, signature = base64.urlsafe_b64decode(padded).decode().split("|")
        issued = datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Invalid continuationToken.") from None
    if version != "v1" or named != source or signature != _signature(seed, source, int(millis)):
        raise BadRequest("Invalid continuationToken.")
    if now - issued > TOKEN_LIFETIME:
        raise BadRequest("The continuationToken has expired; tokens are valid for 7 days.")
    return issued


def _signature(seed: int, source: str, millis: int) -> str:
    return hashlib.blake2b(f"{seed}|{source}|{millis}".encode(), digest_size=6).hexdigest()


def survey_content(survey: DemoSurvey, query: Query, as_of: datetime) -> Iterator[bytes]:
    """The export file of a demo survey, as of ``as_of``."""
    rows = _select(survey, query, as_of)
    cols = render.columns(survey.definition, query.selection)
    if query.format == "csv":
        yield render.write_csv(render.csv_header(cols, query.time_zone)).encode()
    elif query.format == "json":
        yield b'{"responses":['
    for position, (response, values, modified) in enumerate(rows):
        rid = response.session_id if query.in_progress else response.response_id
        dates = _dates(response, modified, query)
        if query.format == "csv":
            row = render.csv_row(rid, dates, values, response.labels, cols, query.use_labels)
            yield render.write_csv([row]).encode()
            continue
        text = render.json_text(render.json_record(rid, dates, values, response.labels, cols))
        if query.format == "ndjson":
            yield (text + "\n").encode()
        else:
            yield (text if position == 0 else "," + text).encode()
    if query.format == "json":
        yield b"]}"


def _select(
    survey: DemoSurvey, query: Query, as_of: datetime
) -> list[tuple[Response, dict[str, Any], datetime]]:
    candidates = survey.in_progress(as_of) if query.in_progress else survey.recorded(as_of)
    rule = survey.filter_ids[query.filter_id][1] if query.filter_id else None
    chosen = []
    for response in candidates:
        values, modified = response.state_at(as_of)
        if query.in_progress:
            key = response.start
        else:
            key = modified if query.sort_modified else response.recorded
        if (query.start and key < query.start) or (query.end and key >= query.end):
            continue
        if query.since and key <= query.since:
            continue
        if rule and not matches_filter(rule, values, survey.definition):
            continue
        chosen.append((key, response, values, modified))
    chosen.sort(key=lambda item: item[0])
    return [(r, v, m) for _, r, v, m in chosen[: query.limit]]


def _dates(response: Response, modified: datetime, query: Query) -> dict[str, str]:
    if query.format == "csv":
        as_text = lambda moment: render.csv_date(moment, query.time_zone)  # noqa: E731
        dates = {"startDate": as_text(response.start), "endDate": as_text(response.end)}
        if not query.in_progress:
            dates["recordedDate"] = as_text(response.recorded)
    else:
        dates = {"startDate": render.json_date(response.start),
                 "endDate": render.json_date(response.end)}  # fmt: skip
        if not query.in_progress:
            dates["recordedDate"] = render.json_date(response.recorded, millis=True)
    if query.selection.last_modified:
        dates["lastModifiedDate"] = (
            render.csv_date(modified, query.time_zone)
            if query.format == "csv"
            else render.json_date(modified, millis=True)
        )
    return dates


def generated_content(survey: GeneratedSurvey, query: Query, as_of: datetime) -> Iterator[bytes]:
    """The export file of a generated survey (finished responses only, no filters)."""
    return generated_stream(survey, generated_indices(survey, query, as_of), query)


def generated_indices(survey: GeneratedSurvey, query: Query, as_of: datetime) -> range:
    """The indices of the generated responses the export holds."""
    if query.in_progress:
        indices = range(0)
    else:
        indices = survey.index_range(query.start, query.end, as_of)
        if query.since is not None:
            indices = range(max(indices.start, survey.index_range(None, None, query.since).stop),
                            indices.stop)  # fmt: skip
    return indices if query.limit is None else indices[: query.limit]


def generated_stream(survey: GeneratedSurvey, indices: range, query: Query) -> Iterator[bytes]:
    """The export file's bytes for those indices."""
    return survey.stream(indices, query.format, query.selection, query.use_labels, query.time_zone)
