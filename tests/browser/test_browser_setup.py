"""Without chromium the browser test skips on a laptop and fails in CI (which installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import conftest


def test_a_missing_chromium_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        conftest.require_browser()


def test_a_missing_chromium_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must provide it"):
        conftest.require_browser()


def test_the_lab_environment_is_private_and_carries_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_TOKEN_PROD", "secret-value")
    env = conftest.lab_environment(tmp_path)
    assert "QINBOUND_TOKEN_PROD" not in env
    assert env["QINBOUND_SANDBOX_NOW"] == conftest.SANDBOX_NOW
    for name in ("QINBOUND_HOME", "JUPYTER_CONFIG_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        assert Path(env[name]).is_relative_to(tmp_path)
