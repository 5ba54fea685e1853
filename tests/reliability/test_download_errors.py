"""Regression: an export file that cannot be written (full or read-only disk) is an ExportError."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_harness import DAY_ONE, FakeClock, FaultyServer, make_client

from qinbound_nb.errors import ExportError
from qinbound_nb.qualtrics.requests import ResponseExportRequest


def test_an_unwritable_download_folder_is_an_export_error_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the download folder should be")
    request = ResponseExportRequest()
    with (
        FaultyServer(DAY_ONE) as server,
        make_client(server.url, FakeClock()) as client,
        pytest.raises(ExportError, match="could not be written") as caught,
    ):
        client.export_responses("SV_1NpsDemoSurvey1", request, blocker / "exports")
    assert isinstance(caught.value.__cause__, OSError)
