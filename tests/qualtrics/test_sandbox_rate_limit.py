"""The session against the sandbox with its rate limit on: 429s are paced away, never failures.

Real clocks on both sides (the sandbox counts calls per real second), kept short.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from qualtrics_helpers import SANDBOX_NOW, TOKEN

from qinbound_nb.errors import ConfigError, RetriableError
from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import PollPolicy, QualtricsClient, ResponseExportRequest
from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits
from qinbound_nb.sandbox.simulator import NPS_SURVEY_ID, Sandbox
from qinbound_nb.sandbox.throttle import RatePlan, parse_rate_plan

CONNECTION = Connection(name="sandbox", datacenter="sandbox", token=SecretStr(TOKEN))
QUICK_POLLS = PollPolicy(first_delay=0.05, max_delay=0.2)


def client(box: Sandbox, brand: BrandLimiter) -> QualtricsClient:
    return QualtricsClient(CONNECTION, transport=box.transport(), brand_limiter=brand,
                           poll=QUICK_POLLS)  # fmt: skip


def test_the_rate_limit_mode_answers_429_with_retry_after_like_qualtrics() -> None:
    box = Sandbox(now=SANDBOX_NOW, rate_limit="calls=2,retry=3")
    with httpx.Client(transport=box.transport(), base_url="https://x/API/v3/") as raw:
        statuses = [raw.get("whoami", headers={"X-API-TOKEN": TOKEN}) for _ in range(3)]
    assert [reply.status_code for reply in statuses] == [200, 200, 429]
    refused = statuses[-1]
    assert refused.headers["Retry-After"] == "3"
    assert refused.json()["meta"]["error"]["errorMessage"] == (
        "You have reached the concurrent request limit."
    )
    assert box.rate_limit.refused == 1


def test_the_loopback_server_answers_the_same_429() -> None:
    box = Sandbox(now=SANDBOX_NOW, rate_limit="calls=1,retry=2")
    with box.serve() as server, httpx.Client(base_url=server.url) as raw:
        statuses = [raw.get("whoami", headers={"X-API-TOKEN": TOKEN}) for _ in range(2)]
    assert [reply.status_code for reply in statuses] == [200, 429]
    assert statuses[-1].headers["Retry-After"] == "2"


def test_the_session_paces_a_brand_over_the_sandbox_limit_and_every_call_succeeds() -> None:
    box = Sandbox(now=SANDBOX_NOW, rate_limit="calls=10,retry=0.25")
    brand = BrandLimiter(Limits(calls_per_minute=1200))  # 20 a second: twice the sandbox's
    with client(box, brand) as api:
        who = [api.whoami() for _ in range(30)]
    assert {w.brand_id for w in who} == {"sandbox"}
    assert box.rate_limit.refused >= 1  # the first burst ran into the limit ...
    assert brand.throttles == box.rate_limit.refused  # ... every 429 was reported ...
    assert brand.rate < brand.ceiling  # ... and the rate came down (AIMD)


def test_a_429_for_one_session_pauses_another_session_of_the_same_brand() -> None:
    box = Sandbox(now=SANDBOX_NOW, faults="429@whoami*1=0.6")
    brand = BrandLimiter()
    with client(box, brand) as first, client(box, brand) as second:
        refused_at = time.monotonic()
        waiting = threading.Thread(target=first.whoami)  # gets the 429, Retry-After: 0.6
        waiting.start()
        time.sleep(0.1)
        second.list_surveys()  # no 429 of its own, yet it waits out the pause
        answered_at = time.monotonic()
        waiting.join(timeout=10)
    assert answered_at - refused_at >= 0.6
    assert brand.throttles == 1


def test_concurrent_exports_over_the_sandbox_cap_are_retried_not_failed(tmp_path: Path) -> None:
    box = Sandbox(now=SANDBOX_NOW, rate_limit="exports=1,retry=0.1")
    brand = BrandLimiter(Limits(concurrent_exports=3))  # more than the sandbox allows
    sizes = exports_at_once(box, brand, tmp_path, count=3)
    assert len(set(sizes)) == 1 and sizes[0] > 0
    assert box.rate_limit.refused >= 1


def test_the_export_cap_keeps_a_brand_within_the_sandbox_cap(tmp_path: Path) -> None:
    box = Sandbox(now=SANDBOX_NOW, rate_limit="exports=1,retry=0.1")
    brand = BrandLimiter(Limits(concurrent_exports=1))
    exports_at_once(box, brand, tmp_path, count=3)
    assert box.rate_limit.refused == 0


def exports_at_once(box: Sandbox, brand: BrandLimiter, folder: Path, count: int) -> list[int]:
    request = ResponseExportRequest(end_date=datetime(2026, 11, 1, 6, 0, tzinfo=SANDBOX_NOW.tzinfo))

    together = threading.Barrier(count)

    def export(number: int) -> int:
        with client(box, brand) as api:
            together.wait(timeout=10)
            done = api.export_responses(NPS_SURVEY_ID, request, folder / str(number))
        return done.size

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(export, range(count)))


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("", RatePlan()),
        ("calls=20", RatePlan(calls=20)),
        ("calls=2.5, exports=3, retry=0.5", RatePlan(calls=2.5, exports=3, retry_after=0.5)),
    ],
)
def test_rate_plans_parse(text: str, plan: RatePlan) -> None:
    assert parse_rate_plan(text) == plan


@pytest.mark.parametrize("text", ["calls", "calls=0", "rate=5", "exports=-1"])
def test_a_bad_rate_plan_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ConfigError, match="calls=N, exports=M or retry=S"):
        parse_rate_plan(text)


def test_the_rate_limit_mode_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINBOUND_SANDBOX_RATE_LIMIT", "calls=7,exports=2")
    assert Sandbox.from_env().rate_limit.plan == RatePlan(calls=7, exports=2)


def test_429s_have_an_allowance_of_their_own_beyond_max_attempts(sandbox_client) -> None:
    with sandbox_client(Sandbox(now=SANDBOX_NOW, faults="429@whoami*8=0")) as api:
        assert api.whoami().brand_id == "sandbox"  # 8 refusals > max_attempts (5): still fine
    broken = Sandbox(now=SANDBOX_NOW, faults="503@whoami*5")
    with sandbox_client(broken) as api, pytest.raises(RetriableError, match="after 5 attempt"):
        api.whoami()  # a broken server still stops at max_attempts
