"""The run-side CLI through the console entry point: run, preview, export, history, report,
purge, jobs, schedule — against the sandbox, with exit codes and what a user reads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from qinbound_nb.cli.main import main
from qinbound_nb.store.store import Store

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_direct_then_history_report_purge(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")
    assert code == 0, err
    assert "succeeded" in out and "loaded" in out and "redaction hits" in out
    run_id = out.split()[1]

    code, out, _ = run_cli(capsys, "history", str(job_file), "--store", "s.duckdb")
    assert code == 0 and run_id in out and "succeeded" in out

    code, out, _ = run_cli(capsys, "report", run_id, "-o", "report.csv", "--store", "s.duckdb")
    assert code == 0
    with open("report.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 446 and {"natural_id", "outcome"} <= set(rows[0])
    assert {row["outcome"] for row in rows} == {"loaded"}

    code, out, _ = run_cli(capsys, "jobs", "--store", "s.duckdb")
    assert code == 0 and "nps-weekly" in out and "daily at 06:30" in out

    code, out, _ = run_cli(capsys, "purge", run_id, "--store", "s.duckdb")
    assert code == 0 and "purged" in out
    with Store.open("s.duckdb") as store:
        assert len(store.documents("customer_feedback")) == 0


def test_run_with_a_broken_job_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "name": "x",
                "project": "p",
                "connection": "sandbox",
                "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
                "filter": {"expression": "ISBLANK("},
            }
        )
    )
    code, _out, err = run_cli(
        capsys, "run", str(bad), "--direct", "--store", str(tmp_path / "s.duckdb")
    )
    assert code == 2
    assert "filter.expression" in err and "Traceback" not in err
    assert not (tmp_path / "s.duckdb").exists()


def test_a_failed_run_exits_1(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "revoked-token")
    code, out, err = run_cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")
    assert code == 1
    assert "failed" in out and "revoked-token" not in out + err


def test_the_report_json_says_whether_a_retry_may_help(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an orchestrator reads: a revoked token needs a person, a failed export may pass."""
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "revoked-token")
    argv = ["run", str(job_file), "--direct", "--store", "s.duckdb", "--report-json", "o.json"]
    assert run_cli(capsys, *argv)[0] == 1
    outcome = json.loads(Path("o.json").read_text())
    assert outcome["status"] == "failed" and outcome["retriable"] is False
    assert "revoked" in outcome["error"] and "revoked-token" not in Path("o.json").read_text()
    monkeypatch.delenv("QINBOUND_TOKEN_SANDBOX")
    monkeypatch.setenv("QINBOUND_SANDBOX_FAULTS", "failed@export")
    assert run_cli(capsys, *argv)[0] == 1
    outcome = json.loads(Path("o.json").read_text())
    assert outcome["status"] == "failed" and outcome["retriable"] is True
    monkeypatch.delenv("QINBOUND_SANDBOX_FAULTS")
    assert run_cli(capsys, *argv)[0] == 0
    outcome = json.loads(Path("o.json").read_text())
    assert outcome["status"] == "succeeded" and outcome["counts"]["loaded"] == 446


def test_preview_prints_redacted_rows_and_writes_html(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "preview", str(job_file), "--limit", "40", "-o", "preview.html"
    )
    assert code == 0, err
    assert "sampled 40" in out and "[REDACTED]" in out
    html = Path("preview.html").read_text()
    assert "[REDACTED]" in html and "<table" in html


def test_export_writes_a_parameterized_notebook(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import papermill

    code, out, _ = run_cli(capsys, "export", str(job_file), "-o", "nps.ipynb")
    assert code == 0 and "nps.ipynb" in out
    parameters = papermill.inspect_notebook("nps.ipynb")
    assert {"job_path", "store", "dry_run", "run_id"} <= set(parameters)


def test_schedule_prints_next_runs_and_cron_lines(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "schedule", str(job_file), "--count", "3")
    assert code == 0
    assert out.count("next: ") == 3
    assert "--if-due" in out and str(job_file.resolve()) in out


def test_validate_runs_the_deep_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(TEMPLATE.read_text())
    data["mapping"]["fields"].append(
        {
            "source": "QID3",
            "name": "upper3",
            "type": "text",
            "transform": {"kind": "expression", "expression": "NOSUCHFN(QID3)"},
        }
    )
    path = tmp_path / "job.json"
    path.write_text(json.dumps(data))
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and "mapping.fields.2.transform" in err


@pytest.mark.slow
def test_run_through_papermill_keeps_the_output_notebook(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "run", str(job_file), "--store", "s.duckdb")
    assert code == 0, out + err
    notebook = Path(out.split("output notebook: ")[1].strip())
    assert notebook.exists()
    text = notebook.read_text()
    assert "succeeded" in text
    with Store.open("s.duckdb") as store:
        runs = store.runs()
    assert runs.iloc[0]["status"] == "succeeded"
    assert runs.iloc[0]["output_notebook"] == str(notebook)


@pytest.mark.slow
def test_a_failing_papermill_run_names_the_cell_and_exits_1(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "expired-token")
    code, out, err = run_cli(capsys, "run", str(job_file), "--store", "s.duckdb")
    assert code == 1
    assert "cell" in out + err
    with Store.open("s.duckdb") as store:
        assert store.runs().iloc[0]["status"] == "failed"


def test_connections_check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_cli(capsys, "connections", "check", "sandbox")
    assert code == 0 and "sandbox: OK" in out
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "revoked-token")
    code, out, err = run_cli(capsys, "connections", "check", "sandbox")
    assert code == 1 and "sandbox" in err and "revoked-token" not in err


def test_run_can_write_xm_discover_feedback_files(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "run", str(job_file), "--direct", "--store", "s.duckdb", "--xm-files", "xm"
    )
    assert code == 0, err
    files = sorted(Path("xm").rglob("*.csv"))
    assert files and "feedback_files 1" in out
    with files[0].open(newline="") as stream:
        header = next(csv.reader(stream))
        rows = sum(1 for _ in stream)
    assert "natural_id" in header and "nps_comment [verbatim]" in header
    with Store.open("s.duckdb") as store:
        assert rows == len(store.documents("customer_feedback"))


@pytest.mark.slow
def test_a_papermill_dry_run_reports_what_would_load(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "run", str(job_file), "--dry-run", "--store", "s.duckdb")
    assert code == 0, out + err
    assert "would new" in out and "redaction hits: email" in out
    assert not Path("s.duckdb").exists()


def test_run_prints_warnings_and_failed_notifications(
    job_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = json.loads(job_file.read_text())
    job["notifications"] = {"on": ["success", "warning"], "email": ["team@example.com"]}
    job["mapping"]["fields"].append({"source": "QID9", "name": "gone", "type": "text"})
    job_file.write_text(json.dumps(job))
    code, out, err = run_cli(capsys, "run", str(job_file), "--direct", "--store", "s.duckdb")
    assert code == 0, err
    assert "succeeded_with_warnings" in out
    assert "warning:" in out and "QID9" in out
    assert "notification failed: email notification not sent: no SMTP host" in out


def test_a_papermill_run_prints_its_warnings_and_failed_notifications(
    job_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qinbound_nb.notebooks import production
    from qinbound_nb.notebooks.production import ProductionRun

    outcome = ProductionRun(
        "r1",
        "succeeded_with_warnings",
        Path("out.ipynb"),
        {"loaded": 3},
        warnings=("the export has no column 'QID9'",),
        notification_failures=("webhook notification to https://hooks.example.com failed",),
    )
    # the command imports run_production when it runs (the CLI stays quick to start)
    monkeypatch.setattr(production, "run_production", lambda *args, **kwargs: outcome)
    code, out, _ = run_cli(capsys, "run", str(job_file), "--store", "s.duckdb")
    assert code == 0
    assert "  warning: the export has no column 'QID9'" in out
    assert "  notification failed: webhook notification to https://hooks.example.com" in out
