"""Finish offers "Schedule in JupyterLab" only where the extension answers, and schedules the
saved job and notebook with the job's cron line and zone."""

from __future__ import annotations

from pathlib import Path

from qinbound_nb.errors import ScheduleError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.scheduling.jupyterlab import jupyterlab_crons
from qinbound_nb.widgets.steps.lab_schedule import JupyterLabScheduling

from .conftest import walk_to


class FakeScheduling:
    def __init__(self, available: bool = True) -> None:
        self.is_available = available
        self.scheduled: list[tuple[JobConfig, Path, Path, str]] = []

    def available(self) -> bool:
        return self.is_available

    def schedule(self, job: JobConfig, notebook: Path, job_path: Path, store: str) -> dict:
        self.scheduled.append((job, notebook, job_path, store))
        crons = jupyterlab_crons(job.name, job.schedule)  # refuses what cron cannot say
        return {name: f"def-{i}" for i, name in enumerate(crons)}


def saved_finish(make_wizard, scheduling):
    wizard = make_wizard()
    walk_to(wizard, "schedule")
    step = wizard.current
    step.kind.value = "recurring"
    step.frequency.value = "weekly"
    step.timezone.value = "Europe/Berlin"
    step.pull_on_create.value = False
    walk_to(wizard, "finish")
    finish = wizard.current
    finish.lab_panel.scheduling = scheduling
    finish.save_button.click()
    return finish


def test_the_button_shows_where_the_scheduler_answers_and_schedules_the_job(
    make_wizard, tmp_path: Path
) -> None:
    scheduling = FakeScheduling()
    finish = saved_finish(make_wizard, scheduling)
    panel = finish.lab_panel
    assert panel.widget.layout.display == "flex"
    panel.button.click()
    job, notebook, job_path, store = scheduling.scheduled[0]
    assert job.name == "nps-weekly"
    assert notebook == tmp_path / "nps-weekly.ipynb" and notebook.exists()
    assert job_path == (tmp_path / "nps-weekly.json").resolve()
    assert Path(store).is_absolute()
    assert "<b>nps-weekly</b>: <code>0 6 * * 1</code> in Europe/Berlin" in panel.result.value
    assert not panel.messages.text


def test_no_button_without_the_extension(make_wizard) -> None:
    finish = saved_finish(make_wizard, FakeScheduling(available=False))
    assert finish.lab_panel.widget.layout.display == "none"


def test_outside_a_kernel_the_real_scheduling_is_not_offered(monkeypatch) -> None:
    monkeypatch.delenv("QINBOUND_JUPYTER_URL", raising=False)
    assert JupyterLabScheduling().available() is False


def test_scheduling_errors_are_shown_in_words(make_wizard) -> None:
    class Refusing(FakeScheduling):
        def schedule(self, job, notebook, job_path, store):
            raise ScheduleError("every 5 hours from 06:30 runs at times that move from day to day")

    finish = saved_finish(make_wizard, Refusing())
    finish.lab_panel.button.click()
    assert "every 5 hours" in finish.lab_panel.messages.text
    assert finish.lab_panel.result.value == ""
