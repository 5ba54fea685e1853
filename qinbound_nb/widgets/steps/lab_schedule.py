"""The Finish step's "Schedule in JupyterLab": offered once the job is saved, where
jupyter-scheduler is installed and the Jupyter server running this kernel has it."""

from __future__ import annotations

import html
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, Protocol

import ipywidgets as W

from qinbound_nb.job.config import JobConfig
from qinbound_nb.widgets.tasks import Busy, MessageArea, guarded, run_task


class LabScheduling(Protocol):
    """Where the job definitions go; :class:`JupyterLabScheduling` is the real one."""

    def available(self) -> bool: ...

    def schedule(
        self, job: JobConfig, notebook: Path, job_path: Path, store: str
    ) -> dict[str, str]: ...


class JupyterLabScheduling:
    """The Jupyter server this kernel runs under (``scheduling.jupyterlab``)."""

    def available(self) -> bool:
        from qinbound_nb.scheduling.jupyterlab import scheduler_server

        return scheduler_server() is not None

    def schedule(
        self, job: JobConfig, notebook: Path, job_path: Path, store: str
    ) -> dict[str, str]:
        from qinbound_nb.scheduling.jupyterlab import schedule_job

        return schedule_job(job, notebook, job_path=job_path, store=store)


class LabSchedulePanel:
    """A "Schedule in JupyterLab" button, hidden until the server is known to take schedules."""

    def __init__(self, executor: Executor, scheduling: LabScheduling | None = None) -> None:
        self._executor = executor
        self.scheduling = scheduling or JupyterLabScheduling()
        self.button = W.Button(
            description="Schedule in JupyterLab", icon="calendar", layout=W.Layout(width="auto")
        )
        self.busy = Busy()
        self.messages = MessageArea()
        self.result = W.HTML("")
        self._target: tuple[JobConfig, Path, Path, str] | None = None
        self.created: dict[str, str] = {}  # definition name -> id, once scheduled
        self.button.on_click(guarded(self.messages)(lambda _b: self.start()))
        self.widget = W.VBox(
            [self.button, self.busy.widget, self.messages.widget, self.result],
            layout=W.Layout(display="none"),
        )

    def offer(self, job: JobConfig, job_path: Path, notebook: Path | None, store: Any) -> None:
        """The job is saved: show the button if JupyterLab's scheduler can take it (checked in
        the background; a kernel outside JupyterLab simply sees no button)."""
        self.widget.layout.display = "none"
        if notebook is None:
            return
        self._target = (job, notebook, job_path, str(store))
        future: Future[bool] = self._executor.submit(self.scheduling.available)
        future.add_done_callback(self._available)

    def _available(self, future: Future[bool]) -> None:
        if future.exception() is None and future.result():
            self.widget.layout.display = "flex"

    def start(self) -> None:
        """Create the job definition(s) in the background; show what was scheduled."""
        if self._target is None:
            self.messages.error("save the job and its notebook first; then it can be scheduled")
            return
        job, notebook, job_path, store = self._target
        run_task(
            self._executor,
            lambda: self.scheduling.schedule(job, notebook, job_path, store),
            busy=self.busy,
            label="Creating the schedule in JupyterLab…",
            area=self.messages,
            on_done=lambda created: self._show(job, created),
        )

    def _show(self, job: JobConfig, created: dict[str, str]) -> None:
        from qinbound_nb.scheduling.jupyterlab import jupyterlab_crons

        self.created = dict(created)
        crons = jupyterlab_crons(job.name, job.schedule)
        items = "".join(
            f"<li><b>{html.escape(name)}</b>: <code>{html.escape(crons.get(name, '?'))}</code> "
            f"in {html.escape(job.schedule.timezone)}</li>"
            for name in created
        )
        self.result.value = (
            f"<p>Scheduled in JupyterLab (its Notebook Jobs panel lists them):</p><ul>{items}</ul>"
        )
