"""The sandbox end to end through QualtricsClient: in-process and over a loopback socket."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from qualtrics_helpers import SANDBOX_NOW, TOKEN, Sleeps

from qinbound_nb.errors import AuthError, ContinuationTokenRejected, NotFoundError
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import (
    IdpExportRequest,
    QualtricsClient,
    ResponseExportRequest,
    TicketExportRequest,
    iter_members,
)
from qinbound_nb.runs.clients import client_for_connection
from qinbound_nb.sandbox.simulator import CSAT_SURVEY_ID, IDP_SOURCE_ID, NPS_SURVEY_ID, Sandbox

Factory = Callable[..., QualtricsClient]


@pytest.fixture(params=["in-process", "socket"])
def open_client(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> Iterator[Factory]:
    """Build a client for a given sandbox, over the transport or a real loopback server."""
    servers = []

    def build(box: Sandbox, token: str = TOKEN, **options: Any) -> QualtricsClient:
        options.setdefault("sleep", sleeps)
        options.setdefault("clock", sleeps.clock)
        if request.param == "in-process":
            conn = Connection(name="sandbox", datacenter="sandbox", token=SecretStr(token))
            return QualtricsClient(conn, transport=box.transport(), **options)
        server = box.serve()
        servers.append(server)
        monkeypatch.setenv("QINBOUND_API_BASE_URL", server.url)
        conn = Connection(name="local", datacenter="iad1", token=SecretStr(token))
        return client_for_connection(conn, **options)

    yield build
    for server in servers:
        server.close()


def members(path: Path) -> dict[str, bytes]:
    return {name: stream.read() for name, stream in iter_members(path)}


def ndjson(path: Path) -> list[dict[str, Any]]:
    (data,) = members(path).values()
    return [json.loads(line) for line in data.splitlines()]


def export(client: QualtricsClient, tmp_path: Path, survey: str = NPS_SURVEY_ID, **options: Any):
    return client.export_responses(survey, ResponseExportRequest(**options), tmp_path)


def test_connection_test_and_catalog(open_client: Factory) -> None:
    with open_client(Sandbox(seed=1, now=SANDBOX_NOW, page_size=1)) as client:
        assert client.whoami().datacenter == "sandbox"
        surveys = client.list_surveys()  # one per page: follows nextPage
        assert {s.id for s in surveys} == {NPS_SURVEY_ID, CSAT_SURVEY_ID}
        metadata = client.survey_metadata(NPS_SURVEY_ID)
        assert metadata.questions["QID1"].selector == "NPS"
        assert metadata.embedded_data == ["store_id", "customer_tier"]
        names = {f.name for f in client.list_filters(NPS_SURVEY_ID)}
        assert {"Detractors", "German responses"} <= names
        assert client.idp_schema(IDP_SOURCE_ID).unique_field == "review_id"


def test_formats_agree_and_zip_is_named_after_the_survey(open_client: Factory, tmp_path) -> None:
    with open_client(Sandbox(seed=2, now=SANDBOX_NOW)) as client:
        rows = ndjson(export(client, tmp_path, format="ndjson").path)
        ((name, data),) = members(export(client, tmp_path, format="json").path).items()
        assert name == "Customer NPS (demo).json"
        as_json = json.loads(data)["responses"]
        csv_rows = list(csv.reader(io.StringIO(
            next(iter(members(export(client, tmp_path, format="csv").path).values())).decode()
        )))  # fmt: skip
    assert [r["responseId"] for r in rows] == [r["responseId"] for r in as_json]
    assert len(csv_rows) == 3 + len(rows)
    assert [row[8] for row in csv_rows[3:]] == [r["responseId"] for r in rows]
    recorded = [r["values"]["recordedDate"] for r in rows]
    assert recorded == sorted(recorded) and len(rows) == 1029


def test_date_window_is_inclusive_then_exclusive(open_client: Factory, tmp_path) -> None:
    box = Sandbox(seed=3, now=SANDBOX_NOW)
    with open_client(box) as client:
        rows = ndjson(export(client, tmp_path).path)
        # recordedDate has milliseconds; the API's window is in whole seconds
        pivot = next(
            r for r in rows[100:] if r["values"]["recordedDate"].endswith(".000Z") is False
        )
        second = datetime.fromisoformat(pivot["values"]["recordedDate"][:19] + "+00:00")
        before = ndjson(export(client, tmp_path, end_date=second + timedelta(seconds=1)).path)
        after = ndjson(export(client, tmp_path, start_date=second + timedelta(seconds=1)).path)
        window = ndjson(
            export(client, tmp_path, start_date=second, end_date=second + timedelta(seconds=1)).path
        )
    assert before[-1]["responseId"] == pivot["responseId"]
    assert len(before) + len(after) == len(rows)
    assert [r["responseId"] for r in window] == [pivot["responseId"]]


def test_limit_filter_and_in_progress(open_client: Factory, tmp_path) -> None:
    with open_client(Sandbox(seed=4, now=SANDBOX_NOW)) as client:
        assert len(ndjson(export(client, tmp_path, limit=7).path)) == 7
        filters = {f.name: f.filter_id for f in client.list_filters(NPS_SURVEY_ID)}
        detractors = ndjson(export(client, tmp_path, filter_id=filters["Detractors"]).path)
        german = ndjson(export(client, tmp_path, filter_id=filters["German responses"]).path)
        sessions = ndjson(export(client, tmp_path, in_progress=True).path)
    assert len(detractors) == 231 and all(r["values"]["QID1"] <= 6 for r in detractors)
    assert len(german) == 286 and {r["values"]["userLanguage"] for r in german} == {"DE"}
    assert len(sessions) == 48 and all(r["responseId"].startswith("FS_") for r in sessions)
    assert all("recordedDate" not in r["values"] and r["values"]["finished"] == 0 for r in sessions)


def test_unknown_survey_and_filter_are_not_found(open_client: Factory, tmp_path) -> None:
    with open_client(Sandbox(seed=4, now=SANDBOX_NOW)) as client:
        with pytest.raises(NotFoundError, match="SV_000000000000000"):
            client.survey_metadata("SV_000000000000000")
        with pytest.raises(NotFoundError, match="saved filter nope"):
            export(client, tmp_path, filter_id="nope")


def test_continuation_returns_only_what_is_new(open_client: Factory, tmp_path) -> None:
    later = SANDBOX_NOW + timedelta(days=1)
    with open_client(Sandbox(seed=5, now=SANDBOX_NOW)) as client:
        first = export(client, tmp_path, allow_continuation=True)
        before = {r["responseId"] for r in ndjson(first.path)}
    assert first.continuation_token
    with open_client(Sandbox(seed=5, now=later)) as client:
        second = export(client, tmp_path, continuation_token=first.continuation_token)
        new = {r["responseId"] for r in ndjson(second.path)}
        everything = {r["responseId"] for r in ndjson(export(client, tmp_path).path)}
    assert second.continuation_token and second.continuation_token != first.continuation_token
    assert new and not new & before
    assert new | before == everything


def test_modified_responses_come_back_with_sort_by_last_modified(
    open_client: Factory, tmp_path
) -> None:
    later = SANDBOX_NOW + timedelta(days=3)
    with open_client(Sandbox(seed=6, now=SANDBOX_NOW)) as client:
        token = export(
            client, tmp_path, allow_continuation=True, sort_by_last_modified=True
        ).continuation_token
    with open_client(Sandbox(seed=6, now=later)) as client:
        rows = ndjson(
            export(client, tmp_path, continuation_token=token, sort_by_last_modified=True).path
        )
    modified = [
        r for r in rows if r["values"]["recordedDate"] < SANDBOX_NOW.strftime("%Y-%m-%dT%H")
    ]
    assert modified, "responses recorded earlier but modified since must come back"
    assert all(r["values"]["customer_tier"] == "platinum" for r in modified)
    assert all("lastModifiedDate" in r["values"] for r in rows)


def test_tokens_older_than_a_week_are_refused(open_client: Factory, tmp_path) -> None:
    with open_client(Sandbox(seed=5, now=SANDBOX_NOW)) as client:
        token = export(client, tmp_path, allow_continuation=True).continuation_token
    stale = Sandbox(seed=5, now=SANDBOX_NOW + timedelta(days=8))
    with open_client(stale) as client, pytest.raises(ContinuationTokenRejected, match="expired"):
        export(client, tmp_path, continuation_token=token)


def test_orm_reviews_and_tickets(open_client: Factory, tmp_path) -> None:
    window = (SANDBOX_NOW - timedelta(days=2), SANDBOX_NOW - timedelta(days=1))
    with open_client(Sandbox(seed=8, now=SANDBOX_NOW)) as client:
        reviews = client.export_idp(IDP_SOURCE_ID, IdpExportRequest(), tmp_path)
        tickets = client.export_tickets(TicketExportRequest(*window), tmp_path)
    ((name, data),) = members(reviews.path).items()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert name == "Online reviews (demo).csv" and len(rows) == 90
    assert len({r["review_id"] for r in rows}) == len(rows)
    (listing,) = members(tickets.path).values()
    found = json.loads(listing)["tickets"]
    assert len(found) == 10 and all(
        window[0].isoformat()[:10] <= t["updatedAt"][:10] for t in found
    )
    assert {"ticketId", "updatedAt", "status", "priority", "subject", "description"} <= set(
        found[0]
    )


def test_planted_pii_is_in_the_comments(
    sandbox: Sandbox, sandbox_client: Factory, tmp_path
) -> None:
    with sandbox_client() as client:
        rows = ndjson(export(client, tmp_path).path)
    text = "\n".join(r["values"].get("QID2_TEXT", "") for r in rows)
    planted = sandbox.planted_pii(NPS_SURVEY_ID)
    recorded_only = {v for v in planted if v in text}
    assert len(planted) == len(recorded_only) == 455  # every planted value was recorded
    assert "@" in text and "+49" in text and "2001:db8" in text


def test_the_same_seed_gives_the_same_responses(sandbox_client: Factory, tmp_path) -> None:
    def ids(seed: int) -> list[str]:
        with sandbox_client(Sandbox(seed=seed, now=SANDBOX_NOW)) as client:
            return [r["responseId"] for r in ndjson(export(client, tmp_path, limit=50).path)]

    assert ids(1) == ids(1) and ids(1) != ids(2)


def test_revoked_token_is_an_auth_error(open_client: Factory) -> None:
    box = Sandbox(now=SANDBOX_NOW)
    with open_client(box, token="revoked-token") as client, pytest.raises(AuthError) as caught:
        client.whoami()
    assert "revoked-token" not in str(caught.value)
    assert client.connection.name in str(caught.value)
