"""The values one run's stages hand each other: :class:`Prepared`, :class:`Pulled`, :class:`Ended`.

Each is small and frozen; :class:`~qinbound_nb.runs.runner.Runner` builds them in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from qinbound_nb.core.redaction.redact import RedactionRules
from qinbound_nb.qualtrics.models import DownloadedExport
from qinbound_nb.runs.pulls import PullPlan
from qinbound_nb.store.load import Checkpoint

__all__ = ["Ended", "Prepared", "Pulled"]


@dataclass(frozen=True)
class Prepared:
    """Where the run starts: the checkpoint, the planned pull and the compiled rules."""

    checkpoint: Checkpoint | None
    plan: PullPlan
    rules: RedactionRules


@dataclass(frozen=True)
class Pulled:
    """What the run fetched: the export, in date-ordered parts when it was too large for one
    (after any token fallback), and the in-progress snapshot."""

    exports: tuple[DownloadedExport, ...]
    sessions: DownloadedExport | None
    plan: PullPlan
    source_id_column: str | None

    def next_checkpoint(self) -> Checkpoint:
        """The checkpoint after a whole pull: the new token and this pull's window end."""
        return Checkpoint(
            continuation_token=self.exports[-1].continuation_token,
            watermark=self.plan.window_end,
        )


@dataclass(frozen=True)
class Ended:
    """How the run ended: its status, the error's message when it failed, and whether trying
    again later may succeed."""

    status: str
    error: str | None = None
    retriable: bool = False
