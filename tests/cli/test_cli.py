"""The command line: exit codes, one-paragraph errors, tokens read only from stdin/prompt."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qinbound_nb.cli.main import main

EXAMPLE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"
TOKEN = "cli-secret-token-0123456789abcdefghijklmn"


def test_validate_good_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "valid job 'nps-weekly'" in capsys.readouterr().out


def test_validate_bad_job_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "name": "x",
                "project": "p",
                "connection": "c",
                "source": {"type": "survey", "survey_id": "nope"},
                "extra": 1,
            }
        )
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "source.survey_id" in err and "extra: is not a known setting" in err
    assert "Traceback" not in err


def test_schema_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "JobConfig"


def test_connections_add_reads_token_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert (
        main(["connections", "add", "prod", "--datacenter", "iad1", "--expires", "2027-01-01"]) == 0
    )
    assert main(["connections", "list"]) == 0
    out = capsys.readouterr().out
    assert "prod\tiad1\t2027-01-01\ttoken set" in out
    assert TOKEN not in out
    assert TOKEN in (isolated_home / "connections.json").read_text()


def test_connections_add_has_no_token_argument() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["connections", "add", "prod", "--datacenter", "iad1", "--token", TOKEN])
    assert caught.value.code == 2


def test_connections_add_bad_datacenter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert main(["connections", "add", "prod", "--datacenter", "evil.example.test"]) == 2
    err = capsys.readouterr().err
    assert "never a host name" in err and TOKEN not in err


def test_connections_remove_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connections", "remove", "ghost"]) == 2


def test_python_dash_m_and_console_script_agree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qinbound_nb", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
