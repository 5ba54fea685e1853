"""The brand limiter shared by real processes through its state file: one pace, pause and cap."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from qinbound_nb.qualtrics.brand_state import HOST, BrandState, ExportLease
from qinbound_nb.qualtrics.brands import limits_folder, shared_limiter
from qinbound_nb.qualtrics.limiter import BrandLimiter, Limits
from qinbound_nb.qualtrics.state_file import state_path

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("limiter_worker.py")
KEY = "iad1/brand-shared"
TWENTY_A_SECOND = Limits(calls_per_minute=1200, concurrent_exports=2, burst_s=0.25)
BURST = 5  # a quarter second's worth


def start(action: str, arg: object, *, at: float = 0.0) -> subprocess.Popen[str]:
    """A worker process on the brand ``KEY``, in this test's QINBOUND_HOME, acting at ``at``."""
    limits = TWENTY_A_SECOND
    command = [sys.executable, str(WORKER), KEY, str(limits.calls_per_minute),
               str(limits.concurrent_exports), repr(at), action, str(arg)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy())


def finished(worker: subprocess.Popen[str]) -> dict[str, list[float]]:
    """What the worker printed: each word with the wall times it printed it at."""
    out, _ = worker.communicate(timeout=25)
    assert worker.returncode == 0
    printed: dict[str, list[float]] = defaultdict(list)
    for line in out.splitlines():
        word, moment = line.split()
        printed[word].append(float(moment))
    return printed


def here() -> BrandLimiter:
    return shared_limiter(KEY, TWENTY_A_SECOND)


def state_file() -> Path:
    return state_path(limits_folder(), KEY)


def test_processes_sharing_a_brand_keep_its_pace_together() -> None:
    at = time.time() + 2.0  # all three are running by then
    workers = [start("calls", 30, at=at) for _ in range(3)]
    calls = sorted(t for worker in workers for t in finished(worker)["call"])
    per_second = (len(calls) - BURST) / (calls[-1] - calls[0])
    assert len(calls) == 90
    assert per_second <= 20 * 1.1  # alone, each would have gone at 20 a second: 60 together
    assert per_second >= 20 * 0.7  # and the pace is the brand's, not a crawl
    for i, first in enumerate(calls):  # no second of it holds more than a burst plus 20
        assert sum(1 for t in calls[i:] if t < first + 1.0) <= BURST + 20 + 1


def test_a_retry_after_reported_by_one_process_pauses_the_others() -> None:
    brand = here()
    brand.acquire()
    (refused_at,) = finished(start("throttle", 2.0))["throttled"]
    brand.acquire()  # this process got no 429, yet waits for the pause another one was told
    assert refused_at + 2.0 - 0.05 <= time.time() <= refused_at + 2.5
    assert brand.rate == pytest.approx(10.0)  # the rate the other one halved is ours too
    assert brand.throttles == 1


def test_the_export_cap_holds_across_processes() -> None:
    at = time.time() + 2.0
    printed = [finished(w) for w in [start("export", 0.6, at=at) for _ in range(5)]]
    edges = sorted([(p["got"][0], 1) for p in printed] + [(p["released"][0], -1) for p in printed])
    running, busiest = 0, 0
    for _, step in edges:
        running += step
        busiest = max(busiest, running)
    assert busiest == 2
    assert not read_state().exports  # every slot came back


def test_a_killed_process_export_slot_comes_back() -> None:
    with start("hold", 0) as holder:  # waits for (reaps) the holder on the way out
        assert holder.stdout is not None and holder.stdout.readline().startswith("got")
        holder.send_signal(signal.SIGKILL)  # not reaped yet: a zombie holds nothing either
        time.sleep(0.2)
        started = time.time()
        with here().export_slot(), here().export_slot():  # both slots: the dead one's too
            assert len(read_state().exports) == 2
        assert time.time() - started < 0.5


def test_slots_left_by_an_earlier_process_with_this_pid_come_back() -> None:
    brand = here()
    with brand.export_slot():
        pass  # the file exists
    write_state(exports=[ExportLease(f"earlier-{n}", os.getpid(), HOST, time.time() + 60)
                         for n in range(2)])  # fmt: skip
    started = time.time()
    with brand.export_slot():
        assert time.time() - started < 0.5


def test_a_slot_held_elsewhere_comes_back_when_its_lease_runs_out() -> None:
    brand = here()
    with brand.export_slot():
        pass  # the file exists
    lapsing = ExportLease("lapsing", 1, "another-host", time.time() + 1.0)
    write_state(exports=[lapsing, ExportLease("live", 1, "another-host", time.time() + 60)])
    started = time.time()
    with brand.export_slot():
        waited = time.time() - started
    assert 0.9 <= waited <= 2.0  # the full cap until the first lease ran out


def test_a_torn_state_file_starts_afresh_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    here().acquire()
    state_file().write_text('{"tokens": 3.0, "filled_', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        here().acquire()
    assert "unreadable" in caplog.text
    assert read_state().rate == 20.0


def test_a_state_from_a_clock_set_back_does_not_pause_anyone() -> None:
    here().acquire()
    later = time.time() + 86_400
    old = ExportLease("old", os.getpid(), "another-host", later)
    write_state(paused_until=later, filled_at=later, written_at=later, tokens=-500.0,
                exports=[old])  # fmt: skip
    started = time.time()
    for _ in range(3):
        here().acquire()
    assert time.time() - started < 0.5
    assert [x.until for x in read_state().exports] != [later]


def test_threads_and_processes_share_one_pace() -> None:
    at = time.time() + 2.0
    worker = start("calls", 20, at=at)
    ours: list[float] = []

    def call() -> None:
        here().acquire()
        ours.append(time.time())

    time.sleep(max(0.0, at - time.time()))
    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    calls = sorted(ours + finished(worker)["call"])
    assert len(calls) == 40
    assert (len(calls) - BURST) / (calls[-1] - calls[0]) <= 20 * 1.1


def read_state() -> BrandState:
    return BrandState.from_json(state_file().read_bytes(), TWENTY_A_SECOND, time.time())


def write_state(**changes: Any) -> None:
    """Change the brand's state file as another process (or a stale copy) would have left it."""
    state = read_state()
    for name, value in changes.items():
        setattr(state, name, value)
    state_file().write_bytes(state.to_json(changes.get("written_at", time.time())))
