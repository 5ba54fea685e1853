"""Every error a user can trigger reads as plain words: what is wrong and what to do.
One test per message family of the issue."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qinbound_nb.core.expressions.syntax import parse_expression
from qinbound_nb.errors import ConfigError, ExpressionError
from qinbound_nb.job.config import Connection, JobConfig, Mapping
from qinbound_nb.job.rulesyntax import commented_patterns

from .conftest import walk_to
from .test_steps import error_of, row_for


def test_names_say_what_they_may_hold_not_a_regex(make_wizard) -> None:
    with pytest.raises(ValidationError) as caught:
        Connection(name="my conn", datacenter="iad1")
    message = str(caught.value)
    assert "connection name 'my conn' must start with a letter" in message
    assert "should match pattern" not in message
    wizard = make_wizard()
    walk_to(wizard, "connection")
    step = wizard.current
    step.mode.value = "new"
    step.new_name.value = "my conn"
    step.reveal()
    assert "no spaces" in " ".join(step.value)
    assert "^[A-Za-z]" not in " ".join(step.value)
    with pytest.raises(ConfigError, match="IDP source id 'a b' may use only"):
        JobConfig.from_dict(
            {
                "name": "x",
                "project": "p",
                "connection": "c",
                "source": {"type": "orm", "idp_source_id": "a b"},
            }
        )


def test_a_rows_error_has_no_developer_prefix_and_single_backslashes(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "mapping")
    step = wizard.current
    row = row_for(step, "QID4_1")
    row.transform.value = "regex"
    row.pattern.value = "(\\d"
    message = error_of(step, row)
    assert message.startswith("regular expression '(\\d' does not compile")
    assert "transform.pattern" not in message and "\\\\" not in message


def test_a_taken_attribute_name_names_the_field_that_has_it(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "mapping")
    step = wizard.current
    taken = row_for(step, "QID1").attribute.value
    row = row_for(step, "QID4_2")
    row.attribute.value = taken
    message = error_of(step, row)
    assert f"'{taken}' is already taken by field QID1; give QID4_2 another name" in message
    with pytest.raises(ValidationError, match="already taken by a default field"):
        Mapping(fields=[{"source": "QID9", "name": "Source"}])


def test_a_keyword_where_a_value_belongs_is_not_called_a_field() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("nps_score >= AND")
    assert "AND joins two conditions, but a value or field is missing before it" in str(
        caught.value
    )
    assert "unknown field" not in str(caught.value)
    assert parse_expression("[and] = 1").children[0].value == "and"  # bracketed: a field


def test_the_filter_placeholder_is_a_valid_filter_for_this_job(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "filter")
    step = wizard.current
    example = step.expression.placeholder.removeprefix("e.g. ").split("  (")[0]
    assert "main_reason_score" in example  # the job's own verbatim
    step.expression.value = example
    assert step.valid, step.value
    step.expression.value = "nps_score > 6"
    step.reveal()
    assert "'nps_score' is not a field of this job" in step.error_for("expression")


def test_review_counts_the_fields_not_loaded_and_names_the_survey(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    wizard.current.reload_button.click()
    walk_to(wizard, "review")
    sections = {section.step: dict(section.rows) for section in wizard.sections()}
    mapping = wizard.step("mapping")
    loaded = sum(1 for row in mapping.rows if row.include.value)
    assert sections["mapping"]["Not loaded"] == f"{len(mapping.rows) - loaded} fields"
    assert sections["source"]["Survey"] == "Customer NPS (demo) (SV_1NpsDemoSurvey1)"


def test_a_hash_line_that_looks_like_a_pattern_gets_a_warning(make_wizard) -> None:
    assert commented_patterns("# plain comment\n#A-\\d{6}\n\\d+") == [(2, "#A-\\d{6}")]
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    step.redactions.value = "# card numbers\n#A-\\d{6}"
    notes = step.redaction_notes.value
    assert "line 2: &#x27;#A-\\d{6}&#x27; starts with &#x27;#&#x27;, so it is a comment" in notes
    assert "[#]A-\\d{6}" in notes
    assert step.valid  # a warning, not an error
    step.redactions.value = "# card numbers"
    assert step.redaction_notes.value == ""
