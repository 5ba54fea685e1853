"""The fault harness: the sandbox on a real loopback socket, plus faults the sandbox lacks.

The sandbox's own fault plan (``qinbound_nb/qualtrics/faults.py``) covers status codes,
cut and slow bodies, failed exports and expiring tokens. This harness adds, on the same
socket server:

- ``reset@TARGET``: the server answers the request with a TCP reset (SO_LINGER 0);
- ``corrupt@file``: bytes in the middle of the zip are flipped (the HTTP message is whole);
- ``truncate@file``: the zip is cut short but sent as a complete HTTP message;
- ``stuck@poll``: the export reports ``inProgress`` forever.

Written as ``KIND@TARGET[*COUNT]`` rules separated by commas, like the sandbox's plan.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from pydantic import SecretStr

from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.qualtrics.client import QualtricsClient
from qinbound_nb.qualtrics.policy import PollPolicy, RetryPolicy
from qinbound_nb.sandbox.api import ApiRequest, ApiResponse, SandboxApi
from qinbound_nb.sandbox.routes import ROUTES
from qinbound_nb.sandbox.server import API_ROOT, _Handler
from qinbound_nb.sandbox.simulator import Sandbox

# a distinctive token: the secrets scan looks for it everywhere a run leaves something
TOKEN = "QTK-fault-harness-7c1e9d2b4a"
DAY_ONE = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # about 216 responses recorded
DAY_TWO = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # about 108 more
PROJECT = "customer_feedback"
EXTRA_RULE = re.compile(
    r"(?P<kind>reset|corrupt|truncate|stuck)@(?P<target>[a-z]+)(?:\*(?P<n>\d+))?"
)


def fault_job() -> JobConfig:
    """The job every fault scenario runs: NPS score and comment, every PII kind redacted."""
    return JobConfig.from_dict(
        {
            "name": "nps-faults",
            "project": PROJECT,
            "connection": "sandbox",
            "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
            "mapping": {
                "fields": [
                    {"source": "QID1", "name": "nps_score", "type": "number"},
                    {"source": "QID2_TEXT", "name": "nps_comment", "type": "verbatim"},
                ]
            },
            "rules": {"pii": ["email", "phone", "credit_card", "ssn", "ip"]},
        }
    )


class FakeClock:
    """A monotonic clock that only moves when the client sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(
    url: str, clock: FakeClock, *, token: str = TOKEN, timeout: float = 10.0
) -> QualtricsClient:
    """A client for ``url`` with small retry and poll policies on the fake clock."""
    connection = Connection(name="sandbox", datacenter="sandbox", token=SecretStr(token))
    return QualtricsClient(
        connection,
        base_url=url,
        sleep=clock.sleep,
        clock=clock,
        jitter=lambda: 0.5,
        retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, max_total=60.0),
        poll=PollPolicy(first_delay=0.5, factor=2.0, max_delay=4.0, timeout=60.0),
        timeout=timeout,
    )


def target_of(method: str, path: str) -> str | None:
    """The fault target (start, poll, file...) of a request path below ``/API/v3/``."""
    for route_method, pattern, target, _action in ROUTES:
        if route_method == method and re.fullmatch(pattern, path.strip("/")):
            return target
    return None


class ExtraFaults:
    """The harness's own rules and how many hits each has left (thread-safe)."""

    def __init__(self, text: str = "") -> None:
        self._rules: list[list[object]] = []
        for raw in filter(None, (part.strip() for part in text.split(","))):
            match = EXTRA_RULE.fullmatch(raw)
            if match is None:
                raise ValueError(f"harness fault {raw!r} must look like KIND@TARGET[*COUNT]")
            count = int(match["n"]) if match["n"] else None
            self._rules.append([match["kind"], match["target"], count])
        self._lock = threading.Lock()
        self.hits: list[str] = []

    def take(self, target: str | None, kinds: tuple[str, ...]) -> str | None:
        """The kind of the first live rule for ``target`` among ``kinds``, spending a hit."""
        with self._lock:
            for rule in self._rules:
                kind, rule_target, remaining = rule
                if kind not in kinds or rule_target != target or remaining == 0:
                    continue
                if isinstance(remaining, int):
                    rule[2] = remaining - 1
                self.hits.append(f"{kind}@{target}")
                return str(kind)
        return None


class FaultyApi:
    """The sandbox handler with the harness's body and progress faults applied."""

    def __init__(self, api: SandboxApi, extra: ExtraFaults) -> None:
        self.api, self.extra = api, extra

    def handle(self, request: ApiRequest) -> ApiResponse:
        target = target_of(request.method, request.path)
        kind = self.extra.take(target, ("corrupt", "truncate", "stuck"))
        if kind == "stuck":
            return self.api.ok({"percentComplete": 50.0, "status": "inProgress"})
        reply = self.api.handle(request)
        if kind == "corrupt" and reply.status == 200:
            reply.body = _flipped(reply.body, start=600, length=64)
        elif kind == "truncate" and reply.status == 200:
            data = b"".join(reply.body)
            reply.body = [data[: len(data) // 2]]  # a list body is sent with Content-Length
        return reply


def _flipped(body: Iterable[bytes], start: int, length: int) -> Iterator[bytes]:
    """``body`` with ``length`` bytes from offset ``start`` inverted."""
    offset = 0
    for chunk in body:
        data = bytearray(chunk)
        for index in range(max(start - offset, 0), min(start + length - offset, len(data))):
            data[index] ^= 0xFF
        offset += len(chunk)
        yield bytes(data)


class _ResettingHandler(_Handler):
    extra: ExtraFaults

    def _serve(self) -> None:
        path = urlsplit(self.path).path
        relative = path[len(API_ROOT) :] if path.startswith(API_ROOT) else path
        if self.extra.take(target_of(self.command, relative), ("reset",)):
            linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.connection.close()
            self.close_connection = True
            return
        super()._serve()


class FaultyServer:
    """A sandbox (with its fault plan) behind a loopback socket with the harness's faults."""

    def __init__(self, now: datetime, plan: str = "", extra: str = "", seed: int = 0) -> None:
        self.sandbox = Sandbox(seed, now=now, faults=plan)
        self.extra = ExtraFaults(extra)
        attributes = {
            "api": FaultyApi(self.sandbox.api, self.extra),
            "pause": staticmethod(time.sleep),
            "extra": self.extra,
        }
        handler = type("Handler", (_ResettingHandler,), attributes)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{API_ROOT}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultyServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
