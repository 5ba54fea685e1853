"""A suggested first mapping from survey questions, so the wizard starts useful.

Attribute names come from the question text (or the export tag, or the import id) and
always pass ``config.check_attribute_name``: non-letters become ``_``, filler words go,
names are cut to 21 characters at a word boundary, a leading digit gets ``q_``, reserved
words and prefixes are sidestepped, and clashes (ignoring case, default fields included)
get ``_2``, ``_3``... Open text becomes a verbatim; NPS, sliders and rank orders become
numbers; single and multiple choice become text (the recode is kept, the label is in the
``.label`` column); other question types (descriptive text, timing, meta info) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qinbound_nb.job.config import DEFAULT_FIELDS, FieldMapping, check_attribute_name
from qinbound_nb.job.naming import RESERVED_PREFIXES, RESERVED_WORDS
from qinbound_nb.job.vocab import FieldType

MAX_NAME = 21
FILLER_WORDS = (
    "a an and are at be did do does for from how in is it of on or our please the this "
    "to us we what which who why with would you your"
)
FILLER = frozenset(FILLER_WORDS.split())
NUMBER_TYPES = frozenset({"NPS", "Slider", "RO", "CS", "SS"})
CHOICE_TYPES = frozenset({"MC", "Matrix", "SBS", "DD"})


@dataclass(frozen=True)
class QuestionInfo:
    """What the mapping suggestion needs to know about one question."""

    import_id: str
    text: str = ""
    question_type: str = ""
    selector: str = ""
    export_tag: str = ""
    field_type: FieldType | None = None  # set when the export column decides the type


def suggest_mapping(questions: Sequence[QuestionInfo]) -> list[FieldMapping]:
    """Suggest one field mapping per loadable question, with valid, unique names."""
    taken = {name.lower() for name in DEFAULT_FIELDS}
    fields = []
    for question in questions:
        field_type = _field_type(question)
        if field_type is None:
            continue
        name = _unique(_attribute_name(question), taken)
        taken.add(name.lower())
        fields.append(FieldMapping(source=question.import_id, name=name, type=field_type))
    return fields


def _field_type(question: QuestionInfo) -> FieldType | None:
    if question.field_type is not None:
        return question.field_type
    kind, selector = question.question_type, question.selector
    if kind == "TE":
        return FieldType.TEXT if selector == "FORM" else FieldType.VERBATIM
    if kind in NUMBER_TYPES or selector == "NPS":  # Qualtrics NPS is type MC, selector NPS
        return FieldType.NUMBER
    if kind in CHOICE_TYPES:
        return FieldType.TEXT
    return None


def _attribute_name(question: QuestionInfo) -> str:
    for source in (question.text, question.export_tag, question.import_id):
        name = _slug(source)
        if name:
            return _safe(name)
    return "field"


def _slug(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)  # question texts may carry HTML
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    meaningful = [w for w in words if w.lower() not in FILLER] or words
    name = ""
    for word in meaningful:
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > MAX_NAME:
            break
        name = candidate
    return name or (meaningful[0][:MAX_NAME] if meaningful else "")


def _safe(name: str) -> str:
    if not name[0].isalpha():
        name = f"q_{name}"[:MAX_NAME]
    if name.upper().startswith(RESERVED_PREFIXES):
        name = f"q_{name}"[:MAX_NAME]
    if name.upper() in RESERVED_WORDS:
        name = f"{name}_q"[:MAX_NAME]
    return name.rstrip("_") or "field"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate.lower() in taken or not _valid(candidate):
        number += 1
        suffix = f"_{number}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    return candidate


def _valid(name: str) -> bool:
    try:
        check_attribute_name(name)
    except ValueError:
        return False
    return True
