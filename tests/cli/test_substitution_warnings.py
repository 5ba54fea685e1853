"""An ambiguous substitution line (several colons, none spaced) is a warning: in ``qinbound
validate`` (exit 0) and in the run's warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinbound_nb import JobConfig, run_job
from qinbound_nb.cli.main import main

RULES = "refund : reimbursement\n10:30am:half past ten\n"


@pytest.fixture
def ambiguous(nps_job: JobConfig) -> JobConfig:
    data = nps_job.model_dump(mode="json")
    data["rules"]["substitutions"] = RULES
    return JobConfig.from_dict(data)


def test_validate_warns_of_an_ambiguous_line_and_passes(
    ambiguous: JobConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(ambiguous.model_dump(mode="json")))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid job" in out
    (warning,) = [line for line in out.splitlines() if "warning" in line]
    assert "line 2" in warning and "' : '" in warning


def test_the_run_carries_the_warning(ambiguous: JobConfig, tmp_path: Path, sandbox_at) -> None:
    report = run_job(ambiguous, store=tmp_path / "s.duckdb", **sandbox_at("2026-11-05T12:00:00Z"))
    assert report.status == "succeeded_with_warnings"
    assert any("line 2" in w and "more than one ':'" in w for w in report.warnings)
