"""Step 1: the job's name, the project it loads into (existing or new) and a description."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from qinbound_nb.widgets.base import Checked, Step, check_job_fields
from qinbound_nb.widgets.steps.models import JobBasics


class BasicsStep(Step[JobBasics]):
    """Name the job and choose its project."""

    name = "basics"
    title = "Job name and project"

    def build(self) -> list[W.Widget]:
        self.job_name = W.Text(description="Job name", placeholder="e.g. nps-weekly")
        self.project = W.Combobox(
            description="Project",
            placeholder="an existing project, or a new name",
            options=self.context.projects(),
            ensure_option=False,
        )
        self.description = W.Textarea(description="Description", rows=2)
        self.watch(self.job_name, self.project, self.description)
        hint = W.HTML(
            "<small>Projects already in the store are offered; type a new name to start "
            "a new project.</small>"
        )
        return [
            self.field("name", self.job_name),
            self.field("project", self.project),
            hint,
            self.field("description", self.description),
        ]

    def check(self) -> Checked[JobBasics]:
        data = {
            "name": self.job_name.value.strip(),
            "project": self.project.value.strip(),
            "description": self.description.value,
        }
        problems = check_job_fields(data)
        return Checked(None, problems) if problems else Checked(JobBasics(**data))

    def load(self, model: JobBasics) -> None:
        with self.quietly():
            self.job_name.value = model.name
            self.project.value = model.project
            self.description.value = model.description

    def enter(self) -> None:
        self.project.options = self.context.projects()

    def job_fields(self, model: JobBasics) -> dict[str, Any]:
        return model.model_dump()

    def summary(self, model: JobBasics) -> list[tuple[str, str]]:
        return [
            ("Job name", model.name),
            ("Project", model.project),
            ("Description", model.description or "(none)"),
        ]
