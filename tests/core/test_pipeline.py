"""process_chunk: the one transform path; rows it cannot load become outcomes with reasons."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from qinbound_nb import JobConfig
from qinbound_nb.core.parse.export import iter_export_frames
from qinbound_nb.core.pipeline import process_chunk
from qinbound_nb.core.redaction.redact import RedactionRules

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


def chunk_of(*responses: dict):
    data = "\n".join(json.dumps(r) for r in responses).encode()
    return next(iter_export_frames(io.BytesIO(data), "ndjson")).frame


def response(response_id: str | None, comment: str, score: int = 9) -> dict:
    values = {"endDate": "2026-11-01T10:00:00Z", "QID1": score, "QID2_TEXT": comment}
    return {"responseId": response_id, "values": values}


def test_a_row_without_a_source_id_fails_alone_with_its_reason() -> None:
    job = JobConfig.load(TEMPLATE)
    raw = chunk_of(response("R_aaaaaaaaaaaaaaa", "write to a@b.example.com"), response(None, "x"))
    result = process_chunk(
        raw, job, RedactionRules.from_config(job.rules), load_date=datetime.now(UTC)
    )
    assert list(result.documents["natural_id"]) == ["nps-weekly;R_aaaaaaaaaaaaaaa"]
    assert "[REDACTED]" in result.documents["nps_comment"].iloc[0]
    failed = result.outcomes[result.outcomes["outcome"] == "failed"]
    assert len(failed) == 1 and "no source id" in failed["reason"].iloc[0]


def test_filter_limit_and_duplicates_each_give_their_outcome() -> None:
    job = JobConfig.load(TEMPLATE)
    job = job.model_copy(
        update={
            "filter": job.filter.model_copy(
                update={"expression": "nps_score >= 7", "record_limit": 1}
            )
        }
    )
    raw = chunk_of(
        response("R_aaaaaaaaaaaaaaa", "fine", 9),
        response("R_bbbbbbbbbbbbbbb", "bad", 2),
        response("R_ccccccccccccccc", "also fine", 10),
    )
    result = process_chunk(
        raw, job, RedactionRules.from_config(job.rules), load_date=datetime.now(UTC)
    )
    assert result.kept == 1
    assert sorted(result.outcomes["outcome"]) == ["filtered_out", "over_limit"]
