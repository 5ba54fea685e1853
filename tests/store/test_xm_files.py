"""XM Discover individual-feedback files: cleaned names, verbatim headers, 100,000-row files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb.store.xm_files import clean_column_names, write_feedback_files


def documents(count: int, start: int = 0) -> pd.DataFrame:
    ids = range(start, start + count)
    frame = pd.DataFrame(
        {
            "natural_id": [f"nps;R_{i}" for i in ids],
            "document_date": pd.Timestamp("2024-05-01T10:30:00+02:00"),
            "Q3.8 - Sentiment (1–5)": [float(i % 5) for i in ids],
            "comment": [f'line one\nline two, "quoted" {i}' for i in ids],
        },
        index=list(ids),
    )
    return frame.astype({"natural_id": "string[pyarrow]", "comment": "string[pyarrow]"})


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_names_are_cleaned_cut_and_kept_unique() -> None:
    names = ["Q3.8 - Sentiment", "Q3.8 – Sentiment", "é", "a[1] b_c-d", "x" * 150]
    assert clean_column_names(names) == [
        "Q38 - Sentiment",
        "Q38  Sentiment",
        "column_3",
        "a[1] b_c-d",
        "x" * 99,
    ]
    assert clean_column_names(["score", "Score!"]) == ["score", "Score_2"]


def test_csv_header_marks_verbatims_and_rows_round_trip(tmp_path: Path) -> None:
    (path,) = write_feedback_files(documents(3), tmp_path, verbatim_fields=["comment"])
    rows = read_csv(path)
    assert path.name == "feedback-0001.csv"
    assert rows[0] == ["natural_id", "document_date", "Q38 - Sentiment 15", "comment [verbatim]"]
    assert rows[1] == ["nps;R_0", "2024-05-01T08:30:00Z", "0.0", 'line one\nline two, "quoted" 0']
    assert len(rows) == 4


def test_files_hold_at_most_max_rows_across_chunks(tmp_path: Path) -> None:
    chunks = [documents(7), documents(7, start=7), documents(1, start=14)]
    paths = write_feedback_files(iter(chunks), tmp_path / "out", max_rows=4)
    assert [p.name for p in paths] == [f"feedback-000{n}.csv" for n in range(1, 5)]
    bodies = [read_csv(p)[1:] for p in paths]
    assert [len(body) for body in bodies] == [4, 4, 4, 3]
    assert [row[0] for body in bodies for row in body] == [f"nps;R_{i}" for i in range(15)]
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left behind


def test_empty_rows_are_left_out_and_missing_values_are_empty_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"natural_id": ["nps;R_1", None, ""], "comment": ["hi", None, None]}
    ).astype("string[pyarrow]")
    (path,) = write_feedback_files(frame, tmp_path)
    assert read_csv(path) == [["natural_id", "comment"], ["nps;R_1", "hi"]]
    assert write_feedback_files(frame.iloc[1:], tmp_path / "none") == []


def test_json_files_use_the_csv_keys(tmp_path: Path) -> None:
    frame = documents(5)
    frame.loc[1, "Q3.8 - Sentiment (1–5)"] = None
    paths = write_feedback_files(
        frame, tmp_path, format="json", verbatim_fields=["comment"], max_rows=3, prefix="nps"
    )
    assert [p.name for p in paths] == ["nps-0001.json", "nps-0002.json"]
    records = [record for p in paths for record in json.loads(p.read_text(encoding="utf-8"))]
    assert len(records) == 5
    assert records[0]["comment [verbatim]"].startswith("line one\n")
    assert records[1]["Q38 - Sentiment 15"] is None
    assert records[4]["document_date"] == "2024-05-01T08:30:00Z"


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_rows"):
        write_feedback_files(documents(1), tmp_path, max_rows=100_001)
    with pytest.raises(ValueError, match="format"):
        write_feedback_files(documents(1), tmp_path, format="xlsx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="later chunk"):
        write_feedback_files([documents(1), documents(1).assign(extra="x")], tmp_path)
    assert not list(tmp_path.glob(".*"))
