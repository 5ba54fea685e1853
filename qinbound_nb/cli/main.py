"""The ``qinbound`` command line: parse arguments, call the library, report in one paragraph.

Exit codes: 0 on success, 1 when a run (or a call to Qualtrics) fails, 2 on bad input.
Only ``QInboundError`` is caught; anything else is a bug and keeps its traceback.

Each command names its handler as ``"module:function"`` under :mod:`qinbound_nb.cli`
(:mod:`.runs`, :mod:`.history`, :mod:`.setup`, :mod:`.connections`, :mod:`.demo`), imported
only when that command runs: ``qinbound --help`` loads argparse and nothing else of weight,
and a command pays only for what it uses (a test pins which heavy libraries each may load).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from importlib import import_module

from qinbound_nb.errors import ConfigError, QInboundError
from qinbound_nb.job.vocab import FeedbackFormat

Handler = Callable[[argparse.Namespace], int]
STORE_HELP = (
    "the store: a DuckDB file, or a postgresql://user@host:port/db URL (password from "
    "PGPASSWORD or ~/.pgpass; default: $QINBOUND_STORE or ./qinbound.duckdb)"
)


def _command(
    commands: argparse._SubParsersAction,
    name: str,
    handler: str,
    help_text: str,
    *,
    job: bool = False,
    store: bool = False,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    if job:
        parser.add_argument("job", help="the job file (JSON)")
    if store:
        parser.add_argument("--store", help=STORE_HELP)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of DESIGN.md."""
    parser = argparse.ArgumentParser(
        prog="qinbound",
        description="Build, preview, export and run XM Discover Qualtrics Inbound Connector jobs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_help = "run the example job end to end on the embedded sandbox"
    demo_parser = _command(commands, "demo", "demo:cmd_demo", run_help)
    demo_parser.add_argument("--dir", default="demo", help="where the demo writes (./demo)")
    _command(commands, "validate", "setup:cmd_validate", "check a job file", job=True)
    preview = _command(
        commands,
        "preview",
        "runs:cmd_preview",
        "show a sample, raw beside mapped and redacted",
        job=True,
        store=True,
    )
    preview.add_argument("--limit", type=int, default=100, help="responses to sample (100)")
    preview.add_argument("--rows", type=int, default=10, help="rows to print (10)")
    preview.add_argument("-o", "--output", help="also write the comparison view (HTML) here")
    export = _command(
        commands,
        "export",
        "runs:cmd_export",
        "write the job's production notebook",
        job=True,
        store=True,
    )
    export.add_argument("-o", "--output", required=True, help="the notebook to write (.ipynb)")
    run = _command(
        commands,
        "run",
        "runs:cmd_run",
        "run a job (through papermill by default)",
        job=True,
        store=True,
    )
    run.add_argument("--direct", action="store_true", help="run in this process, no papermill")
    run.add_argument("--dry-run", action="store_true", help="report what would load; write nothing")
    run.add_argument("--timeout", type=int, default=3600, help="cell timeout in seconds (3600)")
    run.add_argument("--if-due", action="store_true", help="run only if a schedule slot is due")
    run.add_argument(
        "--report-json",
        metavar="FILE",
        help="also write the run's outcome as JSON (status, counts, error, retriable) for an "
        "orchestrator such as Airflow",
    )
    run.add_argument(
        "--xm-files", metavar="DIR", help="with --direct: also write XM Discover files"
    )
    run.add_argument("--xm-format", choices=list(FeedbackFormat), default=FeedbackFormat.CSV.value)
    jobs = _command(
        commands,
        "jobs",
        "history:cmd_jobs",
        "list jobs (last run, enabled, schedule, next run), or act on one",
        store=True,
    )
    _add_job_actions(jobs)
    _command(commands, "history", "history:cmd_history", "list a job's runs", job=True, store=True)
    report = _command(
        commands,
        "report",
        "history:cmd_report",
        "write a run's processed-documents CSV",
        store=True,
    )
    report.add_argument("run", help="the run id")
    report.add_argument("-o", "--output", required=True, help="the CSV file to write")
    purge = _command(commands, "purge", "history:cmd_purge", "delete what a run loaded", store=True)
    purge.add_argument("run", help="the run id")
    schedule = _command(
        commands,
        "schedule",
        "setup:cmd_schedule",
        "print the next runs and crontab lines",
        job=True,
        store=True,
    )
    schedule.add_argument("--install", action="store_true", help="add them to your crontab")
    schedule.add_argument("--airflow", metavar="DAG.py", help="write an Airflow DAG file")
    schedule.add_argument("--count", type=int, default=5, help="how many next runs to show")
    scheduler = _command(
        commands, "scheduler", "setup:cmd_scheduler", "run due jobs until stopped", store=True
    )
    scheduler.add_argument("--once", action="store_true", help="one pass, then exit")
    _add_connections(commands)
    sandbox = commands.add_parser("sandbox", help="the embedded Qualtrics API")
    actions = sandbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = _command(actions, "serve", "setup:cmd_sandbox_serve", "serve it on loopback")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    _command(commands, "schema", "setup:cmd_schema", "print the job file's JSON Schema")
    return parser


JOB_ACTIONS = {
    "enable": "let the scheduler run the job again",
    "disable": "make the scheduler skip the job (running it by hand still works)",
    "copy": "write a copy of the job under a new name (no checkpoint; starts disabled)",
    "delete": "move the job file to the recycle folder (history and documents stay)",
    "restore": "bring a deleted job back",
    "run-now": "run the job now, outside its schedule (a manual run)",
    "stop": "ask the job's running run to stop; it commits nothing",
}


def _add_job_actions(jobs: argparse.ArgumentParser) -> None:
    """``qinbound jobs VERB JOB``: the Jobs page; without a verb, ``jobs`` lists the jobs."""
    actions = jobs.add_subparsers(dest="action", metavar="ACTION")
    for verb, help_text in JOB_ACTIONS.items():
        action = _command(actions, verb, f"jobs:cmd_{verb.replace('-', '_')}", help_text)
        action.add_argument("job", help="the job's name (or its job file)")
        action.add_argument("--store", default=argparse.SUPPRESS, help=STORE_HELP)
        if verb == "copy":
            action.add_argument("new_name", help="the copy's job name")
        if verb == "run-now":
            action.add_argument("--direct", action="store_true", help="run here, no papermill")
            action.add_argument("--timeout", type=int, default=3600, help="cell timeout (3600 s)")


def _add_connections(commands: argparse._SubParsersAction) -> None:
    connections = commands.add_parser("connections", help="manage saved Qualtrics connections")
    actions = connections.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _command(
        actions,
        "add",
        "connections:cmd_connections_add",
        "save a connection; the token is read from a prompt or stdin",
    )
    add.add_argument("name")
    add.add_argument("--datacenter", required=True, help="datacenter id, e.g. iad1 or sandbox")
    add.add_argument("--expires", type=date.fromisoformat, help="token expiry date YYYY-MM-DD")
    add.add_argument("--notice-days", type=int, default=14, help="warn this many days ahead")
    _command(actions, "list", "connections:cmd_connections_list", "list (never prints tokens)")
    remove = _command(actions, "remove", "connections:cmd_connections_remove", "forget one")
    remove.add_argument("name")
    check = _command(
        actions,
        "check",
        "connections:cmd_connections_check",
        "test the token (whoami) and its expiry",
    )
    check.add_argument("name")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return resolve(args.handler)(args)
    except ConfigError as exc:
        print(f"qinbound: {exc}", file=sys.stderr)
        return 2
    except QInboundError as exc:
        print(f"qinbound: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qinbound: interrupted", file=sys.stderr)
        return 130


def resolve(handler: str) -> Handler:
    """The function a ``"module:function"`` handler names, its module imported now."""
    module, _, function = handler.partition(":")
    found: Handler = getattr(import_module(f"qinbound_nb.cli.{module}"), function)
    return found
