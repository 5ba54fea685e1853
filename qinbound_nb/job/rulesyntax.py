r"""Reading XM Discover's substitution and redaction rule files into checked rules.

Substitution files hold ``phrase to replace : replacement`` lines (case-sensitive). A phrase
may itself hold colons ("10:30 am : half past ten"), so the separator is `` : `` (a colon
with spaces around it) when the line has one, else the only unescaped ``:``; ``\:`` is a
literal colon anywhere. A line that still has several candidates is split at the first, as
XM Discover does, and flagged ``ambiguous`` so the user is warned. Redaction files hold one
regular expression per line. In both, blank lines
and lines starting with ``#`` are skipped. Our regex flavour is RE2's (what pyarrow runs, and
what :mod:`qinbound_nb.core.redaction.redact` runs through google-re2): no lookarounds, no
backreferences, no atomic groups or possessive quantifiers, ``\z`` rather than ``\Z``. XM
Discover itself rejects negative lookaheads, so a file written for it stays valid here unless
it uses positive lookarounds or backreferences. Every pattern is compiled by the real RE2
engine on load. RE2 matches in time linear in the text, so catastrophic backtracking cannot
happen; we still bound a pattern's length, RE2 bounds repetition counts (at most 1000, nested
counts included) and we bound the compiled program's size, so one rule cannot make a run slow.
Every problem names the rule source and its line number. :func:`rule_template` returns the
commented example file of each kind shipped with the package (the rules step's Template).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel

from qinbound_nb.errors import RuleError

MAX_PATTERN_LENGTH = 2000
MAX_PROGRAM_SIZE = 50_000
UNSUPPORTED = (
    (re.compile(r"\(\?!"), "negative lookaheads '(?!' are not supported (nor in XM Discover)"),
    (re.compile(r"\(\?="), "lookaheads '(?=' are not supported by the RE2 engine"),
    (re.compile(r"\(\?<[=!]"), "lookbehinds '(?<=' / '(?<!' are not supported by the RE2 engine"),
    (re.compile(r"(?<!\\)\\[1-9]"), "backreferences such as '\\1' are not supported by RE2"),
    (re.compile(r"\(\?>"), "atomic groups '(?>' are not supported by the RE2 engine"),
    (re.compile(r"[*+?}]\+"), "possessive quantifiers such as '*+' are not supported by RE2"),
    (re.compile(r"(?<!\\)\\Z"), "'\\Z' is not RE2; write '\\z' for the end of the text"),
)


@dataclass(frozen=True)
class Substitution:
    """Replace ``phrase`` (exact, case-sensitive) with ``replacement``.

    ``ambiguous`` marks a line with more than one place it could be split; it was split at
    the first, and the user should write `` : `` or ``\\:`` to say which colon separates.
    """

    phrase: str
    replacement: str
    line: int
    ambiguous: bool = False

    def warning(self, source: str = "substitutions") -> str | None:
        """What to tell the user about an ambiguous line, or None."""
        if not self.ambiguous:
            return None
        return (
            f"{source}, line {self.line}: more than one ':' could separate the phrase from "
            f"its replacement; read as {self.phrase!r} -> {self.replacement!r}. Put spaces "
            "around the separating colon (' : ') or write '\\:' for a colon inside a phrase"
        )


def substitution_warnings(text: str, *, source: str = "substitutions") -> list[str]:
    """One warning per ambiguous line of a substitution file (an invalid file raises)."""
    rules = parse_substitution_rules(text, source=source)
    return [warning for rule in rules if (warning := rule.warning(source))]


@dataclass(frozen=True)
class RedactionPattern:
    """Mask every match of ``pattern``; ``line`` is where it stands in its file."""

    pattern: str
    line: int


def rule_template(kind: Literal["substitutions", "redactions"]) -> str:
    """The commented example rule file of ``kind``, shipped in ``qinbound_nb/templates``."""
    template = resources.files("qinbound_nb").joinpath("templates", f"{kind}.txt")
    return template.read_text(encoding="utf-8")


def _rule_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append((number, line))
    return lines


def parse_substitution_rules(text: str, *, source: str = "substitutions") -> list[Substitution]:
    """Parse ``phrase : replacement`` lines; raise RuleError naming the bad line."""
    rules = []
    for number, line in _rule_lines(text):
        phrase, replacement, ambiguous = split_substitution(line)
        if replacement is None:
            raise RuleError(
                f"'{line}' has no ':'; write 'phrase to replace : replacement'",
                source=source,
                line=number,
            )
        if not phrase:
            raise RuleError("the phrase before ':' is empty", source=source, line=number)
        rules.append(Substitution(phrase, replacement, number, ambiguous))
    return rules


ESCAPED_COLON = "\\:"
_HOLD = "\x00"  # stands for an escaped colon while the line is split


def split_substitution(line: str) -> tuple[str, str | None, bool]:
    """``(phrase, replacement, ambiguous)`` of one line; replacement None when no separator."""
    held = line.replace(ESCAPED_COLON, _HOLD)
    spaced = held.count(" : ")
    if spaced:
        phrase, _, replacement = held.partition(" : ")
        ambiguous = spaced > 1
    else:
        phrase, colon, replacement = held.partition(":")
        if not colon:
            return _unhold(phrase).strip(), None, False
        ambiguous = ":" in replacement
    return _unhold(phrase).strip(), _unhold(replacement).strip(), ambiguous


def _unhold(text: str) -> str:
    return text.replace(_HOLD, ":")


def parse_redaction_rules(text: str, *, source: str = "redactions") -> list[RedactionPattern]:
    """Parse one regular expression per line; raise RuleError naming the bad line."""
    rules = []
    for number, line in _rule_lines(text):
        check_pattern(line, source=source, line=number)
        rules.append(RedactionPattern(line, number))
    return rules


def check_pattern(pattern: str, *, source: str = "pattern", line: int | None = None) -> None:
    """Reject a pattern the RE2 engine cannot run, or one that does not compile."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(
            f"pattern is {len(pattern)} characters; keep it under {MAX_PATTERN_LENGTH}",
            source=source,
            line=line,
        )
    compiled = check_engine(pattern, source=source, line=line)
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise RuleError(
            f"'{pattern}' compiles to {compiled.programsize} RE2 instructions (limit "
            f"{MAX_PROGRAM_SIZE}); simplify it, e.g. lower large repetition counts",
            source=source,
            line=line,
        )
    if compiled.fullmatch("") is not None:
        raise RuleError(
            f"'{pattern}' matches empty text, so it would mask nothing useful; tighten it",
            source=source,
            line=line,
        )


def check_engine(pattern: str, *, source: str = "pattern", line: int | None = None) -> Any:
    """Compile ``pattern`` with RE2, the engine every run uses, naming what RE2 lacks."""
    for finder, reason in UNSUPPORTED:
        if finder.search(pattern):
            raise RuleError(f"'{pattern}': {reason}", source=source, line=line)
    return compile_re2(pattern, source=source, line=line)


def compile_re2(pattern: str, *, source: str = "pattern", line: int | None = None) -> Any:
    """Compile ``pattern`` with RE2 (quietly); raise RuleError with RE2's reason if it fails."""
    import re2  # imported here so that loading a job file stays cheap

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RuleError(
            f"'{pattern}' does not compile with RE2: {reason}", source=source, line=line
        ) from None


_PATTERN_LIKE = re.compile(r"\\[dwsbDWSB.]|\[[^\]]+\]|\{\d+(,\d*)?\}")


def commented_patterns(text: str) -> list[tuple[int, str]]:
    """(line number, line) of each ``#`` line that looks like a pattern, not a comment.

    ``#`` starts a comment in rule files (XM Discover's format), so ``#A-\\d{6}`` redacts
    nothing; a line with no space after the ``#`` and no spaces at all, or with regex
    syntax such as ``\\d``, ``[...]`` or ``{6}``, was most likely meant as a pattern.
    """
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line.startswith("#") or len(line) < 3 or line[1] in " #!-=*":
            continue
        if " " not in line or _PATTERN_LIKE.search(line):
            found.append((number, line))
    return found


def rule_label(rule: str, rules: Mapping[str, object]) -> str:
    """A redaction hit's key as a person reads it: ``redaction:3`` becomes ``redaction line 3
    /pattern/``, ``substitution:1`` becomes ``substitution line 1 'phrase : replacement'``;
    a PII kind (``email``) stays as it is. ``rules`` holds the job's rule texts
    (``redactions``, ``substitutions``)."""
    kind, _, line = rule.partition(":")
    lines = str(rules.get(f"{kind}s") or "").splitlines()
    if not line.isdigit() or not 0 < int(line) <= len(lines):
        return rule
    text = lines[int(line) - 1].strip()
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"{kind} line {line} /{text}/" if kind == "redaction" else f"{kind} line {line} '{text}'"


def rule_labels(keys: Iterable[str], rules: BaseModel | Mapping[str, object]) -> dict[str, str]:
    """Each hit key of ``keys`` that reads differently as a label (see :func:`rule_label`)."""
    texts = rules.model_dump(mode="json") if isinstance(rules, BaseModel) else rules
    labels = {key: rule_label(key, texts) for key in keys}
    return {key: label for key, label in labels.items() if label != key}
