"""The command-line tests' shared job: the demo NPS job in a fresh working folder."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


@pytest.fixture
def job_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo job's file in ``tmp_path`` (the working folder), the sandbox's clock set."""
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", "2026-11-04T09:00:00Z")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "nps.json"
    path.write_text(TEMPLATE.read_text())
    return path
