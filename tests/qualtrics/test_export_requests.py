"""Export request bodies: exact camelCase names, every flag explicit, refused combinations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from qinbound_nb.errors import ConfigError
from qinbound_nb.qualtrics import IdpExportRequest, ResponseExportRequest, TicketExportRequest

START = datetime(2026, 11, 1, tzinfo=UTC)


def test_default_body_sends_every_flag() -> None:
    assert ResponseExportRequest().body() == {
        "format": "ndjson",
        "compress": True,
        "exportResponsesInProgress": False,
        "allowContinuation": False,
        "sortByLastModifiedDate": False,
    }


def test_full_body_uses_the_api_names() -> None:
    body = ResponseExportRequest(
        format="csv",
        start_date=START,
        end_date=datetime(2026, 11, 2, 1, 0, tzinfo=timezone(timedelta(hours=1))),
        limit=15,
        allow_continuation=True,
        sort_by_last_modified=True,
        question_ids=("QID1", "QID2"),
        embedded_data_ids=("store_id",),
        survey_metadata_ids=("startDate", "_recordId"),
        use_labels=True,
        time_zone="America/Denver",
    ).body()
    assert body == {
        "format": "csv",
        "compress": True,
        "startDate": "2026-11-01T00:00:00Z",
        "endDate": "2026-11-02T00:00:00Z",
        "limit": 15,
        "exportResponsesInProgress": False,
        "allowContinuation": True,
        "sortByLastModifiedDate": True,
        "questionIds": ["QID1", "QID2"],
        "embeddedDataIds": ["store_id"],
        "surveyMetadataIds": ["startDate", "_recordId"],
        "useLabels": True,
        "timeZone": "America/Denver",
    }


def test_token_replaces_allow_continuation_and_filter_drops_the_forbidden_keys() -> None:
    with_token = ResponseExportRequest(continuation_token="UQhcCBAIGwgG").body()
    assert with_token["continuationToken"] == "UQhcCBAIGwgG"
    assert "allowContinuation" not in with_token
    filtered = ResponseExportRequest(filter_id="3f2a-77").body()
    assert filtered["filterId"] == "3f2a-77"
    assert "allowContinuation" not in filtered and "sortByLastModifiedDate" not in filtered


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"filter_id": "f", "allow_continuation": True}, "continuation"),
        ({"filter_id": "f", "continuation_token": "t"}, "continuation"),
        ({"filter_id": "f", "sort_by_last_modified": True}, "sortByLastModifiedDate"),
        ({"continuation_token": "t", "allow_continuation": True}, "not both"),
        ({"format": "json", "use_labels": True}, "useLabels"),
        ({"format": "ndjson", "time_zone": "Europe/Berlin"}, "timeZone"),
        ({"format": "json", "newline_replacement": " "}, "newlineReplacement"),
        ({"format": "csv", "time_zone": "Mars/Olympus"}, "IANA"),
        ({"format": "xml"}, "format"),
        ({"limit": 0}, "positive"),
        ({"start_date": START, "end_date": START}, "before"),
        ({"start_date": datetime(2026, 11, 1)}, "time zone"),
    ],
)
def test_refused_combinations_raise_config_error(options: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        ResponseExportRequest(**options).body()


def test_plain_dates_mean_utc_midnight() -> None:
    body = ResponseExportRequest(start_date=date(2026, 11, 3)).body()
    assert body["startDate"] == "2026-11-03T00:00:00Z"


def test_idp_and_ticket_bodies() -> None:
    assert IdpExportRequest(limit=5, allow_continuation=True).body() == {
        "format": "csv",
        "compress": True,
        "useLabels": False,
        "limit": 5,
        "allowContinuation": True,
        "sortByLastModifiedDate": False,
    }
    assert TicketExportRequest(updated_since=START).body() == {
        "fileType": "json",
        "filename": "qinbound-tickets",
        "updatedAtDates": {"startDate": "2026-11-01T00:00:00Z"},
    }
    with pytest.raises(ConfigError):
        TicketExportRequest(updated_since=START, updated_before=START).body()
