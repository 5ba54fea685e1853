"""Step 11: review every setting, section by section, each with an Edit button that jumps back."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import JobConfig
from qinbound_nb.widgets.base import Checked, Step, validated


@dataclass(frozen=True)
class Section:
    """One step as the review shows it: its settings, or what is still wrong."""

    step: str
    title: str
    rows: list[tuple[str, str]]
    problems: list[str]


def section_html(section: Section) -> str:
    """A small table of a section's settings (escaped), problems in red."""
    rows = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
        for k, v in section.rows
    )
    problems = "".join(f"<li style='color:#b42318'>{html.escape(p)}</li>" for p in section.problems)
    return f"<b>{html.escape(section.title)}</b><table>{rows}</table><ul>{problems}</ul>"


class ReviewStep(Step[JobConfig]):
    """Show the whole job before it is saved."""

    name = "review"
    title = "Review"

    def build(self) -> list[W.Widget]:
        self.sections: Callable[[], list[Section]] = list
        self.edit_buttons: dict[str, W.Button] = {}
        self.body = W.VBox([])
        return [self.body]

    def enter(self) -> None:
        boxes = []
        self.edit_buttons = {}
        for section in self.sections():
            button = W.Button(description="Edit", icon="pencil", layout=W.Layout(width="80px"))
            button.on_click(lambda _b, step=section.step: self.context.go_to(step))
            self.edit_buttons[section.step] = button
            boxes.append(W.HBox([W.HTML(section_html(section)), button]))
        self.body.children = boxes
        self.changed()

    def check(self) -> Checked[JobConfig]:
        return validated(JobConfig, self.context.draft(self.name))

    def load(self, model: JobConfig) -> None:
        """Nothing to fill: the review shows the other steps."""

    def job_fields(self, model: JobConfig) -> dict[str, Any]:
        return {}

    def summary(self, model: JobConfig) -> list[tuple[str, str]]:
        return []
