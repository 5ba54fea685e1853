"""What every wizard step shares: its widgets, a checked value, and errors beside fields.

A step is a small class. ``.widget`` is what the wizard shows, ``.value`` is the step's
pydantic model (or the list of problems that stop it from being one), ``.load(model)`` fills
the widgets from a model. Validation is the job model's own (``qinbound_nb.job.config``): a step
turns its widgets into a model and shows each ``ValidationError`` entry beside its field, once
the user has touched that field (or has tried to go on: then every problem shows).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import ipywidgets as W
from pydantic import BaseModel, ValidationError

from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.validation import validation_problems
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.widgets.context import WizardContext
from qinbound_nb.widgets.tasks import ERROR_STYLE, MessageArea, guarded

M = TypeVar("M", bound=BaseModel)
# ipywidgets gives a description 80 px and a checkbox 300 px in all, so longer labels are cut
# ("document…", "Include in-progress respon…"): pass style=FULL_LABEL, layout=fit_label().
FULL_LABEL = {"description_width": "initial"}


# One grid for every step: labels in a column of one width, fields starting at one x and
# one width (a wider layout set by a step wins), the error label in the space beside.
LABEL_WIDTH = "9em"
FIELD_WIDTH = "calc(9em + 24em)"  # an ipywidgets input's width includes its label
GRID_INPUTS = (
    W.Text,
    W.Textarea,
    W.Password,
    W.Combobox,
    W.Dropdown,
    W.IntText,
    W.BoundedIntText,
    W.FloatText,
    W.DatePicker,
    W.ToggleButtons,
)


def on_grid(control: W.Widget) -> None:
    """Put a labelled input on the steps' grid (label column and field width)."""
    if not isinstance(control, GRID_INPUTS) or not control.description:
        return
    if control.style.description_width in ("", None):
        control.style.description_width = LABEL_WIDTH
    if not control.layout.width and not isinstance(control, W.ToggleButtons):
        control.layout.width = FIELD_WIDTH


def fit_label() -> W.Layout:
    """A layout as wide as the widget's label (a new one each time: layouts are shared models)."""
    return W.Layout(width="auto")


POSITION_PREFIX = re.compile(r"^(fields\.\d+): (.*)$", re.S)
# fields a placeholder job needs so one step's fields can be checked by JobConfig itself
PLACEHOLDER_JOB: dict[str, Any] = {
    "name": "placeholder",
    "project": "placeholder",
    "connection": "placeholder",
    "source": {"type": SourceType.TICKETS},
}


@dataclass(frozen=True)
class Checked(Generic[M]):
    """A step's widgets read as a model, or the problems (field key → message) in the way."""

    model: M | None
    problems: dict[str, str] = field(default_factory=dict)


def problems_from(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Turn ``model``'s ValidationError into ``{field key: message}`` (``""``: the whole model)."""
    problems: dict[str, str] = {}
    for key, message in validation_problems(exc, model):
        matched = POSITION_PREFIX.match(message)
        if not key and matched:  # a model-level check that names the position itself
            key, message = matched.group(1), matched.group(2)
        key = f"{prefix}{key}" if key else prefix.rstrip(".")
        problems.setdefault(key, message)
    return problems


def check_job_fields(fields: dict[str, Any]) -> dict[str, str]:
    """Check some top-level job fields with JobConfig's own validators; return problems."""
    try:
        JobConfig.model_validate({**PLACEHOLDER_JOB, **fields})
    except ValidationError as exc:
        problems = problems_from(exc, JobConfig)
        return {k: m for k, m in problems.items() if k.split(".")[0] in fields}
    return {}


class Step(Generic[M]):
    """Base of the wizard steps; subclasses fill in build, check, load, job_fields, summary."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, context: WizardContext) -> None:
        self.context = context
        self.messages = MessageArea()
        self.problems = MessageArea()
        self._error_labels: dict[str, W.HTML] = {}
        self._field_of: dict[str, str] = {}  # a control's model_id → its field key
        self._touched: set[str] = set()
        self._revealed = False
        self._listeners: list[Callable[[], None]] = []
        self._quiet = 0
        body = self.build()
        heading = W.HTML(f"<h3>{html.escape(self.title)}</h3>")
        self.widget = W.VBox([heading, *body, self.problems.widget, self.messages.widget])

    # -- what subclasses provide ------------------------------------------------------------
    def build(self) -> list[W.Widget]:
        """Create the step's controls; return the widgets to show."""
        raise NotImplementedError

    def check(self) -> Checked[M]:
        """Read the controls into the step's model, or report what is wrong."""
        raise NotImplementedError

    def load(self, model: M) -> None:
        """Fill the controls from a model (reopening a job for editing)."""
        raise NotImplementedError

    def job_fields(self, model: M) -> dict[str, Any]:
        """The part of the job file this step's model stands for."""
        raise NotImplementedError

    def summary(self, model: M) -> list[tuple[str, str]]:
        """(setting, value) pairs for the review step."""
        raise NotImplementedError

    def enter(self) -> None:
        """Called each time the wizard shows this step (load lists, refresh choices)."""

    # -- shared behaviour -------------------------------------------------------------------
    @property
    def value(self) -> M | list[str]:
        """The step's model, or the messages that say what to fix."""
        checked = self.check()
        if checked.model is not None:
            return checked.model
        return [
            f"{key}: {message}" if key else message for key, message in checked.problems.items()
        ]

    @property
    def valid(self) -> bool:
        """True when the step's controls make a valid model."""
        return self.check().model is not None

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change of the step's controls."""
        self._listeners.append(listener)

    def field(self, key: str, *controls: W.Widget) -> W.HBox:
        """Lay out controls with an error label beside them, shown when ``key`` has a problem."""
        label = W.HTML(value="", layout=W.Layout(flex="1 1 12em", min_width="12em"))
        for control in controls:  # an error beside a field must not squeeze the field
            on_grid(control)
            if not control.layout.flex:
                control.layout.flex = "0 0 auto"
        self.track(key, label, *controls)
        return W.HBox([*controls, label])

    def track(self, key: str, label: W.HTML, *controls: W.Widget) -> None:
        """Show ``key``'s problems in ``label`` once one of ``controls`` (or a child) changes."""
        self._error_labels[key] = label
        pending = list(controls)
        while pending:
            control = pending.pop()
            self._field_of[control.model_id] = key
            pending.extend(getattr(control, "children", ()))

    def touch(self, *keys: str) -> None:
        """Treat fields ``keys`` (default: every field) as touched; shown at the next check."""
        self._touched |= set(keys or self._error_labels)

    def reveal(self) -> Checked[M]:
        """Show every problem of the step (the user tried to go on); return the check."""
        self._revealed = True
        return self.refresh()

    def error_for(self, key: str) -> str:
        """The error shown beside field ``key`` (plain text; empty when none)."""
        label = self._error_labels.get(key)
        return html.unescape(re.sub(r"<[^>]+>", "", label.value)) if label else ""

    def watch(self, *controls: W.Widget) -> None:
        """Re-check the step whenever one of ``controls`` changes value."""
        for control in controls:
            control.observe(self._on_value, names="value")

    def refresh(self) -> Checked[M]:
        """Check the controls and show each problem beside its field."""
        checked = self.check()
        self.show_problems(checked.problems)
        return checked

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put each problem beside its touched field; the rest below the step.

        Before the user touches anything or tries to go on, nothing shows: a fresh step
        is not wrong yet, only unfinished (Next stays disabled all the same).
        """
        beside: dict[str, list[str]] = {key: [] for key in self._error_labels}
        leftover = {}
        for key, message in problems.items():
            owner = self._owner_of(key)
            if owner is None:
                if self._revealed or self._touched:  # a step-wide problem
                    leftover[key] = message
            elif self._revealed or owner in self._touched:
                beside[owner].append(_with_part(key[len(owner) + 1 :], message))
        for key, label in self._error_labels.items():
            label.value = _error_markup("; ".join(beside[key])) if beside[key] else ""
        if leftover:
            self.problems.error(*(f"{k}: {m}" if k else m for k, m in leftover.items()))
        else:
            self.problems.clear()

    def forget_fields(self, prefix: str) -> None:
        """Stop showing errors for fields under ``prefix`` (their widgets are gone)."""
        gone = {k for k in self._error_labels if k == prefix or k.startswith(prefix + ".")}
        for key in gone:
            del self._error_labels[key]
        self._field_of = {control: k for control, k in self._field_of.items() if k not in gone}

    def _owner_of(self, key: str) -> str | None:
        # the longest registered field key that is ``key`` or a dotted prefix of it
        parts = key.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self._error_labels:
                return candidate
        return None

    def changed(self) -> None:
        """Re-check and tell the wizard (unless a bulk update is running)."""
        if self._quiet:
            return
        self.refresh()
        for listener in self._listeners:
            listener()

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Change many controls, then re-check once."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1
        self.changed()

    def _on_value(self, change: dict[str, Any]) -> None:
        # a change made in a bulk update (filling choices, loading) is not the user's touch
        key = self._field_of.get(change["owner"].model_id)
        if key is not None and not self._quiet:
            self._touched.add(key)
        guarded(self.messages)(self.changed)()


# a problem's part of a field (a mapping row's "transform.pattern"), as an analyst calls it;
# an empty word: the message names the part itself
PART_WORDS = {
    "": "",
    "name": "",
    "transform.pattern": "",
    "transform.table": "lookup table",
    "transform.expression": "expression",
    "transform.replacement": "replacement",
    "transform.default": "default value",
}


def _with_part(part: str, message: str) -> str:
    word = PART_WORDS.get(part, part.rsplit(".", 1)[-1].replace("_", " "))
    return f"{word}: {message}" if word else message


def _error_markup(message: str) -> str:
    return f'<span class="qinbound-field-error" style="{ERROR_STYLE}">{html.escape(message)}</span>'


def validated(model: type[M], data: dict[str, Any], prefix: str = "") -> Checked[M]:
    """Validate ``data`` as ``model``; problems keyed by field path (with ``prefix``)."""
    try:
        return Checked(model.model_validate(data))
    except ValidationError as exc:
        return Checked(None, problems_from(exc, model, prefix))
