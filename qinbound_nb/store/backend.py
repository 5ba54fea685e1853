"""What the Store needs from a database: the ``Backend`` protocol, and naming a store location.

A store location is a file path (DuckDB, the zero-setup default) or a ``postgresql://`` URL
(a server a team shares). The Store speaks portable SQL through ``execute`` with ``?``
placeholders; the few places where the dialects differ are methods of the backend.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qinbound_nb.local.settings import Settings

if TYPE_CHECKING:  # annotations only: opening a store needs neither
    import pandas as pd
    import pyarrow as pa

    from qinbound_nb.job.config import JobConfig

URL_SCHEMES = ("postgresql://", "postgres://")
Location = Path | str


class Result(Protocol):
    """A statement's result: its rows (a data change without RETURNING: its row count)."""

    def fetchall(self) -> list[Any]: ...


class Executes(Protocol):
    """Anything that runs one SQL statement with ``?`` placeholders."""

    def execute(self, query: str, parameters: Any = None) -> Result: ...


class DirectWriter(Protocol):
    """A run's fast path: writes a chunk's new documents straight into the project table."""

    def write(self, table: str, chunk: pa.Table) -> pa.Table:
        """Write what may go straight in; return the rows still to be staged."""


class Backend(Executes, Protocol):
    """One open connection to a store, DuckDB or PostgreSQL."""

    @property
    def label(self) -> str:
        """How messages name the store: a path, or a URL without its password."""

    @property
    def location(self) -> Location: ...

    @property
    def error_types(self) -> tuple[type[BaseException], ...]: ...

    @property
    def extra_ddl(self) -> str:
        """Indexes and the like, run with the tables' DDL."""

    def fetch_arrow(self, sql: str, parameters: Sequence[Any] = ()) -> pa.Table: ...

    def column_types(self, table: str) -> dict[str, str]: ...

    def table_names(self) -> set[str]: ...

    def errors(self, action: str) -> AbstractContextManager[None]: ...

    def begin(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...

    def sql_type(self, logical: str) -> str: ...

    def insert_arrow(self, table: str, chunk: pa.Table) -> None: ...

    def create_document_table(self, table: str, columns: list[tuple[str, str]]) -> None: ...

    def reopen(self) -> Backend:
        """Another connection to the same store, for a transaction of its own."""

    def lock_project(self, project: str) -> None: ...

    def direct_writer(self, run_id: str, job_name: str) -> DirectWriter | None:
        """The run's fast path for new documents (see ``store.pg_direct``), or None."""

    def merge_batch(
        self, table: str, run_id: str, job: JobConfig, in_progress_ids: list[str] | None
    ) -> dict[str, int]: ...

    def record_outcomes_only(self, run_id: str) -> dict[str, int]: ...

    def stored_in_progress(self, table: str, ids: pd.Series) -> list[tuple[str, bool]]: ...

    def text_matches(self, column: str, pattern: str) -> str: ...

    def iso_utc(self, column: str) -> str: ...


def is_url(location: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://…`` or ``postgres://…``)."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def resolve_location(location: str | os.PathLike[str] | None) -> Location:
    """A store location: the URL as given, else a path; None means ``$QINBOUND_STORE``."""
    if location is None:
        location = Settings().store or "qinbound.duckdb"
    if is_url(location):
        return str(location)
    return Path(location)


def redact_url(text: str) -> str:
    """``text`` with any password in a database URL (``user:secret@``) replaced by ``***``."""
    text = re.sub(r"(://[^/@:\s]*):[^@/\s]*@", r"\1:***@", text)
    return re.sub(r"(?i)(password\s*=\s*)('[^']*'|\S+)", r"\1***", text)


def describe(location: Location) -> str:
    """How messages and logs name a store: its path, or its URL without a password."""
    return redact_url(str(location))


def strip_password(location: Location) -> Location:
    """The location with any password removed from a URL (paths unchanged)."""
    if not is_url(location):
        return location
    return re.sub(r"(://[^/@:\s]*):[^@/\s]*@", r"\1@", str(location))


def exists(location: Location) -> bool:
    """True when there may be a store there: a server always, a file once created."""
    return is_url(location) or Path(location).exists()


def absolute(location: Location) -> Location:
    """The location as given to another process: a file's absolute path, a URL unchanged."""
    return location if is_url(location) else Path(location).resolve()
