"""The record limit caps one run: what it leaves over waits for the next run, never lost.

Responses come sorted by last-modified date; a capped run moves the checkpoint only to the
last-modified date of the first response it left waiting, so later runs continue there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.store.store import Store

MOMENTS = [f"2026-11-05T{hour:02d}:00:00Z" for hour in (12, 13, 14, 15, 16)]


def limited(job: JobConfig, limit: int | str) -> JobConfig:
    return JobConfig.from_dict(job.model_dump(mode="json") | {"filter": {"record_limit": limit}})


def test_a_capped_run_leaves_the_rest_waiting_for_the_next(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(limited(nps_job, 100), store=store, **sandbox_at(MOMENTS[0]))
    assert first.counts["loaded"] == 100
    waiting = first.counts["over_limit"]
    assert waiting > 400
    assert first.status == "succeeded_with_warnings"
    assert any(f"{waiting} responses" in w and "wait" in w for w in first.warnings)
    second = run_job(limited(nps_job, 100), store=store, **sandbox_at(MOMENTS[1]))
    assert second.counts["loaded"] == 100 and second.counts.get("replaced", 0) == 0
    with Store.open(store) as opened:
        assert len(opened.documents(nps_job.project)) == 200


def test_capped_runs_eventually_load_every_response_exactly_once(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    capped = limited(nps_job, 150)
    reports = [
        run_job(capped, store=tmp_path / "capped.duckdb", **sandbox_at(moment))
        for moment in MOMENTS
    ]
    assert reports[-1].status == "succeeded" and not reports[-1].counts.get("over_limit")
    full = run_job(nps_job, store=tmp_path / "full.duckdb", **sandbox_at(MOMENTS[-1]))
    with Store.open(tmp_path / "capped.duckdb") as opened:
        loaded = opened.documents(nps_job.project)
    with Store.open(tmp_path / "full.duckdb") as opened:
        expected = opened.documents(nps_job.project)
    assert sum(r.counts.get("loaded", 0) for r in reports) == full.counts["loaded"]
    # a response modified after it loaded comes again as an update (one here): not a double
    assert sum(r.counts.get("replaced", 0) for r in reports) <= 2
    assert list(loaded["natural_id"]) == list(expected["natural_id"])
    columns = ["natural_id", "nps_score", "nps_comment", "document_date"]
    assert loaded[columns].equals(expected[columns])


@pytest.mark.parametrize("written", ["All", "ALL", "all"])
def test_all_is_accepted_as_xm_discover_writes_it(job: JobConfig, written: str) -> None:
    assert limited(job, written).filter.record_limit == "all"


def test_capped_orm_runs_continue_where_the_limit_stopped(tmp_path: Path, sandbox_at) -> None:
    reviews = JobConfig.from_dict(
        {
            "name": "reviews",
            "project": "reviews",
            "connection": "sandbox",
            "source": {"type": "orm", "idp_source_id": "dcf04acc768f4ea5"},
            "filter": {"record_limit": 10},
        }
    )
    store = tmp_path / "s.duckdb"
    reports = [run_job(reviews, store=store, **sandbox_at(MOMENTS[0])) for _ in range(7)]
    every = limited(reviews, "All")
    full = run_job(every, store=tmp_path / "full.duckdb", **sandbox_at(MOMENTS[0]))
    assert [r.counts.get("loaded", 0) for r in reports][:5] == [10] * 5
    assert sum(r.counts.get("loaded", 0) for r in reports) == full.counts["loaded"]
    assert not any(r.counts.get("replaced") for r in reports)
