"""What the wizard's steps share: the injected services (API, stores, executor) and the draft job.

Steps never reach for globals: the API factory, the connections file, the project store, the
executor for slow work and the notebook exporter all arrive here, so tests can hand in fakes
or the sandbox and run everything synchronously.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore


class QualtricsApi(Protocol):
    """The calls the wizard makes; ``QualtricsClient`` provides them."""

    def whoami(self) -> Any: ...

    def list_surveys(self) -> Any: ...

    def list_filters(self, survey_id: str) -> Any: ...

    def survey_metadata(self, survey_id: str) -> Any: ...

    def idp_schema(self, idp_source_id: str) -> Any: ...


ApiFactory = Callable[[Connection], QualtricsApi]
Exporter = Callable[[JobConfig, Path], Any]


def _no_draft(until: str | None = None) -> dict[str, Any]:
    return {}


def _nowhere(_name: str) -> None:
    return None


@dataclass
class WizardContext:
    """Services and shared state handed to every step."""

    api_factory: ApiFactory
    connections: ConnectionStore
    executor: Executor
    jobs_dir: Path
    store: Any | None = None
    export: Exporter | None = None
    # the job fields of the valid steps before step ``until`` (all steps when None)
    draft: Callable[[str | None], dict[str, Any]] = _no_draft
    go_to: Callable[[str], None] = _nowhere
    # run(job, store path, progress) runs a saved job (None: run_job in this kernel)
    run: Callable[[JobConfig, Path | str, Callable[[Any], None]], Any] | None = None
    # the mapping problems the latest preview found (a DataFrame: row, field, value, problem)
    mapping_problems: Callable[[], Any] = lambda: None
    _apis: dict[str, QualtricsApi] = field(default_factory=dict)
    _metadata: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def connection_name(self) -> str:
        """The connection the draft job names; ConfigError when none is chosen yet."""
        name = self.draft("source").get("connection")
        if not name:
            raise ConfigError("choose or save a connection first (step 'Connection')")
        return str(name)

    def api(self, connection_name: str | None = None) -> QualtricsApi:
        """The API for a saved connection (the draft's by default), built once and kept."""
        name = connection_name or self.connection_name()
        with self._lock:
            if name not in self._apis:
                self._apis[name] = self.api_factory(self.connections.get(name))
            return self._apis[name]

    def forget_api(self, name: str) -> None:
        """Drop a kept API (its connection changed); close it if it can be closed."""
        with self._lock:
            api = self._apis.pop(name, None)
            self._metadata = {k: v for k, v in self._metadata.items() if k[0] != name}
        close = getattr(api, "close", None)
        if callable(close):
            close()

    def survey_metadata(self, survey_id: str) -> Any:
        """Survey metadata from the API, fetched once per connection and survey."""
        key = (self.connection_name(), survey_id)
        if key not in self._metadata:
            self._metadata[key] = self.api(key[0]).survey_metadata(survey_id)
        return self._metadata[key]

    def projects(self) -> list[str]:
        """Names of the projects already in the store (none without a store)."""
        if self.store is None:
            return []
        found = self.store.projects()
        columns = getattr(found, "columns", None)
        if columns is not None:  # a DataFrame
            found = found["project"] if "project" in columns else found.iloc[:, 0]
        return sorted({str(name) for name in found})

    def close(self) -> None:
        """Close every API client the wizard opened."""
        for name in list(self._apis):
            self.forget_api(name)
