"""Step 12: finish: save the job file, export the production notebook, and say what runs it."""

from __future__ import annotations

import html
import shlex
from pathlib import Path
from typing import Any

import ipywidgets as W

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import ScheduleKind
from qinbound_nb.scheduling.recurrence import describe_schedule
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.tasks import Busy, guarded, run_task


def default_exporter(job: JobConfig, path: Path, job_path: Path, store_path: str | None) -> Any:
    """Export with ``export_notebook``, the notebook naming the job file."""
    from qinbound_nb.notebooks import export as notebooks

    export_notebook = getattr(notebooks, "export_notebook", None)
    if export_notebook is None:
        raise QInboundError("notebook export is not available in this version; the job was saved")
    return export_notebook(job, path, job_path=job_path, store_path=store_path)


def run_instructions(job: JobConfig, job_path: Path, notebook: Path | None) -> list[str]:
    """The commands (and the schedule) that will run the saved job."""
    quoted = shlex.quote(str(job_path))
    lines = [f"Run it now: qinbound run {quoted}"]
    if notebook is not None:
        lines.append(
            f"The production notebook is {notebook}; 'qinbound run' executes it with papermill."
        )
    if job.schedule.kind == ScheduleKind.RECURRING:
        lines.append(f"Schedule: {describe_schedule(job.schedule)}.")
        lines.append(f"Install it in cron: qinbound schedule {quoted} --install")
    elif job.schedule.pull_on_create:
        lines.append("One-time job: run the command above to pull the data.")
    else:
        lines.append("One-time job created without pulling data; run it when you are ready.")
    return lines


class FinishStep(Step[JobConfig]):
    """Save everything and show how the job will run."""

    name = "finish"
    title = "Finish"

    def build(self) -> list[W.Widget]:
        self.job_path = W.Text(description="Job file", layout=W.Layout(width="70%"))
        self.notebook_path = W.Text(description="Notebook", layout=W.Layout(width="70%"))
        self.save_button = W.Button(
            description="Save job and export notebook",
            icon="save",
            button_style="success",
            layout=W.Layout(width="auto"),
        )
        self.result = W.HTML("")
        self.busy = Busy()
        self.saved: Path | None = None
        self.save_button.on_click(guarded(self.messages)(self._save))
        self.watch(self.job_path, self.notebook_path)
        return [
            self.field("job_path", self.job_path),
            self.field("notebook_path", self.notebook_path),
            self.save_button,
            self.busy.widget,
            self.result,
        ]

    def enter(self) -> None:
        name = self.context.draft(self.name).get("name") or "job"
        stem = str(name).replace(" ", "_")
        if not self.job_path.value:
            self.job_path.value = str(self.context.jobs_dir / f"{stem}.json")
        if not self.notebook_path.value:
            self.notebook_path.value = str(self.context.jobs_dir / f"{stem}.ipynb")
        self.changed()

    def check(self) -> Checked[JobConfig]:
        return validated(JobConfig, self.context.draft(self.name))

    def _save(self, _button: object = None) -> None:
        job = self.reveal().model
        if job is None:
            self.messages.error("the job is not complete yet; fix the steps marked ✗ first")
            return
        if not self.job_path.value.strip():
            self.show_problems({"job_path": "say where the job file should go"})
            return
        job_path = Path(self.job_path.value.strip()).expanduser()
        notebook = (
            Path(self.notebook_path.value.strip()).expanduser()
            if self.notebook_path.value.strip()
            else None
        )
        run_task(
            self.context.executor,
            lambda: self._write(job, job_path, notebook),
            busy=self.busy,
            label="Saving the job and exporting the notebook…",
            area=self.messages,
            on_done=lambda written: self._show_done(job, job_path, written),
        )

    def _write(self, job: JobConfig, job_path: Path, notebook: Path | None) -> Path | None:
        job.save(job_path)
        self.saved = job_path
        register = getattr(self.context.store, "register_job", None)
        if callable(register):
            register(job, job_path)
        if notebook is None:
            return None
        if self.context.export is not None:
            self.context.export(job, notebook)
        else:
            store_path = getattr(self.context.store, "path", None)
            default_exporter(job, notebook, job_path, str(store_path) if store_path else None)
        return notebook

    def _show_done(self, job: JobConfig, job_path: Path, notebook: Path | None) -> None:
        lines = [f"Saved {job_path}.", *run_instructions(job, job_path, notebook)]
        self.result.value = (
            "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"
        )

    def load(self, model: JobConfig) -> None:
        """Nothing to fill: the paths follow the job's name."""

    def job_fields(self, model: JobConfig) -> dict[str, Any]:
        return {}

    def summary(self, model: JobConfig) -> list[tuple[str, str]]:
        return []
