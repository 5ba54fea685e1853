"""Fixtures for driving the wizard headlessly: a recording API, a wizard, helpers to walk it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets as W
import pytest

from qinbound_nb.config import Connection
from qinbound_nb.connections import ConnectionStore
from qinbound_nb.errors import AuthError
from qinbound_nb.qualtrics.models import SavedFilter, SurveyMetadata, SurveySummary, WhoAmI
from qinbound_nb.widgets.tasks import SynchronousExecutor
from qinbound_nb.widgets.wizard import Wizard

SURVEY_ID = "SV_1NpsDemoSurvey1"
OTHER_SURVEY = "SV_2SecondSurvey22"
METADATA = {
    "id": SURVEY_ID,
    "name": "Customer NPS (demo)",
    "questions": {
        "QID1": {
            "questionText": "How likely are you to recommend us?",
            "questionName": "Q1",
            "questionType": {"type": "MC", "selector": "NPS"},
        },
        "QID2": {
            "questionText": "Why? <b>Tell us</b>",
            "questionName": "Q2",
            "questionType": {"type": "TE", "selector": "ML"},
        },
    },
    "exportColumnMap": {"Q1": {"question": "QID1"}, "Q2": {"question": "QID2"}},
    "embeddedData": [{"name": "store_id"}],
}


class RecordingApi:
    """The wizard's API protocol, answering in the client's own result types."""

    def __init__(self, connection: Connection, calls: list[tuple[str, ...]]) -> None:
        self.connection = connection
        self.calls = calls

    def whoami(self) -> WhoAmI:
        self.calls.append(("whoami", self.connection.name))
        token = self.connection.token.get_secret_value() if self.connection.token else ""
        if token == "revoked":
            raise AuthError(f"the token of connection {self.connection.name!r} was refused")
        return WhoAmI("BRAND_demo", "UR_1", "analyst@example.com", self.connection.datacenter)

    def list_surveys(self) -> list[SurveySummary]:
        self.calls.append(("list_surveys",))
        return [
            SurveySummary(SURVEY_ID, "Customer NPS (demo)", None, None, None, True),
            SurveySummary(OTHER_SURVEY, "Store visit", None, None, None, True),
        ]

    def list_filters(self, survey_id: str) -> list[SavedFilter]:
        self.calls.append(("list_filters", survey_id))
        return [SavedFilter("FT_detractors", "Detractors", None)]

    def survey_metadata(self, survey_id: str) -> SurveyMetadata:
        self.calls.append(("survey_metadata", survey_id))
        return SurveyMetadata.from_result({**METADATA, "id": survey_id})


@pytest.fixture
def api_calls() -> list[tuple[str, ...]]:
    return []


@pytest.fixture
def make_wizard(
    tmp_path: Path, api_calls: list[tuple[str, ...]]
) -> Iterator[Callable[..., Wizard]]:
    made: list[Wizard] = []

    def make(**options: Any) -> Wizard:
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
