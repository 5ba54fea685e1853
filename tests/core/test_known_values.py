"""The respondent's own details (``rules.known_values``): exact, per row, whole word, any case."""

from __future__ import annotations

import pandas as pd
import pytest

from qinbound_nb import RedactionRules, redact
from qinbound_nb.core.redaction import known
from qinbound_nb.job.config import KNOWN_VALUE_FIELDS, Rules

INDEX = pd.Index([7, 8, 9])
OWN = pd.DataFrame(
    {
        "RecipientFirstName": ["Xanthe", None, "Bo"],
        "RecipientLastName": ["Vorster", "Quist", ""],
        "RecipientEmail": ["xv@example.org", "", None],
        "ExternalReference": ["CRM-4471", "CRM-9", None],
    },
    index=INDEX,
)


def test_each_row_loses_only_its_own_values() -> None:
    texts = pd.Series(
        ["xanthe VORSTER here, mail xv@example.org (CRM-4471)", "Xanthe Vorster is not me", "Bob"],
        index=INDEX,
    )
    result = redact(texts, RedactionRules(mask_style="typed"), OWN)
    assert result.text.tolist() == [
        "[PERSON] [PERSON] here, mail [EMAIL] ([REDACTED])",
        "Xanthe Vorster is not me",
        "Bob",
    ]
    assert result.counts == {"known_value": 4}
    assert set(result.spans["kind"]) == {"known_value"}


def test_whole_words_only() -> None:
    texts = pd.Series(["Xanthes and Vorsterberg", "Quisting", ""], index=INDEX)
    assert redact(texts, RedactionRules(), OWN).text.tolist() == texts.tolist()


def test_known_values_join_the_detectors_and_patterns() -> None:
    rules = RedactionRules(pii=("email",), mask="***", redactions=())
    texts = pd.Series(["Vorster, other@x.com", "by Quist", None], index=INDEX)
    result = redact(texts, rules, OWN)
    assert result.text[7] == "***, ***" and result.text[8] == "by ***"
    assert pd.isna(result.text[9])
    assert result.counts == {"email": 1, "known_value": 2}


def test_field_names_choose_the_token_kind() -> None:
    assert [known.kind_of(name) for name in KNOWN_VALUE_FIELDS] == [
        "person",
        "person",
        "email",
        "redacted",
    ]


def test_the_job_lists_the_recipient_fields_by_default_and_takes_embedded_data() -> None:
    assert Rules().known_values == list(KNOWN_VALUE_FIELDS)
    assert Rules(known_values=["LoyaltyId"]).known_values == ["LoyaltyId"]
    with pytest.raises(ValueError):
        Rules(known_values=[""])
