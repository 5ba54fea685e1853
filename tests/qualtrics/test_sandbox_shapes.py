"""The sandbox's replies have the recorded shapes (checked against fixtures in those shapes)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from qualtrics_helpers import FIXTURES, SANDBOX_NOW, load

from qinbound_nb.sandbox.simulator import NPS_SURVEY_ID, Sandbox

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
EXPORTS = f"surveys/{NPS_SURVEY_ID}/export-responses"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    box = Sandbox(seed=11, now=SANDBOX_NOW)
    with httpx.Client(
        transport=box.transport(),
        base_url="https://sandbox.qualtrics.invalid/API/v3/",
        headers={"X-API-TOKEN": "t"},
    ) as client:
        yield client


def shape(value: Any) -> Any:
    """Keys and value types, recursively: what "the same shape" means here."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__ if value is not None else "null"


def finished_export(
    http: httpx.Client, body: dict[str, Any]
) -> tuple[dict, list[dict], httpx.Response]:
    start = http.post(EXPORTS, json=body).json()
    polls = [http.get(f"{EXPORTS}/{start['result']['progressId']}").json() for _ in range(3)]
    file = http.get(f"{EXPORTS}/{polls[-1]['result']['fileId']}/file")
    return start, polls, file


def test_error_envelope_matches_the_recorded_one(http: httpx.Client) -> None:
    reply = http.get("surveys/SV_000000000000000")
    assert reply.status_code == 404
    recorded = load("error_404_survey_not_found.json")
    body = reply.json()
    assert "result" not in body
    assert shape(body["meta"]["error"]) == shape(recorded["meta"]["error"])
    assert body["meta"]["httpStatus"] == recorded["meta"]["httpStatus"]
    assert body["meta"]["error"]["errorCode"] == "GSI_2"
    assert re.fullmatch(UUID, body["meta"]["requestId"])


def test_bad_request_uses_the_current_envelope(http: httpx.Client) -> None:
    reply = http.post(EXPORTS, json={"Format": "csv"})  # parameter names are case-sensitive
    assert reply.status_code == 400
    assert set(reply.json()["meta"]["error"]) == {"errorMessage", "errorCode"}
    assert reply.json()["meta"]["httpStatus"] == "400 - Bad Request"


def test_export_replies_have_the_recorded_shapes_and_ids(http: httpx.Client) -> None:
    start, polls, file = finished_export(http, {"format": "csv", "compress": True})
    assert shape(start) == shape(load("export_start.json"))
    assert re.fullmatch(r"ES_[A-Za-z0-9]{15}", start["result"]["progressId"])
    assert shape(polls[0]["result"]) == shape(load("progress_inprogress.json")["result"])
    assert polls[1]["result"]["percentComplete"] == pytest.approx(66.666666666667)
    assert shape(polls[-1]) == shape(load("progress_complete.json"))
    assert re.fullmatch(UUID + "-def", polls[-1]["result"]["fileId"])
    recorded_headers = load("export_file.headers.json")
    assert file.headers["content-type"] == recorded_headers["content-type"]
    assert file.headers["content-disposition"] == "attachment; filename=Customer+NPS+%28demo%29.zip"


def test_csv_has_the_three_header_rows(http: httpx.Client) -> None:
    *_, file = finished_export(
        http, {"format": "csv", "timeZone": "America/Denver", "useLabels": True}
    )
    archive = zipfile.ZipFile(io.BytesIO(file.content))
    (member,) = archive.namelist()
    text = archive.read(member).decode()
    rows = list(csv.reader(io.StringIO(text)))
    recorded = list(csv.reader(io.StringIO((FIXTURES / "export_three_headers.csv").read_text())))
    assert member == "Customer NPS (demo).csv" and "\r\n" in text and not text.startswith("\ufeff")
    ids = [json.loads(cell) for cell in rows[2]]
    assert all(set(ref) <= {"ImportId", "timeZone"} for ref in ids)
    assert {"ImportId": "startDate", "timeZone": "America/Denver"} in ids
    assert [json.loads(c)["ImportId"] for c in recorded[2]][:10] == [
        ref["ImportId"] for ref in ids if ref["ImportId"] not in
        ("ipAddress", "recipientLastName", "recipientFirstName", "recipientEmail",
         "externalDataReference", "locationLatitude", "locationLongitude")
    ][:10]  # fmt: skip
    tags = rows[0]
    assert len(tags) > len(set(tags)), "matrix row tags repeat, as in live exports"
    assert len({ref["ImportId"] for ref in ids}) == len(ids), "ImportIds are unique"
    first = dict(zip([ref["ImportId"] for ref in ids], rows[3], strict=True))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["startDate"])
    assert first["status"] == "IP Address" and first["finished"] in ("True", "False")
    assert re.fullmatch(r"R_[A-Za-z0-9]{15}", first["_recordId"])


def test_json_values_are_typed_as_documented(http: httpx.Client) -> None:
    *_, file = finished_export(http, {"format": "json", "limit": 50})
    archive = zipfile.ZipFile(io.BytesIO(file.content))
    responses = json.loads(archive.read(archive.namelist()[0]))["responses"]
    values = next(r["values"] for r in responses if r["values"]["finished"] == 1)
    assert isinstance(values["finished"], int) and isinstance(values["status"], int)
    assert isinstance(values["locationLatitude"], str) and isinstance(values["duration"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", values["recordedDate"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", values["startDate"])
    assert values["_recordId"] == responses[0]["responseId"] or values["_recordId"].startswith("R_")
    assert isinstance(values["QID3"], list) and all(isinstance(c, str) for c in values["QID3"])
    assert {"QID1", "QID1_NPS_GROUP", "QID4_1", "QID5_3", "store_id"} <= set(values)
    assert set(responses[0]) == {
        "responseId",
        "values",
        "labels",
        "displayedFields",
        "displayedValues",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"format": "json", "useLabels": False},
        {"format": "csv", "filterId": "x", "allowContinuation": True},
        {"format": "csv", "filterId": "x", "sortByLastModifiedDate": False},
        {"format": "csv", "continuationToken": "abc", "allowContinuation": False},
        {"format": "csv", "startDate": "2026-11-02T00:00:00Z", "endDate": "2026-11-01T00:00:00Z"},
        {"format": "csv", "limit": 0},
        {"format": "spss"},
        {"format": "csv", "continuationToken": "forged"},
    ],
)
def test_refused_bodies_get_a_400(http: httpx.Client, body: dict[str, Any]) -> None:
    assert http.post(EXPORTS, json=body).status_code == 400


def test_missing_token_is_401(http: httpx.Client) -> None:
    reply = http.get("whoami", headers={"X-API-TOKEN": ""})
    assert reply.status_code == 401 and reply.json()["meta"]["httpStatus"] == "401 - Unauthorized"
