"""Turning raw rows into documents: the default fields, then the mapped custom fields.

The document frame (docs/architecture.md) keeps the raw index and puts the default fields
first: ``natural_id`` (``"<job name>;<source id>"``), ``document_date``, ``job_name``,
``loadDate``, ``feedback_provider``, ``feedback_type`` and ``source``; then one column per
mapped field by attribute name. Bad values never stop a load: each becomes blank and a row
in ``problems`` (row, field, value, problem). A column the mapping names but the export
lacks is *drift*: reported, its attribute left blank.

Document date fallback: when the chosen date field is blank in a row (in-progress ``FS_``
responses have no ``recordedDate``), the first non-blank of ``endDate``, ``recordedDate``,
``startDate`` (tickets: ``updatedAt``, ``createdAt``) is used, else the load date; each
such row is listed in ``problems`` with the field that stood in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc, unparsed
from qinbound_nb.core.expressions.evaluate import UnknownFieldError, compile_expression
from qinbound_nb.core.field_values import ATTRIBUTE_TYPES, cast, column, text_of, transform
from qinbound_nb.core.parse.export import SOURCE_ID
from qinbound_nb.core.problems import Problems
from qinbound_nb.core.redaction.known import spellings
from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import FEEDBACK_TYPES, FieldMapping, JobConfig
from qinbound_nb.job.vocab import DateField, FieldType, SourceType, TicketDateField, TransformKind

DATE_FALLBACKS: dict[SourceType, tuple[str, ...]] = {
    SourceType.SURVEY: tuple(DateField),
    SourceType.TICKETS: tuple(TicketDateField),
    SourceType.ORM: (),
}


@dataclass(frozen=True)
class MappingResult:
    """Documents (same index as the raw rows), per-row problems, and drifted columns."""

    documents: pd.DataFrame
    problems: pd.DataFrame
    drift: tuple[str, ...]


def apply_mapping(
    raw: pd.DataFrame,
    job: JobConfig,
    *,
    load_date: datetime,
    source_id_column: str | None = None,
) -> MappingResult:
    """Map raw rows to documents following ``job.mapping``.

    Args:
        raw: one raw chunk (``RawChunk.frame``).
        job: the job; its name, source type and mapping are used.
        load_date: the run's load time (naive means UTC), one value for every document.
        source_id_column: the raw column with the source id; required for ORM (the IDP's
            ``uniqueField``), defaults to ``responseId`` (surveys) or ``ticketId`` (tickets).

    Raises:
        ConfigError: an ORM job without ``source_id_column``, or a transformation that
            cannot run (bad expression, regex RE2 cannot run).
    """
    kind = job.source.type
    id_column = source_id_column or SOURCE_ID.get(kind)
    if id_column is None:
        raise ConfigError(
            "an ORM job needs the IDP's unique field as source_id_column to build natural_id"
        )
    loaded = load_date if load_date.tzinfo else load_date.replace(tzinfo=UTC)
    problems, drift = Problems(raw.index), list[str]()
    rows = len(raw)
    columns: dict[str, pa.Array] = {
        "natural_id": _natural_id(raw, job.name, id_column, problems, drift),
        "document_date": _document_date(raw, job, loaded, problems, drift),
        "job_name": _repeat(job.name, rows),
        "loadDate": _repeat(pa.scalar(loaded, UTC_MS), rows),
        "feedback_provider": _repeat("Qualtrics", rows),
        "feedback_type": _repeat(FEEDBACK_TYPES[kind], rows),
        "source": _repeat(job.mapping.source_value, rows),
    }
    for field in job.mapping.mapped:
        columns[str(field.name)] = _custom_field(raw, field, problems, drift)
    documents = pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
    documents.index = raw.index
    return MappingResult(documents, problems.frame(), tuple(dict.fromkeys(drift)))


def _natural_id(
    raw: pd.DataFrame, name: str, id_column: str, problems: Problems, drift: list[str]
) -> pa.Array:
    if id_column not in raw.columns:
        drift.append(id_column)
        problems.column("natural_id", f"the source id column {id_column!r} is not in the export")
        return pa.nulls(len(raw), pa.string())
    ids = text_of(column(raw, id_column))
    problems.rows("natural_id", np.flatnonzero(_mask(pc.is_null(ids))), None, "no source id")
    return pc.binary_join_element_wise(name, ids, ";")


def _document_date(
    raw: pd.DataFrame, job: JobConfig, loaded: datetime, problems: Problems, drift: list[str]
) -> pa.Array:
    chosen = job.mapping.document_date
    result = pa.nulls(len(raw), UTC_MS)
    if chosen in raw.columns:
        values = column(raw, chosen)
        result = to_utc(values) if not pa.types.is_floating(values.type) else result
        bad = np.flatnonzero(_mask(unparsed(values, result)))
        if len(bad):
            problems.rows("document_date", bad, text_of(values), f"{chosen} is not a date")
    else:
        drift.append(chosen)
        problems.column("document_date", f"the document date field {chosen!r} is not in the export")
    fallbacks = [name for name in DATE_FALLBACKS[job.source.type] if name != chosen]
    for name in [*fallbacks, None]:
        missing = _mask(pc.is_null(result))
        if not missing.any():
            break
        if name is None:
            stand_in = pa.scalar(loaded, UTC_MS)
        elif name in raw.columns and not pa.types.is_floating(raw[name].dtype.pyarrow_dtype):
            stand_in = to_utc(column(raw, name))
        else:
            continue
        filled = pc.coalesce(result, stand_in)
        used = np.flatnonzero(missing & ~_mask(pc.is_null(filled)))
        problems.rows("document_date", used, None, f"{chosen} is blank; used {name or 'loadDate'}")
        result = filled
    return result


def _custom_field(
    raw: pd.DataFrame, field: FieldMapping, problems: Problems, drift: list[str]
) -> pa.Array:
    name = str(field.name)
    target = ATTRIBUTE_TYPES[field.type]
    is_expression = field.transform is not None and field.transform.kind == "expression"
    if not is_expression and field.source not in raw.columns:
        drift.append(field.source)
        problems.column(name, f"source field {field.source!r} is not in the export")
        return pa.nulls(len(raw), target)
    try:
        values = transform(raw, field)
    except UnknownFieldError as exc:
        drift.append(exc.field)
        problems.column(name, str(exc).splitlines()[0])
        return pa.nulls(len(raw), target)
    result = cast(values, field.type)
    if len(result.bad_rows):  # only then is it worth rendering the values as text
        problems.rows(name, result.bad_rows, text_of(values), result.problem)
    return result.values


def _repeat(value: object, rows: int) -> pa.Array:
    scalar = value if isinstance(value, pa.Scalar) else pa.scalar(value, pa.string())
    return pc.fill_null(pa.nulls(rows, scalar.type), scalar)


def _mask(flags: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)


def raw_columns(job: JobConfig, source_id_column: str | None = None) -> list[str]:
    """The raw columns ``apply_mapping`` reads for ``job``: what a run needs to parse.

    The source id, the document date and its fallbacks, every mapped source field, every
    field a transformation expression names (``QID1.label`` included) and the fields whose
    values redaction looks for (``rules.known_values``).

    Raises:
        ConfigError: a transformation expression does not compile.
    """
    kind = job.source.type
    names = [source_id_column or SOURCE_ID.get(kind), job.mapping.document_date]
    names += DATE_FALLBACKS[kind]
    for field in job.mapping.mapped:
        rule = field.transform
        if rule is not None and rule.kind == TransformKind.EXPRESSION:
            names += compile_expression(rule.expression).fields
        else:
            names.append(field.source)
    names += [name for field in job.rules.known_values for name in spellings(field)]
    return [name for name in dict.fromkeys(names) if name]


def verbatim_fields(job: JobConfig) -> list[str]:
    """Attribute names of the job's verbatim fields (what redaction works on by default)."""
    return [str(field.name) for field in job.mapping.mapped if field.type == FieldType.VERBATIM]


def text_fields(job: JobConfig) -> list[str]:
    """Attribute names of the job's text (not verbatim) fields."""
    return [str(field.name) for field in job.mapping.mapped if field.type == FieldType.TEXT]
