"""Fixtures for the Qualtrics adapter tests: recorded-shape bodies, connections, clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from qualtrics_helpers import SANDBOX_NOW, TOKEN, Sleeps

from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import QualtricsClient, RetryPolicy
from qinbound_nb.sandbox.simulator import Sandbox


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connection() -> Connection:
    return Connection(name="prod-iad1", datacenter="iad1", token=SecretStr(TOKEN))


@pytest.fixture
def client(connection: Connection, sleeps: Sleeps) -> Iterator[QualtricsClient]:
    """A client for iad1 whose sleeps are instant (respx intercepts the network)."""
    with QualtricsClient(
        connection, sleep=sleeps, clock=sleeps.clock, jitter=lambda: 0.5, retry=RetryPolicy()
    ) as made:
        yield made


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=7, now=SANDBOX_NOW)


@pytest.fixture
def sandbox_client(sandbox: Sandbox, sleeps: Sleeps) -> Callable[..., QualtricsClient]:
    """Build a client on the in-process sandbox transport (instant sleeps)."""

    def build(box: Sandbox | None = None, token: str = TOKEN, **options: Any) -> QualtricsClient:
        conn = Connection(name="sandbox", datacenter="sandbox", token=SecretStr(token))
        options.setdefault("sleep", sleeps)
        options.setdefault("clock", sleeps.clock)
        return QualtricsClient(conn, transport=(box or sandbox).transport(), **options)

    return build
