"""Rule files in XM Discover's formats: loading, and errors that name the file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb.core.redaction.redact import RedactionRules, redact
from qinbound_nb.errors import ConfigError, RuleError
from qinbound_nb.job.rulesyntax import MAX_PATTERN_LENGTH, RedactionPattern, check_pattern

FIXTURES = Path(__file__).parents[1] / "fixtures" / "redaction"


def test_rule_files_load_with_comments_and_blank_lines(tmp_path: Path) -> None:
    substitutions = tmp_path / "substitutions.txt"
    substitutions.write_text("# substitution rules\n\ncorroded virus: Coronavirus\n")
    redactions = tmp_path / "redactions.txt"
    redactions.write_text("# redaction rules\n\\d{3}-\\d{2}-\\d{4}\n")
    rules = RedactionRules.from_files(substitutions, redactions, pii=["email"])
    result = redact(pd.Series(["corroded virus 000-12-3456 a@b.com"]), rules)
    assert result.text[0] == "Coronavirus [REDACTED] [REDACTED]"
    assert set(result.counts) == {"email", "substitution:3", "redaction:2"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("foo(?!bar)", "negative lookaheads"),
        ("(?<=\\$)\\d+", "lookbehinds"),
        ("(a)\\1", "backreferences"),
        ("end\\Z", "write '\\z'"),
        ("[unclosed", "does not compile with RE2: missing ]"),
        ("a{1001}", "invalid repetition size"),
        ("(\\w{1,100}){1,100}", "invalid repetition size"),
        ("[\\p{L}\\p{N}]{1,1000}", "does not compile with RE2"),
        ("\\d*", "matches empty text"),
        ("x" * (MAX_PATTERN_LENGTH + 1), "characters"),
    ],
)
def test_bad_patterns_name_file_line_and_reason(tmp_path: Path, line: str, reason: str) -> None:
    redactions = tmp_path / "redactions.txt"
    redactions.write_text(f"# rules\nok\\d+\n{line}\n")
    with pytest.raises(RuleError) as caught:
        RedactionRules.from_files(None, redactions)
    message = str(caught.value)
    assert message.startswith(f"{redactions}, line 3: ")
    assert reason in message
    assert caught.value.line == 3


def test_bad_substitution_line_is_named(tmp_path: Path) -> None:
    substitutions = tmp_path / "subs.txt"
    substitutions.write_text("a : b\nno colon here\n")
    with pytest.raises(RuleError, match=r"subs.txt, line 2: 'no colon here' has no ':'"):
        RedactionRules.from_files(substitutions)


def test_unreadable_files_are_rule_errors(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="does not exist"):
        RedactionRules.from_files(tmp_path / "missing.txt")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 : coffee\n".encode("latin-1"))
    with pytest.raises(RuleError, match="not UTF-8"):
        RedactionRules.from_files(latin1)


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown PII kind"):
        RedactionRules(pii=("passport",))
    with pytest.raises(ConfigError, match="mask_style"):
        RedactionRules(mask_style="blur")  # type: ignore[arg-type]
    assert "hash_key" not in repr(RedactionRules(mask_style="hash", hash_key=b"s3cret"))


@pytest.mark.parametrize(
    ("pattern", "text", "masked"),
    [
        ("(?i)acme", "Acme and ACME", "[REDACTED] and [REDACTED]"),
        ("\\bORD-\\d{4,8}\\b", "ORD-12345 not XORD-12345", "[REDACTED] not XORD-12345"),
        ("(?P<id>[A-Z]{2}\\d+)", "ticket AB123", "ticket [REDACTED]"),
        ("caf\\x{e9}", "un café", "un [REDACTED]"),
        ("\\pL+", "été 42", "[REDACTED] 42"),
    ],
)
def test_patterns_that_re2_runs_are_accepted_and_mask_their_matches(
    pattern: str, text: str, masked: str
) -> None:
    check_pattern(pattern)  # RuleError if refused
    rules = RedactionRules(redactions=(RedactionPattern(pattern, line=1),))
    result = redact(pd.Series([text], dtype="string"), rules)
    assert result.text.tolist() == [masked]
    assert dict(result.counts) == {"redaction:1": masked.count("[REDACTED]")}
