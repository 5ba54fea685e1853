"""What the CLI shows: redaction hits by rule in history, every document column in preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinbound_nb.cli.main import main

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


@pytest.fixture
def job_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-04T09:00:00Z")
    monkeypatch.chdir(tmp_path)
    job = json.loads(TEMPLATE.read_text())
    job["rules"]["redactions"] = "# order numbers\n\\bORD-\\d+\\b\n\\b[Aa]ccount\\b\n"
    path = tmp_path / "nps.json"
    path.write_text(json.dumps(job))
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_history_names_redaction_rules(job_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")
    out = cli(capsys, "history", str(job_file), "--store", "s.duckdb")
    assert "redaction_" not in out and "redaction:" not in out
    assert "redaction hits:" in out and "redaction line 2 /\\bORD-\\d+\\b/ " in out


def test_preview_shows_job_name_and_load_date(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cli(capsys, "preview", str(job_file), "--limit", "20")
    header = out.splitlines()[1]
    assert "job_name" in header and "loadDate" in header


def test_the_run_summary_names_redaction_rules_as_history_does(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = json.loads(job_file.read_text())
    job["rules"]["substitutions"] = "account : acct\n"
    job_file.write_text(json.dumps(job))
    run = cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")
    hits = next(line for line in run.splitlines() if "redaction hits:" in line)
    assert "redaction:" not in hits and "substitution:" not in hits
    assert "redaction line 2 /\\bORD-\\d+\\b/ " in hits
    assert "substitution line 1 'account : acct' " in hits
    history = cli(capsys, "history", str(job_file), "--store", "s.duckdb")
    assert "redaction line 2 /\\bORD-\\d+\\b/ " in history
