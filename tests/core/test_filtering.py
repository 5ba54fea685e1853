"""The connector filter and the record limit, with the reason for every dropped row."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from qinbound_nb.core.filtering import apply_filter, apply_record_limit
from qinbound_nb.errors import ExpressionError
from qinbound_nb.job.config import Filter


@pytest.fixture
def documents() -> pd.DataFrame:
    table = pa.table(
        {
            "natural_id": ["job;R_1", "job;R_2", "job;R_3", "job;R_4"],
            "comment_text": ["Great", None, "", "Slow delivery"],
            "nps": [9.0, 3.0, None, 10.0],
        }
    )
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.index = pd.RangeIndex(20, 24)
    return frame


def test_no_expression_keeps_everything(documents: pd.DataFrame) -> None:
    result = apply_filter(documents, Filter())
    assert list(result.kept.index) == [20, 21, 22, 23]
    assert result.dropped.empty and "reason" in result.dropped.columns


def test_include_keeps_matches_and_says_why_others_went(documents: pd.DataFrame) -> None:
    result = apply_filter(documents, Filter(expression="NOT ISBLANK(comment_text)"))
    assert list(result.kept["natural_id"]) == ["job;R_1", "job;R_4"]
    assert list(result.dropped.index) == [21, 22]
    assert set(result.dropped["reason"]) == {"filtered out by filter: NOT ISBLANK(comment_text)"}
    assert "reason" not in result.kept.columns


def test_exclude_drops_matches(documents: pd.DataFrame) -> None:
    result = apply_filter(documents, Filter(expression="nps < 7", action="exclude"))
    assert list(result.kept.index) == [20, 22, 23]  # blank nps is not a match: kept
    assert list(result.dropped.index) == [21]
    assert result.dropped["reason"].iloc[0] == "filtered out by filter: nps < 7 (action: exclude)"


def test_blank_answers_do_not_match_include(documents: pd.DataFrame) -> None:
    result = apply_filter(documents, Filter(expression="nps >= 9"))
    assert list(result.kept.index) == [20, 23]


def test_filter_must_answer_true_or_false(documents: pd.DataFrame) -> None:
    with pytest.raises(ExpressionError, match="true or false"):
        apply_filter(documents, Filter(expression="nps + 1"))
    with pytest.raises(ExpressionError, match="unknown field 'QID1'"):
        apply_filter(documents, Filter(expression="QID1 = 1"))


def test_record_limit_all_keeps_everything(documents: pd.DataFrame) -> None:
    result = apply_record_limit(documents, "all")
    assert len(result.kept) == 4 and result.dropped.empty


def test_record_limit_counts_across_chunks(documents: pd.DataFrame) -> None:
    first = apply_record_limit(documents, 5)
    assert len(first.kept) == 4 and first.dropped.empty
    second = apply_record_limit(documents, 5, already=4)
    assert list(second.kept.index) == [20]
    assert list(second.dropped.index) == [21, 22, 23]
    assert set(second.dropped["reason"]) == {"over the record limit of 5"}
    third = apply_record_limit(documents, 5, already=5)
    assert third.kept.empty and len(third.dropped) == 4


def test_stages_do_not_mutate_their_input(documents: pd.DataFrame) -> None:
    before = documents.copy()
    apply_filter(documents, Filter(expression="nps > 1"))
    apply_record_limit(documents, 1)
    pd.testing.assert_frame_equal(documents, before)
