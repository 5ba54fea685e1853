"""The store's layout version: created on first open, migrated on open, in one transaction.

``store_meta`` holds the ``layout`` version. A store without one is a version-1 store (or
a new one, whose tables were just created in the version-1 shape); each step of
``MIGRATIONS`` brings it one version further. A store written by a newer qinbound_nb is
refused rather than guessed at. On a server, two processes opening a new store at once
take turns (the layout lock).
"""

from __future__ import annotations

from qinbound_nb.errors import StoreError
from qinbound_nb.store.backend import Backend
from qinbound_nb.store.schema import LAYOUT_VERSION, MIGRATIONS, TABLES_DDL, fetch_first

LAYOUT_LOCK = "store layout"


def migrate(backend: Backend) -> None:
    """Bring the store's tables to ``LAYOUT_VERSION`` (creating them in a new store).

    A store already at the version is only read: an open writes nothing.
    """
    if stored_version(backend) == LAYOUT_VERSION:
        return
    backend.begin()
    try:
        backend.lock_project(LAYOUT_LOCK)
        backend.execute(TABLES_DDL)
        if backend.extra_ddl:
            backend.execute(backend.extra_ddl)
        version = stored_version(backend) or "1"
        refuse_newer(backend, version)
        for step in sorted((v for v in MIGRATIONS if int(v) > int(version)), key=int):
            for statement in MIGRATIONS[step]:
                backend.execute(statement)
        backend.execute("DELETE FROM store_meta WHERE key = 'layout'")
        backend.execute("INSERT INTO store_meta VALUES ('layout', ?)", [LAYOUT_VERSION])
    except BaseException:
        backend.rollback()
        raise
    backend.execute("COMMIT")


def check_readable(backend: Backend) -> None:
    """For a read-only open: refuse a store a newer qinbound_nb wrote."""
    refuse_newer(backend, stored_version(backend) or "1")


def stored_version(backend: Backend) -> str | None:
    if "store_meta" not in backend.table_names():
        return None
    row = fetch_first(backend, "SELECT value FROM store_meta WHERE key = 'layout'")
    return None if row is None else str(row[0])


def refuse_newer(backend: Backend, version: str) -> None:
    if not version.isdigit() or int(version) > int(LAYOUT_VERSION):
        raise StoreError(
            f"store {backend.label} has layout version {version}, this qinbound_nb reads "
            f"versions up to {LAYOUT_VERSION}; upgrade qinbound_nb (pip install -U "
            "qinbound_nb) to use it. Nothing was changed."
        )
