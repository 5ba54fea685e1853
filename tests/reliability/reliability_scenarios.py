"""Fault scenarios: day one loads cleanly, day two meets a fault, a clean rerun must converge.

Each scenario starts from a copy of the store after a clean day-one run, runs day two with
one fault, checks the store (documents, checkpoint) against what the last successful run
should have left, then reruns day two without faults and checks it converges on the table
two clean runs produce. Everything goes over a real loopback socket.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import pandas as pd
from reliability_harness import (
    DAY_ONE,
    DAY_TWO,
    PROJECT,
    TOKEN,
    FakeClock,
    FaultyServer,
    fault_job,
    make_client,
)

from qinbound_nb.runs.execute import RunReport, run_job
from qinbound_nb.store.store import Checkpoint, Store

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Fault:
    """One row of the matrix: the fault, and what the day-two run must do under it."""

    name: str
    plan: str = ""  # the sandbox's own fault plan
    extra: str = ""  # the harness's socket/body faults
    token: str = TOKEN
    timeout: float = 10.0  # the client's read timeout
    store_fault: str | None = None  # "read-only" or "disk-full"
    expect: str = "succeeded"  # or "failed"
    says: str = ""  # a phrase the error must contain
    slow: bool = False


FAULTS = [
    Fault("429 with Retry-After", plan="429@start*2=1"),
    Fault("500 on poll", plan="500@poll*1"),
    Fault("503 on download, twice", plan="503@file*2"),
    Fault("504 on start", plan="504@start*1"),
    Fault("503 on every download", plan="503@file", expect="failed", says="still failed after 4"),
    Fault("connection reset on download", extra="reset@file*1"),
    Fault(
        "connection reset on every start",
        extra="reset@start",
        expect="failed",
        says="still failed after 4",
    ),
    Fault("read timeout on download", plan="slow@file*1=4", timeout=1.5, slow=True),
    Fault(
        "read timeout on every poll",
        plan="slow@poll=4",
        timeout=1.5,
        expect="failed",
        says="still failed after 4",
        slow=True,
    ),
    Fault("body cut off mid-zip", plan="cut@file*1=3000"),
    Fault(
        "body cut off on every download",
        plan="cut@file=3000",
        expect="failed",
        says="still failed after 4",
    ),
    Fault(
        "zip cut short, HTTP complete",
        extra="truncate@file*1",
        expect="failed",
        says="not a complete zip",
    ),
    Fault("corrupt zip", extra="corrupt@file*1", expect="failed", says="corrupt"),
    Fault("export fails once", plan="failed@export*1"),
    Fault(
        "export fails twice", plan="failed@export*2", expect="failed", says="failed on the server"
    ),
    Fault(
        "export complete without a file",
        plan="nofile@export*2",
        expect="failed",
        says="on the server twice",
    ),
    Fault("export never completes", extra="stuck@poll", expect="failed", says="still running"),
    Fault("token expires mid-run", plan="expired@*=2", expect="failed", says="token"),
    Fault("token revoked", token="revoked-token", expect="failed", says="token"),
    Fault("read-only store", store_fault="read-only", expect="failed", says="store"),
    Fault("disk full during the load", store_fault="disk-full", expect="failed", says="is full"),
    Fault(
        "disk full while downloading",
        store_fault="file-size-limit",
        expect="failed",
        says="could not be written",
    ),
]
KILL_POINTS = ["start", "poll", "download", "stage", "finish"]


class Unavailable(Exception):
    """This machine cannot set the fault up (mounting a tmpfs needs root)."""


@dataclass
class Outcome:
    """What happened under one fault, as the matrix reports it."""

    fault: Fault
    status: str
    error: str | None
    lost: int  # documents of the last successful runs missing after the faulty run
    doubled: int  # natural_ids stored more than once
    changed: int  # documents whose content differs from the expected
    checkpoint_ok: bool  # unmoved after a failure, at day two after a success
    converged: bool  # a clean rerun left exactly the two-clean-runs table
    leaked_token: bool
    sleeps: list[float] = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        return (
            self.status.startswith(self.fault.expect)
            and (self.fault.says.lower() in (self.error or "").lower())
            and not (self.lost or self.doubled or self.changed or self.leaked_token)
            and self.checkpoint_ok
            and self.converged
        )


def documents(path: Path) -> pd.DataFrame:
    """The project's documents (bookkeeping columns left out), by natural_id."""
    with Store(path, read_only=True) as store:
        return store.documents(PROJECT).reset_index(drop=True)


def checkpoint(path: Path) -> Checkpoint | None:
    with Store(path, read_only=True) as store:
        return store.checkpoint(fault_job().name)


def clean_run(store: Path, now: datetime) -> RunReport:
    """One run without faults over the loopback socket."""
    with FaultyServer(now) as server, make_client(server.url, FakeClock()) as client:
        return run_job(fault_job(), store=store, client=client, now=now)


@cache
def reference(folder: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The day-one store, and the documents after one and after two clean runs."""
    folder.mkdir(parents=True, exist_ok=True)
    day_one = folder / "day-one.duckdb"
    assert clean_run(day_one, DAY_ONE).status == "succeeded"
    both = folder / "both-days.duckdb"
    shutil.copy(day_one, both)
    assert clean_run(both, DAY_TWO).ok
    return day_one, documents(day_one), documents(both)


def compare(actual: pd.DataFrame, expected: pd.DataFrame) -> tuple[int, int, int]:
    """(lost, doubled, changed) of ``actual`` against ``expected`` documents."""
    doubled = int(actual["natural_id"].duplicated().sum())
    lost = len(set(expected["natural_id"]) - set(actual["natural_id"]))
    extra = len(set(actual["natural_id"]) - set(expected["natural_id"]))
    if set(actual.columns) != set(expected.columns):
        return lost, doubled, len(actual)
    left = actual.drop_duplicates("natural_id").set_index("natural_id")
    right = expected.set_index("natural_id")[left.columns]
    shared = left.index.intersection(right.index)
    a, b = left.loc[shared].astype(object), right.loc[shared].astype(object)
    same = (a == b) | (a.isna() & b.isna())
    return lost, doubled, extra + int((~same.all(axis=1)).sum())


def run_scenario(fault: Fault, folder: Path) -> Outcome:
    """Day two under ``fault`` on a copy of the day-one store, then a clean rerun."""
    day_one, after_one, after_two = reference(folder.parent / "reference")
    folder.mkdir(parents=True, exist_ok=True)
    with store_folder(fault, folder) as place:
        store = place / "store.duckdb"
        shutil.copy(day_one, store)
        before = checkpoint(store)
        clock = FakeClock()
        report = faulty_run(fault, store, clock)
        after = documents(store)
        lost, doubled, changed = compare(after, after_two if report.ok else after_one)
        moved = checkpoint(store)
        checkpoint_ok = moved == before if not report.ok else _at_day_two(moved)
        rerun = clean_run(store, DAY_TWO)
        converged = rerun.ok and compare(documents(store), after_two) == (0, 0, 0)
        converged = converged and _at_day_two(checkpoint(store))
        leaked = TOKEN in (report.error or "") + report.summary() + _history_text(store)
    return Outcome(
        fault, report.status, report.error, lost, doubled, changed, checkpoint_ok, converged,
        leaked, clock.sleeps,
    )  # fmt: skip


@contextmanager
def store_folder(fault: Fault, folder: Path) -> Iterator[Path]:
    """Where the store lives: ``folder``, or a small tmpfs mounted in it for a full disk."""
    if fault.store_fault != "disk-full":
        yield folder
        return
    disk = folder / "disk"
    disk.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        raise Unavailable("mounting a tmpfs (for a really full disk) needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@contextmanager
def full_disk(store: Path) -> Iterator[None]:
    """Shrink the store's tmpfs to what it holds plus 8 KiB, then give the space back."""
    used = shutil.disk_usage(store.parent).used
    subprocess.run(["mount", "-o", f"remount,size={used + 8192}", str(store.parent)], check=True)
    try:
        yield
    finally:
        subprocess.run(["mount", "-o", "remount,size=64m", str(store.parent)], check=True)


def _at_day_two(point: Checkpoint | None) -> bool:
    return point is not None and point.watermark == DAY_TWO


def _history_text(store: Path) -> str:
    with Store(store, read_only=True) as opened:
        return opened.runs().astype(str).to_csv()


def faulty_run(fault: Fault, store: Path, clock: FakeClock) -> RunReport:
    """Run day two with the fault in place."""
    with FaultyServer(DAY_TWO, plan=fault.plan, extra=fault.extra) as server:
        if fault.store_fault == "file-size-limit":
            return run_in_child(store, server.url, file_size_limit=8192)
        api = make_client(server.url, clock, token=fault.token, timeout=fault.timeout)
        with _store_fault(fault.store_fault, store), api:
            return run_job(fault_job(), store=store, client=api, now=DAY_TWO)


@contextmanager
def _store_fault(kind: str | None, store: Path) -> Iterator[None]:
    """A store the run cannot write: immutable for root (chattr +i), else mode 0444/0555."""
    if kind == "disk-full":
        with full_disk(store):
            yield
        return
    if kind != "read-only":
        yield
        return
    targets = [store, store.parent]
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, targets)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, targets)], check=True)
        return
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in targets}
    store.chmod(0o444)
    store.parent.chmod(0o555)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


CHILD = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    from datetime import datetime
    sys.path.insert(0, {here!r})
    from reliability_harness import FakeClock, fault_job, make_client
    from qinbound_nb.runs.execute import run_job
    from qinbound_nb.store.load import RunLoad

    def announce(name, method):  # only prints, so the parent can kill at this step
        def wrapped(self, *args, **kwargs):
            print("stage", name, flush=True)
            return method(self, *args, **kwargs)
        return wrapped
    RunLoad.stage = announce("stage", RunLoad.stage)
    RunLoad.finish = announce("finish", RunLoad.finish)

    store, url, now, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    def progress(update):
        print("stage", update.stage, flush=True)
    with make_client(url, FakeClock()) as client:
        if limit:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, do not kill us
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        report = run_job(fault_job(), store=store, client=client,
                         now=datetime.fromisoformat(now), progress=progress)
    print("report", json.dumps({{"status": report.status, "error": report.error,
                                 "run_id": report.run_id}}), flush=True)
    """
)


def start_child(store: Path, url: str, file_size_limit: int = 0) -> subprocess.Popen[str]:
    """A ``run_job`` of day two in a child process (it prints its stages as it goes)."""
    script = store.parent / "child.py"
    script.write_text(CHILD.format(here=str(HERE)))
    arguments = [str(store), url, DAY_TWO.isoformat(), str(file_size_limit)]
    return subprocess.Popen(
        [sys.executable, str(script), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def run_in_child(store: Path, url: str, file_size_limit: int) -> RunReport:
    """Run day two in a child process under a file-size limit; its report."""
    child = start_child(store, url, file_size_limit)
    stdout, stderr = child.communicate(timeout=300)
    lines = [line for line in stdout.splitlines() if line.startswith("report ")]
    if child.returncode != 0 or not lines:
        tail = stderr.strip().splitlines()[-1:] or ["no output"]
        return RunReport("?", fault_job().name, f"crashed (exit {child.returncode})",
                         error=f"no report: {tail[0]}")  # fmt: skip
    found = json.loads(lines[0].removeprefix("report "))
    return RunReport(found["run_id"], fault_job().name, found["status"], error=found["error"])


@dataclass
class KillOutcome:
    """A day-two run killed with SIGKILL: where, what the store showed, and the rerun."""

    point: str
    delay: float
    landed: str  # "killed before commit" / "killed after commit" / "finished before the kill"
    lost: int
    doubled: int
    changed: int
    checkpoint_ok: bool
    converged: bool

    @property
    def as_expected(self) -> bool:
        return (
            not (self.lost or self.doubled or self.changed)
            and self.checkpoint_ok
            and (self.converged)
        )


def kill_scenario(point: str, delay: float, folder: Path) -> KillOutcome:
    """Kill a day-two ``run_job`` child ``delay`` s after it reaches ``point``; check; rerun."""
    day_one, after_one, after_two = reference(folder.parent / "reference")
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "store.duckdb"
    shutil.copy(day_one, store)
    before = checkpoint(store)
    with FaultyServer(DAY_TWO) as server:
        child = start_child(store, server.url)
        finished = not _wait_for(child, f"stage {point}")
        time.sleep(delay)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        else:
            finished = True
        child.communicate(timeout=120)
    after = documents(store)
    committed = len(after) == len(after_two)
    landed = "killed after commit" if committed else "killed before commit"
    landed = "finished before the kill" if finished else landed
    lost, doubled, changed = compare(after, after_two if committed else after_one)
    moved = checkpoint(store)
    checkpoint_ok = _at_day_two(moved) if committed else moved == before
    rerun = clean_run(store, DAY_TWO)
    converged = rerun.ok and compare(documents(store), after_two) == (0, 0, 0)
    converged = converged and _at_day_two(checkpoint(store))
    return KillOutcome(point, delay, landed, lost, doubled, changed, checkpoint_ok, converged)


def _wait_for(child: subprocess.Popen[str], line: str) -> bool:
    """Read the child's output until ``line``; False if it ended without printing it."""
    assert child.stdout is not None
    return any(printed.strip() == line for printed in child.stdout)
