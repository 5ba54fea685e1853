"""The notebook wizard: XM Discover's job setup as an ipywidgets stepper.

A header of step titles with state icons, the current step's widgets (an ``ipywidgets.Stack``),
Back/Next buttons and a message area. Next is enabled only when the current step is valid;
a step's errors show beside a field once it is touched, or all at once when the user tries to
go on (Next, or a later step's title). The job being built is ``Wizard.job``.
``Wizard(job=JobConfig.load(path))`` reopens a job with every step filled in.
"""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ipywidgets as W

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.widgets.base import Step
from qinbound_nb.widgets.context import ApiFactory, Exporter, QualtricsApi, WizardContext
from qinbound_nb.widgets.layout import WizardFrame
from qinbound_nb.widgets.preview import PreviewFunction, PreviewPanel
from qinbound_nb.widgets.scrolling import StepScroller
from qinbound_nb.widgets.steps.basics import BasicsStep
from qinbound_nb.widgets.steps.connection import ConnectionStep
from qinbound_nb.widgets.steps.datatype import DataTypeStep
from qinbound_nb.widgets.steps.duplicates import DuplicatesStep
from qinbound_nb.widgets.steps.filtering import FilterStep
from qinbound_nb.widgets.steps.finish import FinishStep
from qinbound_nb.widgets.steps.mapping import MappingStep
from qinbound_nb.widgets.steps.models import step_models
from qinbound_nb.widgets.steps.notifications import NotificationsStep
from qinbound_nb.widgets.steps.review import ReviewStep, Section
from qinbound_nb.widgets.steps.rules import RulesStep
from qinbound_nb.widgets.steps.run_now import RunFunction
from qinbound_nb.widgets.steps.schedule import ScheduleStep
from qinbound_nb.widgets.steps.source import SourceStep
from qinbound_nb.widgets.tasks import MessageArea, guarded

STEP_CLASSES: tuple[type[Step[Any]], ...] = (
    BasicsStep,
    ConnectionStep,
    DataTypeStep,
    SourceStep,
    MappingStep,
    RulesStep,
    FilterStep,
    NotificationsStep,
    DuplicatesStep,
    ScheduleStep,
    ReviewStep,
    FinishStep,
)
PREVIEW_FROM = "mapping"  # the preview makes sense once fields are mapped


def qualtrics_api(connection: Connection) -> QualtricsApi:
    """The default API factory: the real client (or the sandbox for datacenter 'sandbox')."""
    from qinbound_nb.runs.clients import client_for_connection

    return client_for_connection(connection)


class Wizard:
    """Build (or edit) a connector job step by step in a notebook.

    Args:
        job: a job to reopen for editing; every step is filled from it.
        api_factory: ``api_factory(connection)`` returns the Qualtrics API used for the
            connection test, the survey list, saved filters and survey metadata.
        store: the project store (offers existing projects; registers the saved job).
        jobs_dir: where the job file and the notebook are proposed to go.
        connections: the connections file (default: the per-user one).
        executor: runs slow work; pass ``SynchronousExecutor()`` to run it in line.
        export: ``export(job, path)`` writes the production notebook (default:
            ``qinbound_nb.notebooks.export.export_notebook``).
        preview: ``preview(job, limit)`` returns a preview with ``.html()`` and
            ``.update(job)`` (default: ``qinbound_nb.preview``).
        run: ``run(job, store_path, progress)`` runs the saved job for Finish's Run now
            (default: ``run_job`` in this kernel).
    """

    def __init__(
        self,
        job: JobConfig | None = None,
        *,
        api_factory: ApiFactory | None = None,
        store: Any | None = None,
        jobs_dir: Path | str = Path("."),
        connections: ConnectionStore | None = None,
        executor: Executor | None = None,
        export: Exporter | None = None,
        preview: PreviewFunction | None = None,
        run: RunFunction | None = None,
    ) -> None:
        self.context = WizardContext(
            api_factory=api_factory or qualtrics_api,
            connections=connections or ConnectionStore(),
            executor=executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="wizard"),
            jobs_dir=Path(jobs_dir),
            store=store,
            export=export,
            draft=self.draft,
            go_to=self.edit,
            run=run,
        )
        self.messages = MessageArea()
        self.steps: list[Step[Any]] = [cls(self.context) for cls in STEP_CLASSES]
        self._index = 0
        self._visited = {0}
        self._editing_from_review = False
        self.scroller = StepScroller()
        self.review.sections = self.sections
        self.preview = PreviewPanel(
            self._preview_job, executor=self.context.executor, preview=preview, store=store
        )
        self.context.mapping_problems = lambda: getattr(self.preview.result, "problems", None)
        self.widget = self._build()
        for step in self.steps:
            step.on_change(self._update)
        if job is not None:
            self.load(job)
        self._show(0)

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> W.VBox:
        frame = WizardFrame(
            [step.widget for step in self.steps],
            [self.messages.widget, self.scroller.widget],
            self.preview.widget,
        )
        self.frame = frame
        self.header, self.body, self.position = frame.header, frame.body, frame.position
        self.back, self.next, self.back_to_review = frame.back, frame.next, frame.back_to_review
        for index, button in enumerate(self.header):
            button.on_click(guarded(self.messages)(lambda _b, i=index: self._jump(i)))
        self.back.on_click(guarded(self.messages)(lambda _b: self._show(self._index - 1)))
        self.next.on_click(guarded(self.messages)(lambda _b: self._next()))
        self.back_to_review.on_click(guarded(self.messages)(lambda _b: self.go_to("review")))
        self.body.add_class(self.scroller.marker)
        self.preview.beside.observe(lambda change: frame.arrange(change["new"]), names="value")
        return frame.widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # -- navigation ----------------------------------------------------------------------------
    @property
    def current(self) -> Step[Any]:
        """The step on screen."""
        return self.steps[self._index]

    def step(self, name: str) -> Step[Any]:
        """The step called ``name`` (``basics``, ``connection``, … ``finish``)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise ConfigError(
            f"no wizard step {name!r}; steps: {', '.join(s.name for s in self.steps)}"
        )

    @property
    def review(self) -> ReviewStep:
        """The review step."""
        step = self.step("review")
        assert isinstance(step, ReviewStep)
        return step

    def go_to(self, name: str) -> None:
        """Show step ``name``."""
        self._jump(self.steps.index(self.step(name)))

    def edit(self, name: str) -> None:
        """Show step ``name`` from the review, with a way straight back to it."""
        self.go_to(name)
        self._editing_from_review = self.current.name == name != "review"
        self._update()

    def _jump(self, index: int) -> None:
        blocking = [s for s in self.steps[:index] if not s.valid] if index > self._index else []
        if blocking:
            for step in blocking:  # trying to go on shows every problem in the way
                step.reveal()
            self.messages.error("finish the steps before that one first (marked ✗)")
            return
        self._show(index)

    def _next(self) -> None:
        if not self.current.valid:
            self.current.reveal()
            return
        self._show(self._index + 1)

    def _show(self, index: int) -> None:
        self._index = max(0, min(index, len(self.steps) - 1))
        self._visited.add(self._index)
        if self.current.name == "review":
            self._editing_from_review = False
        self.messages.clear()
        self.body.selected_index = self._index
        guarded(self.current.messages)(self.current.enter)()
        self.current.refresh()
        self._update()
        self.scroller.scroll(self.current.name)

    def _update(self) -> None:
        valid = self.current.valid
        last = self._index == len(self.steps) - 1
        self.next.disabled = not valid or last
        self.back.disabled = self._index == 0
        self.next.tooltip = "" if valid else "Complete or correct this step's fields first"
        waiting = "" if valid or last else " (complete this step to go on)"
        where = f"Step {self._index + 1} of {len(self.steps)}: {self.current.title}"
        self.position.value = where + waiting
        returning = self._editing_from_review
        self.back_to_review.layout.display = "inline-flex" if returning else "none"
        for index, (step, button) in enumerate(zip(self.steps, self.header, strict=True)):
            button.description = f"{self._icon(index, step)} {index + 1}. {step.title}"
            button.button_style = "info" if index == self._index else ""
        shows_preview = self._index >= self.steps.index(self.step(PREVIEW_FROM))
        self.preview.widget.layout.display = "flex" if shows_preview else "none"
        if shows_preview and valid:
            guarded(self.preview.messages)(self.preview.job_changed)()

    def _icon(self, index: int, step: Step[Any]) -> str:
        if index == self._index:
            return "●"
        if index not in self._visited:
            return "○"
        return "✓" if step.valid else "✗"

    # -- the job -------------------------------------------------------------------------------
    def draft(self, until: str | None = None) -> dict[str, Any]:
        """The job fields of every valid step before ``until`` (every step when None)."""
        fields: dict[str, Any] = {}
        for step in self.steps:
            if step.name == until:
                break
            model = step.check().model
            if model is not None:
                fields |= step.job_fields(model)
        return fields

    @property
    def job(self) -> JobConfig | None:
        """The job the steps describe, or None while a step is not valid."""
        if not all(step.valid for step in self.steps):
            return None
        return JobConfig.model_validate(self.draft())

    def sections(self) -> list[Section]:
        """Each settings step as the review shows it."""
        found = []
        for step in self.steps:
            if isinstance(step, ReviewStep | FinishStep):
                continue
            value = step.value
            if isinstance(value, list):
                found.append(Section(step.name, step.title, [], value))
            else:
                found.append(Section(step.name, step.title, step.summary(value), []))
        return found

    def load(self, job: JobConfig) -> None:
        """Fill every step from ``job`` (reopening it for editing)."""
        for step_name, model in step_models(job, self.context.connections).items():
            step = self.step(step_name)
            step.load(model)
            step.touch()  # a reopened job's problems show beside its fields at once
        self._visited = set(range(len(self.steps)))

    def _preview_job(self) -> JobConfig | None:
        try:
            return JobConfig.model_validate(self.draft("review"))
        except ValueError:
            return None

    def close(self) -> None:
        """Close the API clients and the background executor."""
        self.context.close()
        shutdown = getattr(self.context.executor, "shutdown", None)
        if callable(shutdown):
            shutdown(wait=False)
