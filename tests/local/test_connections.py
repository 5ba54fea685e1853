"""Saved connections: 0600 file, token precedence, and the token never leaking."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from qinbound_nb import ConfigError, JobConfig
from qinbound_nb.job.config import Connection
from qinbound_nb.local.connections import ConnectionStore, token_variable

TOKEN = "Tk9zM2xkZ2Vyc2VjcmV0dG9rZW4xMjM0NTY3ODkw"


def make(name: str = "prod-iad1") -> Connection:
    return Connection(
        name=name,
        datacenter="iad1",
        token=SecretStr(TOKEN),
        expires=date(2027, 1, 31),
        notice_days=10,
    )


def test_file_is_private_and_round_trips(isolated_home: Path) -> None:
    store = ConnectionStore()
    store.add(make())
    path = isolated_home / "connections.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = store.get("prod-iad1")
    assert loaded.token is not None and loaded.token.get_secret_value() == TOKEN
    assert loaded.expires == date(2027, 1, 31)
    assert loaded.notice_days == 10


def test_a_readable_file_is_refused(isolated_home: Path) -> None:
    store = ConnectionStore()
    store.add(make())
    (isolated_home / "connections.json").chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        store.get("prod-iad1")


def test_environment_token_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConnectionStore()
    store.add(make())
    monkeypatch.setenv(token_variable("prod-iad1"), "from-env")
    assert token_variable("prod-iad1") == "QINBOUND_TOKEN_PROD_IAD1"
    assert store.get("prod-iad1").token.get_secret_value() == "from-env"  # type: ignore[union-attr]


def test_sandbox_connection_always_exists() -> None:
    assert ConnectionStore().get("sandbox").datacenter == "sandbox"
    assert "sandbox" in [c.name for c in ConnectionStore().list()]


def test_unknown_connection_says_how_to_add_it() -> None:
    with pytest.raises(ConfigError, match="qinbound connections add nope"):
        ConnectionStore().get("nope")


def test_remove() -> None:
    store = ConnectionStore()
    store.add(make())
    store.remove("prod-iad1")
    with pytest.raises(ConfigError):
        store.get("prod-iad1")
    with pytest.raises(ConfigError, match="nothing was removed"):
        store.remove("prod-iad1")


def test_token_never_appears_in_any_serialized_form(job: JobConfig) -> None:
    connection = make()
    forms = [
        repr(connection),
        str(connection),
        connection.model_dump_json(),
        json.dumps(connection.model_dump(mode="json")),
        repr(connection.model_dump()),
        job.model_dump_json(),
        repr(job),
    ]
    for form in forms:
        assert TOKEN not in form


def test_token_never_appears_in_validation_errors() -> None:
    with pytest.raises(Exception) as caught:
        Connection(name="x", datacenter="evil.example.test", token=SecretStr(TOKEN))
    assert TOKEN not in str(caught.value)


def test_corrupt_file_is_reported(isolated_home: Path) -> None:
    path = isolated_home / "connections.json"
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="unreadable"):
        ConnectionStore().list()
