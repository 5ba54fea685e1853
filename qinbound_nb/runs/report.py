"""What one run did, as a person and a notebook read it: :class:`RunReport`.

A report is a value: built once at the end of :func:`qinbound_nb.runs.execute.run_job`
(a failure is a report too), written as JSON by papermill runs and read back by the CLI.
"""

from __future__ import annotations

import dataclasses
import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qinbound_nb.errors import (
    ExportError,
    NotebookRunError,
    QInboundError,
    RetriableError,
    StoreError,
)
from qinbound_nb.job.vocab import RunStatus, RunTrigger

__all__ = ["RunFailedError", "RunReport", "may_pass_on_retry"]

# Failures a later try may not meet: Qualtrics busy or unreachable, an export cut off, the
# store out of reach, a kernel that died. Everything else (the job, the connection, the
# token, a survey that is gone, a refusal) needs a person first.
PASSING_FAILURES = (RetriableError, ExportError, StoreError, NotebookRunError)


def may_pass_on_retry(error: QInboundError) -> bool:
    """Whether running the job again later may succeed where this try failed with ``error``."""
    return isinstance(error, PASSING_FAILURES)


class RunFailedError(QInboundError):
    """Raised by ``RunReport.raise_for_status`` when the run failed."""


@dataclass(frozen=True)
class RunReport:
    """What one run did. ``status`` is succeeded, succeeded_with_warnings or failed."""

    run_id: str
    job_name: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    redaction_counts: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None
    dry_run: bool = False
    would: dict[str, int] = field(default_factory=dict)
    notification_failures: tuple[str, ...] = ()
    project: str = ""
    started_at: datetime | None = None  # the run's clock: its ``now``...
    finished_at: datetime | None = None  # ...plus the time the run took
    trigger: str = RunTrigger.MANUAL  # a person started the run, or the job's schedule
    rule_labels: dict[str, str] = field(default_factory=dict)  # hit key → the rule, in words
    retriable: bool = False  # a failed run that may succeed when tried again later

    @property
    def ok(self) -> bool:
        """True unless the run failed."""
        return self.status != RunStatus.FAILED

    def raise_for_status(self) -> RunReport:
        """Raise RunFailedError for a failed run (so a notebook cell fails); else return self."""
        if not self.ok:
            raise RunFailedError(f"run {self.run_id} of job {self.job_name!r} failed: {self.error}")
        return self

    def summary(self) -> str:
        """A few lines a person reads after a run."""
        lines = [f"run {self.run_id} of {self.job_name!r}: {self.status}"]
        shown = {k: v for k, v in self.counts.items() if v}
        lines.append("  " + (", ".join(f"{k} {v}" for k, v in shown.items()) or "no documents"))
        if self.redaction_counts:
            hits = ", ".join(
                f"{self.rule_labels.get(k, k)} {v}"
                for k, v in sorted(self.redaction_counts.items())
            )
            lines.append(f"  redaction hits: {hits}")
        if self.would:
            lines.append(
                "  dry run, would: " + ", ".join(f"{k} {v}" for k, v in self.would.items())
            )
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  notification failed: {n}" for n in self.notification_failures]
        if self.error:
            lines.append(
                f"  {'stopped' if self.status == RunStatus.STOPPED else 'error'}: {self.error}"
            )
        return "\n".join(lines)

    def notification(self) -> dict[str, object]:
        """The summary a run notification carries (counts and messages; no document content)."""
        return {
            "job": self.job_name,
            "project": self.project,
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "counts": self.counts,
            "redaction_counts": self.redaction_counts,
            "warnings": list(self.warnings),
            "error": self.error,
        }

    def to_json(self) -> str:
        """The report as JSON (counts and messages only; no document content)."""
        return json.dumps(dataclasses.asdict(self), default=_iso)

    @classmethod
    def from_json(cls, text: str) -> RunReport:
        """Read a report written by :meth:`to_json`."""
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in json.loads(text).items() if k in known}  # newer writers add keys
        data["warnings"] = tuple(data.get("warnings") or ())
        data["notification_failures"] = tuple(data.get("notification_failures") or ())
        for key in ("started_at", "finished_at"):
            if isinstance(data.get(key), str):
                data[key] = datetime.fromisoformat(data[key])
        return cls(**data)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
