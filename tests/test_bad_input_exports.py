"""Survey exports Qualtrics should never send, and a few it might: the run copes or fails cleanly.

Day one loads from the sandbox; day two's export file is replaced by a crafted one
(unexpected columns, non-UTF-8 bytes, empty, a 10 MB comment, garbage). The run either loads
what it can (saying what it could not map) or fails with an ExportError; a failure leaves
the store exactly as before (documents and checkpoint), and nothing raw reaches the store.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pydantic import SecretStr

from qinbound_nb import JobConfig, run_job
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.runs.execute import RunReport
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.store.store import Store

DAY_ONE = datetime(2026, 11, 2, 12, tzinfo=UTC)
DAY_TWO = datetime(2026, 11, 3, 6, tzinfo=UTC)
MEMBER = "Customer NPS (demo).ndjson"


class CraftedFile(httpx.BaseTransport):
    """The sandbox, except that every export file is ``body``."""

    def __init__(self, inner: httpx.BaseTransport, body: bytes) -> None:
        self.inner, self.body = inner, body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/file"):
            return httpx.Response(
                200, content=self.body, headers={"Content-Type": "application/zip"}
            )
        return self.inner.handle_request(request)


def zipped(member: bytes | None, name: str = MEMBER) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if member is not None:
            archive.writestr(name, member)
    return buffer.getvalue()


def response(number: int, comment: str = "fine", **extra: object) -> dict[str, object]:
    values = {
        "startDate": "2026-11-03T01:00:00Z",
        "endDate": "2026-11-03T01:05:00Z",
        "recordedDate": "2026-11-03T01:05:01Z",
        "status": 0,
        "progress": 100,
        "duration": 300,
        "finished": 1,
        "_recordId": f"R_crafted{number:08d}",
        "QID1": 7,
        "QID2_TEXT": comment,
        **extra,
    }
    return {"responseId": f"R_crafted{number:08d}", "values": values, "labels": {}}


def ndjson(*rows: dict[str, object]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


@pytest.fixture
def job(nps_job: JobConfig) -> JobConfig:
    return nps_job


@pytest.fixture
def day_two(job: JobConfig, tmp_path: Path) -> Callable[[bytes], tuple[RunReport, Path]]:
    """Load day one cleanly, then run day two with the given export file."""
    store = tmp_path / "s.duckdb"
    run_job(job, store=store, client=client(Sandbox(0, now=DAY_ONE).transport()), now=DAY_ONE)

    def run(body: bytes) -> tuple[RunReport, Path]:
        transport = CraftedFile(Sandbox(0, now=DAY_TWO).transport(), body)
        return run_job(job, store=store, client=client(transport), now=DAY_TWO), store

    run.store = store  # type: ignore[attr-defined]
    return run


def client(transport: httpx.BaseTransport) -> QualtricsClient:
    connection = Connection(name="sandbox", datacenter="sandbox", token=SecretStr("t"))
    return QualtricsClient(connection, transport=transport, sleep=lambda _: None)


def state(store: Path) -> tuple[pd.DataFrame, object]:
    with Store(store, read_only=True) as opened:
        return opened.documents("customer_feedback"), opened.checkpoint("nps-weekly")


GARBAGE = {
    "non-UTF-8 bytes": zipped(
        ndjson(response(1)) + b'{"responseId": "R_x", "values": {"QID2_TEXT": "caf\xe9"}}\n'
    ),
    "not JSON": zipped(b"this is not json at all\n"),
    "a JSON list per line": zipped(b"[1, 2, 3]\n"),
    "cut mid-line": zipped(ndjson(response(1))[:-20]),
    "not a zip": b"PK\x03\x04" + b"\x00" * 100,
    "an HTML error page": b"<html><body>502 Bad Gateway</body></html>",
}


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_garbage_export_fails_the_run_and_changes_nothing(day_two, body: bytes) -> None:
    before_docs, before_point = state(day_two.store)  # type: ignore[attr-defined]
    report, store = day_two(body)
    assert report.status == "failed", report.summary()
    assert "export" in (report.error or "").lower()
    after_docs, after_point = state(store)
    pd.testing.assert_frame_equal(after_docs, before_docs)
    assert after_point == before_point


def test_an_empty_export_loads_nothing_and_says_so(day_two) -> None:
    for body in (zipped(b""), zipped(None)):
        report, _ = day_two(body)
        assert report.ok, report.summary()
        assert report.counts.get("fetched", 0) == 0 and report.counts.get("loaded", 0) == 0


def test_unexpected_and_missing_columns_load_with_a_warning(day_two) -> None:
    rows = [response(n, surprise_column="x", QID99=[1, 2]) for n in range(3)]
    for row in rows:
        del row["values"]["QID2_TEXT"]  # type: ignore[attr-defined]
    report, store = day_two(zipped(ndjson(*rows)))
    assert report.status == "succeeded_with_warnings"
    assert any("QID2_TEXT" in warning for warning in report.warnings)
    documents, _ = state(store)
    assert {"nps-weekly;R_crafted00000000", "nps-weekly;R_crafted00000002"} <= set(
        documents["natural_id"]
    )
    assert "surprise_column" not in documents.columns


@pytest.mark.slow
def test_a_ten_megabyte_comment_is_loaded_redacted(day_two) -> None:
    email = "mallory.secret@example.org"
    comment = ("lorem ipsum " * 900_000)[:10_000_000] + f" write to {email} or 415-555-0199"
    report, store = day_two(zipped(ndjson(response(1, comment), response(2))))
    assert report.ok, report.summary()
    documents, _ = state(store)
    stored = documents.set_index("natural_id").loc["nps-weekly;R_crafted00000001", "nps_comment"]
    assert len(stored) > 9_000_000 and email not in stored and "415-555-0199" not in stored
