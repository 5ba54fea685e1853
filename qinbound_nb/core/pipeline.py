"""The transform stages of one chunk, in DESIGN.md's order: map → redact → filter+limit → dedupe.

``process_chunk`` is the single code path that production runs, dry runs and the preview all
take; it is pure (no I/O) and returns the documents to load beside every dropped row with
its outcome and reason, so a run can say what it skipped and why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from qinbound_nb.core.dedupe import dedupe
from qinbound_nb.core.filtering import apply_filter, apply_record_limit
from qinbound_nb.core.mapping import apply_mapping, text_fields, verbatim_fields
from qinbound_nb.core.redaction.known import known_columns
from qinbound_nb.core.redaction.redact import RedactionRules, redact_documents
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import ApplyTo, Outcome

OUTCOME_COLUMNS = ["natural_id", "outcome", "reason", "document_date"]


@dataclass(frozen=True)
class ChunkResult:
    """What the stages made of one raw chunk.

    Attributes:
        documents: the documents to load (after redaction, filter, limit and dedupe).
        redacted: every mapped document after redaction, before the filter (for previews).
        outcomes: one row per dropped document: natural_id, outcome (filtered_out,
            over_limit, skipped_duplicate), reason, document_date; indexed like the raw rows.
        spans: every redaction and substitution, with its field, row, position and rule.
        problems: per-row mapping problems (row, field, value, problem).
        drift: source columns the mapping names but this export lacks.
        redaction_counts: hits per rule or PII kind.
    """

    documents: pd.DataFrame
    redacted: pd.DataFrame
    outcomes: pd.DataFrame
    spans: pd.DataFrame
    problems: pd.DataFrame
    drift: tuple[str, ...]
    redaction_counts: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        """How many documents this chunk passes on to the load."""
        return len(self.documents)


def fields_to_redact(job: JobConfig) -> list[str]:
    """The attributes the rules apply to: verbatims by default, or the chosen text fields."""
    if job.rules.apply_to == ApplyTo.VERBATIMS:
        return verbatim_fields(job)
    chosen = set(job.rules.apply_to)
    return [name for name in verbatim_fields(job) + text_fields(job) if name in chosen]


def process_chunk(
    raw: pd.DataFrame,
    job: JobConfig,
    rules: RedactionRules,
    *,
    load_date: datetime,
    already_kept: int = 0,
    source_id_column: str | None = None,
) -> ChunkResult:
    """Run one raw chunk through mapping, redaction, filter, record limit and dedupe.

    Args:
        raw: one raw chunk frame (see docs/architecture.md).
        job: the job whose mapping, rules, filter and duplicate mode apply.
        rules: the compiled redaction rules (``RedactionRules.from_config(job.rules)``).
        load_date: the run's load time.
        already_kept: documents earlier chunks of this run kept (for the record limit).
        source_id_column: the IDP unique field for ORM jobs.
    """
    mapped = apply_mapping(raw, job, load_date=load_date, source_id_column=source_id_column)
    unidentified = mapped.documents["natural_id"].isna()
    failed = mapped.documents[unidentified].assign(
        reason="the response has no source id, so it has no natural_id and cannot be loaded"
    )
    identified = mapped.documents[~unidentified]
    own = known_columns(list(raw.columns), job.rules.known_values)
    known = raw.loc[identified.index, own]
    redacted = redact_documents(identified, rules, fields_to_redact(job), known)
    filtered = apply_filter(redacted.frame, job.filter)
    limited = apply_record_limit(filtered.kept, job.filter.record_limit, already=already_kept)
    deduped = dedupe(limited.kept, job.duplicates)
    outcomes = pd.concat(
        [
            _outcomes(failed, Outcome.FAILED),
            _outcomes(filtered.dropped, Outcome.FILTERED_OUT),
            _outcomes(limited.dropped, Outcome.OVER_LIMIT),
            _outcomes(
                limited.kept.loc[deduped.duplicates.index].assign(
                    reason=deduped.duplicates["reason"]
                ),
                Outcome.SKIPPED_DUPLICATE,
            ),
        ]
    )
    return ChunkResult(
        documents=deduped.documents,
        redacted=redacted.frame,
        outcomes=outcomes,
        spans=redacted.spans,
        problems=mapped.problems,
        drift=mapped.drift,
        redaction_counts=dict(Counter(redacted.counts)),
    )


def _outcomes(dropped: pd.DataFrame, outcome: Outcome) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "natural_id": dropped["natural_id"].astype("string"),
            "outcome": outcome,
            "reason": dropped["reason"].astype("string"),
            "document_date": dropped["document_date"],
        },
        index=dropped.index,
    )
    return frame[OUTCOME_COLUMNS]
