"""The preview: a sample of real responses, raw beside mapped-and-redacted, before any load.

``preview(job, limit)`` fetches a sample through the same client and runs it through the
same stages as a production run (:func:`qinbound_nb.core.pipeline.process_chunk`), then
stops before the store. ``Preview.update(job)`` re-runs the stages on the cached sample
after a mapping, rule or filter change, without fetching again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd

from qinbound_nb.core.parse.export import SOURCE_ID
from qinbound_nb.core.pipeline import fields_to_redact, process_chunk
from qinbound_nb.core.problems import problem_rows
from qinbound_nb.job.config import JobConfig, Rules
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import ExportProgress
from qinbound_nb.qualtrics.requests import IdpExportRequest, ResponseExportRequest
from qinbound_nb.qualtrics.tickets import TicketExportRequest
from qinbound_nb.render.compare import compare_frame
from qinbound_nb.render.html import render_preview_html
from qinbound_nb.runs.clients import open_client
from qinbound_nb.runs.execute import as_job, compile_rules
from qinbound_nb.runs.pulls import read_chunks, source_id_column
from qinbound_nb.store.store import Store

__all__ = ["Preview", "preview"]


@dataclass(frozen=True)
class Preview:
    """A sample shown two ways. ``raw`` and ``documents`` share their index.

    Attributes:
        raw: the sampled responses as the export has them.
        documents: every sampled response mapped and redacted (before the filter).
        spans: each redaction or substitution: row, field, start, end, rule.
        dropped: rows the filter, record limit or dedupe would drop, with ``reason``.
        outcomes: per kept document, what loading would do (new / replaces / skipped), when
            a store was given.
        counts: sample size, kept, dropped by reason, redaction hits per rule.
        problems: values the mapping could not convert.
    """

    job: JobConfig
    raw: pd.DataFrame
    documents: pd.DataFrame
    spans: pd.DataFrame
    dropped: pd.DataFrame
    outcomes: pd.Series | None
    counts: dict[str, int] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)
    store_path: Path | None = None
    source_id_column: str | None = None
    store: Store | None = field(default=None, repr=False)  # an open store the caller lent

    def html(self) -> str:
        """The comparison view: each response's raw values beside its document's, spans marked."""
        return render_preview_html(
            self.raw,
            self.documents,
            self.spans,
            self.dropped,
            self.outcomes,
            self.counts,
            field_sources=_field_sources(self.job),
            verbatims=fields_to_redact(self.job),
            problems=self.problems,
            rule_titles=rule_titles(self.job.rules),
            id_column=self._id_column,
        )

    @property
    def _id_column(self) -> str:
        return self.source_id_column or SOURCE_ID.get(self.job.source.type, "responseId")

    def compare(self) -> pd.DataFrame:
        """The paired frame the view shows: per response its status, then per attribute
        ``(name, "raw")`` beside ``(name, "doc")``, verbatims first."""
        return compare_frame(
            self.raw,
            self.documents,
            _field_sources(self.job),
            dropped=self.dropped,
            outcomes=self.outcomes,
            id_column=self._id_column,
        )

    def _repr_html_(self) -> str:
        return self.html()

    def update(self, job: JobConfig) -> Preview:
        """The same sample run through a changed job (no fetching)."""
        return build_preview(
            job,
            self.raw,
            store_path=self.store_path,
            store=self.store,
            source_id_column=self.source_id_column,
        )


def preview(
    job: JobConfig | str | os.PathLike[str],
    limit: int = 100,
    *,
    client: QualtricsClient | None = None,
    store: Store | str | os.PathLike[str] | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
) -> Preview:
    """Fetch up to ``limit`` responses and show what the job would make of them.

    Args:
        job: the job (or its job file).
        limit: how many responses to sample.
        client: an API client; default from the job's connection.
        store: an open Store (used as it is: one connection per store per process), or a
            store file or URL; each document is then marked new / replaces / skipped.
        progress: called with export progress.
    """
    job = as_job(job)
    if client is None:
        with open_client(job) as owned:
            raw, id_column = _sample(owned, job, limit, progress)
    else:
        raw, id_column = _sample(client, job, limit, progress)
    if isinstance(store, Store):
        return build_preview(job, raw, store=store, source_id_column=id_column)
    return build_preview(
        job, raw, store_path=Path(store) if store else None, source_id_column=id_column
    )


def build_preview(
    job: JobConfig,
    raw: pd.DataFrame,
    *,
    store_path: Path | None = None,
    store: Store | None = None,
    source_id_column: str | None = None,
) -> Preview:
    """Run the stages over an already fetched sample (``store``: an open store to compare with)."""
    result = process_chunk(
        raw, job, compile_rules(job), load_date=datetime.now(UTC), source_id_column=source_id_column
    )
    outcomes = None
    if store is not None:  # the caller's open store: opening the file again would conflict
        ids = result.documents["natural_id"]
        outcomes = store.preview_outcomes(job.project, ids, job.duplicates)
    elif store_path is not None and store_path.exists():
        with Store.open(store_path, read_only=True) as store:
            ids = result.documents["natural_id"]
            outcomes = store.preview_outcomes(job.project, ids, job.duplicates)
    elif store_path is not None:  # the store is still to be made: every document is new
        outcomes = pd.Series("new", index=result.documents.index, dtype="string")
    counts = {
        "sampled": len(raw),
        "kept": result.kept,
        **result.outcomes["outcome"].value_counts().to_dict(),
        "mapping_problems": problem_rows(result.problems),
    }
    return Preview(
        job=job,
        raw=raw,
        documents=result.redacted,
        spans=result.spans,
        dropped=result.outcomes,
        outcomes=outcomes,
        counts={k: int(v) for k, v in counts.items()} | _prefixed(result.redaction_counts),
        problems=result.problems,
        store_path=store_path,
        source_id_column=source_id_column,
        store=store,
    )


def sample_columns(job: JobConfig, *, client: QualtricsClient, limit: int = 20) -> list[str]:
    """The columns of a small sample export: what the mapping can offer, and nothing else."""
    raw, _ = _sample(client, job, limit, None)
    return [str(column) for column in raw.columns] if len(raw) else []


def _sample(
    client: QualtricsClient,
    job: JobConfig,
    limit: int,
    progress: Callable[[ExportProgress], None] | None,
) -> tuple[pd.DataFrame, str | None]:
    source = job.source
    with TemporaryDirectory(prefix="qinbound-preview-") as folder:
        if source.type == SourceType.SURVEY:
            request = ResponseExportRequest(limit=limit, filter_id=source.filter_id)
            export = client.export_responses(source.survey_id, request, Path(folder), progress)
        elif source.type == SourceType.ORM:
            export = client.export_idp(
                source.idp_source_id, IdpExportRequest(limit=limit), Path(folder), progress
            )
        else:
            export = client.export_tickets(TicketExportRequest(), Path(folder), progress)
        frames = [chunk.frame for chunk in read_chunks(export, job, chunk_rows=limit)]
        id_column = source_id_column(client, job)
    if not frames:  # an export with no responses at all
        return pd.DataFrame(), id_column
    raw = pd.concat(frames) if len(frames) > 1 else frames[0]
    return raw.iloc[:limit], id_column


def _field_sources(job: JobConfig) -> dict[str, str]:
    """Attribute → raw column, as the view shows them: the redacted texts first, then the
    other mapped attributes, then the document date."""
    redacted = set(fields_to_redact(job))
    mapped = {str(f.name): f.source for f in job.mapping.mapped}
    first = {name: source for name, source in mapped.items() if name in redacted}
    return first | mapped | {"document_date": job.mapping.document_date}


def rule_titles(rules: Rules) -> dict[str, str]:
    """The hover text of each rule the job's rules can hit."""
    titles: dict[str, str] = {
        kind: f"{kind}: built-in personal data detector" for kind in rules.pii
    }
    for number, line in enumerate(rules.redactions.splitlines(), start=1):
        titles[f"redaction:{number}"] = f"redaction rule, line {number}: {line.strip()}"
    for number, line in enumerate(rules.substitutions.splitlines(), start=1):
        titles[f"substitution:{number}"] = f"substitution, line {number}: {line.strip()}"
    return titles


def _prefixed(redaction_counts: dict[str, int]) -> dict[str, int]:
    return {f"hits {rule}": count for rule, count in redaction_counts.items() if count}
