"""The preview panel in the wizard, asserted on what a user would see."""

from __future__ import annotations

import re

from qinbound_nb.errors import ExportError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.widgets.preview import PreviewPanel
from qinbound_nb.widgets.tasks import SynchronousExecutor


class FakePreview:
    def __init__(self, job: JobConfig, limit: int) -> None:
        self.job, self.limit = job, limit

    def html(self) -> str:
        return f"<p>{self.limit} rows of {self.job.name} ({self.job.duplicates})</p>"

    def update(self, job: JobConfig) -> FakePreview:
        return FakePreview(job, self.limit)


def test_panel_fetches_with_the_sample_size_and_follows_job_changes(job: JobConfig) -> None:
    current = {"job": job}
    panel = PreviewPanel(
        lambda: current["job"], executor=SynchronousExecutor(), preview=FakePreview
    )
    panel.sample_size.value = 25
    panel.fetch.click()
    assert panel.html == "<p>25 rows of nps-weekly (replace)</p>"
    current["job"] = job.model_copy(update={"duplicates": DuplicateMode.SKIP})
    panel.job_changed()
    assert panel.html == "<p>25 rows of nps-weekly (skip)</p>"
    panel.live.value = False
    current["job"] = job.model_copy(update={"duplicates": DuplicateMode.UPDATE})
    panel.job_changed()
    assert panel.html.endswith("(skip)</p>")


def test_panel_shows_errors_and_incomplete_jobs(job: JobConfig) -> None:
    def failing(job: JobConfig, limit: int) -> FakePreview:
        raise ExportError("the export failed on the server; try again")

    panel = PreviewPanel(lambda: job, executor=SynchronousExecutor(), preview=failing)
    panel.fetch.click()
    assert panel.messages.text == "the export failed on the server; try again"
    assert not panel.busy.active
    incomplete = PreviewPanel(lambda: None, executor=SynchronousExecutor(), preview=FakePreview)
    incomplete.fetch.click()
    assert "not complete enough to preview" in incomplete.messages.text


def test_wizard_shows_the_preview_from_the_mapping_step_on(make_wizard) -> None:
    from .conftest import walk_to

    fetched: list[JobConfig] = []
    wizard = make_wizard(preview=lambda job, limit: fetched.append(job) or FakePreview(job, limit))
    assert wizard.preview.widget.layout.display == "none"
    walk_to(wizard, "mapping")
    assert wizard.preview.widget.layout.display == "flex"
    wizard.preview.fetch.click()
    assert fetched[0].source.survey_id == "SV_1NpsDemoSurvey1"
    assert "100 rows of nps-weekly (replace)" in wizard.preview.html
    walk_to(wizard, "duplicates")
    wizard.current.mode.value = "skip"
    assert "(skip)" in wizard.preview.html  # re-rendered from the cached sample
    assert len(fetched) == 1


def test_the_library_preview_renders_the_sandbox_sample(make_wizard) -> None:
    from .conftest import walk_to

    wizard = make_wizard()
    walk_to(wizard, "rules")
    wizard.current.pii["email"].value = True
    wizard.preview.sample_size.value = 40
    wizard.preview.fetch.click()
    assert wizard.preview.messages.text == ""
    markup = wizard.preview.html
    assert markup.count('data-side="raw" data-row=') == 0
    assert len(re.findall(r'<tr class="status-\w+" data-row=', markup)) == 40
    assert 'data-rule="email"' in markup


def test_the_panel_fits_ipywidgets_html_view_to_the_preview(job: JobConfig) -> None:
    # Seen in JupyterLab: the HTML view's 28 px line height clipped each cell after three
    # lines, and its content grew to the table's width, so the panel scrolled sideways.
    panel = PreviewPanel(lambda: job, executor=SynchronousExecutor(), preview=FakePreview)
    styles = " ".join(
        child.value for child in panel.widget.children if "<style>" in getattr(child, "value", "")
    )
    assert ".widget-html-content .qinbound-preview{line-height:1.4}" in styles
    assert "qinbound-preview-output" in panel.output._dom_classes
    assert ".qinbound-preview-output > .widget-html-content{min-width:0}" in styles


def test_the_preview_can_sit_beside_the_steps_and_fold_away(make_wizard) -> None:
    wizard = make_wizard(preview=FakePreview)
    frame = wizard.frame
    assert list(frame.area.children) == [frame.steps_column, wizard.preview.widget]
    wizard.preview.beside.value = True
    (row,) = frame.area.children
    assert list(row.children) == [frame.steps_column, wizard.preview.widget]
    assert wizard.preview.widget.layout.flex == "1 1 50%"
    wizard.preview.beside.value = False
    assert list(frame.area.children) == [frame.steps_column, wizard.preview.widget]
    wizard.preview.hidden.value = True
    assert wizard.preview.output.layout.display == "none"
    assert wizard.preview.hidden.description == "Show"
