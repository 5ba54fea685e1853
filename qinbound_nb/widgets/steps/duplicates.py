"""Step 9: duplicate handling: what happens to a document whose natural_id is already loaded.

XM Discover has the option but its page was not available; the three modes are ours.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.steps.models import DuplicateHandling

MODES = {
    "replace": "Replace: the incoming document wins (a completed response replaces its partial).",
    "skip": "Skip: keep what is loaded; the incoming duplicate is reported as skipped.",
    "update": "Update: non-empty incoming fields overwrite, empty ones keep the stored value.",
}


class DuplicatesStep(Step[DuplicateHandling]):
    """Choose replace, skip or update for documents already in the project."""

    name = "duplicates"
    title = "Duplicate handling"

    def build(self) -> list[W.Widget]:
        self.mode = W.RadioButtons(options=[(m.capitalize(), m) for m in MODES], value="replace")
        self.explanation = W.HTML(
            "<ul>" + "".join(f"<li>{html.escape(text)}</li>" for text in MODES.values()) + "</ul>"
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
