"""One vocabulary: the JSON schema, the wizard's choices and the CLI's choices come from vocab."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.cli.main import build_parser, main
from qinbound_nb.job import vocab
from qinbound_nb.job.vocab import (
    ApplyTo,
    DateField,
    DuplicateMode,
    FeedbackFormat,
    FieldType,
    FilterAction,
    Frequency,
    MaskStyle,
    NotifyEvent,
    PiiKind,
    PreviewOutcome,
    ScheduleKind,
    SourceType,
    TransformKind,
    Weekday,
    Word,
)
from qinbound_nb.widgets.steps.mapping_rows import NO_TRANSFORM, FieldRow
from qinbound_nb.widgets.steps.rules import CHOSEN
from qinbound_nb.widgets.steps.source import MODELS
from qinbound_nb.widgets.tasks import SynchronousExecutor
from qinbound_nb.widgets.wizard import Wizard

WORDS = [
    member
    for _, member in inspect.getmembers(vocab, inspect.isclass)
    if issubclass(member, Word) and member is not Word
]


def words(enum: type[StrEnum]) -> set[str]:
    return {member.value for member in enum}


def schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON schema, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_nodes(value)


def option_values(widget: W.Widget) -> list[Any]:
    """The values a selection widget offers (its options are ``(label, value)`` pairs)."""
    return [value for _label, value in widget.options]


# -- the JSON schema ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return JobConfig.model_json_schema()


@pytest.mark.parametrize(
    "enum",
    [
        PiiKind,
        MaskStyle,
        ApplyTo,
        FieldType,
        FilterAction,
        NotifyEvent,
        ScheduleKind,
        Frequency,
        Weekday,
        DuplicateMode,
    ],
)
def test_the_schema_lists_each_word_set_of_the_vocabulary(
    schema: dict[str, Any], enum: type[StrEnum]
) -> None:
    assert schema["$defs"][enum.__name__]["enum"] == [member.value for member in enum]


def test_every_enum_in_the_schema_is_a_vocabulary_word_set(schema: dict[str, Any]) -> None:
    listed = [node["enum"] for node in schema_nodes(schema) if "enum" in node]
    assert listed, "the schema lists no enums at all"
    for values in listed:
        assert any(values == [m.value for m in enum] for enum in WORDS), values


def test_the_tagged_unions_are_keyed_by_the_vocabulary(schema: dict[str, Any]) -> None:
    tags = [set(node["mapping"]) for node in schema_nodes(schema) if "propertyName" in node]
    assert sorted(tags, key=sorted) == sorted([words(SourceType), words(TransformKind)], key=sorted)


def test_the_printed_schema_is_the_models_schema(
    schema: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema


def test_job_files_keep_plain_words(minimal_job: dict) -> None:
    data = minimal_job | {
        "duplicates": "update",
        "rules": {"pii": ["ssn", "email"], "mask_style": "typed"},
        "schedule": {"kind": "recurring", "frequency": "weekly", "days": ["fri", "mon"]},
        "notifications": {"on": ["warning"]},
    }
    job = JobConfig.from_dict(data)
    assert job.duplicates == DuplicateMode.UPDATE and type(job.duplicates) is str
    assert job.schedule.days == [Weekday.MON, Weekday.FRI]
    dumped = job.model_dump(mode="json")
    assert json.loads(json.dumps(dumped)) == dumped
    plain = [value for value in _leaves(dumped) if isinstance(value, str)]
    assert plain and all(type(value) is str for value in plain)
    assert dumped["rules"]["pii"] == ["ssn", "email"]
    assert dumped["schedule"]["days"] == ["mon", "fri"]


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


# -- the wizard's choices -------------------------------------------------------------------------
@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[Wizard]:
    made = Wizard(jobs_dir=tmp_path, executor=SynchronousExecutor())
    yield made
    made.close()


def test_the_wizard_offers_the_vocabulary(wizard: Wizard) -> None:
    data_type = wizard.step("data_type")
    rules = wizard.step("rules")
    schedule = wizard.step("schedule")
    offered = {
        "data type": (option_values(data_type.data_type), SourceType),
        "source models": (list(MODELS), SourceType),
        "pii toggles": (list(rules.pii), PiiKind),
        "mask style": (option_values(rules.mask_style), MaskStyle),
        "duplicates": (option_values(wizard.step("duplicates").mode), DuplicateMode),
        "filter action": (option_values(wizard.step("filter").action), FilterAction),
        "notify on": (list(wizard.step("notifications").events), NotifyEvent),
        "schedule kind": (option_values(schedule.kind), ScheduleKind),
        "frequency": (option_values(schedule.frequency), Frequency),
        "weekdays": (list(schedule.days), Weekday),
    }
    for what, (values, enum) in offered.items():
        assert len(values) == len(set(values)), what
        assert set(values) == words(enum), what


def test_the_wizard_adds_only_its_own_non_values_to_the_vocabulary(wizard: Wizard) -> None:
    apply_to = option_values(wizard.step("rules").apply_to)
    assert set(apply_to) == words(ApplyTo) | {CHOSEN}
    row = FieldRow("QID1")
    # "skip" is the row's Load checkbox; "none" means no transformation
    assert set(option_values(row.type)) == words(FieldType) - {FieldType.SKIP}
    assert set(option_values(row.transform)) == words(TransformKind) | {NO_TRANSFORM}
    assert set(row.editors) == words(TransformKind)
    document_dates = wizard.step("mapping").document_date.options
    assert list(document_dates) == list(DateField)


# -- the CLI's choices ----------------------------------------------------------------------------
def cli_choices(parser: argparse.ArgumentParser) -> Iterator[tuple[str, list[Any]]]:
    """(option, choices) for every argument of every command that restricts its choices."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from cli_choices(command)
        elif action.choices is not None:
            yield "/".join(action.option_strings) or action.dest, list(action.choices)


def test_the_cli_offers_the_vocabulary() -> None:
    choices = dict(cli_choices(build_parser()))
    assert set(choices["--xm-format"]) == words(FeedbackFormat)
    for option, values in choices.items():
        assert any(set(values) == words(enum) for enum in WORDS), option


# -- the preview's aliases ------------------------------------------------------------------------
def test_each_duplicate_mode_has_its_preview_badge() -> None:
    badges = {mode: PreviewOutcome.for_duplicate(mode) for mode in DuplicateMode}
    assert badges == {
        DuplicateMode.REPLACE: PreviewOutcome.REPLACES,
        DuplicateMode.SKIP: PreviewOutcome.SKIPPED,
        DuplicateMode.UPDATE: PreviewOutcome.UPDATES,
    }
    assert PreviewOutcome.for_duplicate("replace") == "replaces"


def test_a_word_reads_as_its_string() -> None:
    assert repr(DuplicateMode.SKIP) == "'skip'"
    assert f"{PiiKind.CREDIT_CARD}" == "credit_card"
    assert DuplicateMode("skip") is DuplicateMode.SKIP


# -- defined once ---------------------------------------------------------------------------------
PACKAGE = Path(vocab.__file__).parents[1]


def spelled_out_sets(tree: ast.AST) -> Iterator[tuple[int, set[str]]]:
    """(line, words) for each tuple, list, set or dict literal made only of string constants."""
    for node in ast.walk(tree):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if not isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict) or not items:
            continue
        if all(isinstance(item, ast.Constant) and isinstance(item.value, str) for item in items):
            yield node.lineno, {item.value for item in items}  # type: ignore[union-attr]


def test_no_module_spells_out_a_word_set_of_the_vocabulary_again() -> None:
    sets = {frozenset(words(enum)): enum.__name__ for enum in WORDS if len(enum) > 1}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocab.py":
            continue
        for line, spelled in spelled_out_sets(ast.parse(path.read_text(encoding="utf-8"))):
            if frozenset(spelled) in sets:
                found.append(f"{path.relative_to(PACKAGE)}:{line} {sets[frozenset(spelled)]}")
    assert found == []
