"""run_job against the sandbox: loads, duplicate modes across runs, incremental pulls, failures.

Each run passes its client and clock (``**sandbox_at(moment)``): the seeded sandbox living at
that moment, as the composition root would build it from ``QINBOUND_SANDBOX_NOW``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.runs.execute import RunFailedError, check_job
from qinbound_nb.store.store import Store

DAY_ONE = "2026-11-05T12:00:00Z"
DAY_TWO = "2026-11-06T12:00:00Z"


def test_first_run_loads_every_response_redacted(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    report = run_job(nps_job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert report.status == "succeeded", report.summary()
    assert report.counts["fetched"] == report.counts["loaded"] == 597
    hits = {"email": 63, "phone": 70, "credit_card": 68, "ssn": 33, "ip": 64, "known_value": 130}
    assert report.redaction_counts == hits
    with Store.open(tmp_path / "s.duckdb") as store:
        documents = store.documents(nps_job.project)
    assert len(documents) == report.counts["loaded"]
    assert documents["natural_id"].str.startswith("nps-weekly;R_").all()
    assert not documents["nps_comment"].str.contains("@", regex=False, na=False).any()
    assert set(documents["feedback_type"]) == {"Survey"}


def test_second_run_pulls_only_what_is_new(nps_job: JobConfig, tmp_path: Path, sandbox_at) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    second = run_job(nps_job, store=store, **sandbox_at(DAY_TWO))
    assert second.ok
    counts = second.counts  # one day of responses, 4 of them replacing day-one documents
    assert (counts["fetched"], counts["loaded"], counts["replaced"]) == (139, 135, 4)
    with Store.open(store) as opened:
        total = len(opened.documents(nps_job.project))
    assert total == first.counts["loaded"] + second.counts.get("loaded", 0)


def test_rerunning_at_the_same_time_converges(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    again = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    assert again.ok and again.counts.get("loaded", 0) == 0
    with Store.open(store) as opened:
        assert len(opened.documents(nps_job.project)) == first.counts["loaded"]


@pytest.mark.parametrize("mode", ["replace", "skip", "update"])
def test_duplicate_modes_when_the_checkpoint_is_lost(
    nps_job: JobConfig, tmp_path: Path, sandbox_at, mode: str
) -> None:
    job = nps_job.model_copy(update={"duplicates": DuplicateMode(mode)})
    store = tmp_path / "s.duckdb"
    first = run_job(job, store=store, **sandbox_at(DAY_ONE))
    with Store.open(store) as opened:  # forget where we were: the whole survey comes again
        opened.query("DELETE FROM checkpoints")
    second = run_job(job, store=store, **sandbox_at(DAY_ONE))
    expected = {"replace": "replaced", "skip": "skipped_duplicate", "update": "updated"}[mode]
    assert second.counts[expected] == first.counts["loaded"]
    with Store.open(store) as opened:
        assert len(opened.documents(job.project)) == first.counts["loaded"]


def test_filter_and_record_limit_are_counted(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    job = nps_job.model_copy(
        update={
            "filter": nps_job.filter.model_copy(
                update={"expression": "nps_score >= 9", "record_limit": 100}
            )
        }
    )
    report = run_job(job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert report.counts["loaded"] == 100
    assert report.counts["filtered_out"] == 307 and report.counts["over_limit"] == 190
    assert (
        report.counts["loaded"] + report.counts["filtered_out"] + report.counts["over_limit"]
        == report.counts["fetched"]
    )
    with Store.open(tmp_path / "s.duckdb") as opened:
        outcomes = opened.outcomes(report.run_id)
    assert set(outcomes["outcome"]) == {"loaded", "filtered_out", "over_limit"}
    reasons = outcomes.loc[outcomes["outcome"] == "filtered_out", "reason"]
    assert reasons.str.contains("nps_score >= 9", regex=False).all()


def test_dry_run_writes_nothing(nps_job: JobConfig, tmp_path: Path, sandbox_at) -> None:
    store = tmp_path / "s.duckdb"
    report = run_job(nps_job, store=store, dry_run=True, **sandbox_at(DAY_ONE))
    assert report.ok and report.would == {"new": report.counts["fetched"]}
    assert not store.exists()
    run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    with Store.open(store) as opened:
        before = len(opened.runs())
    again = run_job(
        nps_job.model_copy(update={"duplicates": DuplicateMode.SKIP}),
        store=store,
        dry_run=True,
        **sandbox_at(DAY_ONE),
    )
    assert again.would == {"skipped": 0} or "new" not in again.would
    with Store.open(store) as opened:
        assert len(opened.runs()) == before


def test_in_progress_sessions_are_a_snapshot(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    job = nps_job.model_copy(
        update={"source": nps_job.source.model_copy(update={"include_in_progress": True})}
    )
    report = run_job(job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    assert report.counts["in_progress"] == 51
    with Store.open(tmp_path / "s.duckdb") as opened:
        documents = opened.documents(job.project)
    sessions = documents[documents["natural_id"].str.contains(";FS_", regex=False)]
    assert len(sessions) == report.counts["in_progress"]
    again = run_job(job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    with Store.open(tmp_path / "s.duckdb") as opened:
        later = opened.documents(job.project)
    assert (
        len(later[later["natural_id"].str.contains(";FS_", regex=False)])
        == again.counts["in_progress"]
    )


def test_an_expired_token_fails_the_run_and_loads_nothing(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    with Store.open(store) as opened:
        checkpoint = opened.checkpoint(nps_job.name)
    failed = run_job(nps_job, store=store, **sandbox_at(DAY_TWO, token="expired-token"))
    assert failed.status == "failed"
    assert "token" in failed.error.lower()
    with pytest.raises(RunFailedError):
        failed.raise_for_status()
    with Store.open(store) as opened:
        assert len(opened.documents(nps_job.project)) == first.counts["loaded"]
        assert opened.checkpoint(nps_job.name) == checkpoint
        assert opened.run(failed.run_id)["status"] == "failed"


def test_a_stale_continuation_token_falls_back_to_the_window(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    # ten days later: the token has expired
    report = run_job(nps_job, store=store, **sandbox_at("2026-11-15T12:00:00Z"))
    assert report.status == "succeeded_with_warnings"
    assert any("7 days" in warning for warning in report.warnings)
    assert report.counts["loaded"] == 1438


def test_check_job_names_the_bad_expression(nps_job: JobConfig) -> None:
    from qinbound_nb import ConfigError

    bad = nps_job.model_copy(
        update={"filter": nps_job.filter.model_copy(update={"expression": "nps_score >>= 3"})}
    )
    with pytest.raises(ConfigError, match=r"filter\.expression"):
        check_job(bad)


def test_report_summary_reads_well(nps_job: JobConfig, tmp_path: Path, sandbox_at) -> None:
    report = run_job(nps_job, store=tmp_path / "s.duckdb", **sandbox_at(DAY_ONE))
    text = report.summary()
    assert text.startswith(f"run {report.run_id} of 'nps-weekly': succeeded")
    assert "redaction hits:" in text
    assert all(type(value) is int for value in report.counts.values())


def test_the_store_is_free_for_others_while_the_export_downloads(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    import subprocess
    import sys

    from qinbound_nb.local.connections import SANDBOX
    from qinbound_nb.qualtrics.client import QualtricsClient
    from qinbound_nb.sandbox.simulator import Sandbox

    store = tmp_path / "s.duckdb"
    run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    readers: list[int] = []

    class ReadingClient(QualtricsClient):
        def export_responses(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            probe = f"from qinbound_nb.store.store import Store; Store.open({str(store)!r}).runs()"
            readers.append(subprocess.run([sys.executable, "-c", probe], check=False).returncode)
            return super().export_responses(*args, **kwargs)

    now = datetime.fromisoformat(DAY_TWO)
    with ReadingClient(SANDBOX, transport=Sandbox(now=now).transport()) as client:
        report = run_job(nps_job, store=store, client=client, now=now)
    assert report.status == "succeeded" and readers == [0]


def test_closed_sessions_leave_the_in_progress_snapshot(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    job = nps_job.model_copy(
        update={
            "duplicates": DuplicateMode.SKIP,
            "source": nps_job.source.model_copy(update={"include_in_progress": True}),
        }
    )
    store = tmp_path / "s.duckdb"
    first = run_job(job, store=store, **sandbox_at(DAY_ONE))
    assert first.status == "succeeded", first.summary()  # unfinished sessions are no warning
    # weeks later: those sessions have closed
    later = run_job(job, store=store, **sandbox_at("2026-11-25T12:00:00Z"))
    with Store.open(store) as opened:
        documents = opened.documents(job.project, bookkeeping=True)
    sessions = documents[documents["natural_id"].str.contains(";FS_", regex=False)]
    assert len(sessions) == later.counts["in_progress"]  # only the current snapshot is stored
    assert sessions["_in_progress"].all()
    assert later.counts["in_progress_removed"] == 51  # every session of the first run closed


def test_a_renamed_job_is_warned_about(nps_job: JobConfig, tmp_path: Path, sandbox_at) -> None:
    store = tmp_path / "s.duckdb"
    run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    renamed = run_job(
        nps_job.model_copy(update={"name": "nps-weekly-v2"}), store=store, **sandbox_at(DAY_ONE)
    )
    assert renamed.status == "succeeded_with_warnings"
    assert any("a rename?" in warning and "'nps-weekly'" in warning for warning in renamed.warnings)


def test_a_new_survey_is_pulled_from_the_start(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    other = nps_job.model_copy(
        update={"source": nps_job.source.model_copy(update={"survey_id": "SV_2CsatPulseDemo2"})}
    )
    report = run_job(other, store=store, **sandbox_at(DAY_ONE))
    assert any("source changed" in warning for warning in report.warnings)
    assert report.counts.get("loaded", 0) == 104  # its whole history, not since the watermark
