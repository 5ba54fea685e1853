"""Mapping raw rows to documents: default fields, casts, transformations, drift."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinbound_nb import JobConfig
from qinbound_nb.core.mapping import (
    apply_mapping,
    raw_columns,
    text_fields,
    verbatim_fields,
)
from qinbound_nb.core.parse.export import iter_export_frames
from qinbound_nb.errors import ConfigError, ExpressionError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "core"
LOADED = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)


def raw(name: str, fmt: str = "ndjson", kind: str = "survey") -> pd.DataFrame:
    with open(FIXTURES / name, "rb") as stream:
        chunks = iter_export_frames(stream, fmt, kind=kind)  # type: ignore[arg-type]
        return pd.concat([chunk.frame for chunk in chunks])


def make_job(minimal_job: dict, fields: list[dict], **mapping: object) -> JobConfig:
    return JobConfig.from_dict({**minimal_job, "mapping": {"fields": fields, **mapping}})


def test_default_fields_come_first_with_their_values(job: JobConfig) -> None:
    result = apply_mapping(raw("survey.ndjson"), job, load_date=LOADED)
    docs = result.documents
    assert list(docs.columns) == [
        "natural_id", "document_date", "job_name", "loadDate",
        "feedback_provider", "feedback_type", "source",
    ]  # fmt: skip
    assert docs["natural_id"].iloc[0] == "nps-weekly;R_1a2B3c4D5e6F7g8"
    assert docs["document_date"].iloc[0] == pd.Timestamp("2024-03-04T09:19:40Z")  # endDate
    assert set(docs["job_name"]) == {"nps-weekly"}
    assert set(docs["loadDate"]) == {pd.Timestamp(LOADED)}
    assert set(docs["feedback_provider"]) == {"Qualtrics"}
    assert set(docs["feedback_type"]) == {"Survey"}
    assert set(docs["source"]) == {"Qualtrics"}
    assert result.problems.empty and result.drift == ()


def test_in_progress_rows_fall_back_to_end_date_and_say_so(minimal_job: dict) -> None:
    job = make_job(minimal_job, [], document_date="recordedDate")
    frame = raw("in_progress.csv", "csv")
    result = apply_mapping(frame, job, load_date=LOADED)
    assert list(result.documents["document_date"]) == list(frame["endDate"])
    assert list(result.problems["row"]) == [0, 1]
    assert set(result.problems["problem"]) == {"recordedDate is blank; used endDate"}


def test_a_missing_date_field_is_drift_and_the_load_date_stands_in(minimal_job: dict) -> None:
    job = JobConfig.from_dict(
        {**minimal_job, "source": {"type": "orm", "idp_source_id": "IDP_1"},
         "mapping": {"document_date": "reviewedOn"}}
    )  # fmt: skip
    result = apply_mapping(
        raw("orm_reviews.csv", "csv", "orm"), job, load_date=LOADED, source_id_column="reviewId"
    )
    assert result.drift == ("reviewedOn",)
    assert set(result.documents["document_date"]) == {pd.Timestamp(LOADED)}
    assert result.documents["natural_id"].iloc[2] == "nps-weekly;rv-1003"
    assert set(result.documents["feedback_type"]) == {"Reviews"}


def test_orm_needs_the_unique_field(minimal_job: dict) -> None:
    job = JobConfig.from_dict({**minimal_job, "source": {"type": "orm", "idp_source_id": "IDP_1"}})
    with pytest.raises(ConfigError, match="unique field"):
        apply_mapping(raw("orm_reviews.csv", "csv", "orm"), job, load_date=LOADED)


def test_tickets_use_ticket_id_and_updated_at(minimal_job: dict) -> None:
    job = JobConfig.from_dict(
        {**minimal_job, "source": {"type": "tickets"}, "mapping": {"document_date": "updatedAt"}}
    )
    docs = apply_mapping(raw("tickets.json", "json", "tickets"), job, load_date=LOADED).documents
    assert list(docs["natural_id"]) == ["nps-weekly;TKT-1", "nps-weekly;TKT-2"]
    assert docs["document_date"].iloc[1] == pd.Timestamp("2024-03-03T16:45:12Z")
    assert set(docs["feedback_type"]) == {"Tickets"}


def test_custom_fields_are_cast_to_their_types(minimal_job: dict) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
        {"source": "QID1", "name": "nps", "type": "number"},
        {"source": "QID2.label", "name": "reasons", "type": "text"},
        {"source": "locationLatitude", "name": "lat", "type": "number"},
        {"source": "startDate", "name": "started", "type": "date"},
        {"source": "QID4_1", "name": "skipped", "type": "skip"},
    ]
    result = apply_mapping(raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED)
    docs = result.documents
    assert list(docs.columns[7:]) == ["comment_text", "nps", "reasons", "lat", "started"]
    assert docs["comment_text"].iloc[1] == "Zu teuer.\nUnd langsam."
    assert list(docs["nps"]) == [9.0, 3.0, 10.0, 7.0]
    assert docs["reasons"].iloc[0] == "Price, Support"
    assert docs["lat"].iloc[0] == 52.52 and pd.isna(docs["lat"].iloc[2])  # "" is blank
    assert str(docs["started"].dtype) == "timestamp[ms, tz=UTC][pyarrow]"
    assert result.problems.empty


def test_bad_values_become_blank_and_are_listed_per_row(minimal_job: dict) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "as_number", "type": "number"},
        {"source": "outlet", "name": "as_date", "type": "date"},
    ]
    result = apply_mapping(raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED)
    assert result.documents["as_number"].isna().all()
    problems = result.problems
    assert list(problems.columns) == ["row", "field", "value", "problem"]
    numbers = problems[problems["field"] == "as_number"]
    assert list(numbers["row"]) == [0, 1]
    assert numbers["value"].iloc[0] == "Great service, the agent was friendly."
    assert set(numbers["problem"]) == {"is not a number"}
    dates = problems[problems["field"] == "as_date"]
    assert list(dates["value"]) == ["Berlin Mitte", "München"]


def test_transformations_lookup_regex_and_expression(minimal_job: dict) -> None:
    fields = [
        {"source": "outlet", "name": "city", "type": "text",
         "transform": {"kind": "lookup", "table": {"Berlin Mitte": "BER"}, "default": "OTHER"}},
        {"source": "QID1", "name": "nps_kept", "type": "text",
         "transform": {"kind": "lookup", "table": {"9": "nine"}}},
        {"source": "ipAddress", "name": "network", "type": "text",
         "transform": {"kind": "regex", "pattern": r"(\d+)\.(\d+)$", "replacement": r"\2.\1"}},
        {"source": "QID1", "name": "nps_group", "type": "text",
         "transform": {"kind": "expression",
                       "expression": 'IF(QID1 >= 9, "promoter", IF(QID1 <= 6, "detractor", '
                                     '"passive"))'}},
    ]  # fmt: skip
    docs = apply_mapping(
        raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED
    ).documents
    assert list(docs["city"].fillna("-")) == ["BER", "OTHER", "-", "-"]  # blank stays blank
    assert list(docs["nps_kept"]) == ["nine", "3", "10", "7"]
    assert docs["network"].iloc[0] == "203.0.7.113"
    assert list(docs["nps_group"]) == ["promoter", "detractor", "promoter", "passive"]


def test_missing_source_columns_are_drift_not_a_crash(minimal_job: dict) -> None:
    fields = [
        {"source": "QID99", "name": "gone", "type": "number"},
        {"source": "QID1", "name": "calc", "type": "number",
         "transform": {"kind": "expression", "expression": "QID77 * 2"}},
    ]  # fmt: skip
    result = apply_mapping(raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED)
    assert result.drift == ("QID99", "QID77")
    assert result.documents["gone"].isna().all() and result.documents["calc"].isna().all()
    assert str(result.documents["gone"].dtype) == "double[pyarrow]"
    column_problems = result.problems[result.problems["row"].isna()]
    assert list(column_problems["field"]) == ["gone", "calc"]


def test_a_broken_expression_is_a_config_error(minimal_job: dict) -> None:
    fields = [{"source": "QID1", "name": "calc", "type": "number",
               "transform": {"kind": "expression", "expression": 'QID1 = "9"'}}]  # fmt: skip
    with pytest.raises(ExpressionError, match="cannot compare a number with text"):
        apply_mapping(raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED)


def test_a_regex_re2_cannot_run_is_a_config_error(minimal_job: dict) -> None:
    regex = {"kind": "regex", "pattern": "(?=Berlin)B", "replacement": "b"}
    fields = [{"source": "outlet", "name": "city", "type": "text", "transform": regex}]
    with pytest.raises(ConfigError, match="RE2"):
        apply_mapping(raw("survey.ndjson"), make_job(minimal_job, fields), load_date=LOADED)


def test_field_helpers_and_drift_detection(minimal_job: dict) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
        {"source": "outlet", "name": "outlet", "type": "text"},
        {"source": "QID1", "name": "nps", "type": "number"},
    ]
    job = make_job(minimal_job, fields)
    assert verbatim_fields(job) == ["comment_text"]
    assert text_fields(job) == ["outlet"]


def test_mapping_never_mutates_the_raw_frame(job: JobConfig) -> None:
    frame = raw("survey.ndjson")
    before = frame.copy()
    apply_mapping(frame, job, load_date=LOADED)
    pd.testing.assert_frame_equal(frame, before)


RESPONSE = st.fixed_dictionaries(
    {
        "finished": st.sampled_from([0, 1]),
        "endDate": st.sampled_from(["2024-01-02T03:04:05Z", ""]),
        "QID1": st.one_of(st.none(), st.integers(0, 10)),
        "QID3_TEXT": st.one_of(st.none(), st.text(max_size=30)),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(responses=st.lists(RESPONSE, max_size=40), chunk_rows=st.integers(1, 7))
def test_parse_then_map_never_loses_or_invents_a_response(
    minimal_job: dict, responses: list[dict], chunk_rows: int
) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
        {"source": "QID1", "name": "nps", "type": "number"},
    ]
    job = make_job(minimal_job, fields)
    lines = [
        json.dumps({"responseId": f"R_{n:015d}", "values": values}, ensure_ascii=False)
        for n, values in enumerate(responses)
    ]
    stream = io.BytesIO("\n".join(lines).encode())
    ids = []
    for chunk in iter_export_frames(stream, "ndjson", chunk_rows=chunk_rows):
        docs = apply_mapping(chunk.frame, job, load_date=LOADED).documents
        assert list(docs.index) == list(chunk.frame.index)
        ids.extend(docs["natural_id"])
    assert ids == [f"nps-weekly;R_{n:015d}" for n in range(len(responses))]


def test_raw_columns_are_what_the_mapping_reads(minimal_job: dict) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
        {"source": "QID1", "name": "nps_group", "type": "text",
         "transform": {"kind": "expression", "expression": 'CONCAT(QID1.label, " ", outlet)'}},
        {"source": "QID9", "name": "ignored", "type": "skip"},
    ]  # fmt: skip
    job = make_job(minimal_job, fields, document_date="recordedDate")
    own = [
        "RecipientFirstName", "recipientFirstName", "RecipientLastName", "recipientLastName",
        "RecipientEmail", "recipientEmail", "ExternalReference", "externalDataReference",
    ]  # fmt: skip
    assert raw_columns(job) == [
        "responseId", "recordedDate", "endDate", "startDate", "QID3_TEXT", "QID1.label", "outlet",
        *own,
    ]  # fmt: skip
    orm = JobConfig.from_dict(
        {**minimal_job, "source": {"type": "orm", "idp_source_id": "IDP_1"},
         "mapping": {"document_date": "publishedAt"}}
    )  # fmt: skip
    assert raw_columns(orm, "reviewId") == ["reviewId", "publishedAt", *own]


def read_chunks(data: bytes, chunk_rows: int, columns: list[str] | None) -> list:
    stream = io.BytesIO(data)
    return list(iter_export_frames(stream, "ndjson", chunk_rows=chunk_rows, columns=columns))


LABELLED = st.fixed_dictionaries(
    {"values": RESPONSE, "labels": st.fixed_dictionaries({"QID1": st.sampled_from(["a", "b"])})}
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    responses=st.lists(LABELLED, max_size=40),
    chunk_rows=st.integers(1, 9),
    block_bytes=st.integers(60, 3000),
)
def test_mapping_a_projection_gives_the_same_documents(
    minimal_job: dict, responses: list[dict], chunk_rows: int, block_bytes: int
) -> None:
    fields = [
        {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
        {"source": "QID1", "name": "nps", "type": "number"},
        {"source": "QID1.label", "name": "nps_label", "type": "text"},
        {"source": "QID8", "name": "gone", "type": "text"},
    ]
    job = make_job(minimal_job, fields)
    lines = [
        json.dumps({"responseId": f"R_{n:015d}", **record, "displayedFields": ["QID1"]})
        for n, record in enumerate(responses)
    ]
    data = "\n".join(lines).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("qinbound_nb.core.parse.ndjson_reader.NDJSON_BLOCK_BYTES", block_bytes)
        full = read_chunks(data, chunk_rows, None)
        kept = read_chunks(data, chunk_rows, raw_columns(job))
    for whole_chunk, projected in zip(full, kept, strict=True):
        if not len(whole_chunk.frame):
            continue
        expected = apply_mapping(whole_chunk.frame, job, load_date=LOADED)
        got = apply_mapping(projected.frame, job, load_date=LOADED)
        pd.testing.assert_frame_equal(got.documents, expected.documents)
        pd.testing.assert_frame_equal(got.problems, expected.problems)
        assert got.drift == expected.drift
