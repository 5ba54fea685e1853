"""CLI commands for saved Qualtrics connections: add, list, remove, check (tokens never shown)."""

from __future__ import annotations

import argparse
import getpass
import sys

from pydantic import SecretStr, ValidationError

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import Connection
from qinbound_nb.job.validation import describe_validation_error
from qinbound_nb.local.connections import ConnectionStore


def read_token(interactive: bool) -> str:
    """Read a token from a hidden prompt, or from standard input when it is piped."""
    if interactive:
        token = getpass.getpass("Qualtrics API token (input hidden): ")
    else:
        token = sys.stdin.readline()
    token = token.strip()
    if not token:
        raise ConfigError("no token was given; paste it at the prompt or pipe it on stdin")
    return token


def cmd_connections_add(args: argparse.Namespace) -> int:
    token = read_token(sys.stdin.isatty())
    try:
        connection = Connection(
            name=args.name,
            datacenter=args.datacenter,
            token=SecretStr(token),
            expires=args.expires,
            notice_days=args.notice_days,
        )
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, "connection", Connection)) from None
    ConnectionStore().add(connection)
    print(f"saved connection {connection.name!r} (datacenter {connection.datacenter})")
    return 0


def cmd_connections_list(args: argparse.Namespace) -> int:
    for connection in ConnectionStore().list():
        expiry = connection.expires.isoformat() if connection.expires else "no expiry set"
        has_token = "token set" if connection.token else "no token"
        print(f"{connection.name}\t{connection.datacenter}\t{expiry}\t{has_token}")
    return 0


def cmd_connections_remove(args: argparse.Namespace) -> int:
    ConnectionStore().remove(args.name)
    print(f"removed connection {args.name!r}")
    return 0


def cmd_connections_check(args: argparse.Namespace) -> int:
    # the API client (httpx) loads only for the one command that calls Qualtrics
    from qinbound_nb.qualtrics.checks import check_connection
    from qinbound_nb.runs.clients import client_for_connection

    report = check_connection(
        ConnectionStore().get(args.name), client_factory=client_for_connection
    )
    print("\n".join(report.lines()))
    return 0
