"""RedactionRules: the substitutions, detectors, custom patterns and mask a redaction runs with.

Built from a job's :class:`qinbound_nb.job.config.Rules` or from XM Discover rule files; checked
when built (errors name the file and line), compiled once on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from qinbound_nb.errors import ConfigError, RuleError
from qinbound_nb.job import config
from qinbound_nb.job.rulesyntax import (
    RedactionPattern,
    Substitution,
    check_pattern,
    compile_re2,
    parse_redaction_rules,
    parse_substitution_rules,
)
from qinbound_nb.job.vocab import MaskStyle, PiiKind

_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
KNOWN_VALUE_RULE = "known_value"  # the rule name of the row's own details (see known.py)


@dataclass(frozen=True)
class RedactionRules:
    """What to replace and how to mask it.

    Attributes:
        substitutions: exact, case-sensitive phrases and their replacements.
        redactions: custom regular expressions (RE2) whose matches are masked.
        pii: built-in detectors to run: ``email``, ``phone``, ``credit_card``, ``ssn``, ``ip``.
        mask: the token for ``mask_style="fixed"``.
        mask_style: ``fixed`` (``mask``), ``typed`` (``[EMAIL]``...; custom rules ``[REDACTED]``)
            or ``hash`` (``[EMAIL:3f2a9c1b04de]``, HMAC-SHA256 with ``hash_key``, stable across
            runs so repeat contacts can be counted without being seen).
        hash_key: the per-project HMAC key, required for ``hash``; never printed.
        ner_model: an installed spaCy pipeline (package name or folder) whose PERSON and LOC
            entities join the ``person`` and ``address`` detectors; optional.
    """

    substitutions: tuple[Substitution, ...] = ()
    redactions: tuple[RedactionPattern, ...] = ()
    pii: tuple[PiiKind, ...] = ()
    mask: str = "[REDACTED]"
    mask_style: MaskStyle = MaskStyle.FIXED
    hash_key: bytes | None = field(default=None, repr=False)
    ner_model: str | None = None

    def __post_init__(self) -> None:
        if self.ner_model:
            from qinbound_nb.core.redaction.pii_ner import check_model

            check_model(self.ner_model)
        object.__setattr__(self, "substitutions", tuple(self.substitutions))
        object.__setattr__(self, "redactions", tuple(self.redactions))
        object.__setattr__(self, "pii", tuple(dict.fromkeys(self.pii)))
        unknown = [kind for kind in self.pii if kind not in tuple(PiiKind)]
        if unknown:
            raise ConfigError(f"unknown PII kind(s) {unknown}; choose from {', '.join(PiiKind)}")
        object.__setattr__(self, "pii", tuple(PiiKind(kind) for kind in self.pii))
        if self.mask_style not in tuple(MaskStyle):
            raise ConfigError(f"mask_style {self.mask_style!r} must be fixed, typed or hash")
        object.__setattr__(self, "mask_style", MaskStyle(self.mask_style))
        if self.mask_style == MaskStyle.HASH and not self.hash_key:
            raise ConfigError(
                "mask_style 'hash' needs the project's secret hash_key (bytes), so that the "
                "same value gets the same token in every run; pass hash_key=..."
            )
        for rule in self.redactions:
            check_pattern(rule.pattern, source="redaction rules", line=rule.line)

    @classmethod
    def from_config(cls, rules: config.Rules, *, hash_key: bytes | None = None) -> RedactionRules:
        """The rules of a job (``job.rules``)."""
        return cls(
            substitutions=tuple(
                parse_substitution_rules(rules.substitutions, source="substitution rules")
            ),
            redactions=tuple(parse_redaction_rules(rules.redactions, source="redaction rules")),
            pii=tuple(rules.pii),
            mask=rules.mask,
            mask_style=rules.mask_style,
            hash_key=hash_key,
            ner_model=rules.ner_model,
        )

    @classmethod
    def from_files(
        cls, substitutions: Path | None = None, redactions: Path | None = None, **kw: Any
    ) -> RedactionRules:
        """Rules from XM Discover's TXT files; other settings (``pii``, ``mask``...) by keyword."""
        return cls(
            substitutions=tuple(
                parse_substitution_rules(_read(substitutions), source=str(substitutions))
                if substitutions
                else ()
            ),
            redactions=tuple(
                parse_redaction_rules(_read(redactions), source=str(redactions))
                if redactions
                else ()
            ),
            **kw,
        )

    @property
    def active(self) -> bool:
        """True when any rule or detector would change text."""
        return bool(self.substitutions or self.redactions or self.pii)

    @cached_property
    def rule_names(self) -> list[str]:
        """Every rule's name; a rule's position here is its code in spans and counts."""
        return [
            *self.pii,
            *(f"substitution:{rule.line}" for rule in self.substitutions),
            *(f"redaction:{rule.line}" for rule in self.redactions),
            KNOWN_VALUE_RULE,  # the respondent's own details (:mod:`.known`)
        ]

    @property
    def known_code(self) -> int:
        """The rule code of known-value hits (the last rule)."""
        return len(self.rule_names) - 1

    @cached_property
    def substitution_pattern(self) -> str | None:
        """One RE2 alternation of every phrase, longest first, whole words at word edges."""
        if not self.substitutions:
            return None
        phrases = sorted(self.substitution_table, key=lambda phrase: -len(phrase))
        return "|".join(_whole(phrase.decode()) for phrase in phrases)

    @cached_property
    def substitution_table(self) -> dict[bytes, tuple[int, bytes]]:
        """Phrase bytes -> (rule code, replacement bytes); the first rule for a phrase wins."""
        table: dict[bytes, tuple[int, bytes]] = {}
        for offset, rule in enumerate(self.substitutions):
            code = len(self.pii) + offset
            table.setdefault(rule.phrase.encode(), (code, rule.replacement.encode()))
        return table

    @cached_property
    def substitution_regex(self) -> Any:
        """The compiled :attr:`substitution_pattern` (RE2, UTF-8)."""
        return compile_re2(self.substitution_pattern or "$^", source="substitution rules")

    def custom_token(self, value: bytes) -> bytes:
        """What replaces a custom redaction's match under this mask style."""
        if self.mask_style == MaskStyle.FIXED:
            return self.mask.encode()
        # the detectors (numpy) load when text is redacted, not when rules are checked
        from qinbound_nb.core.redaction.pii import pii_token

        return pii_token("redacted", value, self.mask_style, self.mask, self.hash_key).encode()

    @cached_property
    def custom(self) -> list[tuple[int, str, Any]]:
        """(rule code, pattern, compiled RE2) for each custom redaction."""
        first = len(self.pii) + len(self.substitutions)
        return [
            (first + offset, rule.pattern, compile_re2(rule.pattern, line=rule.line))
            for offset, rule in enumerate(self.redactions)
        ]

    @cached_property
    def prefilters(self) -> list[str]:
        """Per-row RE2 patterns; a row that matches none of them is left alone."""
        from qinbound_nb.core.redaction.pii_patterns import PREFILTERS

        patterns = [PREFILTERS[kind] for kind in self.pii]
        if self.ner_model and {"person", "address"} & set(self.pii):
            patterns.append(r"\p{Lu}")  # the model may find a name anywhere
        if self.substitution_pattern:
            patterns.append(self.substitution_pattern)
        patterns.extend(rule.pattern for rule in self.redactions)
        return list(dict.fromkeys(patterns))


def check_fields(columns: Sequence[str], fields: Sequence[str]) -> None:
    """Raise ConfigError when a field to redact is not a document column."""
    missing = [name for name in fields if name not in columns]
    if missing:
        raise ConfigError(
            f"rules.apply_to names {missing}, which the documents do not have; "
            f"choose among {', '.join(map(str, columns))}"
        )


def _whole(phrase: str) -> str:
    import re2

    escaped = re2.escape(phrase)
    left = r"\b" if phrase[0] in _WORD else ""
    right = r"\b" if phrase[-1] in _WORD else ""
    return f"{left}{escaped}{right}"


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RuleError("the file does not exist", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise RuleError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8", source=str(path)
        ) from None
    except OSError as exc:
        raise RuleError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
