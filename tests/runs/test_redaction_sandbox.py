"""Names, addresses, IBANs and the respondent's own details, end to end on the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig, preview, run_job
from qinbound_nb.store.store import Store

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
NOW = "2026-11-04T09:00:00Z"


@pytest.fixture
def typed_job(monkeypatch: pytest.MonkeyPatch) -> JobConfig:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", NOW)
    job = JobConfig.load(TEMPLATE).model_dump(mode="json")
    job["rules"] |= {"mask_style": "typed"}
    return JobConfig.from_dict(job)


def test_preview_shows_the_new_masks_and_the_raw_values_they_replace(typed_job: JobConfig) -> None:
    sample = preview(typed_job, limit=400)
    comments = sample.documents["nps_comment"].dropna()
    for token in ("[PERSON]", "[ADDRESS]", "[IBAN]"):
        assert comments.str.contains(token, regex=False).any(), token
    own = sample.raw["recipientFirstName"].dropna()
    assert len(own) > 50  # the email-distributed share carries recipient fields
    for row, first in own.items():
        document = sample.documents.loc[row, "nps_comment"]
        assert not isinstance(document, str) or first not in document
    assert sample.counts["hits known_value"] > 10
    html = sample.html()
    assert "known_value" in html and "#fbcfe8" in html


def test_a_run_loads_documents_without_the_respondents_names(
    typed_job: JobConfig, tmp_path: Path
) -> None:
    report = run_job(typed_job, store=tmp_path / "s.duckdb")
    assert report.ok, report.summary()
    assert report.redaction_counts["known_value"] > 50
    assert report.redaction_counts["address"] > 2 and report.redaction_counts["iban"] > 2
    with Store.open(tmp_path / "s.duckdb") as store:
        comments = store.documents(typed_job.project)["nps_comment"].dropna()
    assert comments.str.contains("[PERSON]", regex=False).sum() > 50
    for name in ("Olivia Harper", "Jürgen", "Hélène", "Lindenstraße", "Angela Crescent"):
        assert not comments.str.contains(name, regex=False).any(), name
