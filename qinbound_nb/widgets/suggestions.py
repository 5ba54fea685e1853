"""The source fields the mapping table offers: the export's own columns, pre-filled from the
suggested mapping.

A survey export has the response metadata columns, one or more columns per question (named
by ImportId: ``QID2_TEXT`` for open text, ``QID4_1``… for a matrix's rows, ``QID1`` and
``QID1_NPS_GROUP`` for NPS), the embedded data fields, and a ``.label`` twin beside every
coded column (the choice's text). The table lists exactly the columns of a sample export
when one is at hand; otherwise the columns the survey's metadata says the export will have.
ORM sources list their schema's fields, tickets the columns of a sample export. Questions
get the core's suggested mapping; metadata, embedded data and most label twins start as
"do not load" (the NPS group's label, Promoter/Passive/Detractor, is suggested as text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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
ID_COLUMNS = frozenset({"responseId", "ticketId"})
LABEL = ".label"
QUESTION_COLUMN = re.compile(r"^(QID\d+)(.*)$")
IDP_TYPES: dict[str, FieldType] = {
    "open-text": FieldType.VERBATIM,
    "number": FieldType.NUMBER,
    "date-time": FieldType.DATE,
}


@dataclass(frozen=True)
class SourceField:
    """A column the export will have, its description and the suggested mapping."""

    source: str
    description: str
    suggestion: FieldMapping


def survey_fields(metadata: Any, columns: Sequence[str] | None = None) -> list[SourceField]:
    """Every column of a survey export (``columns``, else as the metadata foretells them),
    questions pre-filled from the suggested mapping."""
    columns = list(columns) if columns else expected_columns(metadata)
    infos, skipped, described = [], [], {}
    for column in columns:
        if column in ID_COLUMNS:
            continue  # the id makes natural_id; it is not an attribute
        info, described[column] = _question_column(column, metadata)
        if info is None:
            skipped.append(_skipped(column, described[column]))
        else:
            infos.append(info)
    place = {column: number for number, column in enumerate(columns)}
    infos.sort(key=lambda i: place.get(i.import_id.removesuffix(LABEL), place[i.import_id]))
    wanted = [info for info in infos if info.field_type != "skip"]
    suggested = {field.source: field for field in suggest_mapping(wanted)}
    fields = [_skipped(name, "response metadata") for name in columns if name in DATE_FIELDS]
    for info in infos:
        mapping = suggested.get(info.import_id) or FieldMapping(source=info.import_id, type="skip")
        fields.append(SourceField(info.import_id, described[info.import_id], mapping))
    return _unique(fields + skipped)


def expected_columns(metadata: Any) -> list[str]:
    """The columns a survey export will have, by the survey's metadata."""
    coded: list[str] = []
    columns = list(SURVEY_METADATA_FIELDS)
    for question in metadata.questions.values():
        own = _question_columns(question)
        columns += own
        if question.choices:
            coded += [c for c in own if not c.endswith("_TEXT")]
    columns += list(metadata.embedded_data)
    return columns + [f"{column}{LABEL}" for column in coded]


def idp_fields(schema: Any) -> list[SourceField]:
    """An Imported Data Project's fields (its unique field makes natural_id)."""
    infos = [
        QuestionInfo(import_id=name, text=name, field_type=IDP_TYPES.get(kind, FieldType.TEXT))
        for name, kind in schema.fields.items()
        if name != schema.unique_field
    ]
    described = {name: f"{kind} field" for name, kind in schema.fields.items()}
    return [
        SourceField(field.source, described.get(field.source, ""), field)
        for field in suggest_mapping(infos)
    ]


def ticket_fields(columns: Iterable[str]) -> list[SourceField]:
    """The columns of a ticket export; each offered, none loaded until chosen."""
    return [_skipped(c, "ticket field") for c in columns if c not in ID_COLUMNS]


def _question_columns(question: Any) -> list[str]:
    qid, kind, selector = question.import_id, question.type or "", question.selector or ""
    if kind == "TE" and selector != "FORM":
        return [f"{qid}_TEXT"]
    if selector == "NPS":
        return [qid, f"{qid}_NPS_GROUP"]
    if question.rows:
        return [f"{qid}_{row}" for row in question.rows]
    return [qid]


def _question_column(column: str, metadata: Any) -> tuple[QuestionInfo | None, str]:
    """What one export column holds: a question's answer (to suggest) and its description."""
    base, is_label = column.removesuffix(LABEL), column.endswith(LABEL)
    matched = QUESTION_COLUMN.match(base)
    question = metadata.questions.get(matched.group(1)) if matched else None
    if question is None:
        if base in metadata.embedded_data:
            return None, "embedded data"
        return None, "response metadata" + (" (label)" if is_label else "")
    suffix = base[len(question.import_id) :]
    info = QuestionInfo(
        import_id=column,
        text=question.text,
        question_type=question.type or "",
        selector=question.selector or "",
        export_tag=(question.export_tag or "") + suffix,
    )
    row = question.rows.get(suffix[1:]) if suffix[1:].isdigit() else None
    if row:  # a matrix row: the question and the row make the name
        info = replace(info, text=f"{question.text} {row}", field_type=FieldType.NUMBER)
    if suffix == "_NPS_GROUP":  # codes 1-3 mean nothing to a reader: suggest the label instead
        kind = FieldType.TEXT if is_label else FieldType.SKIP
        twin = "as text (Promoter, Passive, Detractor)" if is_label else "as a code"
        return replace(info, text="NPS group", field_type=kind), f"NPS group {twin}"
    if is_label:  # the choice text beside a coded column: offered, not suggested
        return replace(info, field_type=FieldType.SKIP), f"{info.text} (label)"
    return info, info.text


def _skipped(source: str, description: str) -> SourceField:
    return SourceField(source, description, FieldMapping(source=source, type=FieldType.SKIP))


def _unique(fields: list[SourceField]) -> list[SourceField]:
    seen: dict[str, SourceField] = {}
    for field in fields:
        seen.setdefault(field.source, field)
    return list(seen.values())
