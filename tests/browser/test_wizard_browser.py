"""The wizard in a real browser: JupyterLab, Debian's chromium, Playwright, the sandbox.

Opens notebooks/wizard.ipynb, runs it, walks every step to Finish as a person would (typing,
picking, clicking), fetches the preview from the mapping step and checks that turning on
the PII detectors shows a highlighted ``[REDACTED]``, and that at 1400×1000 the first
redacted comment's raw text and document text are both on screen; checks that each step
change scrolled the page to the step; on Finish presses Run now and reads the run's counts;
then checks the job file and the exported notebook on disk. Screenshots of the mapping
step, the preview and the finish step go to the artifacts folder
(``QINBOUND_BROWSER_ARTIFACTS``); the README shows copies of them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from qinbound_nb import JobConfig

from .conftest import Lab

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.serial]

JOB_NAME = "browser-nps"
SURVEY = "Customer NPS (demo) (SV_1NpsDemoSurvey1)"
PII_BUTTONS = ["Email", "Phone", "Credit card", "SSN", "IP address"]
STEPS = 12


class WizardPage:
    """The wizard's output area in the notebook, with the moves a person makes."""

    def __init__(self, page: Any, artifacts: Path) -> None:
        from playwright.sync_api import expect

        expect.set_options(timeout=30_000)
        self.page = page
        self.artifacts = artifacts
        self.expect = expect
        self.root = page.locator(".jp-CodeCell").first.locator(".jp-OutputArea-output").first

    def button(self, name: str) -> Any:
        # an icon glyph may lead the accessible name (" Next step")
        return self.root.get_by_role("button", name=re.compile(rf"^\W*{re.escape(name)}$"))

    def text(self, text: str | re.Pattern[str]) -> Any:
        return self.root.get_by_text(text).first

    def next_step(self, number: int, title: str) -> None:
        """Press Next (once it is enabled) and wait for step ``number`` to show."""
        self.expect(self.button("Next step")).to_be_enabled()
        self.button("Next step").click()
        self.expect(self.text(f"Step {number} of {STEPS}: {title}")).to_be_visible()
        if os.environ.get("QINBOUND_BROWSER_ARTIFACTS"):  # asked for: every step, to look at
            self.page.screenshot(path=str(self.artifacts / f"step-{number:02}.png"))

    def screenshot(
        self, locator: Any, path: Path, max_height: int = 1400, max_width: int = 1700
    ) -> None:
        """A PNG of ``locator`` from its top left, cut to a README-friendly size."""
        locator.evaluate("element => element.scrollIntoView({block: 'start'})")
        box = locator.bounding_box()
        height = min(box["height"], max_height, self.page.viewport_size["height"] - box["y"])
        width = min(box["width"], max_width)
        self.page.screenshot(path=str(path), clip={**box, "height": height, "width": width})

    def settled(self, preview: Any) -> None:
        """Wait until the preview has applied the latest change (its progress bar is gone)."""
        self.expect(preview.page.get_by_text("Applying the changes")).to_have_count(0)


def tidy_lab(page: Any) -> None:
    """Close the file browser and the news toast, so screenshots show only the notebook."""
    page.get_by_role("tab", name=re.compile("File Browser")).click()
    news = page.get_by_role("alert").filter(has_text="Jupyter news")
    if news.count():
        news.get_by_role("button", name="No").click()


def open_wizard(page: Any, lab: Lab, artifacts: Path) -> WizardPage:
    """Open wizard.ipynb, wait for an idle kernel, run the wizard cell."""
    page.goto(lab.tree("wizard.ipynb"))
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    tidy_lab(page)
    run_first_code_cell(page)
    wizard = WizardPage(page, artifacts)
    step_one = wizard.text(f"Step 1 of {STEPS}: Job name and project")
    wizard.expect(step_one).to_be_visible(timeout=90_000)
    return wizard


def run_first_code_cell(page: Any, attempts: int = 4) -> None:
    """Shift+Enter in the wizard cell until the kernel takes it.

    Just after the kernel reports idle, Lab may not have attached it to the notebook yet:
    running a cell then opens a "Select Kernel" dialog instead. Accept the dialog (the
    notebook's own kernel is preselected) and press again.
    """
    started = (
        "() => !document.querySelector('.jp-CodeCell .jp-InputPrompt').innerText.includes('[ ]')"
    )
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=90_000)
    for attempt in range(attempts):
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
            dialog.wait_for(state="detached")
        page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(started, timeout=10_000)
            return
        except Exception:  # playwright's TimeoutError: try again
            if attempt == attempts - 1:
                raise


def walk_to_mapping(wizard: WizardPage) -> None:
    root, expect = wizard.root, wizard.expect
    root.get_by_placeholder("e.g. nps-weekly").fill(JOB_NAME)
    root.get_by_placeholder("an existing project, or a new name").fill("customer_feedback")
    wizard.next_step(2, "Qualtrics connection")

    wizard.button("Test connection").click()
    expect(wizard.text("Connected: brand sandbox")).to_be_visible()
    wizard.next_step(3, "Qualtrics data type")
    wizard.next_step(4, "Source")

    root.get_by_placeholder("survey name or id").fill("nps")
    surveys = root.locator(".widget-select select").first
    expect(surveys.locator("option", has_text="SV_1NpsDemoSurvey1")).to_have_count(1)
    surveys.select_option(label=SURVEY)
    expect(root.get_by_placeholder("SV_…")).to_have_value("SV_1NpsDemoSurvey1")
    wizard.next_step(5, "Data mapping")
    # the suggested mapping: the comment is loaded as a verbatim named from its question; the
    # fields come from a small sample export, which may queue behind the preview's own fetch
    expect(wizard.text("QID2_TEXT")).to_be_visible(timeout=90_000)
    names = root.get_by_placeholder("attribute name")
    expect(names.first).to_be_visible()
    assert "main_reason_score" in names.evaluate_all("inputs => inputs.map(i => i.value)")


def fetch_preview(wizard: WizardPage) -> Any:
    """Fetch a 20-response preview; return the rendered preview."""
    sample = wizard.root.locator(".widget-inline-hbox", has_text="Sample").locator("input").first
    sample.fill("20")
    sample.press("Enter")
    wizard.button("Fetch preview").click()
    preview = wizard.root.locator(".qinbound-preview").first
    wizard.expect(preview.locator("table.compare")).to_be_visible(timeout=90_000)
    return preview


def turn_on_pii(wizard: WizardPage) -> None:
    for label in PII_BUTTONS:
        toggle = wizard.button(label)
        toggle.click()
        wizard.expect(toggle).to_have_class(re.compile(r"mod-active"))


def check_highlighted_redaction(wizard: WizardPage, preview: Any) -> None:
    # the legend counts the last kinds turned on once the preview has caught up
    wizard.expect(preview.locator(".legend-rule", has_text="ssn")).to_be_visible()
    wizard.settled(preview)
    mark = preview.locator("mark.hit", has_text="[REDACTED]").first
    wizard.expect(mark).to_be_visible(timeout=60_000)
    background = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("", "transparent", "rgba(0, 0, 0, 0)"), background
    # cells read as text, not one line per 28 px widget row (ipywidgets' HTML line height)
    line_height = mark.evaluate("m => parseFloat(getComputedStyle(m.closest('td')).lineHeight)")
    assert line_height < 24, line_height


IN_VIEW = """td => {
    const r = td.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: window.innerWidth, height: window.innerHeight};
}"""


def check_pair_in_view(wizard: WizardPage, preview: Any) -> None:
    """At 1400×1000, the first redacted comment's raw and document cells are both on screen."""
    wizard.page.set_viewport_size({"width": 1400, "height": 1000})
    mark = preview.locator("td[data-side='doc'] mark.hit", has_text="[REDACTED]").first
    cell = mark.evaluate("m => [m.closest('td').dataset.row, m.closest('td').dataset.field]")
    pair = "td[data-row='{}'][data-field='{}'][data-side='{}']"
    raw = preview.locator(pair.format(*cell, "raw")).first
    doc = preview.locator(pair.format(*cell, "doc")).first
    doc.evaluate("td => td.scrollIntoView({block: 'center'})")
    for side in (raw, doc):
        box = side.evaluate(IN_VIEW)
        assert box["left"] >= 0 and box["right"] <= box["width"], box
        assert box["top"] >= 0 and box["bottom"] <= box["height"], box
    assert raw.locator("mark.hit").count() >= 1, "the original is not marked in the raw text"
    assert mark.get_attribute("title"), "the highlight names no rule"


def set_filter(wizard: WizardPage) -> None:
    root, expect = wizard.root, wizard.expect
    root.locator("textarea[placeholder^='e.g. NOT ISBLANK']").fill("NOT ISBLANK(main_reason_score)")
    root.locator("textarea[placeholder^='one field=value']").fill("main_reason_score=Great service")
    wizard.button("Test").click()
    expect(wizard.text("this record would be included")).to_be_visible()


VISIBLE_ROWS = """table => Array.from(table.querySelectorAll('tbody tr'))
    .filter(row => row.offsetParent !== null).map(row => row.dataset.hits)"""


def check_quick_filter(preview: Any) -> None:
    """The "rows with hits" filter leaves only rows that hold a redaction (inline script)."""
    table = preview.locator("table.compare").first
    everything = table.evaluate(VISIBLE_ROWS)
    box = preview.locator("input[type=checkbox][value=hits]").first
    box.check()
    shown = table.evaluate(VISIBLE_ROWS)
    assert shown and set(shown) == {"1"} and len(shown) < len(everything), (shown, everything)
    box.uncheck()
    assert len(table.evaluate(VISIBLE_ROWS)) == len(everything)


def walk_to_finish(wizard: WizardPage) -> None:
    expect = wizard.expect
    wizard.next_step(9, "Duplicate handling")
    wizard.next_step(10, "Schedule")
    wizard.button("Recurring").click()
    wizard.root.get_by_text("Create the job but do not pull data").click()
    wizard.next_step(11, "Review")
    expect(wizard.text(SURVEY)).to_be_visible()
    # the page followed the wizard: the step's heading was scrolled into view
    expect(wizard.root.locator("[data-scrolled-to='review']")).to_have_count(1)
    wizard.next_step(12, "Finish")
    expect(wizard.root.locator("[data-scrolled-to='finish']")).to_have_count(1)
    wizard.button("Save job and export notebook").click()
    expect(wizard.text(re.compile(rf"Saved /\S+/{JOB_NAME}\.json\."))).to_be_visible(timeout=90_000)
    expect(wizard.root.locator("code", has_text="-m qinbound_nb run /").first).to_be_visible()


def run_now(wizard: WizardPage) -> None:
    """Run now, wait for the run's summary, and read its counts."""
    wizard.button("Run now").click()
    summary = wizard.root.locator(".qinbound-run-summary")
    wizard.expect(summary).to_be_visible(timeout=120_000)
    wizard.expect(summary).to_contain_text("succeeded")
    counts = dict(
        summary.locator("table.run-counts tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].innerText, Number(r.cells[1].innerText)])"
        )
    )
    assert counts.get("loaded", 0) > 0, counts


def test_the_wizard_builds_a_job_in_jupyterlab(page: Any, lab: Lab, artifacts: Path) -> None:
    wizard = open_wizard(page, lab, artifacts)
    walk_to_mapping(wizard)
    wizard.screenshot(wizard.root, artifacts / "wizard-mapping.png", max_height=2300)

    preview = fetch_preview(wizard)
    wizard.next_step(6, "Substitution and redaction")
    turn_on_pii(wizard)
    check_highlighted_redaction(wizard, preview)
    wizard.next_step(7, "Filter and record limit")

    set_filter(wizard)
    wizard.next_step(8, "Notifications")
    # the preview now also marks the rows the filter drops, with the reason
    wizard.expect(preview.get_by_text("filtered out by filter").first).to_be_visible()
    wizard.settled(preview)
    check_pair_in_view(wizard, preview)
    check_quick_filter(preview)
    wizard.screenshot(preview, artifacts / "preview.png", max_height=1000, max_width=1400)
    wizard.page.set_viewport_size({"width": 1800, "height": 2400})

    walk_to_finish(wizard)
    run_now(wizard)
    wizard.screenshot(wizard.root, artifacts / "wizard-finish.png")

    job = JobConfig.load(lab.root / f"{JOB_NAME}.json")
    assert (job.name, job.project, job.connection) == (JOB_NAME, "customer_feedback", "sandbox")
    assert job.source.type == "survey" and job.source.survey_id == "SV_1NpsDemoSurvey1"
    assert set(job.rules.pii) == {"email", "phone", "credit_card", "ssn", "ip"}
    assert job.filter.expression == "NOT ISBLANK(main_reason_score)"
    assert job.schedule.kind == "recurring"
    assert any(f.name == "main_reason_score" and f.type == "verbatim" for f in job.mapping.fields)
    notebook = nbformat.read(str(lab.root / f"{JOB_NAME}.ipynb"), as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and f"{JOB_NAME}.json" in tagged[0].source
