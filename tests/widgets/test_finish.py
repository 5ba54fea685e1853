"""Finish acts: Run now runs the saved job with a progress bar and shows its summary; "pull as
soon as created" runs it at once; the commands shown use absolute paths and this interpreter."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from qinbound_nb.runs.runner import RunReport
from qinbound_nb.widgets.steps.run_now import commands_html, report_html, run_commands

from .conftest import walk_to


def finish_with(make_wizard, *, pull_on_create: bool, **options):
    wizard = make_wizard(**options)
    walk_to(wizard, "schedule")
    wizard.current.pull_on_create.value = pull_on_create
    walk_to(wizard, "finish")
    return wizard, wizard.current


def test_pull_on_create_runs_the_job_as_soon_as_it_is_saved(make_wizard, runs, tmp_path) -> None:
    _, finish = finish_with(make_wizard, pull_on_create=True)
    assert finish.run_panel.button.disabled  # nothing saved yet
    finish.save_button.click()
    assert [job.name for job, _ in runs] == ["nps-weekly"]
    assert runs[0][1].is_absolute()
    summary = finish.run_panel.summary.value
    assert "run-1" in summary and "succeeded" in summary and "<b>3</b>" in summary
    assert not finish.run_panel.busy.active and not finish.run_panel.button.disabled


def test_run_now_runs_a_job_created_without_pulling(make_wizard, runs) -> None:
    _, finish = finish_with(make_wizard, pull_on_create=False)
    finish.save_button.click()
    assert runs == []
    finish.run_panel.button.click()
    assert len(runs) == 1 and "succeeded" in finish.run_panel.summary.value


def test_the_summary_shows_warnings_failed_notifications_and_errors() -> None:
    report = RunReport(
        "r9",
        "nps",
        "succeeded_with_warnings",
        counts={"loaded": 5, "skipped": 0},
        redaction_counts={"email": 2},
        warnings=("the export has no column 'QID9'",),
        notification_failures=("email notification not sent: no SMTP host",),
    )
    markup = report_html(report)
    assert "succeeded_with_warnings" in markup and "<b>5</b>" in markup and "skipped" not in markup
    assert "Redaction hits: email 2" in markup
    assert "warning: the export has no column &#x27;QID9&#x27;" in markup
    assert "notification failed: email notification not sent" in markup


def test_a_failing_run_is_shown_not_lost(make_wizard) -> None:
    def broken(job, store, progress):
        raise RuntimeError("kernel out of memory")

    _, finish = finish_with(make_wizard, pull_on_create=True, run=broken)
    finish.save_button.click()
    assert "kernel out of memory" in finish.run_panel.messages.text


def test_commands_use_this_interpreter_and_absolute_paths(make_wizard, tmp_path: Path) -> None:
    wizard = make_wizard()
    walk_to(wizard, "review")
    job = wizard.job
    assert job is not None
    lines = dict(run_commands(job, Path("rel/job.json"), None, Path("rel/s.duckdb")))
    command = lines["Run it from a terminal"]
    assert command.startswith(f"{shlex.quote(sys.executable)} -m qinbound_nb run /")
    assert str(Path("rel/job.json").resolve()) in command
    assert f"--store {Path('rel/s.duckdb').resolve()}" in command
    markup = commands_html(list(lines.items()))
    assert markup.count("navigator.clipboard.writeText") == 1  # one command, one Copy button


class ProblemPreview:
    def __init__(self, job, limit) -> None:
        import pandas as pd

        self.job = job
        self.problems = pd.DataFrame(
            {
                "row": [4],
                "field": ["likely_recommend"],
                "value": ["ten"],
                "problem": ["not a number"],
            }
        )

    def html(self) -> str:
        return "<p>preview</p>"

    def update(self, job):
        return ProblemPreview(job, 0)


def test_mapping_problems_block_finish_until_accepted(make_wizard, tmp_path: Path) -> None:
    wizard = make_wizard(preview=ProblemPreview)
    walk_to(wizard, "mapping")
    wizard.preview.fetch.click()
    walk_to(wizard, "finish")
    finish = wizard.current
    assert (
        "likely_recommend" in finish.problems_note.value
        and "not a number" in finish.problems_note.value
    )
    assert not finish.valid and wizard.job is None
    finish.save_button.click()
    assert "tick 'Load anyway'" in finish.error_for("accept_problems")
    assert not (tmp_path / "nps-weekly.json").exists()
    finish.accept_problems.value = True
    assert finish.valid
    finish.save_button.click()
    assert (tmp_path / "nps-weekly.json").exists()
