"""Step 12: finish: save the job file, export the production notebook, run it now (at once when
the job says "pull as soon as created"), show the commands that run it from a terminal, and
offer to schedule it in JupyterLab where jupyter-scheduler runs."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as W

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.steps.lab_schedule import LabSchedulePanel
from qinbound_nb.widgets.steps.run_now import RunPanel, commands_html, run_commands
from qinbound_nb.widgets.tasks import Busy, guarded, run_task


def default_exporter(job: JobConfig, path: Path, job_path: Path, store_path: str | None) -> Any:
    """Export with ``export_notebook``, the notebook naming the job file."""
    from qinbound_nb.notebooks import export as notebooks

    export_notebook = getattr(notebooks, "export_notebook", None)
    if export_notebook is None:
        raise QInboundError("notebook export is not available in this version; the job was saved")
    return export_notebook(job, path, job_path=job_path, store_path=store_path)


def store_path(store: Any) -> Path | str:
    """Where runs load: the wizard's store, else the default store (absolute; a URL as is)."""
    from qinbound_nb.store.backend import absolute, resolve_location

    given = getattr(store, "path", None)
    return absolute(given if given else resolve_location(None))


def problems_html(problems: Any, shown: int = 10) -> str:
    """The first mapping problems (field, value, reason) the preview found."""
    rows = "".join(
        f"<li><b>{html.escape(str(field))}</b> = <code>{html.escape(str(value))}</code>: "
        f"{html.escape(str(reason))} (row {html.escape(str(row))})</li>"
        for row, field, value, reason in zip(
            problems["row"][:shown],
            problems["field"][:shown],
            problems["value"][:shown],
            problems["problem"][:shown],
            strict=True,
        )
    )
    more = f"<li>… and {len(problems) - shown} more</li>" if len(problems) > shown else ""
    return (
        '<div style="color:#b45309"><b>The preview found mapping problems</b> '
        f"(values that could not be converted):<ul>{rows}{more}</ul></div>"
    )


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
        self.run_panel = RunPanel(self.context.executor, self.context.run)
        self.lab_panel = LabSchedulePanel(self.context.executor)
        self.problems_note = W.HTML("")
        self.accept_problems = W.Checkbox(
            description="Load anyway: these values will be empty in the documents",
            indent=False,
            layout=W.Layout(width="auto", display="none"),
        )
        self.saved: Path | None = None
        self.save_button.on_click(guarded(self.messages)(self._save))
        self.watch(self.job_path, self.notebook_path, self.accept_problems)
        return [
            self.problems_note,
            self.field("accept_problems", self.accept_problems),
            self.field("job_path", self.job_path),
            self.field("notebook_path", self.notebook_path),
            self.save_button,
            self.busy.widget,
            self.result,
            self.run_panel.widget,
            self.lab_panel.widget,
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
        problems = self.context.mapping_problems()
        count = 0 if problems is None else len(problems)
        self.problems_note.value = problems_html(problems) if count else ""
        self.accept_problems.layout.display = "flex" if count else "none"
        if count and not self.accept_problems.value:
            return Checked(
                None,
                {
                    "accept_problems": f"the preview found {count} mapping problem"
                    f"{'s' if count != 1 else ''}: fix the mapping, or tick 'Load anyway'"
                },
            )
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
        store = store_path(self.context.store)
        saved = f"<p>Saved {html.escape(str(job_path.resolve()))}.</p>"
        self.result.value = saved + commands_html(run_commands(job, job_path, notebook, store))
        self.run_panel.ready(job, store)
        self.lab_panel.offer(job, job_path.resolve(), notebook, store)
        if job.schedule.pull_on_create:  # "pull data as soon as the job is created"
            self.run_panel.start()

    def load(self, model: JobConfig) -> None:
        """Nothing to fill: the paths follow the job's name."""

    def job_fields(self, model: JobConfig) -> dict[str, Any]:
        return {}

    def summary(self, model: JobConfig) -> list[tuple[str, str]]:
        return []
