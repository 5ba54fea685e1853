"""The ``qinbound`` command line: parse arguments, call the library, report in one paragraph.

Exit codes: 0 on success, 1 when a run (or a call to Qualtrics) fails, 2 on bad input.
Only ``QInboundError`` is caught; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from pydantic import SecretStr, ValidationError

from qinbound_nb.config import Connection, JobConfig, describe_validation_error
from qinbound_nb.connections import ConnectionStore
from qinbound_nb.errors import ConfigError, QInboundError

Handler = Callable[[argparse.Namespace], int]


def cmd_validate(args: argparse.Namespace) -> int:
    job = JobConfig.load(args.job)
    print(f"{args.job}: valid job {job.name!r} for project {job.project!r} ({job.source.type})")
    return 0


EXAMPLE_JOB = Path(__file__).parent / "templates" / "nps-weekly.json"


def cmd_demo(args: argparse.Namespace) -> int:
    job = JobConfig.load(EXAMPLE_JOB)
    print(f"example job {job.name!r} ({EXAMPLE_JOB}) is valid:")
    print(json.dumps(job.model_dump(mode="json"), indent=2))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(JobConfig.model_json_schema(), indent=2))
    return 0


def read_token(prompt_stream_is_tty: bool) -> str:
    """Read a token from a hidden prompt, or from standard input when it is piped."""
    if prompt_stream_is_tty:
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
        raise ConfigError(describe_validation_error(exc, "connection")) from None
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qinbound",
        description="Build, preview, export and run XM Discover Qualtrics Inbound Connector jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the example job end to end on the sandbox")
    demo.set_defaults(handler=cmd_demo)

    validate = commands.add_parser("validate", help="check a job file")
    validate.add_argument("job", type=Path, help="the job file (JSON)")
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser("schema", help="print the job file's JSON Schema")
    schema.set_defaults(handler=cmd_schema)

    connections = commands.add_parser("connections", help="manage saved Qualtrics connections")
    actions = connections.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="save a connection; the token is read from a prompt")
    add.add_argument("name")
    add.add_argument("--datacenter", required=True, help="datacenter id, e.g. iad1 or sandbox")
    add.add_argument("--expires", type=date.fromisoformat, help="token expiry date YYYY-MM-DD")
    add.add_argument("--notice-days", type=int, default=14, help="warn this many days ahead")
    add.set_defaults(handler=cmd_connections_add)
    listing = actions.add_parser("list", help="list connections (never prints tokens)")
    listing.set_defaults(handler=cmd_connections_list)
    remove = actions.add_parser("remove", help="forget a saved connection")
    remove.add_argument("name")
    remove.set_defaults(handler=cmd_connections_remove)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"qinbound: {exc}", file=sys.stderr)
        return 2
    except QInboundError as exc:
        print(f"qinbound: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qinbound: interrupted", file=sys.stderr)
        return 130
