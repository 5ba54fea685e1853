"""The Finish step's actions: run the saved job in this kernel, and the commands that run it
elsewhere (absolute paths, this interpreter, so they work from JupyterLab's terminal)."""

from __future__ import annotations

import html
import shlex
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import JobConfig
from qinbound_nb.widgets.steps.schedule import describe_schedule
from qinbound_nb.widgets.tasks import Busy, MessageArea, guarded, run_task

# run(job, store path, progress) -> a RunReport (status, counts, redaction_counts, warnings...)
RunFunction = Callable[[JobConfig, Path | str, Callable[[Any], None]], Any]
STATUS_COLOURS = {"succeeded": "#16a34a", "succeeded_with_warnings": "#d97706", "failed": "#b91c1c"}
COPY = "navigator.clipboard.writeText(this.previousElementSibling.textContent)"


def library_run(job: JobConfig, store: Path | str, progress: Callable[[Any], None]) -> Any:
    """The default: ``run_job`` straight in this kernel (no papermill)."""
    from qinbound_nb.runs.execute import run_job

    return run_job(job, store=store, progress=progress)


def launcher() -> str:
    """How to call the command line from a terminal: this kernel's own interpreter."""
    return f"{shlex.quote(sys.executable)} -m qinbound_nb"


def run_commands(
    job: JobConfig, job_path: Path, notebook: Path | None, store: Path | str
) -> list[tuple[str, str]]:
    """(what it does, the command or sentence) for the saved job; every path absolute."""
    quoted, at = (
        shlex.quote(str(job_path.resolve())),
        shlex.quote(str(store if isinstance(store, str) else store.resolve())),
    )
    lines = [("Run it from a terminal", f"{launcher()} run {quoted} --store {at}")]
    if notebook is not None:
        lines.append(("Production notebook", f"{notebook.resolve()} (the run executes it)"))
    if job.schedule.kind == "recurring":
        lines.append(("Schedule", f"{describe_schedule(job.schedule)}"))
        lines.append(("Install it in cron", f"{launcher()} schedule {quoted} --install"))
    return lines


def commands_html(lines: list[tuple[str, str]]) -> str:
    """The commands, each with a Copy button."""
    items = []
    for label, text in lines:
        is_command = text.startswith(launcher())
        shown = f"<code>{html.escape(text)}</code>" if is_command else html.escape(text)
        button = f' <button onclick="{COPY}">Copy</button>' if is_command else ""
        items.append(f"<li><b>{html.escape(label)}:</b> {shown}{button}</li>")
    return f'<ul class="qinbound-commands">{"".join(items)}</ul>'


def report_html(report: Any) -> str:
    """A run's summary: status, counts, redaction hits, warnings, failed notifications, error."""
    status = str(report.status)
    colour = STATUS_COLOURS.get(status, "#6b7280")
    counts = {k: v for k, v in dict(report.counts).items() if v}
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td><b>{v}</b></td></tr>" for k, v in counts.items()
    )
    hits = ", ".join(f"{k} {v}" for k, v in sorted(dict(report.redaction_counts).items()) if v)
    notes = [("warning", w) for w in report.warnings]
    notes += [("notification failed", n) for n in getattr(report, "notification_failures", ())]
    notes += [("error", report.error)] if report.error else []
    listed = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in notes)
    return (
        f'<div class="qinbound-run-summary"><b>Run {html.escape(str(report.run_id))}</b> '
        f'<span style="background:{colour};color:#fff;border-radius:8px;padding:0 6px">'
        f"{html.escape(status)}</span>"
        f'<table class="run-counts">{rows or "<tr><td>no documents</td></tr>"}</table>'
        + (f"<div>Redaction hits: {html.escape(hits)}</div>" if hits else "")
        + (f"<ul class='run-notes'>{listed}</ul>" if listed else "")
        + "</div>"
    )


class RunPanel:
    """A Run now button, a progress bar and the run's summary."""

    def __init__(self, executor: Executor, run: RunFunction | None = None) -> None:
        self._executor = executor
        self._run = run or library_run
        self.button = W.Button(
            description="Run now", icon="play", button_style="primary", disabled=True
        )
        self.busy = Busy()
        self.messages = MessageArea()
        self.summary = W.HTML("")
        self.report: Any = None
        self._target: tuple[JobConfig, Path | str] | None = None
        self.button.on_click(guarded(self.messages)(lambda _b: self.start()))
        self.widget = W.VBox([self.button, self.busy.widget, self.messages.widget, self.summary])

    def ready(self, job: JobConfig, store: Path | str) -> None:
        """The job is saved: it can run now, into ``store``."""
        self._target = (job, store)
        self.button.disabled = False

    def start(self) -> None:
        """Run the saved job in the background; show its summary when it ends."""
        if self._target is None:
            self.messages.error("save the job first; then it can run")
            return
        job, store = self._target
        progress = lambda update: self.busy.progress(getattr(update, "percent", None))  # noqa: E731
        self.button.disabled = True
        run_task(
            self._executor,
            lambda: self._run(job, store, progress),
            busy=self.busy,
            label=f"Running {job.name!r}: pulling, redacting and loading…",
            area=self.messages,
            on_done=self._show,
        ).add_done_callback(lambda _f: setattr(self.button, "disabled", False))

    def _show(self, report: Any) -> None:
        self.report = report
        self.summary.value = report_html(report)
