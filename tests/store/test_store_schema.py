"""Store layout helpers: safe identifiers and table names, type compatibility, and the
one-paragraph messages DuckDB errors become."""

from __future__ import annotations

import duckdb
import pytest

from qinbound_nb.errors import StoreError
from qinbound_nb.store.schema import (
    compatible,
    quote,
    table_name_for,
    translated_errors,
    type_conflict,
)


def test_identifiers_are_quoted_so_any_name_is_safe() -> None:
    connection = duckdb.connect()
    name = 'odd "name"; DROP TABLE x'
    connection.execute(f"CREATE TABLE t ({quote(name)} INTEGER)")
    assert connection.execute("SELECT name FROM pragma_table_info('t')").fetchall() == [(name,)]


def test_table_names_stay_unique_where_duckdb_ignores_case() -> None:
    assert table_name_for("Customer-Feedback", set()) == "project_customer_feedback"
    taken = {"project_customer_feedback", "project_customer_feedback_2"}
    assert table_name_for("customer_feedback", taken) == "project_customer_feedback_3"
    long_names = table_name_for("x" * 80, set()), table_name_for("x" * 81, {"project_" + "x" * 48})
    assert long_names == ("project_" + "x" * 48, "project_" + "x" * 48 + "_2")


@pytest.mark.parametrize(
    ("stored", "incoming", "expected"),
    [
        ("DOUBLE", "DOUBLE", True),
        ("DOUBLE", "BIGINT", True),
        ("VARCHAR", '"NULL"', True),
        ("DOUBLE", "VARCHAR", False),
        ("TIMESTAMP WITH TIME ZONE", "VARCHAR", False),
        ("BIGINT", "DOUBLE", False),
    ],
)
def test_compatible_types(stored: str, incoming: str, expected: bool) -> None:
    assert compatible(stored, incoming) is expected


def test_type_conflict_says_what_to_do() -> None:
    message = str(type_conflict("cf", "score", "DOUBLE", "VARCHAR"))
    assert "'cf'" in message and "'score'" in message and "Nothing was loaded" in message


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (
            duckdb.IOException(
                'Could not set lock on file "s.duckdb": Conflicting lock is '
                "held in /usr/bin/python3 (PID 4242)"
            ),
            "locked by another process (process 4242)",
        ),
        (
            duckdb.InvalidInputException(
                'Cannot execute statement of type "INSERT" on database '
                '"s" which is attached in read-only mode!'
            ),
            "is read-only",
        ),
        (duckdb.IOException("Could not write file: No space left on device"), "disk holding"),
        (duckdb.CatalogException("Table with name x does not exist!"), "rolled back"),
    ],
)
def test_duckdb_errors_become_one_paragraph_store_errors(
    raised: duckdb.Error, expected: str
) -> None:
    with pytest.raises(StoreError) as caught, translated_errors("s.duckdb", "load run r1"):
        raise raised
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.__cause__ is raised
