"""Generated surveys: valid files, unique ids, windows and continuation, in bounded memory."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from qualtrics_helpers import SANDBOX_NOW

from qinbound_nb.errors import ConfigError
from qinbound_nb.qualtrics import ResponseExportRequest, iter_members
from qinbound_nb.sandbox.generated import BATCH, GENERATED_EPOCH
from qinbound_nb.sandbox.render import Selection
from qinbound_nb.sandbox.simulator import Sandbox

BIG = "SV_GeneratedTest01"


@pytest.fixture
def big() -> Sandbox:
    box = Sandbox(seed=4, now=SANDBOX_NOW)
    box.add_generated_survey(BIG, responses=BATCH + 17)
    return box


def export_text(sandbox_client, box: Sandbox, tmp_path, **options) -> str:
    with sandbox_client(box) as client:
        export = client.export_responses(BIG, ResponseExportRequest(**options), tmp_path)
    (data,) = [stream.read() for _, stream in iter_members(export.path)]
    return data.decode()


def test_ndjson_rows_are_valid_and_ids_unique(sandbox_client, big: Sandbox, tmp_path) -> None:
    lines = export_text(sandbox_client, big, tmp_path).splitlines()
    assert len(lines) == BATCH + 17
    rows = [json.loads(line) for line in lines[::997]]
    ids = {line[15:32] for line in lines}
    assert len(ids) == len(lines) and all(i.startswith("R_") for i in ids)
    assert all(r["values"]["_recordId"] == r["responseId"] for r in rows)
    recorded = [r["values"]["recordedDate"] for r in rows]
    assert recorded == sorted(recorded)


def test_json_and_csv_are_well_formed(sandbox_client, big: Sandbox, tmp_path) -> None:
    responses = json.loads(export_text(sandbox_client, big, tmp_path, format="json"))["responses"]
    rows = list(csv.reader(io.StringIO(export_text(sandbox_client, big, tmp_path, format="csv"))))
    assert len(responses) == len(rows) - 3 == BATCH + 17
    assert rows[3][8] == responses[0]["responseId"]
    assert rows[3][7] == responses[0]["values"]["recordedDate"][:19].replace("T", " ")


def test_window_limit_and_continuation(sandbox_client, big: Sandbox, tmp_path) -> None:
    start = GENERATED_EPOCH + timedelta(seconds=100)
    window = export_text(
        sandbox_client, big, tmp_path, start_date=start, end_date=start + timedelta(seconds=10)
    )
    assert len(window.splitlines()) == 10
    assert len(export_text(sandbox_client, big, tmp_path, limit=33).splitlines()) == 33
    early = Sandbox(seed=4, now=GENERATED_EPOCH + timedelta(seconds=500))
    early.add_generated_survey(BIG, responses=1000)
    with sandbox_client(early) as client:
        first = client.export_responses(
            BIG, ResponseExportRequest(allow_continuation=True), tmp_path
        )
    late = Sandbox(seed=4, now=GENERATED_EPOCH + timedelta(seconds=800))
    late.add_generated_survey(BIG, responses=1000)
    rest = export_text(sandbox_client, late, tmp_path, continuation_token=first.continuation_token)
    before = sum(1 for _, s in iter_members(first.path) for _ in s)
    assert (before, len(rest.splitlines())) == (
        500,
        300,
    )  # response i lands at i s + (37 i mod 1000) ms


def test_csv_time_zone_is_applied(big: Sandbox) -> None:
    survey = big.surveys[BIG]
    rows = b"".join(survey.stream(range(0, 2), "csv", Selection(), time_zone="America/Chicago"))
    text = rows.decode()
    assert '"{""ImportId"":""startDate"",""timeZone"":""America/Chicago""}"' in text
    assert "2019-12-31 18:00:00" in text  # midnight UTC is 18:00 the day before in Chicago


def test_streaming_keeps_memory_bounded(big: Sandbox) -> None:
    survey = big.add_generated_survey("SV_GeneratedTest02", responses=10_000_000)
    pieces = survey.stream(range(0, 10_000_000), "ndjson", Selection())
    first, second = next(pieces), next(pieces)
    assert len(first) < 64 * 1024 * 1024 and second.startswith(b'{"responseId":"R_')


def test_generated_survey_ids_are_validated(big: Sandbox) -> None:
    with pytest.raises(ConfigError):
        big.add_generated_survey("not-a-survey", responses=5)
    assert datetime.now(UTC) > GENERATED_EPOCH
