"""run_job and continuation tokens: a refused token falls back to the window; other 400s fail."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from qinbound_nb import JobConfig, run_job
from qinbound_nb.store.store import Store

DAY_ONE = "2026-11-05T12:00:00Z"
DAY_TWO = "2026-11-06T12:00:00Z"
REFUSED = "Qualtrics refused the continuation token"
BAD_REQUEST = Path(__file__).parents[1] / "fixtures" / "qualtrics" / "error_400_bad_request.json"


def _forget_token(store: Path, job: JobConfig, token: str) -> None:
    with Store.open(store) as opened:
        opened.query(
            "UPDATE checkpoints SET continuation_token = ? WHERE job_name = ?", [token, job.name]
        )


def _loaded(store: Path, job: JobConfig) -> int:
    with Store.open(store) as opened:
        return len(opened.documents(job.project))


def test_a_refused_token_falls_back_to_the_watermark_window(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    _forget_token(store, nps_job, "not-issued-by-the-sandbox")  # "Invalid continuationToken."
    second = run_job(nps_job, store=store, **sandbox_at(DAY_TWO))
    assert second.status == "succeeded_with_warnings", second.summary()
    assert any(REFUSED in warning for warning in second.warnings)
    # the day since the watermark plus the look-back hours, whose 16 responses come again
    assert (second.counts["fetched"], second.counts["loaded"], second.counts["replaced"]) == (
        151,
        135,
        16,
    )
    assert _loaded(store, nps_job) == first.counts["loaded"] + second.counts.get("loaded", 0)
    third = run_job(nps_job, store=store, **sandbox_at(DAY_TWO))  # the new token is accepted
    assert third.status == "succeeded" and third.counts.get("fetched", 0) == 0, third.summary()


def test_another_400_on_a_token_pull_fails_the_run_without_a_window_pull(
    nps_job: JobConfig, tmp_path: Path, sandbox_at
) -> None:
    store = tmp_path / "s.duckdb"
    first = run_job(nps_job, store=store, **sandbox_at(DAY_ONE))
    with Store.open(store) as opened:
        checkpoint = opened.checkpoint(nps_job.name)
    starts: list[dict] = []

    def refuse_token_pulls(sandbox: httpx.BaseTransport) -> httpx.BaseTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("export-responses"):
                starts.append(json.loads(request.content))
                if "continuationToken" in starts[-1]:
                    return httpx.Response(400, content=BAD_REQUEST.read_bytes())
            return sandbox.handle_request(request)

        return httpx.MockTransport(answer)

    failed = run_job(nps_job, store=store, **sandbox_at(DAY_TWO, transport=refuse_token_pulls))
    assert failed.status == "failed"
    assert "HTTP 400, GP_0" in (failed.error or "") and REFUSED not in (failed.error or "")
    assert len(starts) == 1 and "continuationToken" in starts[0]  # no window pull after it
    assert not any(REFUSED in warning for warning in failed.warnings)
    with Store.open(store) as opened:
        assert opened.checkpoint(nps_job.name) == checkpoint
        assert opened.run(failed.run_id)["status"] == "failed"
    assert _loaded(store, nps_job) == first.counts["loaded"]
