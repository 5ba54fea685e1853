"""Step 9: duplicate handling: what happens to a document whose natural_id is already loaded.

XM Discover has the option but its page was not available; the three modes are ours.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.steps.models import DuplicateHandling

MODES = {
    DuplicateMode.REPLACE: (
        "Replace: the incoming document wins (a completed response replaces its partial)."
    ),
    DuplicateMode.SKIP: "Skip: keep what is loaded; the incoming duplicate is reported as skipped.",
    DuplicateMode.UPDATE: (
        "Update: non-empty incoming fields overwrite, empty ones keep the stored value."
    ),
}


class DuplicatesStep(Step[DuplicateHandling]):
    """Choose replace, skip or update for documents already in the project."""

    name = "duplicates"
    title = "Duplicate handling"

    def build(self) -> list[W.Widget]:
        self.mode = W.RadioButtons(
            options=[(mode.capitalize(), mode) for mode in DuplicateMode],
            value=DuplicateMode.REPLACE,
        )
        self.explanation = W.HTML(
            "<ul>"
            + "".join(f"<li>{html.escape(MODES[mode])}</li>" for mode in DuplicateMode)
            + "</ul>"
            "<small>Duplicates are recognised by natural_id, per project.</small>"
        )
        self.watch(self.mode)
        return [self.field("duplicates", self.mode), self.explanation]

    def check(self) -> Checked[DuplicateHandling]:
        return validated(DuplicateHandling, {"duplicates": self.mode.value})

    def load(self, model: DuplicateHandling) -> None:
        with self.quietly():
            self.mode.value = model.duplicates

    def job_fields(self, model: DuplicateHandling) -> dict[str, Any]:
        return {"duplicates": model.duplicates}

    def summary(self, model: DuplicateHandling) -> list[tuple[str, str]]:
        return [("Duplicates", MODES[model.duplicates])]
