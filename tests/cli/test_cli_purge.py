"""`qinbound purge` leaves the project as if the run had not loaded, and says how it gets back."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinbound_nb.cli.main import main
from qinbound_nb.store.store import Store

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
PROJECT = "customer_feedback"


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], now: str) -> str:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", now)
    assert main(["run", "nps.json", "--direct", "--store", "s.duckdb"]) == 0
    return capsys.readouterr().out.split()[1]  # "run <id> of ..."


def _documents() -> dict[str, tuple[object, ...]]:
    """Each stored document's id and content (not its load bookkeeping)."""
    with Store.open("s.duckdb") as store:
        frame = store.documents(PROJECT)
    content = frame[["document_date", "nps_score", "nps_comment"]].astype(str)
    return dict(zip(frame["natural_id"], content.itertuples(index=False), strict=True))


def test_purging_a_run_that_replaced_documents_rewinds_and_the_next_run_restores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("nps.json").write_text(TEMPLATE.read_text())
    _run(monkeypatch, capsys, "2026-11-20T06:30:00Z")
    second = _run(monkeypatch, capsys, "2026-11-21T06:30:00Z")  # loads 148, replaces 6
    after_both = _documents()

    assert main(["purge", second, "--store", "s.duckdb"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"purged run {second}: 154 document(s) deleted")
    assert "PurgeResult(" not in out
    assert "the checkpoint of job 'nps-weekly' is back to run" in out
    assert "its next run pulls the purged run's responses again" in out
    assert len(_documents()) == len(after_both) - 154

    _run(monkeypatch, capsys, "2026-11-21T06:30:00Z")  # the same day again
    assert _documents() == after_both
