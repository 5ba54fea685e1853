"""Substitution lines whose phrase holds colons: the separator rule and its warning."""

from __future__ import annotations

import pandas as pd
import pytest

from qinbound_nb import JobConfig, RedactionRules, redact
from qinbound_nb.job.rulesyntax import (
    commented_patterns,
    parse_redaction_rules,
    parse_substitution_rules,
    rule_template,
    substitution_warnings,
)


def _substitute(rules_text: str, text: str) -> str:
    return _redact(rules_text, "", text)


def _redact(substitutions: str, redactions: str, text: str) -> str:
    job = JobConfig.model_validate(
        {
            "name": "colons",
            "project": "p",
            "connection": "sandbox",
            "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
            "rules": {"substitutions": substitutions, "redactions": redactions},
        }
    )
    rules = RedactionRules.from_config(job.rules, hash_key=b"k")
    return str(redact(pd.Series([text]), rules).text[0])


def test_a_spaced_colon_separates_a_phrase_that_holds_colons() -> None:
    assert _substitute("10:30 am : half past ten", "Meeting at 10:30 am") == (
        "Meeting at half past ten"
    )


def test_an_escaped_colon_stays_inside_the_phrase() -> None:
    assert _substitute("10\\:30 am:half past ten", "Meeting at 10:30 am") == (
        "Meeting at half past ten"
    )


def test_a_plain_line_splits_at_its_one_colon() -> None:
    [rule] = parse_substitution_rules("corroded virus: Coronavirus")
    assert (rule.phrase, rule.replacement, rule.ambiguous) == (
        "corroded virus",
        "Coronavirus",
        False,
    )
    assert rule.warning() is None


@pytest.mark.parametrize(
    ("line", "phrase", "replacement"),
    [("a:b:c", "a", "b:c"), ("x : y : z", "x", "y : z")],
)
def test_a_line_that_stays_ambiguous_is_split_at_the_first_and_warned(
    line: str, phrase: str, replacement: str
) -> None:
    [rule] = parse_substitution_rules(line, source="subs.txt")
    assert (rule.phrase, rule.replacement, rule.ambiguous) == (phrase, replacement, True)
    warning = rule.warning("subs.txt")
    assert warning is not None
    assert warning.startswith("subs.txt, line 1: more than one ':'")
    assert "' : '" in warning and "'\\:'" in warning


def test_the_shipped_templates_parse_without_warnings_and_show_every_syntax_rule() -> None:
    substitutions = rule_template("substitutions")
    rules = parse_substitution_rules(substitutions, source="substitutions.txt")
    pairs = {(rule.phrase, rule.replacement) for rule in rules}
    assert {("10:30 am", "half past ten"), ("w:o", "without"), ("colour", "color")} <= pairs
    assert substitution_warnings(substitutions) == []
    redactions = rule_template("redactions")
    assert len(parse_redaction_rules(redactions, source="redactions.txt")) == 4
    assert commented_patterns(redactions) == []  # no comment line reads as a lost pattern


def test_the_templates_work_as_a_job_s_rules() -> None:
    text = "Meeting at 10:30 am w:o ticket #A123456, SSN 123-45-6789, MBR98765."
    masked = _redact(rule_template("substitutions"), rule_template("redactions"), text)
    assert masked == (
        "Meeting at half past ten without ticket [REDACTED], SSN [REDACTED], [REDACTED]."
    )
