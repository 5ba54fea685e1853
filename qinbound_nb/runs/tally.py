"""What a run counts while its chunks pass: documents per outcome, redaction hits, warnings.

The :class:`Tally` is the one mutable part of a run; the runner creates it with itself and
each chunk's :class:`~qinbound_nb.core.pipeline.ChunkResult` is added as it is transformed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from qinbound_nb.core.pipeline import ChunkResult
from qinbound_nb.core.problems import problem_rows
from qinbound_nb.store.load import Checkpoint

__all__ = ["Tally"]


@dataclass
class Tally:
    """The run's counts, redaction hits, would-be outcomes (dry run) and warnings so far."""

    counts: Counter[str] = field(default_factory=Counter)
    redaction_counts: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    would: Counter[str] = field(default_factory=Counter)
    in_progress_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: int = 0
    waiting: int = 0  # responses over the record limit, left for the next run
    waiting_from: datetime | None = None  # the earliest order date among them
    waiting_unplaced: bool = False  # some have no order date to resume from

    def warn(self, *messages: str | None) -> None:
        """Add each message once, in order (None and empty messages are skipped)."""
        for message in messages:
            if message and message not in self.warnings:
                self.warnings.append(message)

    def add(self, result: ChunkResult, rows: int, *, in_progress: bool) -> None:
        """Count one transformed chunk of ``rows`` raw rows."""
        self.counts["fetched"] += rows
        self.kept += result.kept
        for outcome, count in result.outcomes["outcome"].value_counts().items():
            self.dropped[str(outcome)] += int(count)
        self.redaction_counts.update({k: v for k, v in result.redaction_counts.items() if v})
        if in_progress:
            # unfinished sessions lack the answers (and dates) not given yet: not a problem
            self.in_progress_ids.extend(result.documents["natural_id"].dropna().tolist())
            return
        self.counts["mapping_problems"] += problem_rows(result.problems)
        self.counts["mapping_problem_values"] += int(result.problems["row"].notna().sum())
        self.warn(*(f"the export has no column {c!r} that the mapping names" for c in result.drift))

    def warn_of_mapping_problems(self) -> None:
        """One warning for the rows with values the mapping could not convert, once all passed."""
        rows, values = self.counts["mapping_problems"], self.counts["mapping_problem_values"]
        if rows:
            self.warn(
                f"{rows} rows had {values} values the mapping could not convert (loaded blank, "
                "or a fallback date stood in); see the run report"
            )

    def hold_back(self, result: ChunkResult, order_dates: pd.Series | None) -> None:
        """Note the responses over the record limit and the earliest order date among them."""
        over = result.outcomes.index[result.outcomes["outcome"] == "over_limit"]
        if not len(over):
            return
        self.waiting += len(over)
        moments = _as_moments(order_dates.loc[over]) if order_dates is not None else None
        if moments is None or moments.isna().any():
            self.waiting_unplaced = True
        earliest = moments.min() if moments is not None else pd.NaT
        if pd.notna(earliest):
            found = earliest.to_pydatetime()
            self.waiting_from = min(found, self.waiting_from or found)

    def resume_from(self, whole_pull: Checkpoint) -> Checkpoint | None:
        """The checkpoint to commit: ``whole_pull``'s unless the record limit left responses
        waiting; then no token and the first waiting one's order date (see runs/pulls.py), or
        None (leave it where it was) when some have no order date.
        """
        if self.waiting_unplaced:
            return None
        if self.waiting_from is not None:
            return Checkpoint(continuation_token=None, watermark=self.waiting_from)
        return whole_pull

    def warn_of_waiting(self, limit: object, order_field: str) -> None:
        """One warning saying how many responses wait for the next run, and from where."""
        if not self.waiting:
            return
        if self.waiting_unplaced:
            where = (
                f"the export has no {order_field} date to resume from, so the checkpoint stays "
                "where it was and the next run pulls them again"
            )
        else:
            assert self.waiting_from is not None
            where = f"the next run starts at the first of them ({self.waiting_from.isoformat()})"
        self.warn(
            f"{self.waiting} responses over the record limit of {limit} were not loaded and "
            f"wait for the next run; {where}"
        )

    def all_counts(self) -> dict[str, int]:
        """The counts with the redaction hits as ``redaction_<rule>``, for the run row."""
        return dict(self.counts) | {f"redaction_{k}": v for k, v in self.redaction_counts.items()}


def _as_moments(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.ArrowDtype) and "timestamp" in str(values.dtype):
        return pd.to_datetime(values.astype("datetime64[ms, UTC]"), utc=True)
    return pd.to_datetime(values.astype(str), utc=True, format="ISO8601", errors="coerce")
