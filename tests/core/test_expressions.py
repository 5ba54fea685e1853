"""The connector expression language: every operator and function, blanks, mismatches."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pytest

from qinbound_nb.core.expressions import evaluate as expressions
from qinbound_nb.core.expressions.evaluate import UnknownFieldError, compile_expression
from qinbound_nb.errors import ExpressionError

NOW = datetime(2024, 5, 5, 12, 30, tzinfo=UTC)
NA = None


@pytest.fixture
def frame() -> pd.DataFrame:
    table = pa.table(
        {
            "comment": ["Great", None, "  ", "bad service"],
            "score": [9.0, None, 3.0, 10.0],
            "when": pa.array(
                [datetime(2024, 1, 31, 10), None, datetime(2024, 3, 1), datetime(2023, 12, 31, 23)],
                pa.timestamp("ms", tz="UTC"),
            ),
            "choices": pa.array([["a", "b"], None, [], ["c"]]),
            "Field Name": ["x", "y", "z", "w"],
            "QID1.label": ["Yes", "No", None, "Yes"],
            "flag": [True, False, None, True],
            "empty": pa.nulls(4),
        }
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def run(text: str, frame: pd.DataFrame) -> list:
    values = compile_expression(text).evaluate(frame, now=NOW)
    return [None if pd.isna(v) else v for v in values]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


CASES = [
    # comparison, with SQL blanks
    ("score = 9", [True, NA, False, False]),
    ("score == 9", [True, NA, False, False]),
    ("score != 9", [False, NA, True, True]),
    ("score <> 9", [False, NA, True, True]),
    ("score < 9", [False, NA, True, False]),
    ("score > 9", [False, NA, False, True]),
    ("score <= 9", [True, NA, True, False]),
    ("score >= 9", [True, NA, False, True]),
    ('comment = "Great"', [True, NA, False, False]),
    ('comment = "great"', [False, NA, False, False]),  # text is case-sensitive
    ('when > "2024-01-01"', [True, NA, True, False]),
    ("flag = TRUE", [True, False, NA, True]),
    # logic: Kleene
    ("score > 5 AND flag", [True, False, False, True]),
    ("score > 5 or flag", [True, NA, NA, True]),
    ("NOT flag", [False, True, NA, False]),
    ("not (score > 5) And TRUE", [False, NA, True, False]),
    ("FALSE AND empty = 1", [False] * 4),
    # arithmetic and joining
    ("score + 1", [10.0, NA, 4.0, 11.0]),
    ("score - 1", [8.0, NA, 2.0, 9.0]),
    ("score * 2", [18.0, NA, 6.0, 20.0]),
    ("score / 2", [4.5, NA, 1.5, 5.0]),
    ("score / 0", [NA, NA, NA, NA]),
    ("-score + 1", [-8.0, NA, -2.0, -9.0]),
    ("2 + 3 * 4", [14.0] * 4),
    ("(2 + 3) * 4", [20.0] * 4),
    ('comment & "-" & score', ["Great-9", "-", "  -3", "bad service-10"]),
    ("[Field Name] & [QID1.label]", ["xYes", "yNo", "z", "wYes"]),
    ('QID1.label = "Yes"', [True, False, NA, True]),
    ('"say ""hi"""', ['say "hi"'] * 4),
    # text functions
    ("ISBLANK(comment)", [False, True, True, False]),
    ("ISBLANK(choices)", [False, True, True, False]),
    ("ISBLANK(empty)", [True] * 4),
    ('CONTAINS(comment, "eat")', [True, NA, False, False]),
    ('CONTAINS(choices, "b")', [True, NA, False, False]),
    ('STARTSWITH(comment, "bad")', [False, NA, False, True]),
    ('ENDSWITH(comment, "ice")', [False, NA, False, True]),
    ("UPPER(comment)", ["GREAT", NA, "  ", "BAD SERVICE"]),
    ("LOWER(comment)", ["great", NA, "  ", "bad service"]),
    ("TRIM(comment)", ["Great", NA, "", "bad service"]),
    ("LEN(comment)", [5.0, NA, 2.0, 11.0]),
    ("LEFT(comment, 3)", ["Gre", NA, "  ", "bad"]),
    ("RIGHT(comment, 3)", ["eat", NA, "  ", "ice"]),
    ("RIGHT(comment, 0)", ["", NA, "", ""]),
    ("MID(comment, 2, 3)", ["rea", NA, " ", "ad "]),
    ('REPLACE(comment, "a", "4")', ["Gre4t", NA, "  ", "b4d service"]),
    ('CONCAT(comment, "/", score)', ["Great/9", "/", "  /3", "bad service/10"]),
    ("TEXT(score)", ["9", NA, "3", "10"]),
    ('NUMBER("12.5") + 1', [13.5] * 4),
    ("NUMBER(comment)", [NA] * 4),
    # logic functions
    ('IF(score >= 9, "promoter", "other")', ["promoter", "other", "other", "promoter"]),
    ("IF(flag, 1, NULL)", [1.0, NA, NA, 1.0]),
    ('COALESCE(comment, "none")', ["Great", "none", "  ", "bad service"]),
    ("COALESCE(score, 0)", [9.0, 0.0, 3.0, 10.0]),
    # numbers
    ("ABS(-score)", [9.0, NA, 3.0, 10.0]),
    ("ROUND(score / 7, 2)", [1.29, NA, 0.43, 1.43]),
    ("ROUND(2.5)", [2.0] * 4),
    ("FLOOR(score / 2)", [4.0, NA, 1.0, 5.0]),
    ("CEILING(score / 2)", [5.0, NA, 2.0, 5.0]),
    # dates
    ("YEAR(when)", [2024.0, NA, 2024.0, 2023.0]),
    ("MONTH(when)", [1.0, NA, 3.0, 12.0]),
    ("DAY(when)", [31.0, NA, 1.0, 31.0]),
    ("HOUR(when)", [10.0, NA, 0.0, 23.0]),
    ("MINUTE(when)", [0.0, NA, 0.0, 0.0]),
    ("WEEKDAY(when)", [3.0, NA, 5.0, 7.0]),
    (
        'DATEADD(when, 1, "month")',
        [ts("2024-02-29 10:00"), NA, ts("2024-04-01"), ts("2024-01-31 23:00")],
    ),
    (
        'DATEADD(when, -1, "years")',
        [ts("2023-01-31 10:00"), NA, ts("2023-03-01"), ts("2022-12-31 23:00")],
    ),
    (
        'DATEADD(when, 2, "hour")',
        [ts("2024-01-31 12:00"), NA, ts("2024-03-01 02:00"), ts("2024-01-01 01:00")],
    ),
    ('DATEDIFF(when, "2024-12-31")', [335.0, NA, 305.0, 366.0]),
    ('DATEDIFF("2024-01-01", when, "month")', [0.0, NA, 2.0, -1.0]),
    ('DATEFORMAT(when, "%d.%m.%Y")', ["31.01.2024", NA, "01.03.2024", "31.12.2023"]),
    ('DATE("2024-02-03") < when', [False, NA, True, False]),
    ("TODAY()", [ts("2024-05-05")] * 4),
    ("NOW() > when", [True, NA, True, True]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_operators_and_functions(text: str, expected: list, frame: pd.DataFrame) -> None:
    assert run(text, frame) == expected


def test_keywords_and_function_names_ignore_case_but_fields_do_not(frame: pd.DataFrame) -> None:
    assert run("isblank(comment) oR score > 9", frame) == [False, True, True, True]
    with pytest.raises(UnknownFieldError, match="'Comment'"):
        run("ISBLANK(Comment)", frame)


def test_fields_lists_the_names_used_once_in_order() -> None:
    compiled = compile_expression("IF(ISBLANK(a), [b c], a & d.label)")
    assert compiled.fields == ("a", "b c", "d.label")


def test_result_keeps_the_frame_index(frame: pd.DataFrame) -> None:
    shifted = frame.set_axis(range(100, 104))
    assert list(compile_expression("score > 1").evaluate(shifted).index) == [100, 101, 102, 103]


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("score >", "ends too early", 7),
        ("comment = 'x'", "double quotes", 10),
        ("a b", "unexpected 'b'", 2),
        ("score = 1 = 2", "unexpected '='", 10),
        ("FOO(1)", "unknown function FOO", 0),
        ("1 + LEFT(comment)", "LEFT takes 2", 4),
        ("TODAY(1)", "TODAY takes 0", 0),
        ("", "empty", 0),
    ],
)
def test_syntax_errors_point_at_the_position(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError, match=message) as caught:
        compile_expression(text)
    assert caught.value.position == position
    assert "^" in str(caught.value) or text == ""


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('score = "9"', "cannot compare a number with text", 6),
        ('comment + "x"', "joined with &", 8),
        ("score AND TRUE", "expected true/false", 0),
        ("when + 1", "DATEADD", 5),
        ('when > "soon"', "not a date", 7),
        ('choices = "a"', "CONTAINS", 8),
        ("score > NULL", "ISBLANK", 6),
        ('IF(flag, 1, "a")', "IF gives a number in one case and text", 0),
        ("LEFT(comment, score)", "must be a constant", 14),
        ('DATEADD(when, 1, "fortnight")', "unit must be one of", 17),
        ("ABS(comment)", "expected a number", 4),
        ("nope = 1", "unknown field 'nope'", 0),
    ],
)
def test_type_mismatches_say_what_to_do(
    text: str, message: str, position: int, frame: pd.DataFrame
) -> None:
    with pytest.raises(ExpressionError, match=message) as caught:
        run(text, frame)
    assert caught.value.position == position


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nests deeper"):
        compile_expression("+".join(["1"] * 5000))
    with pytest.raises(ExpressionError, match="nests deeper"):
        compile_expression("NOT " * 100 + "TRUE")
    assert compile_expression("(" * 200 + "1" + ")" * 200).fields == ()


def test_very_long_expressions_are_refused() -> None:
    with pytest.raises(ExpressionError, match="under 10000"):
        compile_expression("1" * 10_001)


def test_kind_type_checks_against_empty_columns(frame: pd.DataFrame) -> None:
    assert compile_expression("score > 1").kind(frame) == "bool"
    assert compile_expression("comment & 1").kind(frame) == "text"


@pytest.mark.parametrize(
    ("text", "sample", "answer"),
    [
        ("ISBLANK(LinkedTicketID)", {"LinkedTicketID": ""}, True),
        ("ISBLANK(LinkedTicketID)", {"LinkedTicketID": "T-1"}, False),
        ("score >= 9", {"score": "10"}, True),  # test boxes hold text
        ("score >= 9", {"score": 3}, False),
        ('zip = "01234"', {"zip": "01234"}, True),
        ('when > "2024-01-01"', {"when": "2024-02-01"}, True),
        ('CONTAINS(choices, "b")', {"choices": ["a", "b"]}, True),
        ("score > 1", {"score": None}, False),  # blank counts as false
        ("TRUE", {}, True),
    ],
)
def test_the_test_button(text: str, sample: dict, answer: bool) -> None:
    assert expressions.test(text, sample) is answer


def test_the_test_button_wants_true_or_false() -> None:
    with pytest.raises(ExpressionError, match="true or false"):
        expressions.test("score + 1", {"score": 1})
    with pytest.raises(UnknownFieldError):
        expressions.test("missing = 1", {"score": 1})


def test_every_function_the_parser_knows_has_an_implementation_and_back() -> None:
    from qinbound_nb.core.expressions.functions import FUNCTIONS, HANDLERS
    from qinbound_nb.core.expressions.signatures import ARITY

    assert set(HANDLERS) == set(ARITY) == set(FUNCTIONS)
