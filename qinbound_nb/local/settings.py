"""Every ``QINBOUND_*`` environment variable the package reads, in one pydantic-settings model.

One precedence, stated once: arguments given to ``Settings(...)`` win, then the process
environment (``QINBOUND_<FIELD>``, empty values count as unset), then the defaults below.
For SMTP only, ``$QINBOUND_HOME/settings.json`` fills what the environment leaves unset
(:mod:`qinbound_nb.runs.notify` merges it). Settings are read fresh on every
``Settings()``, never frozen at import, so a scheduler (or a test) may change the
environment between runs. A malformed variable is a ConfigError naming it.

Two families are per name and looked up when asked, by class methods that need no
instance (a malformed ``QINBOUND_SMTP_PORT`` must not hide a token):
``QINBOUND_TOKEN_<CONNECTION>`` (:meth:`Settings.token`) and ``QINBOUND_HASH_KEY_<PROJECT>``
(:meth:`Settings.hash_key`).
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qinbound_nb.errors import ConfigError

PREFIX = "QINBOUND_"
DEFAULT_CONCURRENT_JOBS = 4
SANDBOX_CLOCK_PROBLEM = (
    "QINBOUND_SANDBOX_SEED must be an integer and QINBOUND_SANDBOX_NOW an ISO "
    "timestamp such as 2026-11-20T12:00:00Z"
)


def token_variable(name: str) -> str:
    """The environment variable that may carry the token of connection ``name``."""
    return PREFIX + "TOKEN_" + _variable_suffix(name)


def hash_key_variable(project: str) -> str:
    """The environment variable that may carry the hashed-mask key of ``project``."""
    return PREFIX + "HASH_KEY_" + _variable_suffix(project)


def _variable_suffix(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


class Settings(BaseSettings):
    """The ``QINBOUND_*`` settings of this process (see the module docstring)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="forbid", frozen=True
    )

    home: Path | None = None
    """``QINBOUND_HOME``: the per-user folder (default ``~/.qinbound``)."""
    store: str | None = None
    """``QINBOUND_STORE``: the default store, a file or ``postgresql://`` URL."""
    store_wait: float = 60.0
    """``QINBOUND_STORE_WAIT``: seconds opening a DuckDB file another process writes waits."""
    store_memory: str = "2GB"
    """``QINBOUND_STORE_MEMORY``: DuckDB's memory limit before a load spills to disk."""
    api_base_url: str | None = None
    """``QINBOUND_API_BASE_URL``: a loopback API root (checked by ``qualtrics.hosts``)."""
    api_calls_per_minute: Annotated[float, Field(gt=0)] = 3000.0
    """``QINBOUND_API_CALLS_PER_MINUTE``: calls per brand and minute (Qualtrics' limit: 3,000)."""
    api_concurrent_exports: Annotated[int, Field(ge=1)] = 4
    """``QINBOUND_API_CONCURRENT_EXPORTS``: exports one brand runs at once from this machine."""
    max_concurrent_jobs: Annotated[int, Field(ge=1)] | None = None
    """``QINBOUND_MAX_CONCURRENT_JOBS``: due jobs the scheduler runs at once (see
    :meth:`concurrent_jobs`)."""
    sandbox_seed: int = 0
    """``QINBOUND_SANDBOX_SEED``: the embedded sandbox's seed."""
    sandbox_now: datetime | None = None
    """``QINBOUND_SANDBOX_NOW``: the moment the sandbox (and a sandbox run) treats as now."""
    sandbox_faults: str | None = None
    """``QINBOUND_SANDBOX_FAULTS``: a fault plan (see ``sandbox.faults``)."""
    sandbox_surveys: str | None = None
    """``QINBOUND_SANDBOX_SURVEYS``: generated surveys, ``SV_id=N,...``."""
    sandbox_export_limit: int | None = None
    """``QINBOUND_SANDBOX_EXPORT_LIMIT``: the largest export file (bytes) the sandbox makes."""
    jupyter_url: str | None = None
    """``QINBOUND_JUPYTER_URL``: the Jupyter server "Schedule in JupyterLab" talks to (default:
    the running server that holds this kernel)."""
    jupyter_token: SecretStr | None = None
    """``QINBOUND_JUPYTER_TOKEN``: that server's token (from the environment only)."""
    sandbox_rate_limit: str | None = None
    """``QINBOUND_SANDBOX_RATE_LIMIT``: the sandbox's per-brand limits, ``calls=N,exports=M``."""
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_starttls: bool | None = None
    smtp_sender: str | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    """``QINBOUND_SMTP_PASSWORD``: from the environment only, never from a file."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None

    @field_validator("sandbox_seed", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return (value.strip() or 0) if isinstance(value, str) else value

    @field_validator("sandbox_now", mode="before")
    @classmethod
    def _iso_moment(cls, value: Any) -> Any:
        # read exactly as datetime.fromisoformat does (a "Z" is UTC), so the sandbox and a
        # sandbox run agree on one clock, tz object included
        if isinstance(value, str):
            text = value.strip()
            return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        return value

    @property
    def home_folder(self) -> Path:
        """The per-user settings folder: ``$QINBOUND_HOME`` or ``~/.qinbound``."""
        return self.home.expanduser() if self.home else Path.home() / ".qinbound"

    @property
    def store_path(self) -> Path:
        """``$QINBOUND_STORE`` if set, else ``qinbound.duckdb`` in the working folder."""
        return Path(self.store or "qinbound.duckdb")

    def concurrent_jobs(self, *, server_store: bool = True) -> int:
        """Due jobs to run at once: the setting, else 4 (1 on a DuckDB file, one writer)."""
        if self.max_concurrent_jobs is not None:
            return self.max_concurrent_jobs
        return DEFAULT_CONCURRENT_JOBS if server_store else 1

    def generated_surveys(self) -> dict[str, int]:
        """``QINBOUND_SANDBOX_SURVEYS`` as survey id → number of responses."""
        surveys = {}
        for entry in filter(None, (self.sandbox_surveys or "").split(",")):
            survey_id, _, size = entry.strip().partition("=")
            if not size.isdigit():
                raise ConfigError(f"QINBOUND_SANDBOX_SURVEYS entry {entry!r} must be SV_id=N")
            surveys[survey_id] = int(size)
        return surveys

    def smtp_overrides(self) -> dict[str, Any]:
        """The SMTP values the environment sets (``host``, ``port``, ...), without the password."""
        values = {
            "host": self.smtp_host,
            "port": self.smtp_port,
            "starttls": self.smtp_starttls,
            "sender": self.smtp_sender,
            "username": self.smtp_username,
        }
        return {key: value for key, value in values.items() if value is not None}

    @classmethod
    def token(cls, connection: str) -> SecretStr | None:
        """``QINBOUND_TOKEN_<CONNECTION>``, read now; None when unset or empty."""
        value = os.environ.get(token_variable(connection))
        return SecretStr(value) if value else None

    @classmethod
    def tokens(cls) -> list[SecretStr]:
        """Every token the environment carries (to hide them should one be echoed)."""
        found = (v for k, v in os.environ.items() if k.startswith(PREFIX + "TOKEN_") and v)
        return [SecretStr(value) for value in found]

    @classmethod
    def hash_key(cls, project: str) -> bytes | None:
        """``QINBOUND_HASH_KEY_<PROJECT>`` (hex), read now; None when unset or empty."""
        variable = hash_key_variable(project)
        value = os.environ.get(variable)
        if not value:
            return None
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise ConfigError(f"{variable} must be hex (e.g. 64 hex digits)") from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    if field in ("sandbox_seed", "sandbox_now"):
        return SANDBOX_CLOCK_PROBLEM
    if field == "smtp_port":
        return f"SMTP port {error['input']!r} must be a number"
    variable = PREFIX + field.upper()
    return f"{variable} is not valid ({error['msg']}); fix or unset it"
