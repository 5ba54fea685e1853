"""Saved Qualtrics connections: a per-user JSON file with 0600 permissions.

Where a connection's token comes from, in order of precedence:

1. the environment variable ``QINBOUND_TOKEN_<NAME>`` (name upper-cased, other characters
   than letters and digits turned into ``_``), so schedulers can inject it;
2. the connections file, ``$QINBOUND_HOME/connections.json`` (default ``~/.qinbound``).

The connection named ``sandbox`` always exists (datacenter ``sandbox``, the embedded API)
unless the file defines its own. Tokens never leave this module except inside a
``SecretStr``; nothing here prints or logs them.
"""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

from pydantic import SecretStr, ValidationError

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Connection, write_atomically
from qinbound_nb.job.validation import describe_validation_error
from qinbound_nb.local.settings import Settings, token_variable

__all__ = ["SANDBOX", "ConnectionStore", "project_hash_key", "qinbound_home", "token_variable"]

SANDBOX = Connection(name="sandbox", datacenter="sandbox", token=SecretStr("sandbox-token"))


def qinbound_home() -> Path:
    """The per-user settings folder: ``$QINBOUND_HOME`` or ``~/.qinbound``."""
    return Settings().home_folder


class ConnectionStore:
    """Read and write the connections file; every write keeps it 0600."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or qinbound_home() / "connections.json"

    def list(self) -> list[Connection]:
        """Every saved connection (the sandbox included), tokens resolved."""
        saved = self._read()
        saved.setdefault("sandbox", SANDBOX)
        return [self._with_env_token(saved[name]) for name in sorted(saved)]

    def get(self, name: str) -> Connection:
        """The named connection with its token resolved; ConfigError if unknown."""
        saved = self._read()
        if name not in saved and name == "sandbox":
            return self._with_env_token(SANDBOX)
        if name not in saved:
            known = ", ".join(sorted({*saved, "sandbox"}))
            raise ConfigError(
                f"no connection named {name!r} (known: {known}); add it with "
                f"'qinbound connections add {name} --datacenter DC' (a scheduler can then supply "
                f"its token through {token_variable(name)})"
            )
        return self._with_env_token(saved[name])

    def add(self, connection: Connection) -> None:
        """Save (or replace) a connection."""
        saved = self._read()
        saved[connection.name] = connection
        self._write(saved)

    def remove(self, name: str) -> None:
        """Forget a connection; ConfigError if it was never saved."""
        saved = self._read()
        if name not in saved:
            raise ConfigError(f"no saved connection named {name!r}; nothing was removed")
        del saved[name]
        self._write(saved)

    def _with_env_token(self, connection: Connection) -> Connection:
        token = Settings.token(connection.name)
        if token is not None:
            return connection.model_copy(update={"token": token})
        return connection

    def _read(self) -> dict[str, Connection]:
        if not self.path.exists():
            return {}
        self._check_permissions()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data["connections"]
            connections = [Connection.model_validate(entry) for entry in entries]
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, str(self.path), Connection)) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"connections file {self.path} is unreadable ({type(exc).__name__}); fix or "
                "remove it and add the connections again"
            ) from None
        return {connection.name: connection for connection in connections}

    def _check_permissions(self) -> None:
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"connections file {self.path} is readable by others (mode {mode:o}); "
                f"run 'chmod 600 {self.path}' so only you can read the tokens"
            )

    def _write(self, saved: dict[str, Connection]) -> None:
        entries = []
        for connection in saved.values():
            entry = connection.model_dump(mode="json")
            entry["token"] = connection.token.get_secret_value() if connection.token else None
            entries.append(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"connections": entries}, indent=2) + "\n"
        write_atomically(self.path, text, mode=0o600)


def project_hash_key(project: str) -> bytes:
    """The per-project HMAC key for hashed masks, created (0600) on first use.

    ``QINBOUND_HASH_KEY_<PROJECT>`` (hex) wins, so a scheduler can inject it. Kept beside the
    connections, never in a job file, notebook or the store: whoever holds it can test a
    guessed value against a hash.
    """
    injected = Settings.hash_key(project)
    if injected is not None:
        return injected
    path = qinbound_home() / "keys" / f"{project}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(path, secrets.token_hex(32) + "\n", mode=0o600)
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"hash key file {path} is unreadable; delete it to make a new one"
        ) from exc
