"""The three stages bench_e2e.py times: ``run_job``, the download floor, a pandas pipeline.

All three pull the same export through the same client from one in-process sandbox (a
generated survey of ``size`` responses), so they differ only in what they do with it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from functools import cache
from itertools import islice
from pathlib import Path

import pandas as pd
import pyarrow.json as pa_json
from pydantic import SecretStr

from qinbound_nb import JobConfig
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import QualtricsClient, iter_members
from qinbound_nb.qualtrics.models import DownloadedExport
from qinbound_nb.runs.execute import run_job
from qinbound_nb.runs.pulls import plan_pull
from qinbound_nb.sandbox.simulator import Sandbox

SURVEY = "SV_BenchEndToEnd01"
JOB_NAME = "bench-e2e"
NOW = datetime(2026, 11, 20, tzinfo=UTC)
CHUNK_LINES = 50_000
MASK = "[REDACTED]"
JOB = {
    "name": JOB_NAME,
    "project": "bench",
    "connection": "sandbox",
    "source": {"type": "survey", "survey_id": SURVEY},
    "mapping": {
        "fields": [
            {"source": "QID1", "name": "nps_score", "type": "number"},
            {"source": "QID2_TEXT", "name": "nps_comment", "type": "verbatim"},
        ]
    },
    "rules": {"pii": ["email", "phone", "credit_card", "ssn", "ip"]},
}
# What a hand-written pipeline would reach for: one simple regex per kind, no checksums.
SIMPLE_PII = {
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    "credit_card": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "ssn": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "phone": re.compile(r"(?:\+\d{1,3}[ .-]?)?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b"),
    "ip": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}"),
}


@cache
def sandbox(size: int) -> Sandbox:
    """The one sandbox of this process, serving a generated survey of ``size`` responses."""
    made = Sandbox(seed=0, now=NOW)
    made.add_generated_survey(SURVEY, responses=size)
    return made


def job() -> JobConfig:
    """The benchmark's job: two mapped fields plus defaults, every PII kind redacted."""
    return JobConfig.from_dict(JOB)


def client(size: int) -> QualtricsClient:
    """A client on the sandbox's in-process transport (polling does not sleep)."""
    connection = Connection(name="sandbox", datacenter="sandbox", token=SecretStr("bench"))
    return QualtricsClient(connection, transport=sandbox(size).transport(), sleep=lambda _: None)


def prepare(folder: Path) -> None:
    """Warm the generator's row templates (cached per process) so no stage pays for them."""
    floor(1_000, folder)


def contender(size: int, folder: Path) -> int:
    """``run_job`` into a fresh store; returns the documents it loaded."""
    with client(size) as api:
        report = run_job(job(), store=folder / "store.duckdb", client=api, now=NOW)
    if report.status != "succeeded":
        raise SystemExit(f"run_job did not succeed:\n{report.summary()}")
    return report.counts["loaded"]


def download(size: int, folder: Path) -> DownloadedExport:
    """The export a first run of the job asks for, streamed to ``folder``."""
    request = plan_pull(job(), None, NOW).request
    with client(size) as api:
        return api.export_responses(SURVEY, request, folder)  # type: ignore[arg-type]


def download_only(size: int, folder: Path) -> int:
    """Only the download (start, poll, zip streamed to disk); returns the response count."""
    download(size, folder)
    return size


def floor(size: int, folder: Path) -> int:
    """Download and fully read the export with pyarrow, nothing else; returns the rows read."""
    export = download(size, folder)
    return sum(pa_json.read_json(stream).num_rows for _, stream in iter_members(export.path))


def baseline(size: int, folder: Path) -> int:
    """The hand-written pandas pipeline; returns the rows it wrote to SQLite."""
    export = download(size, folder)
    written = 0
    with sqlite3.connect(folder / "baseline.sqlite") as database:
        for _, stream in iter_members(export.path):
            while lines := list(islice(stream, CHUNK_LINES)):
                frame = pd.json_normalize([json.loads(line) for line in lines])
                documents = map_documents(frame)
                documents["nps_comment"] = [redact_text(t) for t in documents["nps_comment"]]
                documents = documents.drop_duplicates("natural_id", keep="last")
                documents.to_sql("documents", database, if_exists="append", index=False)
                written += len(documents)
    return written


def map_documents(frame: pd.DataFrame) -> pd.DataFrame:
    """The default fields and the two mapped fields, as a pandas user would write them."""
    comment = frame.get("values.QID2_TEXT", pd.Series(None, index=frame.index, dtype=object))
    return pd.DataFrame(
        {
            "natural_id": JOB_NAME + ";" + frame["responseId"],
            "document_date": pd.to_datetime(frame["values.endDate"], utc=True),
            "job_name": JOB_NAME,
            "loadDate": NOW,
            "feedback_provider": "Qualtrics",
            "feedback_type": "Survey",
            "source": "Qualtrics",
            "nps_score": pd.to_numeric(frame["values.QID1"], errors="coerce"),
            "nps_comment": comment,
        }
    )


def redact_text(text: object) -> object:
    """Mask every simple-regex PII match in one comment (per-row ``re.sub``)."""
    if not isinstance(text, str):
        return text
    for pattern in SIMPLE_PII.values():
        text = pattern.sub(MASK, text)
    return text
