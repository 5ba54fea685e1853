"""The mapping table lists the export's own columns (matrix rows, label twins), the ORM schema's
fields and the ticket export's columns; the suggested job then runs without a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import run_job
from qinbound_nb.qualtrics.models import IdpSchema, SurveyMetadata
from qinbound_nb.widgets.suggestions import expected_columns, idp_fields, survey_fields

from .conftest import walk_to


def rows_by_source(step) -> dict:
    return {row.source: row for row in step.rows}


def test_the_table_is_the_sample_exports_columns(make_wizard, api_calls) -> None:
    wizard = make_wizard()
    walk_to(wizard, "mapping")
    rows = rows_by_source(wizard.current)
    assert ("export_responses", "SV_1NpsDemoSurvey1") in api_calls
    assert "QID4" not in rows and "QID5" not in rows  # matrices export one column per row
    for matrix_row in ("QID4_1", "QID4_2", "QID4_3"):
        assert rows[matrix_row].include.value and rows[matrix_row].type.value == "number"
    assert rows["QID4_1"].attribute.value == "satisfied_Price"
    group = rows["QID1_NPS_GROUP.label"]
    assert group.include.value and group.type.value == "text"
    assert "Promoter" in group.label.value
    assert not rows["QID3.label"].include.value  # offered as the label twin, not loaded
    assert "(label)" in rows["QID3.label"].label.value
    assert "responseId" not in rows


def test_the_suggested_job_runs_without_warnings(
    make_wizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wizard = make_wizard()
    walk_to(wizard, "review")
    job = wizard.job
    assert job is not None
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-02T00:00:00Z")
    report = run_job(job, store=tmp_path / "s.duckdb")
    assert report.status == "succeeded", report


def test_without_a_sample_the_metadata_foretells_the_columns(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    metadata: SurveyMetadata = wizard.context.survey_metadata("SV_1NpsDemoSurvey1")
    columns = expected_columns(metadata)
    assert {"QID4_1", "QID4_3", "QID5_2", "QID1_NPS_GROUP", "QID2_TEXT", "QID3.label"} <= set(
        columns
    )
    assert "QID4" not in columns and "QID2_TEXT.label" not in columns
    sources = [field.source for field in survey_fields(metadata)]
    assert sources.index("QID1_NPS_GROUP.label") == sources.index("QID1_NPS_GROUP") + 1


def test_orm_fields_come_from_the_schema() -> None:
    schema = IdpSchema(
        idp_source_id="x",
        name="reviews",
        unique_field="review_id",
        fields={
            "review_id": "string",
            "body": "open-text",
            "rating": "number",
            "created_at": "date-time",
        },
    )
    fields = {f.source: f.suggestion for f in idp_fields(schema)}
    assert "review_id" not in fields  # it makes natural_id
    assert fields["body"].type == "verbatim" and fields["rating"].type == "number"
    assert fields["created_at"].type == "date"


def test_orm_and_ticket_jobs_get_a_field_table(make_wizard, api_calls) -> None:
    wizard = make_wizard()
    walk_to(wizard, "data_type")
    wizard.current.data_type.value = "orm"
    wizard.next.click()
    wizard.current.idp_source_id.value = "dcf04acc768f4ea5"
    wizard.next.click()
    assert wizard.current.name == "mapping", wizard.current.value
    rows = rows_by_source(wizard.current)
    assert {"body", "rating", "site"} <= set(rows)
    assert ("idp_schema", "dcf04acc768f4ea5") in api_calls
    tickets = make_wizard()
    walk_to(tickets, "data_type")
    tickets.current.data_type.value = "tickets"
    tickets.next.click()
    tickets.next.click()
    assert tickets.current.name == "mapping", tickets.current.value
    assert {"subject", "priority"} <= set(rows_by_source(tickets.current))
    assert ("export_tickets",) in api_calls
