"""The side-by-side preview HTML and the preview panel, asserted on what a user would see."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from qinbound_nb.errors import ExportError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.render.spans import locate_in_input
from qinbound_nb.widgets.preview import PreviewPanel, render_preview_html
from qinbound_nb.widgets.tasks import SynchronousExecutor

RAW_COMMENTS = [
    "Mail me at jane.doe@example.com please",
    "corroded virus everywhere, call 555-123-4567",
    "<script>alert('x')</script> fine",
    "Too slow",
]
DOC_COMMENTS = [
    "Mail me at [EMAIL] please",
    "Coronavirus everywhere, call [PHONE]",
    "<script>alert('x')</script> fine",
    "Too slow",
]


def arrow(values: list) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


@pytest.fixture
def frames() -> dict:
    index = pd.RangeIndex(4)
    raw = pd.DataFrame(
        {
            "responseId": arrow([f"R_{n:015d}" for n in range(4)]),
            "endDate": pd.to_datetime(
                ["2026-11-01T10:00Z", "2026-11-01T12:00Z", "2026-11-02T09:00Z", "2026-11-03T09:00Z"]
            ),
            "QID2_TEXT": arrow(RAW_COMMENTS),
        },
        index=index,
    )
    documents = pd.DataFrame(
        {
            "natural_id": arrow([f"nps;R_{n:015d}" for n in range(4)]),
            "document_date": raw["endDate"],
            "nps_comment": arrow(DOC_COMMENTS),
        },
        index=index,
    ).drop(index=[3])
    spans = pd.DataFrame(
        {
            "row": [0, 1, 1],
            "field": ["nps_comment"] * 3,
            "start": [11, 0, 29],
            "end": [18, 11, 36],
            "rule": ["email", "substitution:1", "phone"],
        }
    )
    dropped = pd.DataFrame({"reason": ["filtered out by filter: NOT ISBLANK(x)"]}, index=[3])
    outcomes = pd.Series(["new", "replaces", "skipped"], index=[0, 1, 2])
    return {
        "raw": raw,
        "documents": documents,
        "spans": spans,
        "dropped": dropped,
        "outcomes": outcomes,
        "counts": {"responses": 4, "documents": 3, "redaction": {"email": 1, "phone": 1}},
    }


def render(frames: dict, **options) -> str:
    return render_preview_html(
        frames["raw"],
        frames["documents"],
        frames["spans"],
        frames["dropped"],
        frames["outcomes"],
        frames["counts"],
        field_sources={"nps_comment": "QID2_TEXT"},
        **options,
    )


def row_html(markup: str, row: int) -> str:
    match = re.search(rf'<tr[^>]*data-row="{row}".*?</tr>', markup, flags=re.S)
    assert match, f"row {row} is missing"
    return match.group(0)


def test_masked_tokens_are_highlighted_in_the_documents(frames) -> None:
    markup = render(frames)
    first = row_html(markup, 0)
    assert '<mark class="hit hit-email" data-rule="email" title="email">[EMAIL]</mark>' in first
    second = row_html(markup, 1)
    assert 'data-rule="substitution:1" title="substitution:1">Coronavirus</mark>' in second
    assert 'data-rule="phone" title="phone">[PHONE]</mark>' in second


def test_originals_are_located_and_marked_in_the_raw_response(frames) -> None:
    markup = render(frames)
    assert 'title="email">jane.doe@example.com</mark>' in row_html(markup, 0)
    second = row_html(markup, 1)
    assert 'title="substitution:1">corroded virus</mark>' in second
    assert 'title="phone">555-123-4567</mark>' in second


def test_raw_and_documents_share_each_row(frames) -> None:
    markup = render(frames)
    first = row_html(markup, 0)
    assert first.index("R_000000000000000") < first.index("nps;R_000000000000000")
    assert "Raw response" in markup and "Document" in markup
    assert [int(n) for n in re.findall(r'data-row="(\d+)"', markup)] == [0, 1, 2, 3]


def test_data_is_escaped(frames) -> None:
    markup = render(frames)
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; fine" in row_html(markup, 2)


def test_dropped_rows_are_greyed_with_their_reason(frames) -> None:
    dropped = row_html(render(frames), 3)
    assert dropped.startswith('<tr class="dropped"')
    assert "filtered out by filter: NOT ISBLANK(x)" in dropped
    assert "Too slow" in dropped  # the raw response is still shown


def test_outcome_badges(frames) -> None:
    markup = render(frames)
    assert '<span class="badge badge-new">new</span>' in row_html(markup, 0)
    assert '<span class="badge badge-replaces">replaces</span>' in row_html(markup, 1)
    assert '<span class="badge badge-skipped">skipped</span>' in row_html(markup, 2)


def test_legend_counts_hits_per_rule_and_summary_shows_counts(frames) -> None:
    markup = render(frames)
    legend = re.findall(
        r'class="chip legend-rule" data-rule="([^"]+)"[^>]*>[^<]*: <b>(\d+)</b>', markup
    )
    assert sorted(legend) == [("email", "1"), ("phone", "1"), ("substitution:1", "1")]
    assert "redaction.email: <b>1</b>" in markup and "responses: <b>4</b>" in markup


def test_charts_show_documents_per_day_and_hits_per_kind(frames) -> None:
    markup = render(frames)
    assert markup.count("<svg") == 2
    assert "<title>2026-11-01: 2</title>" in markup and "<title>2026-11-02: 1</title>" in markup
    assert "<title>substitution: 1</title>" in markup and "<title>email: 1</title>" in markup


def test_raw_columns_can_be_narrowed(frames) -> None:
    markup = render(frames, raw_columns=["responseId", "QID2_TEXT"])
    assert "<th>endDate</th>" not in markup and "<th>QID2_TEXT</th>" in markup


def test_empty_sample_renders_without_hits() -> None:
    empty = pd.DataFrame({"responseId": arrow([])})
    markup = render_preview_html(empty, pd.DataFrame(), None, None, None, {})
    assert "No redaction or substitution hits" in markup and "<svg" not in markup


def test_located_originals_use_given_lengths_when_the_text_is_ambiguous() -> None:
    # "a.b@x.com." — alignment alone would stop the email at its first '.'
    output, original = "[EMAIL].", "a.b@x.com."
    assert locate_in_input(output, original, [((0, 7, "email"), (-1, 9, "email"))]) == [
        (0, 9, "email")
    ]
    assert locate_in_input("x [M]", "y secret", [((2, 5, "redaction:1"), None)]) == []


def test_large_sample_renders_every_row(frames) -> None:
    rows = 1000
    raw = pd.concat([frames["raw"]] * (rows // 4), ignore_index=True)
    docs = pd.concat([frames["documents"].reindex(range(4))] * (rows // 4), ignore_index=True)
    markup = render_preview_html(raw, docs, None, None, None, {})
    assert markup.count("<tr data-row=") == rows


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
    assert markup.count("<tr data-row=") + markup.count('<tr class="dropped"') == 40
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
