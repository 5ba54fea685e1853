"""The project store: duplicate modes across runs, in-progress snapshots, schema growth,
type conflicts, rollback, locks, and the query helpers."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import StoreError
from qinbound_nb.job.vocab import DuplicateMode
from qinbound_nb.store.store import Checkpoint, Store

LOAD_DATE = pd.Timestamp("2024-05-02T08:00:00Z")


def documents(
    job: JobConfig, rows: list[dict], start: int = 0, types: dict[str, str] | None = None
) -> pd.DataFrame:
    """A document frame in the mapping's shape: default fields, then custom attributes."""
    frame = pd.DataFrame(
        [
            {
                "natural_id": f"{job.name};{row.pop('id')}",
                "document_date": pd.Timestamp("2024-05-01T10:00:00Z"),
                "job_name": job.name,
                "loadDate": LOAD_DATE,
                "feedback_provider": "Qualtrics",
                "feedback_type": "Survey",
                "source": "Qualtrics",
                **row,
            }
            for row in [dict(r) for r in rows]
        ],
        index=range(start, start + len(rows)),
    )
    types = {"score": "double[pyarrow]", "document_date": "timestamp[us, tz=UTC][pyarrow]"} | (
        types or {}
    )
    return frame.astype(
        {c: types.get(c, "string[pyarrow]") for c in frame.columns if c != "loadDate"}
    )


def load(store: Store, run_id: str, job: JobConfig, *chunks: list[dict], **finish: object):
    with store.load_run(run_id, job) as run:
        position = 0
        for rows in chunks:
            run.stage(documents(job, rows, start=position))
            position += len(rows)
        return run.finish(**finish)  # type: ignore[arg-type]


def stored(store: Store, project: str = "customer_feedback") -> dict[str, dict]:
    frame = store.documents(project)
    return {
        row["natural_id"].split(";", 1)[1]: {
            k: (None if pd.isna(v) else v) for k, v in row.items() if k in ("comment", "score")
        }
        for row in frame.to_dict("records")
    }


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """The contract runs against both backends: a DuckDB file and a PostgreSQL database."""
    if request.param == "duckdb":
        location: Path | str = tmp_path / "store.duckdb"
    else:
        location = request.getfixturevalue("pg_url")
    with Store(location) as opened:
        yield opened


def with_mode(job: JobConfig, mode: str) -> JobConfig:
    return job.model_copy(update={"duplicates": DuplicateMode(mode)})


FIRST = [
    {"id": "R_1", "comment": "slow", "score": 3.0},
    {"id": "R_2", "comment": "ok", "score": 7.0},
]
SECOND = [
    {"id": "R_1", "comment": "", "score": 9.0},
    {"id": "R_3", "comment": "new", "score": None},
]


@pytest.mark.parametrize(
    ("mode", "expected", "outcome"),
    [
        ("replace", {"comment": "", "score": 9.0}, "replaced"),
        ("skip", {"comment": "slow", "score": 3.0}, "skipped_duplicate"),
        ("update", {"comment": "slow", "score": 9.0}, "updated"),
    ],
)
def test_duplicate_modes_across_runs(
    store: Store, job: JobConfig, mode: str, expected: dict, outcome: str
) -> None:
    job = with_mode(job, mode)
    first = load(store, "run-1", job, FIRST)
    second = load(store, "run-2", job, SECOND)
    assert first.counts["loaded"] == 2
    assert second.counts == {outcome: 1, "loaded": 1, "in_progress_removed": 0}
    documents_now = stored(store)
    assert documents_now["R_1"] == expected
    assert documents_now["R_2"] == {"comment": "ok", "score": 7.0}
    assert documents_now["R_3"] == {"comment": "new", "score": None}
    outcomes = store.outcomes("run-2").set_index("natural_id")
    assert outcomes.loc[f"{job.name};R_1", "outcome"] == outcome
    assert "run-1" in outcomes.loc[f"{job.name};R_1", "reason"]


def test_rerunning_the_same_batch_converges(store: Store, job: JobConfig) -> None:
    for run_id in ("run-1", "run-2", "run-3"):
        load(store, run_id, job, FIRST + SECOND)
    assert len(store.documents("customer_feedback")) == 3
    assert stored(store)["R_1"] == {"comment": "", "score": 9.0}


@pytest.mark.parametrize("mode", ["replace", "skip"])
def test_last_row_wins_across_chunks(store: Store, job: JobConfig, mode: str) -> None:
    result = load(store, "run-1", with_mode(job, mode), FIRST, SECOND)
    assert stored(store)["R_1"] == {"comment": "", "score": 9.0}
    assert result.counts["skipped_duplicate"] == 1
    superseded = store.outcomes("run-1").query("outcome == 'skipped_duplicate'")
    assert superseded["position"].tolist() == [0]
    assert "later row" in superseded["reason"].iloc[0]


def test_update_merges_within_the_batch_across_chunks(store: Store, job: JobConfig) -> None:
    load(store, "run-1", with_mode(job, "update"), FIRST, SECOND)
    assert stored(store)["R_1"] == {"comment": "slow", "score": 9.0}


def test_in_progress_snapshot_refreshes_and_forgets_finished_sessions(
    store: Store, job: JobConfig
) -> None:
    job = with_mode(job, "skip")  # in-progress snapshots are replaced whatever the mode
    sessions = [{"id": "FS_1", "comment": "typing", "score": None}, {"id": "FS_2", "comment": "a"}]
    load(
        store,
        "run-1",
        job,
        FIRST + sessions,
        in_progress_ids=[f"{job.name};FS_1", f"{job.name};FS_2"],
    )
    assert set(stored(store)) == {"R_1", "R_2", "FS_1", "FS_2"}
    # FS_1 finished as R_9; FS_2 is still in progress with more answers
    later = [{"id": "R_9", "comment": "typing done", "score": 4.0}, {"id": "FS_2", "comment": "ab"}]
    result = load(store, "run-2", job, later, in_progress_ids=[f"{job.name};FS_2"])
    assert set(stored(store)) == {"R_1", "R_2", "R_9", "FS_2"}
    assert stored(store)["FS_2"]["comment"] == "ab"
    assert result.counts["in_progress_removed"] == 1
    assert result.counts["replaced"] == 1
    # a run that does not pull in-progress sessions leaves them alone
    load(store, "run-3", job, [{"id": "R_10", "comment": "x"}])
    assert "FS_2" in stored(store)


def test_a_partial_response_that_completes_later_replaces_the_earlier_one(
    store: Store, job: JobConfig
) -> None:
    load(store, "run-1", job, [{"id": "R_7", "comment": "half", "score": None}])
    load(store, "run-2", job, [{"id": "R_7", "comment": "half, then finished", "score": 8.0}])
    assert stored(store)["R_7"] == {"comment": "half, then finished", "score": 8.0}


def test_new_attributes_are_added_as_the_mapping_grows(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, FIRST)
    load(store, "run-2", job, [{"id": "R_5", "comment": "hi", "region": "EMEA"}])
    frame = store.documents("customer_feedback").set_index("natural_id")
    assert frame.loc[f"{job.name};R_5", "region"] == "EMEA"
    assert pd.isna(frame.loc[f"{job.name};R_1", "region"])
    assert list(frame.columns[:6]) == [
        "document_date",
        "job_name",
        "loadDate",
        "feedback_provider",
        "feedback_type",
        "source",
    ]


def test_a_type_conflict_names_project_column_and_types_and_loads_nothing(
    store: Store, job: JobConfig
) -> None:
    load(store, "run-1", job, FIRST)
    before = store.documents("customer_feedback")
    bad = documents(job, [{"id": "R_8", "score": "high"}], types={"score": "string[pyarrow]"})
    with pytest.raises(StoreError) as caught, store.load_run("run-2", job) as run:
        run.stage(bad)
    message = str(caught.value)
    for part in ("'customer_feedback'", "'score'", "DOUBLE (number)", "VARCHAR (text)"):
        assert part in message
    pd.testing.assert_frame_equal(store.documents("customer_feedback"), before)
    assert store.run("run-2")["status"] == "failed"
    assert "'score'" in store.run("run-2")["error"]


def test_an_exception_mid_load_rolls_everything_back(store: Store, job: JobConfig) -> None:
    checkpoint = Checkpoint(
        continuation_token="token-1", watermark=datetime(2024, 5, 1, tzinfo=UTC)
    )
    load(store, "run-1", job, FIRST, checkpoint=checkpoint)
    before = store.documents("customer_feedback", bookkeeping=True)
    with pytest.raises(RuntimeError, match="network"), store.load_run("run-2", job) as run:
        run.stage(documents(job, SECOND))
        raise RuntimeError("network went away with R_secret text")
    pd.testing.assert_frame_equal(store.documents("customer_feedback", bookkeeping=True), before)
    assert store.checkpoint(job.name) == checkpoint
    assert store.outcomes("run-2").empty
    failed = store.run("run-2")
    assert failed["status"] == "failed"
    assert failed["error"].startswith("RuntimeError") and "secret" not in failed["error"]


def test_leaving_the_block_without_finish_loads_nothing(store: Store, job: JobConfig) -> None:
    with store.load_run("run-1", job) as run:
        run.stage(documents(job, FIRST))
    assert store.runs().empty
    # PostgreSQL makes a new project's table in a transaction of its own, so other jobs can
    # load beside the run: it stays, empty
    assert store.projects().empty or store.documents(job.project).empty


def test_checkpoint_moves_only_with_a_commit(store: Store, job: JobConfig) -> None:
    assert store.checkpoint(job.name) is None
    load(store, "run-1", job, FIRST, checkpoint=Checkpoint(continuation_token="abc"))
    load(store, "run-2", job, SECOND)  # no checkpoint given: it stays
    assert store.checkpoint(job.name) == Checkpoint(continuation_token="abc")
    assert store.runs(job.name)["run_id"].tolist() == ["run-2", "run-1"]


def test_outcomes_for_dropped_documents_and_an_empty_first_run(
    store: Store, job: JobConfig
) -> None:
    dropped = pd.DataFrame(
        {"natural_id": [f"{job.name};R_1"], "outcome": ["filtered_out"], "reason": ["filter"]},
        index=[4],
    )
    with store.load_run("run-1", job) as run:
        run.stage(documents(job, []), dropped)
        result = run.finish(warnings=["the token expires in 3 days"])
    assert result.status == "succeeded_with_warnings"
    assert result.counts["filtered_out"] == 1
    assert store.outcomes("run-1")["position"].tolist() == [4]
    assert store.projects().empty  # no documents, no project table yet


def test_preview_outcomes_reads_without_writing(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, FIRST)
    ids = pd.Series([f"{job.name};R_1", f"{job.name};R_4"], index=[10, 11])
    for mode, label in (("replace", "replaces"), ("skip", "skipped"), ("update", "updates")):
        preview = store.preview_outcomes("customer_feedback", ids, mode)
        assert preview.to_dict() == {10: label, 11: "new"}
    assert store.preview_outcomes("other_project", ids, "skip").tolist() == ["new", "new"]
    assert len(store.runs()) == 1


def test_projects_get_distinct_safe_tables(store: Store, job: JobConfig) -> None:
    for project in ("Feedback", "feedback", "feed-back"):
        load(store, f"run-{project}", job.model_copy(update={"project": project}), FIRST)
    tables = store.projects().set_index("project")["table_name"].to_dict()
    assert len(set(map(str.lower, tables.values()))) == 3
    assert len(store.query(f'SELECT * FROM "{tables["feed-back"]}"')) == 2


def test_unknown_project_and_run_are_clear_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="no project 'nope'"):
        store.documents("nope")
    with pytest.raises(StoreError, match="no run 'r-x'"):
        store.run("r-x")


def test_registered_jobs_show_the_last_run(store: Store, job: JobConfig, tmp_path: Path) -> None:
    store.register_job(job, tmp_path / "job.json")
    store.register_job(job, tmp_path / "job.json")
    load(store, "run-1", job, FIRST)
    jobs = store.registered_jobs()
    assert jobs["job_name"].tolist() == [job.name]
    assert jobs["last_status"].tolist() == ["succeeded"]
    assert jobs["job_path"].iloc[0] == str((tmp_path / "job.json").resolve())


def test_open_resolves_the_environment_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_STORE", str(tmp_path / "from-env.duckdb"))
    with Store.open() as opened:
        assert opened.path == tmp_path / "from-env.duckdb"
    assert (tmp_path / "from-env.duckdb").exists()


def hold_lock(path: Path, seconds: float | None = None) -> subprocess.Popen:
    """Another process holding the store file's lock (until stdin closes, or ``seconds``)."""
    release = "sys.stdin.read()" if seconds is None else f"time.sleep({seconds})"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(path)!r}); "
            f"print('ready', flush=True); {release}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def test_a_store_locked_by_another_process_is_reported_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "locked.duckdb"
    Store(path).close()
    monkeypatch.setenv("QINBOUND_STORE_WAIT", "0.5")
    holder = hold_lock(path)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another process"):
            Store(path)
        assert time.monotonic() - started >= 0.5
        assert "waiting for it" in caplog.text
    finally:
        holder.communicate("")


def test_opening_a_locked_store_waits_for_the_other_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "busy.duckdb"
    Store(path).close()
    monkeypatch.setenv("QINBOUND_STORE_WAIT", "20")
    holder = hold_lock(path, seconds=1.0)
    try:
        with Store(path) as opened:
            assert opened.runs().empty
    finally:
        holder.communicate("")


def test_a_read_only_store_refuses_to_load(tmp_path: Path, job: JobConfig) -> None:
    path = tmp_path / "ro.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as read_only:
        with pytest.raises(StoreError, match="read-only"), read_only.load_run("run-1", job) as run:
            run.stage(documents(job, FIRST))
            run.finish()
        assert read_only.runs().empty


def test_an_all_empty_column_takes_the_type_of_a_later_chunk(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, FIRST)
    empty = documents(job, [{"id": "R_5"}], types={}).assign(region=None, score=None)
    typed = documents(job, [{"id": "R_6", "region": "EMEA", "score": 2.0}], start=1)
    with store.load_run("run-2", job) as run:
        run.stage(empty)
        run.stage(typed)
        run.finish()
    frame = store.documents("customer_feedback")
    assert [str(frame[c].dtype) for c in ("region", "score")] == [
        "string[pyarrow]",
        "double[pyarrow]",
    ]
    assert stored(store)["R_6"] == {"comment": None, "score": 2.0}


def test_a_committed_run_id_cannot_be_reused(store: Store, job: JobConfig) -> None:
    load(store, "run-1", job, FIRST)
    with pytest.raises(StoreError, match="already in the history"):
        load(store, "run-1", job, SECOND)
    assert store.run("run-1")["status"] == "succeeded"
    assert stored(store)["R_1"] == {"comment": "slow", "score": 3.0}
