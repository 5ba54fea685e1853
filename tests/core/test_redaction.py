"""redact and redact_documents: order of the steps, masks, spans, counts, dtypes and nulls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinbound_nb.core.redaction.redact import RedactionRules, redact, redact_documents
from qinbound_nb.errors import ConfigError
from qinbound_nb.job import config
from qinbound_nb.job.rulesyntax import parse_redaction_rules, parse_substitution_rules


def make_rules(
    substitutions: str = "", redactions: str = "", pii: tuple[str, ...] = (), **kw: object
) -> RedactionRules:
    return RedactionRules(
        substitutions=tuple(parse_substitution_rules(substitutions)),
        redactions=tuple(parse_redaction_rules(redactions)),
        pii=pii,
        **kw,  # type: ignore[arg-type]
    )


def rebuild_input(output: str, spans: pd.DataFrame, original: str) -> str:
    """Put every replaced value back where its span says; must give the input again."""
    pieces, position = [], 0
    for span in spans.sort_values("start").itertuples():
        pieces.append(output[position : span.start])
        pieces.append(original[span.input_start : span.input_end])
        position = span.end
    pieces.append(output[position:])
    return "".join(pieces)


def test_substitutions_then_detectors_then_custom_patterns() -> None:
    rules = make_rules(
        substitutions="corroded virus : Coronavirus\nHelpdesk : Help desk",
        redactions=r"Ticket-\d+",
        pii=("email",),
        mask_style="typed",
    )
    text = "corroded virus! Helpdesk said mail a@b.com about Ticket-42"
    result = redact(pd.Series([text]), rules)
    assert result.text[0] == "Coronavirus! Help desk said mail [EMAIL] about [REDACTED]"
    assert list(result.spans["rule"]) == [
        "substitution:1",
        "substitution:2",
        "email",
        "redaction:1",
    ]
    assert result.counts == {"email": 1, "substitution:1": 1, "substitution:2": 1, "redaction:1": 1}


def test_substitutions_are_exact_whole_words_longest_first_and_not_repeated() -> None:
    rules = make_rules(substitutions="cat : dog\ncat food : kibble\ndog : wolf\nCAT : x")
    result = redact(pd.Series(["cat food for the cat, category Cat"]), rules)
    assert result.text[0] == "kibble for the dog, category Cat"


def test_a_later_step_leaves_earlier_replacements_whole() -> None:
    rules = make_rules(
        substitutions="Zoë : Zoe (reach her at zoe@example.com)",
        redactions="EMAIL\nreach her",
        pii=("email",),
        mask_style="typed",
    )
    result = redact(pd.Series(["Ask Zoë or bob@example.com"]), rules)
    # the email inside the substitution is left to it; a pattern that reaches into a
    # replacement swallows it instead of cutting it
    assert result.text[0] == "Ask Zoe (reach her at zoe@example.com) or [EMAIL]"
    swallowing = make_rules(redactions=r"Ask \S+ or", pii=("email",), mask_style="typed")
    result = redact(pd.Series(["Ask x@y.com or not"]), swallowing)
    assert result.text[0] == "[REDACTED] not"
    assert result.counts == {"email": 1, "redaction:1": 1}
    assert result.spans[["input_start", "input_end", "rule"]].values.tolist() == [
        [0, 14, "redaction:1"]
    ]


def test_overlapping_custom_patterns_merge_into_one_mask() -> None:
    rules = make_rules(redactions=r"secret \w+" + "\n" + r"\w+ code")
    result = redact(pd.Series(["my secret launch code is here"]), rules)
    assert result.text[0] == "my [REDACTED] is here"
    assert result.counts == {"redaction:1": 1, "redaction:2": 1}


def test_custom_patterns_see_each_row_alone() -> None:
    rules = make_rules(redactions=r"^\w+" + "\n" + r"\d+$")
    result = redact(pd.Series(["first word 12", "second 34", None, "x"]), rules)
    assert result.text.tolist()[:2] == ["[REDACTED] word [REDACTED]", "[REDACTED] [REDACTED]"]
    assert result.text.tolist()[3] == "[REDACTED]"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("fixed", "<gone> and <gone> and <gone>"),
        ("typed", "[EMAIL] and [SSN] and [REDACTED]"),
    ],
)
def test_mask_styles(style: str, expected: str) -> None:
    rules = make_rules(
        redactions="ORD-[0-9]+", pii=("email", "ssn"), mask="<gone>", mask_style=style
    )
    assert redact(pd.Series(["a@b.co and 123-45-6789 and ORD-9"]), rules).text[0] == expected


def test_hash_mask_needs_a_key_and_covers_custom_rules() -> None:
    with pytest.raises(ConfigError, match="hash_key"):
        make_rules(pii=("email",), mask_style="hash")
    rules = make_rules(redactions="ORD-[0-9]+", mask_style="hash", hash_key=b"k")
    out = redact(pd.Series(["ORD-1 ORD-1 ORD-2"]), rules).text[0]
    first, second, third = out.split(" ")
    assert first == second != third and first.startswith("[REDACTED:")


def test_spans_point_into_output_and_input_in_characters() -> None:
    rules = make_rules(substitutions="Zoë : Zoé Müller", pii=("email", "phone"), mask_style="typed")
    texts = pd.Series(["👍 Zoë wrote zoë@exämple.com — call (555) 123-4567 ✓"], index=["r1"])
    result = redact(texts, rules)
    output = result.text["r1"]
    assert output == "👍 Zoé Müller wrote [EMAIL] — call [PHONE] ✓"
    spans = result.spans
    assert list(spans["row"]) == ["r1"] * 3
    assert [output[s:e] for s, e in zip(spans.start, spans.end, strict=True)] == [
        "Zoé Müller",
        "[EMAIL]",
        "[PHONE]",
    ]
    original = texts["r1"]
    values = [original[s:e] for s, e in zip(spans.input_start, spans.input_end, strict=True)]
    assert values == ["Zoë", "zoë@exämple.com", "(555) 123-4567"]
    assert list(spans["length"]) == [3, 15, 14]
    assert list(spans["kind"]) == ["substitution", "email", "phone"]


def test_nulls_index_name_and_input_survive() -> None:
    texts = pd.Series(["a@b.com", None, "plain", ""], index=[7, 3, 9, 1], name="comment")
    before = texts.copy()
    result = redact(texts, make_rules(pii=("email",)))
    pd.testing.assert_series_equal(texts, before)
    assert result.text.name == "comment"
    assert list(result.text.index) == [7, 3, 9, 1]
    assert result.text.isna().tolist() == [False, True, False, False]
    assert result.text[7] == "[REDACTED]"
    assert result.spans["row"].tolist() == [7]


@pytest.mark.parametrize(
    "dtype",
    [pd.ArrowDtype(pa.large_string()), pd.ArrowDtype(pa.string()), "str", "string", object],
)
def test_text_stays_arrow_backed_and_keeps_its_string_dtype(dtype: object) -> None:
    texts = pd.Series(["x a@b.com", None], dtype=dtype)
    result = redact(texts, make_rules(pii=("email",)))
    assert result.text[0] == "x [REDACTED]"
    assert pd.isna(result.text[1])
    if dtype is not object and dtype != "string":
        assert result.text.dtype == texts.dtype
    assert "pyarrow" in str(result.text.dtype) or result.text.dtype.storage == "pyarrow"


def test_no_rules_and_empty_or_all_null_series() -> None:
    nothing = redact(pd.Series(["a@b.com"]), RedactionRules())
    assert nothing.text[0] == "a@b.com" and nothing.spans.empty and nothing.counts == {}
    empty = redact(pd.Series([], dtype="str"), make_rules(pii=("email",)))
    assert empty.text.empty and empty.counts == {"email": 0}
    nulls = redact(pd.Series([None, None], dtype="str"), make_rules(pii=("email",)))
    assert nulls.text.isna().all()


def test_non_text_columns_are_refused() -> None:
    with pytest.raises(ConfigError, match="not text"):
        redact(pd.Series([1.5, 2.0], name="score"), make_rules(pii=("email",)))


def test_redact_documents_redacts_chosen_fields_and_counts_per_field() -> None:
    documents = pd.DataFrame(
        {
            "natural_id": ["job;R_1", "job;R_2"],
            "comment": ["mail a@b.com", None],
            "other": ["call 555-123-4567", "b@c.org and d@e.net"],
            "score": [1.0, 2.0],
        },
        index=[10, 11],
    ).astype({"comment": pd.ArrowDtype(pa.large_string())})
    rules = make_rules(pii=("email", "phone"), mask_style="typed")
    result = redact_documents(documents, rules, ["comment", "other"])
    assert result.frame["comment"].tolist()[0] == "mail [EMAIL]"
    assert result.frame["other"].tolist() == ["call [PHONE]", "[EMAIL] and [EMAIL]"]
    assert result.frame["natural_id"].tolist() == ["job;R_1", "job;R_2"]
    assert documents.loc[10, "comment"] == "mail a@b.com"
    assert result.counts == {"email": 3, "phone": 1}
    assert result.counts_by_field == {
        "comment": {"email": 1, "phone": 0},
        "other": {"email": 2, "phone": 1},
    }
    assert result.spans[["field", "row", "rule"]].values.tolist() == [
        ["comment", 10, "email"],
        ["other", 10, "phone"],
        ["other", 11, "email"],
        ["other", 11, "email"],
    ]
    with pytest.raises(ConfigError, match="missing_field"):
        redact_documents(documents, rules, ["missing_field"])
    with pytest.raises(ConfigError, match="not text"):
        redact_documents(documents, rules, ["score"])
    nothing = redact_documents(documents, rules, [])
    assert nothing.spans.empty and list(nothing.spans.columns)[:2] == ["field", "row"]


def test_from_config_builds_the_jobs_rules() -> None:
    job_rules = config.Rules(
        pii=["ssn"], substitutions="a b : c", redactions=r"\bX\d+", mask_style="typed"
    )
    rules = RedactionRules.from_config(job_rules)
    result = redact(pd.Series(["a b 123-45-6789 X12"]), rules)
    assert result.text[0] == "c [SSN] [REDACTED]"


words = st.sampled_from(["hello", "Zoë", "😀", "a@b.com", "(555) 123-4567", "secret", "x", "日本"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, max_size=8).map(" ".join) | st.none(), max_size=6))
def test_spans_always_rebuild_the_input(rows: list[str | None]) -> None:
    rules = make_rules(
        substitutions="hello : hi there", redactions="sec", pii=("email", "phone"), mask="#"
    )
    texts = pd.Series(rows, dtype="str")
    result = redact(texts, rules)
    for label, original in texts.items():
        if pd.isna(original):
            assert pd.isna(result.text[label])
            continue
        spans = result.spans[result.spans["row"] == label]
        assert rebuild_input(result.text[label], spans, original) == original
        assert "a@b.com" not in result.text[label] and "123-4567" not in result.text[label]
    assert int(np.sum(list(result.counts.values()))) >= len(result.spans)


@pytest.mark.parametrize("mask", ["█▓", "", "[X]"])
def test_span_offsets_count_characters_around_non_ascii_replacements(mask: str) -> None:
    texts = [
        "Müller paid 4111 1111 1111 1111 at the café, ssn 123-45-6789 — merci Łukasz Kowalski",
        "the Straße: mail jan@example.com, then the Müller café",
        "日本 the end 😀 call +44 20 7946 0958",
    ]
    rules = make_rules(
        substitutions="Müller : Мюллер\nthe : ðe\ncafé : caf",
        pii=("email", "phone", "credit_card", "ssn", "person"),
        mask=mask,
    )
    result = redact(pd.Series(texts), rules)
    assert len(result.spans) >= 9
    for row, original in enumerate(texts):
        output = str(result.text[row])
        spans = result.spans[result.spans.row == row]
        assert rebuild_input(output, spans, original) == original
        for span in spans.itertuples():
            expected = {"Мюллер", "ðe", "caf"} if span.kind == "substitution" else {mask}
            assert output[span.start : span.end] in expected
