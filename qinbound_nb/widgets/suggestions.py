"""The source fields the mapping table offers, pre-filled from the suggested mapping.

A survey export has the response metadata columns, one or more columns per question (named by
ImportId: ``QID2_TEXT`` for open text, ``QID4_1``… for matrix rows) and the embedded data
fields. Questions get the core's suggested mapping (``suggest_mapping``); metadata, embedded
data and questions it leaves out start as "do not load".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qinbound_nb.core.parse.export import SOURCE_ID
from qinbound_nb.core.parse.raw_types import SURVEY_INTEGERS, SURVEY_TEXT
from qinbound_nb.core.suggest import QuestionInfo, suggest_mapping
from qinbound_nb.job.config import FieldMapping
from qinbound_nb.job.vocab import SURVEY_DATE_FIELDS, DateField, FieldType, SourceType

# A response's metadata columns in export order; its id makes natural_id, it is not mapped.
SURVEY_METADATA_FIELDS = tuple(
    name
    for name in (*SURVEY_DATE_FIELDS, *SURVEY_INTEGERS, *SURVEY_TEXT)
    if name != SOURCE_ID[SourceType.SURVEY]
)
# The document date choices, in the order a blank document date falls back through them.
DATE_FIELDS: tuple[str, ...] = tuple(DateField)


@dataclass(frozen=True)
class SourceField:
    """A column the export will have, its description and the suggested mapping."""

    source: str
    description: str
    suggestion: FieldMapping


def survey_fields(metadata: Any) -> list[SourceField]:
    """Every column of a survey export, questions pre-filled from the suggested mapping."""
    fields = [_skipped(name, "response metadata") for name in SURVEY_METADATA_FIELDS]
    infos, extras = [], []
    for question in metadata.questions.values():
        main, others = _columns(question, metadata.export_column_map)
        infos += main
        extras += [_skipped(column, question.text) for column in others]
    texts = {info.import_id: info.text for info in infos}
    for suggestion in suggest_mapping(infos):
        fields.append(SourceField(suggestion.source, texts[suggestion.source], suggestion))
    suggested = {field.source for field in fields}
    fields += [_skipped(i.import_id, i.text) for i in infos if i.import_id not in suggested]
    fields += extras
    fields += [_skipped(name, "embedded data") for name in metadata.embedded_data]
    return _unique(fields)


def _skipped(source: str, description: str) -> SourceField:
    return SourceField(source, description, FieldMapping(source=source, type=FieldType.SKIP))


def _columns(question: Any, column_map: dict[str, str]) -> tuple[list[QuestionInfo], list[str]]:
    """The export columns (by ImportId) of one question: those worth suggesting, and others.

    Open text exports ``QID2_TEXT``; matrix rows ``QID4_1``…; an export tag such as
    ``Q1_NPS_GROUP`` beside ``Q1`` gives ``QID1_NPS_GROUP`` (an extra, not suggested).
    """
    qid, kind, tag = question.import_id, question.type or "", question.export_tag or ""
    info = {"text": question.text, "question_type": kind, "selector": question.selector or ""}
    if kind == "TE" and question.selector != "FORM":
        return [QuestionInfo(import_id=f"{qid}_TEXT", export_tag=tag, **info)], []
    suffixes = []
    for column_tag, owner in column_map.items():
        if owner != qid:
            continue
        if tag and column_tag.startswith(tag):
            suffixes.append(column_tag[len(tag) :])
        elif column_tag.isdigit():  # a bare row number
            suffixes.append(f"_{column_tag}")
    rows = [s for s in suffixes if s[1:].isdigit()]
    main = [f"{qid}{s}" for s in rows] if rows else [qid]
    others = [f"{qid}{s}" for s in suffixes if s and s not in rows]
    infos = [QuestionInfo(import_id=c, export_tag=tag + c[len(qid) :], **info) for c in main]
    return infos, others


def _unique(fields: list[SourceField]) -> list[SourceField]:
    seen: dict[str, SourceField] = {}
    for field in fields:
        seen.setdefault(field.source, field)
    return list(seen.values())
