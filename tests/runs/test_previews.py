"""preview(job): raw beside mapped-and-redacted, every redaction visible, no store writes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, Preview, preview, run_job
from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.local.connections import SANDBOX
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.sandbox.simulator import Sandbox

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
NOW = "2026-11-04T09:00:00Z"


class CountingClient(QualtricsClient):
    exports = 0

    def export_responses(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        CountingClient.exports += 1
        return super().export_responses(*args, **kwargs)


@pytest.fixture
def job() -> JobConfig:
    return JobConfig.load(TEMPLATE)


@pytest.fixture
def sample(job: JobConfig, sandbox_at) -> Preview:
    return preview(job, limit=120, client=sandbox_at(NOW)["client"])


def test_raw_and_documents_are_row_aligned(sample: Preview) -> None:
    assert len(sample.raw) == len(sample.documents) == 120
    assert list(sample.raw.index) == list(sample.documents.index)
    ids = sample.documents["natural_id"].str.removeprefix("nps-weekly;")
    assert (ids == sample.raw["responseId"]).all()


def test_every_redaction_is_a_visible_span(sample: Preview) -> None:
    assert len(sample.spans) == 79  # 53 from the detectors, 26 of the respondents' own details
    comments = sample.documents["nps_comment"]
    for span in sample.spans.itertuples():
        text = comments[span.row]
        assert text[span.start : span.end] == "[REDACTED]"
    hits = {k: v for k, v in sample.counts.items() if k.startswith("hits ")}
    assert sum(hits.values()) == len(sample.spans)


def test_html_shows_both_sides_with_highlights_and_legend(sample: Preview) -> None:
    html = sample.html()
    raw_comment = sample.raw.loc[sample.spans.iloc[0]["row"], "QID2_TEXT"]
    assert "[REDACTED]" in html
    assert raw_comment.split()[0] in html
    assert "<mark" in html
    for kind in ("email", "phone"):
        assert kind in html


def test_compare_pairs_the_raw_comment_with_its_redacted_document(sample: Preview) -> None:
    paired = sample.compare()
    row = sample.spans.iloc[0]["row"]
    assert paired.loc[row, ("nps_comment", "raw")] == sample.raw.loc[row, "QID2_TEXT"]
    assert "[REDACTED]" in paired.loc[row, ("nps_comment", "doc")]
    assert list(paired.columns[3:5]) == [("nps_comment", "raw"), ("nps_comment", "doc")]
    html = sample.html()
    assert f'data-row="{row}" data-field="nps_comment" data-side="raw"' in html
    assert f'data-row="{row}" data-field="nps_comment" data-side="doc"' in html
    assert "built-in personal data detector" in html  # the hover names the rule


def test_update_reuses_the_sample_without_fetching(job: JobConfig) -> None:
    client = CountingClient(SANDBOX, transport=Sandbox(now=datetime.fromisoformat(NOW)).transport())
    with client:
        first = preview(job, limit=60, client=client)
    assert CountingClient.exports == 1
    stricter = job.model_copy(
        update={"filter": job.filter.model_copy(update={"expression": "nps_score >= 9"})}
    )
    second = first.update(stricter)
    assert CountingClient.exports == 1
    assert second.counts["filtered_out"] == 29
    assert "filtered out by filter" in second.html()
    assert second.raw is first.raw


def test_outcomes_against_the_store(job: JobConfig, tmp_path: Path, sandbox_at) -> None:
    store = tmp_path / "s.duckdb"
    fresh = preview(job, limit=30, store=store, client=sandbox_at(NOW)["client"])
    assert fresh.outcomes is not None and set(fresh.outcomes) == {"new"}  # no store yet
    run_job(job, store=store, **sandbox_at(NOW))
    again = preview(job, limit=30, store=store, client=sandbox_at(NOW)["client"])
    assert again.outcomes is not None and set(again.outcomes) == {"replaces"}
    assert "replaces" in again.html()


def test_an_orm_preview_updates_with_its_unique_field(sandbox_at) -> None:
    job = JobConfig.from_dict(
        {
            "name": "reviews",
            "project": "reputation",
            "connection": "sandbox",
            "source": {"type": "orm", "idp_source_id": "dcf04acc768f4ea5"},
            "mapping": {
                "document_date": "created_at",
                "fields": [{"source": "body", "name": "review_text", "type": "verbatim"}],
            },
            "rules": {"pii": ["email", "phone"]},
        }
    )
    first = preview(job, limit=10, client=sandbox_at(NOW)["client"])
    assert first.documents["natural_id"].str.startswith("reviews;rv_").all()
    second = first.update(job.model_copy(update={"duplicates": DuplicateMode.SKIP}))
    assert list(second.documents["natural_id"]) == list(first.documents["natural_id"])
