"""Run history: reports (one CSV line per document, formula cells neutralised) and purge."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import StoreError
from qinbound_nb.store.store import Checkpoint, LoadResult, Store


def documents(
    job: JobConfig, ids: list[str], comment: str = "fine", start: int = 0
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "natural_id": [f"{job.name};{source_id}" for source_id in ids],
            "document_date": pd.Timestamp("2024-05-01T10:30:00Z"),
            "job_name": job.name,
            "comment": comment,
        },
        index=range(start, start + len(ids)),
    )
    return frame.astype(
        {
            "natural_id": "string[pyarrow]",
            "job_name": "string[pyarrow]",
            "comment": "string[pyarrow]",
        }
    )


def load(
    store: Store,
    run_id: str,
    job: JobConfig,
    ids: list[str],
    dropped: pd.DataFrame | None = None,
    checkpoint: Checkpoint | None = None,
) -> LoadResult:
    with store.load_run(run_id, job) as run:
        run.stage(documents(job, ids), dropped)
        return run.finish(checkpoint=checkpoint)


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Both backends: a DuckDB file and a PostgreSQL database."""
    if request.param == "duckdb":
        location: Path | str = tmp_path / "store.duckdb"
    else:
        location = request.getfixturevalue("pg_url")
    with Store(location) as opened:
        yield opened


DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_report_has_one_line_per_document_and_neutralises_formulas(
    store: Store, job: JobConfig, tmp_path: Path
) -> None:
    dropped = pd.DataFrame(
        {
            "natural_id": [f"{job.name};R_{n}" for n in range(10, 10 + len(DANGEROUS))],
            "outcome": "filtered_out",
            "reason": DANGEROUS,
        },
        index=range(5, 5 + len(DANGEROUS)),
    )
    load(store, "run-1", job, ["R_1", "R_2", "R_1"], dropped)
    path = store.write_report("run-1", tmp_path / "reports" / "run-1.csv")
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 3 + len(DANGEROUS)
    assert list(rows[0]) == [
        "run_id",
        "job_name",
        "natural_id",
        "outcome",
        "reason",
        "document_date",
        "position",
    ]
    assert [row["outcome"] for row in rows[:3]] == ["skipped_duplicate", "loaded", "loaded"]
    assert rows[1]["document_date"] == "2024-05-01T10:30:00Z"
    reasons = [row["reason"] for row in rows[3:]]
    assert reasons == ["'" + text for text in DANGEROUS]
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row.values() if cell)


def test_report_of_an_unknown_run_is_an_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no run 'missing'"):
        store.write_report("missing", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_purge_deletes_what_the_run_wrote_and_records_it(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, ["R_1", "R_2"])
    load(store, "run-2", job, ["R_2", "R_3"])
    result = store.purge("run-1")
    # R_2 was rewritten by run-2 and now belongs to it
    assert (result.deleted, result.kept) == (1, 1)
    remaining = store.documents("customer_feedback")["natural_id"].tolist()
    assert remaining == [f"{job.name};R_2", f"{job.name};R_3"]
    purged = store.run("run-1")
    assert purged["status"] == "purged" and purged["purged_documents"] == 1
    assert not pd.isna(purged["purged_at"])
    with pytest.raises(StoreError, match="already purged"):
        store.purge("run-1")


def test_purging_the_latest_run_puts_the_checkpoint_back(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, ["R_1"], checkpoint=Checkpoint(continuation_token="t1"))
    load(store, "run-2", job, ["R_2"], checkpoint=Checkpoint(continuation_token="t2"))
    store.purge("run-2")
    assert store.checkpoint(job.name) == Checkpoint(continuation_token="t1")
    store.purge("run-1")
    assert store.checkpoint(job.name) is None
    assert store.documents("customer_feedback").empty


def test_a_failed_run_cannot_be_purged(store: Store, job: JobConfig) -> None:
    store.record_failure("run-9", job, StoreError("disk full"))
    with pytest.raises(StoreError, match="loaded nothing"):
        store.purge("run-9")
    with pytest.raises(StoreError, match="no run"):
        store.purge("run-unknown")
