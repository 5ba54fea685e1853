"""Fixtures for driving the wizard headlessly: the sandbox API, a wizard, helpers to walk it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest

from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.models import (
    ExportProgress,
    SavedFilter,
    SurveyMetadata,
    SurveySummary,
    WhoAmI,
)
from qinbound_nb.runs.runner import RunReport
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.widgets.tasks import SynchronousExecutor
from qinbound_nb.widgets.wizard import Wizard

SURVEY_ID = "SV_1NpsDemoSurvey1"
OTHER_SURVEY = "SV_2CsatPulseDemo2"


class RecordingApi:
    """The real client over the in-process sandbox, recording which calls the wizard makes."""

    def __init__(self, connection: Connection, calls: list[tuple[str, ...]]) -> None:
        # every datacenter is answered by the sandbox: tests never leave the process
        self.client = QualtricsClient(connection, transport=Sandbox(seed=0).transport())
        self.connection = connection
        self.calls = calls

    def whoami(self) -> WhoAmI:
        self.calls.append(("whoami", self.connection.name))
        return self.client.whoami()

    def list_surveys(self) -> list[SurveySummary]:
        self.calls.append(("list_surveys",))
        return self.client.list_surveys()

    def list_filters(self, survey_id: str) -> list[SavedFilter]:
        self.calls.append(("list_filters", survey_id))
        return self.client.list_filters(survey_id)

    def survey_metadata(self, survey_id: str) -> SurveyMetadata:
        self.calls.append(("survey_metadata", survey_id))
        return self.client.survey_metadata(survey_id)

    def idp_schema(self, idp_source_id: str) -> Any:
        self.calls.append(("idp_schema", idp_source_id))
        return self.client.idp_schema(idp_source_id)

    def export_responses(self, survey_id: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("export_responses", survey_id))
        return self.client.export_responses(survey_id, *args, **kwargs)

    def export_idp(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("export_idp",))
        return self.client.export_idp(*args, **kwargs)

    def export_tickets(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("export_tickets",))
        return self.client.export_tickets(*args, **kwargs)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def api_calls() -> list[tuple[str, ...]]:
    return []


@pytest.fixture
def runs() -> list[tuple[JobConfig, Path]]:
    return []


@pytest.fixture
def make_wizard(
    tmp_path: Path, api_calls: list[tuple[str, ...]], runs: list[tuple[JobConfig, Path]]
) -> Iterator[Callable[..., Wizard]]:
    made: list[Wizard] = []

    def fake_run(job: JobConfig, store: Path, progress: Callable[[Any], None]) -> RunReport:
        runs.append((job, store))
        progress(ExportProgress("poll", 50.0))
        return RunReport("run-1", job.name, "succeeded", counts={"loaded": 3})

    def make(**options: Any) -> Wizard:
        options.setdefault("run", fake_run)
        options.setdefault("api_factory", lambda c: RecordingApi(c, api_calls))
        options.setdefault("executor", SynchronousExecutor())
        options.setdefault("jobs_dir", tmp_path)
        options.setdefault("connections", ConnectionStore())
        wizard = Wizard(**options)
        made.append(wizard)
        return wizard

    yield make
    for wizard in made:
        wizard.close()


def fill_basics(
    wizard: Wizard, name: str = "nps-weekly", project: str = "customer_feedback"
) -> None:
    step = wizard.step("basics")
    step.job_name.value = name
    step.project.value = project


def walk_to(wizard: Wizard, name: str) -> None:
    """Fill the required steps with the defaults and press Next until ``name`` shows."""
    fillers = {
        "basics": lambda: fill_basics(wizard),
        "source": lambda: setattr(wizard.step("source").survey_id, "value", SURVEY_ID),
    }
    while wizard.current.name != name:
        fillers.get(wizard.current.name, lambda: None)()
        assert not wizard.next.disabled, wizard.current.value
        wizard.next.click()


def widget_values(root: W.Widget) -> Iterator[str]:
    """Every string held in any widget under ``root`` (values, options, descriptions)."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen or not isinstance(widget, W.Widget):
            continue
        seen.add(id(widget))
        for name in widget.keys:
            value = getattr(widget, name, None)
            if isinstance(value, W.Widget):
                stack.append(value)
            elif isinstance(value, list | tuple):
                stack.extend(item for item in value if isinstance(item, W.Widget))
                yield from (repr(item) for item in value if not isinstance(item, W.Widget))
            elif value is not None:
                yield str(value)
