"""The one ValidationError formatter: field paths keep real field names and drop union tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinbound_nb import ConfigError, JobConfig
from qinbound_nb.cli.main import main
from qinbound_nb.job.config import Filter
from qinbound_nb.job.validation import field_path
from qinbound_nb.widgets.base import validated


def write_job(tmp_path: Path, minimal_job: dict, **sections: object) -> Path:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(minimal_job | sections), encoding="utf-8")
    return path


def load_problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        JobConfig.load(path)
    return str(caught.value)


def test_a_bad_filter_expression_is_reported_at_filter_expression(
    tmp_path: Path, minimal_job: dict
) -> None:
    # 'expression' is also a transform's tag; it used to be dropped here, leaving "filter:"
    path = write_job(tmp_path, minimal_job, filter={"expression": 42})
    message = load_problem(path)
    assert message == (f"{path} has 1 problem: filter.expression: Input should be a valid string.")


def test_qinbound_validate_names_filter_expression(
    tmp_path: Path, minimal_job: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_job(tmp_path, minimal_job, filter={"expression": 42})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "filter.expression: Input should be a valid string" in err
    assert "filter: " not in err


def test_a_transform_problem_drops_the_tag_and_keeps_the_field_names(
    tmp_path: Path, minimal_job: dict
) -> None:
    fields = [
        {"source": "QID1", "name": "score", "transform": {"kind": "expression", "expression": 7}},
        {"source": "QID2", "name": "region", "transform": {"kind": "lookup", "table": {"a": 1}}},
        {"source": "QID3", "name": "other", "transform": {"kind": "nope"}},
    ]
    message = load_problem(write_job(tmp_path, minimal_job, mapping={"fields": fields}))
    # pydantic's locations are mapping.fields.0.transform.expression.expression and
    # mapping.fields.1.transform.lookup.table.a: the tag goes, the field names stay
    assert "mapping.fields.0.transform.expression: Input should be a valid string" in message
    assert "mapping.fields.1.transform.table.a: Input should be a valid string" in message
    assert "transform.expression.expression" not in message
    assert "transform.lookup" not in message
    assert (
        "mapping.fields.2.transform: Input tag 'nope' found using 'kind' does not match any of "
        "the expected tags: 'lookup', 'regex', 'expression'" in message
    )


def test_a_source_problem_drops_the_source_type_tag(tmp_path: Path, minimal_job: dict) -> None:
    source = {"type": "survey", "survey_id": 5}
    message = load_problem(write_job(tmp_path, minimal_job, source=source))
    assert "source.survey_id: Input should be a valid string" in message
    assert "source.survey." not in message


def test_a_plain_union_drops_the_member_names_pydantic_adds(
    tmp_path: Path, minimal_job: dict
) -> None:
    path = write_job(tmp_path, minimal_job, filter={"record_limit": 0}, rules={"apply_to": 3})
    message = load_problem(path)
    assert "filter.record_limit: Input should be 'all'" in message
    assert "filter.record_limit: Input should be greater than 0" in message
    assert "rules.apply_to: Input should be 'verbatims'" in message
    assert "literal[" not in message and "list[str]" not in message and "enum[" not in message


def test_field_path_walks_models_lists_and_dicts() -> None:
    assert field_path(("source", "orm", "idp_source_id"), JobConfig) == "source.idp_source_id"
    assert field_path(("schedule", "days", 2), JobConfig) == "schedule.days.2"
    location = ("mapping", "fields", 3, "transform", "lookup", "table", "key")
    assert field_path(location, JobConfig) == "mapping.fields.3.transform.table.key"
    assert field_path(("filter", "expression"), JobConfig) == "filter.expression"
    assert field_path((), JobConfig) == ""


def test_the_wizard_reads_the_same_paths() -> None:
    checked = validated(Filter, {"expression": 42, "record_limit": -1}, prefix="filter.")
    assert checked.model is None
    assert checked.problems == {
        "filter.expression": "Input should be a valid string",
        "filter.record_limit": "Input should be 'all'",
    }
