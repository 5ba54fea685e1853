"""Within-batch duplicates: the last row per natural_id wins; update merges non-empty fields."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from qinbound_nb.core.dedupe import dedupe


def documents(rows: list[dict], index: list[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, index=index)
    types = {"natural_id": pa.string(), "comment": pa.string(), "score": pa.float64()}
    return frame.astype({name: pd.ArrowDtype(types[name]) for name in frame.columns})


ROWS = [
    {"natural_id": "job;R_1", "comment": "first", "score": 1.0},
    {"natural_id": "job;R_2", "comment": "only", "score": 5.0},
    {"natural_id": "job;R_1", "comment": "", "score": None},
    {"natural_id": "job;R_3", "comment": "x", "score": 2.0},
    {"natural_id": "job;R_1", "comment": "third", "score": None},
]


@pytest.mark.parametrize("mode", ["replace", "skip"])
def test_last_row_wins_and_keeps_its_position(mode: str) -> None:
    frame = documents(ROWS, index=[10, 11, 12, 13, 14])
    result = dedupe(frame, mode)  # type: ignore[arg-type]
    assert result.documents["natural_id"].tolist() == ["job;R_2", "job;R_3", "job;R_1"]
    assert result.documents.index.tolist() == [11, 13, 14]
    winner = result.documents.loc[14]
    assert winner["comment"] == "third" and pd.isna(winner["score"])
    assert result.duplicates.index.tolist() == [10, 12]
    assert set(result.duplicates["outcome"]) == {"skipped_duplicate"}
    assert result.duplicates["reason"].str.contains("superseded").all()


def test_update_merges_non_empty_fields_in_export_order() -> None:
    frame = documents(ROWS)
    result = dedupe(frame, "update")
    merged = result.documents.set_index("natural_id").loc["job;R_1"]
    assert merged["comment"] == "third"
    assert merged["score"] == 1.0  # the later rows had no score, so the first one's stays
    assert result.duplicates["reason"].str.contains("merged").all()
    assert len(result.documents) == 3


def test_update_keeps_an_empty_string_when_no_row_has_a_value() -> None:
    frame = documents(
        [
            {"natural_id": "j;R_1", "comment": "", "score": 1.0},
            {"natural_id": "j;R_1", "comment": "", "score": 2.0},
        ]
    )
    result = dedupe(frame, "update")
    assert result.documents["comment"].tolist() == [""]
    assert result.documents["score"].tolist() == [2.0]


def test_input_is_not_mutated_and_unique_frames_pass_through() -> None:
    frame = documents(ROWS)
    before = frame.copy()
    dedupe(frame, "update")
    pd.testing.assert_frame_equal(frame, before)
    unique = documents(ROWS[:2])
    result = dedupe(unique, "replace")
    pd.testing.assert_frame_equal(result.documents, unique)
    assert result.duplicates.empty


def test_rows_without_natural_id_are_never_merged() -> None:
    frame = documents(
        [{"natural_id": None, "comment": "a", "score": 1.0}] * 2
        + [{"natural_id": "j;R_1", "comment": "b", "score": 1.0}]
    )
    assert len(dedupe(frame, "replace").documents) == 3


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate mode"):
        dedupe(documents(ROWS), "merge")  # type: ignore[arg-type]
