"""The one composition root: which Qualtrics API a job talks to, and which clock a run reads.

Everything else takes a client and a ``now`` as arguments. Here, and only here, the choice is
made from the job's connection and the process's settings: the real Qualtrics datacenter, the
embedded sandbox (``datacenter: "sandbox"``, configured by ``QINBOUND_SANDBOX_*``), or a
loopback server named by ``QINBOUND_API_BASE_URL`` (the sandbox served over a socket).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qinbound_nb.errors import ConfigError, QInboundError
from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.local.settings import Settings
from qinbound_nb.qualtrics import hosts
from qinbound_nb.qualtrics.client import QualtricsClient

__all__ = ["client_for_connection", "open_client", "run_clock"]


def client_for_connection(connection: Connection, **options: Any) -> QualtricsClient:
    """The client for a connection: a loopback override, the in-process sandbox, or Qualtrics."""
    if "base_url" not in options:
        override = hosts.override_base_url()
        if override is not None:
            return QualtricsClient(connection, base_url=override, **options)
    if connection.datacenter == "sandbox" and options.get("transport") is None:
        from qinbound_nb.sandbox.simulator import Sandbox

        options["transport"] = Sandbox.from_settings(Settings()).transport()
    return QualtricsClient(connection, **options)


def open_client(job: JobConfig, **options: Any) -> QualtricsClient:
    """The API client for the job's connection (the sandbox for datacenter ``sandbox``)."""
    return client_for_connection(ConnectionStore().get(job.connection), **options)


def run_clock(job: JobConfig) -> datetime:
    """The run's clock: real UTC time, or the sandbox's ``QINBOUND_SANDBOX_NOW`` on a sandbox job.

    A sandbox told to live at another time (the demo's "a day later") must be pulled with
    windows on that same clock, or the newest responses would fall outside them.
    """
    try:
        pinned = Settings().sandbox_now
    except ConfigError:
        pinned = None  # the sandbox itself reports the bad value
    try:
        on_sandbox = bool(pinned) and ConnectionStore().get(job.connection).datacenter == "sandbox"
    except QInboundError:
        on_sandbox = False  # an unknown connection fails the run (as a report), not the clock
    return pinned if on_sandbox and pinned is not None else datetime.now(UTC)
