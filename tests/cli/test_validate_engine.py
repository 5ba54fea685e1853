"""`qinbound validate` checks with the engine that runs: RE2 patterns, filter fields vs mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qinbound_nb.cli.main import main


def _job(tmp_path: Path, *, pattern: str = "S-0", expression: str = "nps_score > 5") -> Path:
    job: dict[str, Any] = {
        "name": "engine",
        "project": "p",
        "connection": "sandbox",
        "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
        "mapping": {
            "fields": [
                {"source": "QID1", "name": "nps_score", "type": "number"},
                {
                    "source": "QID2_TEXT",
                    "name": "code",
                    "type": "text",
                    "transform": {"kind": "regex", "pattern": pattern, "replacement": "x"},
                },
            ]
        },
        "filter": {"expression": expression},
    }
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    return path


def test_a_lookahead_in_a_regex_transformation_fails_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(_job(tmp_path, pattern="S-(?=0)"))]) == 2
    err = capsys.readouterr().err
    assert "mapping.fields.1.transform.pattern" in err
    assert "lookaheads '(?=' are not supported by the RE2 engine" in err


def test_a_filter_on_an_unknown_field_fails_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(_job(tmp_path, expression="nps_scor > 5"))]) == 2
    err = capsys.readouterr().err
    assert "filter.expression: unknown field 'nps_scor'" in err


def test_a_filter_on_mapped_and_default_fields_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expression = 'nps_score > 5 AND feedback_type = "Survey" AND NOT ISBLANK(code)'
    assert main(["validate", str(_job(tmp_path, expression=expression))]) == 0
    assert "valid job 'engine'" in capsys.readouterr().out
