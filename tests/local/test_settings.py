"""The QINBOUND_* settings: one precedence, read fresh, malformed values named, secrets hidden."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from qinbound_nb.errors import ConfigError
from qinbound_nb.local.settings import Settings, hash_key_variable, token_variable
from qinbound_nb.runs.notify import SmtpSettings
from qinbound_nb.sandbox.simulator import Sandbox
from qinbound_nb.store.schema import connect_config
from qinbound_nb.store.store import default_store_path


def test_defaults_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOME", "STORE_MEMORY", *(f"SMTP_{key}" for key in ("HOST", "PORT", "STARTTLS",
                 "SENDER", "USERNAME", "PASSWORD"))):  # fmt: skip
        monkeypatch.delenv(f"QINBOUND_{name}", raising=False)
    settings = Settings()
    assert settings.home_folder == Path.home() / ".qinbound"
    assert settings.store_path == Path("qinbound.duckdb")
    assert (settings.store_memory, settings.sandbox_seed, settings.sandbox_now) == ("2GB", 0, None)
    assert settings.smtp_overrides() == {} and settings.smtp_password is None


def test_the_environment_is_read_fresh_on_every_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QINBOUND_STORE", str(tmp_path / "a.duckdb"))
    assert default_store_path() == tmp_path / "a.duckdb"
    monkeypatch.setenv("QINBOUND_STORE", str(tmp_path / "b.duckdb"))
    assert default_store_path() == tmp_path / "b.duckdb"
    monkeypatch.setenv("QINBOUND_STORE_MEMORY", "512MB")
    assert connect_config()["memory_limit"] == "512MB"  # no longer frozen at import


def test_arguments_win_over_the_environment_and_empty_values_count_as_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_SEED", "5")
    monkeypatch.setenv("QINBOUND_SANDBOX_FAULTS", "")
    assert Settings().sandbox_seed == 5
    assert Settings(sandbox_seed=9).sandbox_seed == 9
    assert Settings().sandbox_faults is None


def test_the_sandbox_clock_is_read_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_NOW", " 2026-11-20T12:00:00Z ")
    assert Settings().sandbox_now == datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("QINBOUND_SANDBOX_SEED", "seven", "QINBOUND_SANDBOX_SEED must be an integer"),
        ("QINBOUND_SANDBOX_NOW", "tomorrow", "QINBOUND_SANDBOX_NOW an ISO timestamp"),
        ("QINBOUND_SMTP_PORT", "smtp", "SMTP port 'smtp' must be a number"),
        ("QINBOUND_SMTP_STARTTLS", "perhaps", "QINBOUND_SMTP_STARTTLS is not valid"),
    ],
)
def test_a_malformed_variable_is_a_config_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        Settings()


def test_the_smtp_password_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SMTP_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("QINBOUND_SMTP_STARTTLS", "0")
    settings = Settings()
    assert isinstance(settings.smtp_password, SecretStr)
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    assert settings.smtp_overrides() == {"starttls": False}
    smtp = SmtpSettings.load(settings)
    assert smtp.starttls is False and smtp.password == settings.smtp_password


def test_per_name_variables_are_looked_up_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert token_variable("prod-iad1") == "QINBOUND_TOKEN_PROD_IAD1"
    assert Settings.token("prod-iad1") is None
    monkeypatch.setenv("QINBOUND_TOKEN_PROD_IAD1", "tok-1234")
    token = Settings.token("prod-iad1")
    assert token is not None and token.get_secret_value() == "tok-1234"
    assert [t.get_secret_value() for t in Settings.tokens()] == ["tok-1234"]
    monkeypatch.setenv(hash_key_variable("customer feedback"), "00ff")
    assert Settings.hash_key("customer feedback") == b"\x00\xff"
    monkeypatch.setenv(hash_key_variable("customer feedback"), "not hex")
    with pytest.raises(ConfigError, match="QINBOUND_HASH_KEY_CUSTOMER_FEEDBACK must be hex"):
        Settings.hash_key("customer feedback")


def test_a_bad_smtp_port_does_not_hide_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SMTP_PORT", "smtp")
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "tok-5678")
    token = Settings.token("sandbox")
    assert token is not None and token.get_secret_value() == "tok-5678"


def test_the_sandbox_is_built_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_SURVEYS", "SV_aaaaaaaaaaaaaaa=12, SV_bbbbbbbbbbbbbbb=3")
    settings = Settings(sandbox_seed=4, sandbox_now=datetime(2026, 11, 20, tzinfo=UTC))
    assert settings.generated_surveys() == {"SV_aaaaaaaaaaaaaaa": 12, "SV_bbbbbbbbbbbbbbb": 3}
    sandbox = Sandbox.from_settings(settings)
    assert sandbox.seed == 4 and sandbox.now() == datetime(2026, 11, 20, tzinfo=UTC)
    assert {"SV_aaaaaaaaaaaaaaa", "SV_bbbbbbbbbbbbbbb"} <= set(sandbox.surveys)
    monkeypatch.setenv("QINBOUND_SANDBOX_SURVEYS", "SV_aaaaaaaaaaaaaaa=many")
    with pytest.raises(ConfigError, match="entry 'SV_aaaaaaaaaaaaaaa=many' must be SV_id=N"):
        Sandbox.from_env()
