"""JupyterLab scheduling without a server: the cron lines, the server's refusals in words, and
which server is chosen (tests/scheduling/test_jupyter_scheduler.py runs a real one)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from qinbound_nb import JobConfig
from qinbound_nb.errors import ScheduleError
from qinbound_nb.job.config import Schedule
from qinbound_nb.local.settings import Settings
from qinbound_nb.scheduling.jupyterlab import jupyterlab_crons, schedule_in_jupyterlab
from qinbound_nb.scheduling.lab_api import SchedulerApi
from qinbound_nb.scheduling.lab_server import JupyterServer, find_jupyter_server

SERVER = JupyterServer("http://127.0.0.1:8888/", SecretStr("tok"), Path("/lab"))


def recurring(**fields: object) -> Schedule:
    return Schedule.model_validate(
        {"kind": "recurring", "starts_on": "06:30", "timezone": "Europe/Berlin", **fields}
    )


@pytest.mark.parametrize(
    ("fields", "crons"),
    [
        ({"frequency": "daily"}, {"j": "30 6 * * *"}),
        ({"frequency": "weekly", "days": ["wed", "mon", "sun"]}, {"j": "30 6 * * 0,1,3"}),
        ({"frequency": "hourly", "every_hours": 8}, {"j": "30 6,14,22 * * *"}),
        ({"frequency": "monthly", "day_of_month": 15}, {"j": "30 6 15 * *"}),
        ({"frequency": "monthly", "day_of_month": 31}, {"j": "30 6 L * *"}),
        (
            {"frequency": "monthly", "day_of_month": 29},
            {"j": "30 6 29 1,3-12 *", "j (February)": "30 6 L 2 *"},
        ),
    ],
)
def test_each_schedule_gets_its_exact_cron_lines(fields: dict, crons: dict) -> None:
    assert jupyterlab_crons("j", recurring(**fields)) == crons


def test_schedules_cron_cannot_say_are_refused_in_words() -> None:
    with pytest.raises(ScheduleError, match="every 5 hours from 06:30 runs at times that move"):
        jupyterlab_crons("j", recurring(frequency="hourly", every_hours=5))
    with pytest.raises(ScheduleError, match="runs once, so there is nothing"):
        jupyterlab_crons("j", Schedule())


def answering(status: int, body: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (404, {"message": "Not Found"}, "has no jupyter-scheduler extension"),
        (403, {"message": "Forbidden"}, "refused the token; set QINBOUND_JUPYTER_TOKEN"),
        (500, {"message": "Input path does not exist"}, "refused GET /scheduler/runtime_env"),
    ],
)
def test_refusals_become_schedule_errors_that_say_what_to_do(status, body, words) -> None:
    with (
        SchedulerApi(SERVER, transport=answering(status, body)) as api,
        pytest.raises(ScheduleError, match=words),
    ):
        api.environments()


def test_the_definition_carries_no_token(job: JobConfig, tmp_path: Path) -> None:
    sent: list[dict] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("runtime_environments"):
            return httpx.Response(200, json=[{"name": "python"}])
        if request.method == "POST":
            sent.append(json.loads(request.content))
            return httpx.Response(200, json={"job_definition_id": "d-1"})
        return httpx.Response(201, json={})  # the contents API upload

    daily = JobConfig.from_dict(
        job.model_dump(mode="json") | {"schedule": {"kind": "recurring", "frequency": "daily"}}
    )
    notebook = tmp_path / "nps.ipynb"
    notebook.write_text("{}")
    with SchedulerApi(SERVER, transport=httpx.MockTransport(server)) as api:
        created = schedule_in_jupyterlab(
            daily, notebook, job_path=tmp_path / "j.json", store="/s.duckdb", api=api
        )
    assert created == {"nps-weekly": "d-1"}
    assert set(sent[0]["parameters"]) == {"job_path", "store"}
    assert sent[0]["input_uri"] == "qinbound-jobs/nps.ipynb"  # outside /lab: uploaded
    assert sent[0]["schedule"] == "0 6 * * *" and sent[0]["timezone"] == daily.schedule.timezone


def test_a_configured_url_wins_and_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_JUPYTER_URL", "http://127.0.0.1:9999")
    with pytest.raises(ScheduleError, match="set QINBOUND_JUPYTER_TOKEN"):
        find_jupyter_server(servers=[])
    monkeypatch.setenv("QINBOUND_JUPYTER_TOKEN", "abc")
    found = find_jupyter_server(servers=[])
    assert found.url == "http://127.0.0.1:9999/" and found.token.get_secret_value() == "abc"
    assert found.root_dir is None


def test_without_a_running_server_it_says_how_to_name_one() -> None:
    with pytest.raises(ScheduleError, match="no running Jupyter server"):
        find_jupyter_server(settings=Settings(), servers=[])
