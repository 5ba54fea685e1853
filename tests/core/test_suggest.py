"""Suggested mappings: valid, unique attribute names and sensible types."""

from __future__ import annotations

from qinbound_nb.core.suggest import QuestionInfo, suggest_mapping
from qinbound_nb.job.config import Mapping, check_attribute_name

QUESTIONS = [
    QuestionInfo(
        "QID18", "On a scale from 0-10, how likely are you to recommend us?", "NPS", "NPS"
    ),
    QuestionInfo("QID34_TEXT", "Please explain your answer.", "TE", "ML"),
    QuestionInfo("QID35_TEXT", "Please explain your answer.", "TE", "ESTB"),
    QuestionInfo("QID1", "Comment", "TE", "SL"),
    QuestionInfo("QID2", "<b>Which</b> team?", "MC", "SAVR"),
    QuestionInfo("QID3", "Welcome to the survey", "DB", "TB"),
    QuestionInfo("QID4", "", "MC", "MAVR", export_tag="Q3.8"),
    QuestionInfo("QID5", "2024 plans", "Slider", "HSLIDER"),
    QuestionInfo("QID6", "Source", "MC", "SAVR"),
    QuestionInfo("QID7", "sc_score", "MC", "SAVR"),
    QuestionInfo("QID8", "Your address", "TE", "FORM"),
]


def test_names_pass_xm_discover_rules_and_are_unique() -> None:
    fields = suggest_mapping(QUESTIONS)
    names = [field.name for field in fields]
    for name in names:
        assert name is not None and check_attribute_name(name) == name
    assert len({name.lower() for name in names if name}) == len(names)
    Mapping(fields=fields)  # the job model accepts the suggestion as is


def test_names_read_well() -> None:
    names = {field.source: field.name for field in suggest_mapping(QUESTIONS)}
    assert names["QID18"] == "scale_0_10_likely"
    assert names["QID34_TEXT"] == "explain_answer"
    assert names["QID35_TEXT"] == "explain_answer_2"  # clash settled with a suffix
    assert names["QID1"] == "Comment_q"  # COMMENT is reserved
    assert names["QID2"] == "team"  # HTML dropped
    assert names["QID4"] == "Q3_8"  # no text: the export tag
    assert names["QID5"] == "q_2024_plans"  # must start with a letter
    assert names["QID6"] == "Source_2"  # default field 'source' is taken
    assert names["QID7"] == "q_sc_score"  # SC_ prefix is reserved


def test_types_follow_the_question_kind() -> None:
    types = {field.source: field.type for field in suggest_mapping(QUESTIONS)}
    assert types["QID34_TEXT"] == "verbatim" and types["QID1"] == "verbatim"
    assert types["QID18"] == "number" and types["QID5"] == "number"
    assert types["QID2"] == "text" and types["QID4"] == "text"
    assert types["QID8"] == "text"
    assert "QID3" not in types  # descriptive text carries no answer


def test_long_single_words_are_cut_to_21() -> None:
    fields = suggest_mapping([QuestionInfo("QID9", "Supercalifragilisticexpialidocious", "TE")])
    assert fields[0].name == "Supercalifragilistice"


def test_a_qualtrics_nps_question_is_a_number() -> None:
    # Qualtrics reports NPS questions as type MC with selector NPS
    fields = suggest_mapping([QuestionInfo("QID1", "How likely to recommend?", "MC", "NPS")])
    assert fields[0].type == "number"
