"""PostgreSQL errors as one paragraph: what went wrong with the store and what to do.

Connection failures (no server there, authentication refused, no such database) each get
their own advice. Any URL in a message is shown without its password.
"""

from __future__ import annotations

import psycopg

from qinbound_nb.store.backend import redact_url

PASSWORD_HELP = (
    "give the password the way libpq reads it: the PGPASSWORD environment variable, or a "
    "line 'host:port:database:user:password' in ~/.pgpass (mode 0600) or in the file "
    "PGPASSFILE names"
)


def explain(exc: psycopg.Error, label: str, action: str) -> str:
    """Say what went wrong with store ``label`` and what to do, from a psycopg error."""
    text = redact_url(str(exc))
    lowered = text.lower()
    if isinstance(exc, psycopg.OperationalError) and not _in_session(exc):
        return _connection_failure(lowered, text, label, action)
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return (
        f"cannot {action} (store {label}): {first_line[:300]}. The transaction was rolled "
        "back, so the store is as it was before."
    )


def _in_session(exc: psycopg.Error) -> bool:
    """True when the error came from a statement (the server sent an SQLSTATE)."""
    return exc.sqlstate is not None and not exc.sqlstate.startswith("08")


def _connection_failure(lowered: str, text: str, label: str, action: str) -> str:
    start = f"cannot {action}: "
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"{start}PostgreSQL refused the login to store {label} (authentication failed); "
            f"check the user name in the URL and {PASSWORD_HELP}. Nothing was changed."
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"{start}store {label} names a database that does not exist on that server; "
            "create it first (createdb, or CREATE DATABASE as its owner) or fix the name in "
            "the URL. Nothing was changed."
        )
    if "role" in lowered and "does not exist" in lowered:
        return (
            f"{start}the user in store URL {label} does not exist on that server; fix the "
            "user name in the URL or ask the database administrator to create it."
        )
    if any(words in lowered for words in ("could not translate host", "name or service")):
        return f"{start}the host of store {label} is unknown; check the host name in the URL."
    if any(words in lowered for words in ("connection refused", "timeout", "timed out")):
        return (
            f"{start}no PostgreSQL server answered at store {label} (connection refused or "
            "timed out); check the host and port in the URL and that the server is running. "
            "Nothing was changed."
        )
    reason = text.splitlines()[0][:300] if text else "the connection failed"
    return f"{start}could not connect to store {label}: {reason}. Nothing was changed."
