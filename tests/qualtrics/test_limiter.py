"""The brand limiter on a fake clock: pacing, Retry-After pausing all callers, AIMD, exports."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path

import pytest
from qualtrics_helpers import TOKEN, Sleeps

from qinbound_nb.qualtrics.brands import (
    brand_key,
    learn_brand,
    limits_folder,
    shared_limiter,
    shared_limits_available,
)
from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits
from qinbound_nb.qualtrics.state_file import state_path

TEN_A_SECOND = Limits(calls_per_minute=600)  # a bucket of 10 calls, refilled 10 a second


def limiter(sleeps: Sleeps, limits: Limits = TEN_A_SECOND) -> BrandLimiter:
    return BrandLimiter(limits, clock=sleeps.clock, sleep=sleeps)


def test_calls_flow_at_the_rate_after_the_first_burst(sleeps: Sleeps) -> None:
    brand = limiter(sleeps)
    for _ in range(30):
        brand.acquire()
    assert len(sleeps) == 20  # the burst: a second's worth (10 calls) went at once
    assert sleeps.now == pytest.approx(2.0)  # the other 20 at 10 a second
    assert all(wait == pytest.approx(0.1) for wait in sleeps)


def test_the_default_is_qualtrics_brand_limit_of_3000_a_minute(sleeps: Sleeps) -> None:
    brand = limiter(sleeps, Limits())
    for _ in range(50 + 100):
        brand.acquire()
    assert brand.ceiling == 50.0
    assert sleeps.now == pytest.approx(2.0)


def test_retry_after_pauses_every_caller_of_the_brand_not_just_the_one_refused(
    sleeps: Sleeps,
) -> None:
    brand = limiter(sleeps)
    brand.acquire()  # caller A's call ...
    brand.throttled(5.0)  # ... is refused with Retry-After: 5
    brand.acquire()  # caller B, which got no 429, waits too
    assert sleeps == [pytest.approx(5.0)]
    brand.acquire()  # after the pause the calls are paced again, not a burst
    assert sleeps[1:] == [pytest.approx(1 / brand.rate)]


def test_a_caller_already_waiting_queues_again_behind_a_new_pause() -> None:
    brand = BrandLimiter(TEN_A_SECOND)  # real clock: two threads
    for _ in range(10):
        brand.acquire()  # the bucket is empty: the next call waits 0.1 s
    finished: list[float] = []
    started = time.monotonic()
    waiter = threading.Thread(target=lambda: (brand.acquire(), finished.append(time.monotonic())))
    waiter.start()
    time.sleep(0.02)
    brand.throttled(0.5)  # while it waits, another caller gets 429 with Retry-After: 0.5
    waiter.join(timeout=10)
    assert finished and finished[0] - started >= 0.5


def test_a_429_halves_the_rate_once_per_round_and_success_recovers_it_slowly(
    sleeps: Sleeps,
) -> None:
    brand = limiter(sleeps)
    brand.throttled(None)
    brand.throttled(None)  # the same round of 429s (calls already in flight): no second cut
    assert brand.rate == pytest.approx(5.0)
    sleeps(1.5)
    brand.throttled(None)  # a later round cuts again
    assert brand.rate == pytest.approx(2.5)
    sleeps(6.0)  # recovery_s = 60: a tenth of the ceiling back in 6 s of good calls
    brand.succeeded()
    assert brand.rate == pytest.approx(3.5)
    sleeps(600.0)
    brand.succeeded()
    assert brand.rate == brand.ceiling  # never above it


def test_the_rate_is_never_cut_below_its_floor(sleeps: Sleeps) -> None:
    brand = limiter(sleeps)
    for _ in range(20):
        brand.throttled(None)
        sleeps(2.0)
    assert brand.rate == pytest.approx(10.0 * TEN_A_SECOND.floor_share)
    assert brand.throttles == 20


def test_the_growth_starts_after_the_pause_ends(sleeps: Sleeps) -> None:
    brand = limiter(sleeps)
    brand.throttled(30.0)
    sleeps(30.0)
    brand.succeeded()  # the 30 s of pause earned nothing
    assert brand.rate == pytest.approx(5.0)


def test_export_slots_cap_the_brand_concurrent_exports() -> None:
    brand = BrandLimiter(Limits(concurrent_exports=2))
    lock, running, busiest = threading.Lock(), [0], [0]

    def export() -> None:
        with brand.export_slot():
            with lock:
                running[0] += 1
                busiest[0] = max(busiest[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=export) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert busiest[0] == 2


def test_the_brand_key_never_holds_the_token_and_joins_the_brand_once_known() -> None:
    token, other = f"{TOKEN}-{uuid.uuid4().hex}", f"{TOKEN}-{uuid.uuid4().hex}"
    before = brand_key("iad1", token)
    assert token not in before and before.startswith("iad1/token-")
    assert brand_key("iad1", other) != before  # unknown brands: one limiter per token
    learn_brand(token, "brand-acme")
    learn_brand(other, "brand-acme")
    assert brand_key("iad1", token) == brand_key("iad1", other) == "iad1/brand-acme"
    assert brand_key("fra1", token) == "fra1/brand-acme"
    assert shared_limiter("iad1/brand-acme", Limits()) is shared_limiter(
        brand_key("iad1", other), Limits()
    )


def test_a_refused_export_start_shrinks_the_slots_and_completed_exports_win_them_back() -> None:
    brand = BrandLimiter(Limits(concurrent_exports=4))
    with brand.export_slot(), brand.export_slot(), brand.export_slot():
        brand.export_refused()  # three running and the third was refused: two fit
        assert brand.export_cap == 2
    assert brand.rate == brand.ceiling  # too many exports is not too many calls
    assert brand.export_cap == 3  # a slot back after as many completions as there were slots
    for _ in range(2):
        with brand.export_slot():
            pass
    assert brand.export_cap == 4
    for _ in range(10):
        with brand.export_slot():
            pass
    assert brand.export_cap == 4 and brand.export_refusals == 1  # never above the setting


def test_the_brand_state_file_lives_in_the_home_folder_and_never_holds_the_token(
    isolated_home: Path,
) -> None:
    token = f"{TOKEN}-{uuid.uuid4().hex}"
    key = brand_key("iad1", token)
    shared_limiter(key, Limits()).acquire()
    path = state_path(limits_folder(), key)
    assert path.parent == isolated_home / "limits" and shared_limits_available()
    assert token not in path.name and token not in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o600


def test_where_the_limits_folder_cannot_be_written_the_process_paces_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("QINBOUND_HOME", str(blocker / "home"))  # a folder inside a file
    assert not shared_limits_available()
    with caplog.at_level(logging.WARNING):
        brand = shared_limiter("iad1/brand-alone", Limits())
    assert "paces its calls alone" in caplog.text
    brand.acquire()
    assert brand.rate == brand.ceiling


def test_a_raised_setting_applies_at_once_and_a_cut_survives_it() -> None:
    from qinbound_nb.qualtrics.brand_state import BrandState

    now = time.time()
    at_defaults = BrandState.fresh(Limits(), now).within(Limits(), now)
    raised = Limits(calls_per_minute=6000, concurrent_exports=8)
    state = BrandState.from_json(at_defaults.to_json(now), raised, now)
    assert (state.rate, state.export_cap) == (100.0, 8)
    at_defaults.rate, at_defaults.export_cap = 12.5, 2  # cut by 429s under the old setting
    state = BrandState.from_json(at_defaults.to_json(now), raised, now)
    assert (state.rate, state.export_cap) == (12.5, 2)
    lowered = BrandState.from_json(state.to_json(now), Limits(concurrent_exports=1), now)
    assert lowered.export_cap == 1
