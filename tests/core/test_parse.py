"""Parsing every export format into raw chunks, as docs/architecture.md pins them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from qinbound_nb.core.parse.export import iter_export_frames
from qinbound_nb.errors import ExportError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "core"


def read(name: str, fmt: str, **kw: object) -> list:
    with open(FIXTURES / name, "rb") as stream:
        return list(iter_export_frames(stream, fmt, **kw))  # type: ignore[arg-type]


def whole(chunks: list) -> pd.DataFrame:
    return pd.concat([chunk.frame for chunk in chunks])


@pytest.mark.parametrize(("name", "fmt"), [("survey.ndjson", "ndjson"), ("survey.json", "json")])
def test_json_surveys_have_api_types_labels_and_running_index(name: str, fmt: str) -> None:
    chunks = read(name, fmt, chunk_rows=3, start_index=10)
    assert [len(c.frame) for c in chunks] == [3, 1]
    frame = whole(chunks)
    assert list(frame.index) == [10, 11, 12, 13]
    assert frame.columns[0] == "responseId"
    assert frame["responseId"].iloc[3] == "FS_4d5E6f7G8h9I0j1"
    assert "_recordId" not in frame.columns and "displayedFields" not in frame.columns
    assert str(frame["recordedDate"].dtype) == "timestamp[ms, tz=UTC][pyarrow]"
    assert frame["recordedDate"].iloc[0] == pd.Timestamp("2024-03-04T09:19:41.352Z")
    assert frame["recordedDate"].isna().iloc[3]  # in-progress: empty recordedDate
    assert list(frame["finished"]) == [1, 1, 1, 0]
    assert str(frame["finished"].dtype) == "int64[pyarrow]"
    assert frame["locationLatitude"].iloc[0] == "52.5200"
    assert list(frame["QID2"].iloc[0]) == ["1", "3"]
    assert list(frame["QID2.label"].iloc[0]) == ["Price", "Support"]
    assert frame["QID4_1.label"].iloc[1] == "Disagree"
    assert frame["QID3_TEXT"].iloc[1] == "Zu teuer.\nUnd langsam."
    assert frame["outlet"].iloc[1] == "München"


def test_every_chunk_has_the_same_types() -> None:
    chunks = read("survey.ndjson", "ndjson", chunk_rows=1)
    dtypes = {str(dict(c.frame.dtypes)) for c in chunks[:3]}
    assert len(dtypes) == 1
    assert str(chunks[3].frame["QID2"].dtype) == "list<item: string>[pyarrow]"  # null there


def test_a_column_empty_in_the_first_chunk_stays_text_and_numbers_follow_as_text() -> None:
    lines = [
        {"responseId": "R_1", "values": {"Q": None}},
        {"responseId": "R_2", "values": {"Q": 5}},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    chunks = list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=1))
    assert [str(c.frame["Q"].dtype) for c in chunks] == ["string[pyarrow]"] * 2
    assert chunks[1].frame["Q"].iloc[0] == "5"


def test_pinned_column_types_win() -> None:
    data = b'{"responseId":"R_1","values":{"Q":null}}\n{"responseId":"R_2","values":{"Q":2.5}}\n'
    chunks = list(
        iter_export_frames(
            io.BytesIO(data), "ndjson", chunk_rows=1, column_types={"Q": pa.float64()}
        )
    )
    assert [c.frame["Q"].dtype.pyarrow_dtype for c in chunks] == [pa.float64()] * 2


def test_a_number_column_that_turns_to_text_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = b'{"responseId":"R_1","values":{"Q":1}}\n{"responseId":"R_2","values":{"Q":"x"}}\n'
    with pytest.raises(ExportError, match="mixes kinds of values"):
        list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=1))
    monkeypatch.setattr(
        "qinbound_nb.core.parse.ndjson_reader.NDJSON_BLOCK_BYTES", 40
    )  # one line a block
    with pytest.raises(ExportError, match="'Q' held numbers earlier"):
        list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=1))


def test_survey_csv_keys_by_import_id_and_converts_dates_from_the_export_zone() -> None:
    chunks = read("survey_labels.csv", "csv", chunk_rows=2)
    frame = whole(chunks)
    assert frame.columns[0] == "responseId"
    assert {"QID2_1", "QID2_3", "QID7_1", "QID8_1"} <= set(frame.columns)  # tags repeat
    assert frame["startDate"].iloc[0] == pd.Timestamp("2024-03-04T09:15:02Z")  # Berlin CET
    assert list(frame["status"]) == [0, 1, 8]  # labels back to codes
    assert list(frame["finished"]) == [1, 1, 1]
    assert frame["QID3_TEXT"].iloc[1] == "Zu teuer.\nUnd langsam, sehr langsam."
    assert frame["QID3_TEXT"].iloc[0] == 'Great service, "really" friendly.'
    assert frame["QID7_1"].iloc[2] == "NA"  # an answer, not a null marker
    assert pd.isna(frame["QID2_1"].iloc[1])
    info = chunks[0].columns["QID3_TEXT"]
    assert info.export_tag == "Q3" and info.question_text.startswith("Tell us more")
    assert chunks[0].columns["startDate"].time_zone == "Europe/Berlin"


def test_in_progress_csv_has_fs_ids_and_no_recorded_date() -> None:
    frame = whole(read("in_progress.csv", "csv"))
    assert list(frame["responseId"]) == ["FS_22mEa4YjrI2K1tw", "FS_1NaIdmhDPHGi6zx"]
    assert frame["recordedDate"].isna().all()
    assert list(frame["finished"]) == [0, 0]
    assert frame["startDate"].iloc[0] == pd.Timestamp("2024-06-10T14:14:16Z")


def test_orm_csv_has_one_header_row_and_text_columns() -> None:
    frame = whole(read("orm_reviews.csv", "csv", kind="orm"))
    assert list(frame.columns) == [
        "reviewId",
        "rating",
        "reviewText",
        "publishedAt",
        "site",
        "tags",
    ]
    assert frame["reviewText"].iloc[0] == "Lovely stay,\nwould come back."
    assert len(frame) == 3


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("tickets.json", "json"), ("tickets_wrapped.json", "json"), ("tickets.ndjson", "ndjson")],
)
def test_tickets_in_every_shape(name: str, fmt: str) -> None:
    frame = whole(read(name, fmt, kind="tickets"))
    assert list(frame["ticketId"]) == ["TKT-1", "TKT-2"]
    assert frame["updatedAt"].iloc[1] == pd.Timestamp("2024-03-03T16:45:12Z")
    assert frame["owner.name"].iloc[0] == "Ada"


@pytest.mark.parametrize(
    ("data", "fmt", "kind", "column"),
    [
        (b"", "ndjson", "survey", "responseId"),
        (b'{"responses": []}', "json", "survey", "responseId"),
        (b"[]", "json", "tickets", "ticketId"),
    ],
)
def test_empty_exports_give_one_empty_chunk(data: bytes, fmt: str, kind: str, column: str) -> None:
    chunks = list(iter_export_frames(io.BytesIO(data), fmt, kind=kind))  # type: ignore[arg-type]
    assert len(chunks) == 1 and chunks[0].frame.empty
    assert column in chunks[0].frame.columns


def test_a_csv_with_only_headers_keeps_its_columns() -> None:
    header = (FIXTURES / "in_progress.csv").read_bytes().split(b"\r\n")[:3]
    chunks = list(iter_export_frames(io.BytesIO(b"\r\n".join(header) + b"\r\n"), "csv"))
    assert len(chunks) == 1 and chunks[0].frame.empty
    assert "QID3_TEXT" in chunks[0].frame.columns
    assert str(chunks[0].frame["startDate"].dtype) == "timestamp[ms, tz=UTC][pyarrow]"


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b'{"responseId":"R_1","values":{"Q":"caf\xe9"}}\n', "ndjson", "not UTF-8 .*line 1"),
        (b'{"responses":[{"responseId":"R_\xff"}]}', "json", "not UTF-8"),
        (b'{"responseId":"R_1"}\n{"responseId":"R_2","val', "ndjson", "line 2 .* not a JSON"),
        (b'{"responses":[{"responseId":"R_1"},{"respon', "json", "cut off"),
        (b'{"error":{"message":"x"}}', "json", "no list of records"),
        (b"a,b\r\n1,2\r\n", "csv", "2 header rows"),
        (b"a,b\r\nA,B\r\nx,y\r\n", "csv", "no ImportId"),
    ],
)
def test_damaged_exports_raise_export_error(data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        list(iter_export_frames(io.BytesIO(data), fmt))  # type: ignore[arg-type]


def test_csv_with_a_bad_byte_in_the_body_is_an_export_error() -> None:
    body = (
        FIXTURES / "in_progress.csv"
    ).read_bytes() + b"x,y,IP Address,1,1,False,,FS_x,a,EN,\xff,\r\n"
    with pytest.raises(ExportError, match="not UTF-8"):
        list(iter_export_frames(io.BytesIO(body), "csv"))


def test_large_ndjson_is_read_in_bounded_chunks() -> None:
    line = json.dumps({"responseId": "R_x", "values": {"QID1": 3, "QID2_TEXT": "ok"}})
    data = ("\n".join([line] * 2500) + "\n").encode()
    chunks = list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=1000))
    assert [len(c.frame) for c in chunks] == [1000, 1000, 500]
    assert chunks[2].frame.index[0] == 2000


PROJECTIONS = {
    "survey": ["QID1", "QID2.label", "QID3_TEXT", "recordedDate", "outlet", "QID99"],
    "tickets": ["updatedAt", "owner.name", "gone"],
    "orm": ["rating", "reviewText"],
}


@pytest.mark.parametrize("block_bytes", [16 << 20, 700])
@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("survey.ndjson", "ndjson", "survey"),
        ("survey.json", "json", "survey"),
        ("survey_labels.csv", "csv", "survey"),
        ("tickets.ndjson", "ndjson", "tickets"),
        ("orm_reviews.csv", "csv", "orm"),
    ],
)
def test_projected_chunks_equal_the_full_ones_restricted(
    name: str, fmt: str, kind: str, block_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qinbound_nb.core.parse.ndjson_reader.NDJSON_BLOCK_BYTES", block_bytes)
    wanted = PROJECTIONS[kind]
    full = read(name, fmt, kind=kind, chunk_rows=2)
    kept = read(name, fmt, kind=kind, chunk_rows=2, columns=wanted)
    assert len(kept) == len(full)
    keep = {*wanted, "responseId", "ticketId"}
    for whole_chunk, projected in zip(full, kept, strict=True):
        expected = whole_chunk.frame[[c for c in whole_chunk.frame.columns if c in keep]]
        pd.testing.assert_frame_equal(projected.frame, expected)
        assert projected.columns == {c: whole_chunk.columns[c] for c in expected.columns}
    assert "QID2.label" not in kept[0].frame or list(kept[0].frame["QID2.label"].iloc[0]) == [
        "Price",
        "Support",
    ]


def late_field_export() -> bytes:
    """Responses where ``late`` first shows up after several blocks, with labels around it."""
    lines = []
    for n in range(60):
        values: dict[str, object] = {"Q": n % 7, "endDate": "2024-03-04T09:19:40Z"}
        if n >= 40:
            values["late"] = f"text {n}"
        labels = {"Q": f"label {n % 7}"}
        shown = {"displayedFields": ["Q", "late"], "displayedValues": {"Q": [0, 1, 2]}}
        record = {"responseId": f"R_{n:03d}", "values": values, "labels": labels, **shown}
        lines.append(json.dumps(record))
    return ("\n".join(lines) + "\n").encode()


def test_a_wanted_field_first_seen_in_a_later_block_joins_with_a_stable_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("qinbound_nb.core.parse.ndjson_reader.NDJSON_BLOCK_BYTES", 1000)
    data = late_field_export()
    full = list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=10))
    kept = list(
        iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=10, columns=["late", "Q.label"])
    )
    assert list(kept[0].frame.columns) == ["responseId", "Q.label"]
    assert list(kept[-1].frame.columns) == ["responseId", "Q.label", "late"]
    keep = {"responseId", "Q.label", "late"}
    for whole_chunk, projected in zip(full, kept, strict=True):
        expected = whole_chunk.frame[[c for c in whole_chunk.frame.columns if c in keep]]
        pd.testing.assert_frame_equal(projected.frame, expected)
    assert len({str(dict(c.frame.dtypes)) for c in kept[-2:]}) == 1
    assert kept[5].frame["late"].iloc[-1] == "text 59"
    assert kept[0].frame["Q.label"].iloc[3] == "label 3"


@pytest.mark.parametrize("columns", [None, ["Q"]])
def test_a_projected_column_that_changes_kind_is_the_same_clear_error(
    columns: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b'{"responseId":"R_1","values":{"Q":1}}\n{"responseId":"R_2","values":{"Q":"x"}}\n'
    monkeypatch.setattr("qinbound_nb.core.parse.ndjson_reader.NDJSON_BLOCK_BYTES", 40)
    with pytest.raises(ExportError, match="'Q' held numbers earlier"):
        list(iter_export_frames(io.BytesIO(data), "ndjson", chunk_rows=1, columns=columns))


def test_bad_utf8_in_a_projected_column_is_still_an_export_error() -> None:
    data = (
        b'{"responseId":"R_1","values":{"Q":"ok"}}\n{"responseId":"R_2","values":{"Q":"caf\xe9"}}\n'
    )
    with pytest.raises(ExportError, match=r"not UTF-8 .*line 2"):
        list(iter_export_frames(io.BytesIO(data), "ndjson", columns=["Q"]))
