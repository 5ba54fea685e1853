"""Each data type's default document date, and problem counts that count rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.store.store import Store

DAY_ONE = "2026-11-05T12:00:00Z"
SOURCES = {
    "orm": ({"type": "orm", "idp_source_id": "dcf04acc768f4ea5"}, "created_at"),
    "tickets": ({"type": "tickets"}, "createdAt"),
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_reviews_and_tickets_get_their_own_date_as_document_date(
    kind: str, tmp_path: Path, sandbox_at
) -> None:
    source, date_field = SOURCES[kind]
    job = JobConfig.from_dict(
        {"name": kind, "project": kind, "connection": "sandbox", "source": source}
    )
    assert job.mapping.document_date == date_field
    report = run_job(job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert report.status == "succeeded", report.summary()
    with Store.open(tmp_path / "s.duckdb") as store:
        documents = store.documents(kind)
    assert len(documents) > 10
    assert (documents["document_date"] < documents["loadDate"]).all()
    assert documents["document_date"].nunique() > len(documents) // 2


def test_a_survey_keeps_end_date_and_an_explicit_choice_stays(job: JobConfig) -> None:
    assert job.mapping.document_date == "endDate"
    data = job.model_dump(mode="json") | {
        "source": {"type": "orm", "idp_source_id": "x"},
        "mapping": {"document_date": "review_date"},
    }
    assert JobConfig.from_dict(data).mapping.document_date == "review_date"


def test_mapping_problems_are_counted_by_row(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    twice = [
        {"source": "QID2_TEXT", "name": "comment_number", "type": "number"},
        {"source": "QID2_TEXT", "name": "comment_number_again", "type": "number"},
    ]
    data = nps_job.model_dump(mode="json")
    data["mapping"]["fields"] += twice
    report = run_job(JobConfig.from_dict(data), store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    rows = report.counts["mapping_problems"]
    assert rows > 100 and report.counts["mapping_problem_values"] == 2 * rows
    assert any(f"{rows} rows" in w and f"{2 * rows} values" in w for w in report.warnings)
