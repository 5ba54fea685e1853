"""The source fields the mapping table offers, pre-filled from the suggested mapping.

A survey export has the response metadata columns, one or more columns per question (named by
ImportId: ``QID2_TEXT`` for open text, ``QID4_1``… for matrix rows) and the embedded data
fields. Questions get the core's suggested mapping (``suggest_mapping``); metadata, embedded
data and questions it leaves out start as "do not load".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qinbound_nb.config import FieldMapping
from qinbound_nb.core.suggest import QuestionInfo, suggest_mapping

SURVEY_METADATA_FIELDS = (
    "startDate",
    "endDate",
    "recordedDate",
    "status",
    "progress",
    "duration",
    "finished",
    "ipAddress",
    "locationLatitude",
    "locationLongitude",
    "distributionChannel",
    "userLanguage",
)
DATE_FIELDS = ("endDate", "startDate", "recordedDate")


@dataclass(frozen=True)
class SourceField:
    """A column the export will have, its description and the suggested mapping."""

    source: str
    description: str
    suggestion: FieldMapping


def survey_fields(metadata: Any) -> list[SourceField]:
    """Every column of a survey export, questions pre-filled from the suggested mapping."""
    fields = [_skipped(name, "response metadata") for name in SURVEY_METADATA_FIELDS]
    infos = [
        info for question in metadata.questions.values() for info in _columns(question, metadata)
    ]
    texts = {info.import_id: info.text for info in infos}
    for suggestion in suggest_mapping(infos):
        fields.append(SourceField(suggestion.source, texts[suggestion.source], suggestion))
    suggested = {field.source for field in fields}
    fields += [
        _skipped(info.import_id, info.text) for info in infos if info.import_id not in suggested
    ]
    fields += [_skipped(name, "embedded data") for name in metadata.embedded_data]
    return _unique(fields)


def _skipped(source: str, description: str) -> SourceField:
    return SourceField(source, description, FieldMapping(source=source, type="skip"))


def _columns(question: Any, metadata: Any) -> list[QuestionInfo]:
    """The export columns (by ImportId) one question gives: ``QID2_TEXT``, ``QID4_1``…"""
    qid, kind, selector = question.import_id, question.type or "", question.selector or ""
    info = {"text": question.text, "question_type": kind, "selector": selector}
    if kind == "TE" and selector != "FORM":
        return [QuestionInfo(import_id=f"{qid}_TEXT", export_tag=question.export_tag or "", **info)]
    tags = [tag for tag, owner in metadata.export_column_map.items() if owner == qid]
    rows = [tag.rsplit("_", 1)[1] for tag in tags if "_" in tag and tag.rsplit("_", 1)[1].isdigit()]
    if kind == "Matrix" and rows:
        return [
            QuestionInfo(
                import_id=f"{qid}_{row}", export_tag=f"{question.export_tag}_{row}", **info
            )
            for row in rows
        ]
    return [QuestionInfo(import_id=qid, export_tag=question.export_tag or "", **info)]


def _unique(fields: list[SourceField]) -> list[SourceField]:
    seen: dict[str, SourceField] = {}
    for field in fields:
        seen.setdefault(field.source, field)
    return list(seen.values())
