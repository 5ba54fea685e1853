"""PostgreSQL's fast path (new documents straight into the project table) settles every case
exactly as the DuckDB store does: ids repeated within a chunk and across chunks, ids from an
earlier run, each duplicates mode, in-progress sessions, and a chunk whose types differ."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.store.store import Store

RUN_ONE = [
    {"R_1": ("first", 1.0), "R_2": ("second", 2.0), "R_3": ("third", None)},
    {"R_2": ("second again", None), "R_4": ("fourth", 4.0)},
    {"R_5": ("fifth", 5.0), "R_5 ": ("", 5.5), "R_1": (None, 1.5)},
]
RUN_TWO = [
    {"R_1": ("first, edited", None), "R_6": ("sixth", 6.0)},
    {"R_6": ("sixth again", 6.5), "R_7": ("seventh", 7.0)},
]


def frame(job: JobConfig, rows: dict[str, tuple[str | None, float | None]], start: int):
    ids = [f"{job.name};{key.strip()}" for key in rows]
    return pd.DataFrame(
        {
            "natural_id": pd.array(ids, dtype="string[pyarrow]"),
            "document_date": pd.Timestamp("2026-11-01T00:00:00Z"),
            "job_name": job.name,
            "comment": pd.array([text for text, _ in rows.values()], dtype="string[pyarrow]"),
            "score": [score for _, score in rows.values()],
        },
        index=pd.RangeIndex(start, start + len(rows)),
    )


def load(location: Path | str, job: JobConfig, run_id: str, chunks: list[dict], **finish) -> None:
    with Store(location) as store, store.load_run(run_id, job) as run:
        start = 0
        for rows in chunks:
            run.stage(frame(job, rows, start))
            start += len(rows)
        run.finish(**finish)


def settled(location: Path | str, job: JobConfig) -> tuple[pd.DataFrame, ...]:
    with Store(location, read_only=True) as store:
        documents = store.documents(job.project, bookkeeping=True).drop(columns="_updated_at")
        outcomes = [
            store.outcomes(run).sort_values(["natural_id", "position"]).reset_index(drop=True)
            for run in ("run-1", "run-2")
        ]
        return (documents, *outcomes)


@pytest.mark.parametrize("mode", ["replace", "skip", "update"])
def test_both_backends_settle_repeats_and_earlier_runs_alike(
    tmp_path: Path, pg_url: str, job: JobConfig, mode: str
) -> None:
    job = job.model_copy(update={"duplicates": mode})
    results = []
    for location in (tmp_path / "s.duckdb", pg_url):
        load(location, job, "run-1", RUN_ONE, in_progress_ids=[f"{job.name};R_4"])
        load(location, job, "run-2", RUN_TWO, in_progress_ids=[])
        results.append(settled(location, job))
    for from_duckdb, from_postgres in zip(*results, strict=True):
        pd.testing.assert_frame_equal(from_postgres, from_duckdb)
    documents, first, second = results[1]
    assert len(documents) == 6  # R_4 was in progress and is gone from run 2's snapshot
    assert first["outcome"].value_counts().to_dict() == {"loaded": 5, "skipped_duplicate": 3}
    assert "R_6" in " ".join(second.loc[second["outcome"] == "skipped_duplicate", "natural_id"])


def test_a_chunk_with_other_types_is_staged_and_merged(pg_url: str, job: JobConfig) -> None:
    load(pg_url, job, "run-1", RUN_ONE[:1])
    with Store(pg_url) as store, store.load_run("run-2", job) as run:
        chunk = frame(job, {"R_8": ("eighth", 8.0)}, 0).astype({"score": "int64"})
        run.stage(chunk)
        run.finish()
    with Store(pg_url, read_only=True) as store:
        scores = store.documents(job.project)["score"]
        assert scores.fillna(-1).tolist() == [1.0, 2.0, -1, 8.0]


def test_instants_in_any_zone_come_back_exactly_from_both_backends(
    tmp_path: Path, pg_url: str, job: JobConfig
) -> None:
    rows = frame(job, {"R_1": ("a", 1.0), "R_2": ("b", 2.0), "R_3": ("c", 3.0)}, 0)
    rows["document_date"] = pd.to_datetime(
        ["2026-03-29T01:30:00.123456+01:00", "2026-10-25T02:30:00+02:00", None],
        utc=True,
        format="ISO8601",
    ).tz_convert("Europe/Berlin")
    dates = []
    for location in (tmp_path / "s.duckdb", pg_url):
        with Store(location) as store, store.load_run("run-1", job) as run:
            run.stage(rows)
            run.finish()
        with Store(location, read_only=True) as store:
            dates.append(store.documents(job.project)["document_date"])
    pd.testing.assert_series_equal(dates[1], dates[0])
    assert dates[1].iloc[0] == pd.Timestamp("2026-03-29T00:30:00.123456Z")
    assert pd.isna(dates[1].iloc[2])
