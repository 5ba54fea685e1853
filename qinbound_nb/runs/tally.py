"""What a run counts while its chunks pass: documents per outcome, redaction hits, warnings.

The :class:`Tally` is the one mutable part of a run; the runner creates it with itself and
each chunk's :class:`~qinbound_nb.core.pipeline.ChunkResult` is added as it is transformed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from qinbound_nb.core.pipeline import ChunkResult

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
        self.counts["mapping_problems"] += len(result.problems)
        self.warn(*(f"the export has no column {c!r} that the mapping names" for c in result.drift))

    def warn_of_mapping_problems(self) -> None:
        """One warning for every value the mapping could not convert, once all chunks passed."""
        problems = self.counts["mapping_problems"]
        if problems:
            self.warn(
                f"{problems} values could not be converted and were loaded blank; see the run "
                "report"
            )

    def all_counts(self) -> dict[str, int]:
        """The counts with the redaction hits as ``redaction_<rule>``, for the run row."""
        return dict(self.counts) | {f"redaction_{k}": v for k, v in self.redaction_counts.items()}
