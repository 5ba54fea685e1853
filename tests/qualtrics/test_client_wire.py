"""Exact wire behaviour of QualtricsClient, checked with respx (no network)."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import SecretStr
from qualtrics_helpers import TOKEN, Sleeps, load

from qinbound_nb.errors import (
    AuthError,
    ContinuationTokenRejected,
    ExportError,
    FatalApiError,
    NotFoundError,
    QInboundError,
    RetriableError,
)
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import (
    ExportProgress,
    QualtricsClient,
    ResponseExportRequest,
    RetryPolicy,
)

API = "https://iad1.qualtrics.com/API/v3/"
SURVEY = "SV_aaaaaaaaaaaaaa1"
EXPORTS = f"{API}surveys/{SURVEY}/export-responses"


def zipped(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def error(name: str, status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=load(name), headers=headers)


@respx.mock
def test_whoami_sends_the_token_header_and_reads_the_proxy_notice(client) -> None:
    route = respx.get(f"{API}whoami").respond(
        json={
            "result": {
                "brandId": "acme",
                "userId": "UR_1",
                "userName": "a@b.c",
                "datacenter": "az1",
            },
            "meta": {
                "httpStatus": "200 - OK",
                "notice": load("error_403_proxied.json")["meta"]["notice"],
            },
        }
    )
    who = client.whoami()
    assert route.calls.last.request.headers["X-API-TOKEN"] == TOKEN
    assert (who.brand_id, who.datacenter, who.suggested_datacenter) == ("acme", "az1", "az1")


@respx.mock
def test_survey_list_follows_next_page_verbatim(client) -> None:
    second = respx.get(f"{API}surveys?offset=10").respond(json=load("surveys_page2_last.json"))
    first = respx.get(f"{API}surveys").respond(json=load("surveys_page1.json"))
    surveys = client.list_surveys()
    assert [s.id for s in surveys] == [SURVEY]
    assert first.called and second.calls.last.request.url.params["offset"] == "10"


@respx.mock
def test_a_repeated_next_page_stops_paging(client) -> None:
    page = load("surveys_page1.json")
    page["result"]["nextPage"] = f"{API}surveys?offset=10"
    respx.get(url__startswith=f"{API}surveys").respond(json=page)
    with pytest.raises(FatalApiError, match="same next page twice"):
        client.list_surveys()


@respx.mock
def test_next_page_on_a_foreign_host_is_never_called(client) -> None:
    page = load("surveys_page1.json")
    page["result"]["nextPage"] = "https://collector.evil.example/API/v3/surveys?offset=10"
    respx.get(f"{API}surveys").respond(json=page)
    evil = respx.get(url__startswith="https://collector.evil.example").respond(json={})
    with pytest.raises(FatalApiError, match="not followed"):
        client.list_surveys()
    assert not evil.called


@respx.mock
def test_survey_metadata_maps_questions_and_columns(client) -> None:
    respx.get(f"{API}surveys/{SURVEY}").respond(json=load("survey_get.json"))
    metadata = client.survey_metadata(SURVEY)
    assert metadata.questions["QID7"].text == "How was your visit?"
    assert (metadata.questions["QID7"].type, metadata.questions["QID7"].selector) == ("MC", "SAVR")
    assert metadata.questions["QID7"].choices == {"1": "Good", "2": "Bad"}
    assert metadata.export_column_map == {"Q7": "QID7", "Q8": "QID8"}
    assert metadata.embedded_data == ["store"]


@respx.mock
def test_404_names_the_survey(client) -> None:
    respx.get(f"{API}surveys/{SURVEY}").mock(
        return_value=error("error_404_survey_not_found.json", 404)
    )
    with pytest.raises(NotFoundError, match=f"survey {SURVEY} was not found"):
        client.survey_metadata(SURVEY)


@respx.mock
def test_401_names_the_connection_and_never_the_token(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    body = {
        "meta": {
            "httpStatus": "401 - Unauthorized",
            "error": {"errorMessage": f"token {TOKEN} bad", "errorCode": "AUTH"},
        }
    }
    respx.get(f"{API}whoami").respond(401, json=body)
    with pytest.raises(AuthError) as caught:
        client.whoami()
    assert "prod-iad1" in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN not in caplog.text
    assert "token bad" not in caplog.text


@respx.mock
def test_403_proxied_says_which_datacenter(client) -> None:
    respx.get(f"{API}whoami").mock(return_value=error("error_403_proxied.json", 403))
    with pytest.raises(AuthError, match="use datacenter 'az1'"):
        client.whoami()


@respx.mock
def test_429_is_retried_honouring_retry_after(client, sleeps: Sleeps) -> None:
    route = respx.get(f"{API}whoami").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(
                503, json={"meta": {"httpStatus": "503 - Temporary Internal Server Error"}}
            ),
            httpx.Response(200, json={"result": {"brandId": "b"}, "meta": {}}),
        ]
    )
    assert client.whoami().brand_id == "b"
    assert route.call_count == 3
    assert sleeps == [7.0, 1.5]  # Retry-After, then backoff 2**1 with jitter 0.5 -> 1.5


@respx.mock
def test_timeouts_are_retried_then_reported_as_retriable(client, sleeps: Sleeps) -> None:
    route = respx.get(f"{API}whoami").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(RetriableError, match="5 attempt"):
        client.whoami()
    assert route.call_count == 5 and len(sleeps) == 4


@respx.mock
def test_retries_stop_when_the_time_budget_is_spent(connection) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_attempts=50, max_total=10.0)
    with QualtricsClient(connection, sleep=sleeps, clock=sleeps.clock, retry=retry) as client:
        respx.get(f"{API}whoami").respond(429, headers={"Retry-After": "4"})
        with pytest.raises(RetriableError):
            client.whoami()
    assert sum(sleeps) <= 10.0 and len(sleeps) == 2


@respx.mock
def test_400_is_not_retried(client, sleeps: Sleeps) -> None:
    route = respx.post(EXPORTS).mock(return_value=error("error_400_bad_request.json", 400))
    with pytest.raises(FatalApiError, match="GP_0"):
        client.export_responses(SURVEY, ResponseExportRequest(), Path("."))
    assert route.call_count == 1 and sleeps == []


@respx.mock
def test_a_refused_continuation_token_is_its_own_error(client, sleeps: Sleeps) -> None:
    refusal = {"meta": {"error": {"errorMessage": "Invalid continuationToken.", "errorCode": "X"}}}
    route = respx.post(EXPORTS).respond(400, json=refusal)
    request = ResponseExportRequest(continuation_token="UQhcCBAIGwgG")
    with pytest.raises(ContinuationTokenRejected, match="date window"):
        client.export_responses(SURVEY, request, Path("."))
    assert json.loads(route.calls.last.request.content)["continuationToken"] == "UQhcCBAIGwgG"
    assert route.call_count == 1 and sleeps == []


@respx.mock
def test_redirects_are_not_followed(client) -> None:
    respx.get(f"{API}whoami").respond(302, headers={"Location": "https://evil.example/steal"})
    evil = respx.get("https://evil.example/steal").respond(200)
    with pytest.raises(FatalApiError, match="redirect"):
        client.whoami()
    assert not evil.called


def export_routes(file_body: bytes, progress: list[dict]) -> dict[str, respx.Route]:
    return {
        "start": respx.post(EXPORTS).respond(json=load("export_start.json")),
        "poll": respx.get(f"{EXPORTS}/ES_7QkLm2NpXr4Ts9V").mock(
            side_effect=[httpx.Response(200, json=body) for body in progress]
        ),
        "file": respx.get(f"{EXPORTS}/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-def/file").respond(
            content=file_body,
            headers={**load("export_file.headers.json"), "Content-Length": str(len(file_body))},
        ),
    }


@respx.mock
def test_export_flow_start_poll_download(client, sleeps: Sleeps, tmp_path: Path) -> None:
    csv_text = (
        Path(__file__).parents[1] / "fixtures/qualtrics/export_three_headers.csv"
    ).read_text()
    progress = [
        load("progress_inprogress.json"),
        load("progress_partial.json"),
        load("progress_complete.json"),
    ]
    routes = export_routes(zipped("Store visit.csv", csv_text), progress)
    seen: list[ExportProgress] = []
    request = ResponseExportRequest(format="csv", limit=15)
    export = client.export_responses(SURVEY, request, tmp_path, seen.append)
    assert json.loads(routes["start"].calls.last.request.content) == request.body()
    assert routes["poll"].call_count == 3
    assert sleeps == [0.1, 0.2, 0.4]  # growing waits between polls (capped at max_delay)
    assert export.path.parent == tmp_path and export.path.suffix == ".zip"
    assert export.size == export.path.stat().st_size
    assert export.request_id == "6f9a1b3c-4d6e-4f8a-0b2c-1d3e4f5a6b7c"
    assert seen[0].stage == "start" and seen[-1].stage == "done"
    assert [p.percent for p in seen if p.stage == "poll"] == [0.0, 83.33333333333334, 100.0]
    assert not list(tmp_path.glob("*.part"))


@respx.mock
def test_failed_export_is_retried_once_then_reported(client, tmp_path: Path) -> None:
    start = respx.post(EXPORTS).respond(json=load("export_start.json"))
    respx.get(f"{EXPORTS}/ES_7QkLm2NpXr4Ts9V").respond(json=load("progress_failed.json"))
    with pytest.raises(ExportError) as caught:
        client.export_responses(SURVEY, ResponseExportRequest(), tmp_path)
    assert start.call_count == 2
    assert "7a0b2c4d-5e7f-4a9b-1c3d-2e4f5a6b7c8d" in str(caught.value)


@respx.mock
def test_complete_without_file_id_counts_as_failed(client, tmp_path: Path) -> None:
    no_file = load("progress_complete.json")
    del no_file["result"]["fileId"]
    routes = export_routes(zipped("a.json", "{}"), [no_file, load("progress_complete.json")])
    export = client.export_responses(SURVEY, ResponseExportRequest(format="json"), tmp_path)
    assert routes["start"].call_count == 2 and export.file_id.endswith("-def")


@respx.mock
def test_polling_gives_up_after_the_overall_timeout(connection, tmp_path: Path) -> None:
    from qinbound_nb.qualtrics import PollPolicy

    sleeps = Sleeps()
    poll = PollPolicy(first_delay=1, factor=2, max_delay=8, timeout=60)
    with QualtricsClient(connection, sleep=sleeps, clock=sleeps.clock, poll=poll) as client:
        respx.post(EXPORTS).respond(json=load("export_start.json"))
        respx.get(f"{EXPORTS}/ES_7QkLm2NpXr4Ts9V").respond(json=load("progress_inprogress.json"))
        with pytest.raises(RetriableError, match="still running"):
            client.export_responses(SURVEY, ResponseExportRequest(), tmp_path)
    assert max(sleeps) == 8 and sum(sleeps) <= 60


@respx.mock
def test_a_cut_download_is_retried(client, tmp_path: Path) -> None:
    body = zipped("a.ndjson", '{"responseId":"R_1"}\n')
    respx.post(EXPORTS).respond(json=load("export_start.json"))
    respx.get(f"{EXPORTS}/ES_7QkLm2NpXr4Ts9V").respond(json=load("progress_complete.json"))
    file = respx.get(f"{EXPORTS}/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-def/file").mock(
        side_effect=[
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.Response(200, content=body),
        ]
    )
    export = client.export_responses(SURVEY, ResponseExportRequest(), tmp_path)
    assert file.call_count == 2 and export.path.read_bytes() == body


def test_a_connection_without_token_is_an_auth_error() -> None:
    with pytest.raises(AuthError, match="no API token"):
        QualtricsClient(Connection(name="empty", datacenter="iad1"))


def test_every_error_is_a_qinbound_error() -> None:
    for kind in (AuthError, ExportError, FatalApiError, NotFoundError, RetriableError):
        assert issubclass(kind, QInboundError)


def test_token_is_not_in_the_client_repr(connection) -> None:
    with QualtricsClient(connection) as client:
        assert TOKEN not in repr(client.connection)
    assert SecretStr  # the token lives only inside a SecretStr
