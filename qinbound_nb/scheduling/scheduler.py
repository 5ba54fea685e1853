"""The scheduler loop: runs each due job once per slot, never two runs of one job at a time.

Each tick, for every job file: read its schedule, find the latest slot not yet handled, and
either run it, or log why not. The rules:

- **one run per job at a time**: a run holds an ``fcntl.flock`` on ``locks/<job>.lock`` in the
  state folder, across processes too (a cron ``--if-due`` run and this loop share it). A slot
  that arrives while the previous run still holds the lock is skipped and logged;
- **a failed run is survived**: a non-zero exit code or an exception is logged, and the next
  slot is scheduled as usual;
- **catch up once**: after downtime, however many slots were missed, the job runs once;
- **new jobs**: a job's creation is when the store first saw it (``lookup`` gives it, see
  :mod:`qinbound_nb.scheduling.anchor`; without one, the first time this scheduler saw it),
  so a job with ``pull_on_create`` runs at once and an hourly lattice is anchored on that day;
- **a run covers the slots before it**: the job's last run from the store, manual ones too,
  counts as handled, so a manual run is not followed at once by a scheduled one;
- **disabled jobs** (``qinbound jobs disable``) are skipped and logged;
- **expiry notices**: each due one is sent once (:mod:`qinbound_nb.scheduling.notices`).

State (first seen, last slot, last exit code) is one JSON file per job in ``state_dir``,
rewritten atomically under its own lock, so several processes can share the folder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import JobConfig, Schedule
from qinbound_nb.local.connections import qinbound_home
from qinbound_nb.local.settings import Settings
from qinbound_nb.scheduling.anchor import JobEntry
from qinbound_nb.scheduling.notices import ExpiryNotice, send_due_notices
from qinbound_nb.scheduling.recurrence import next_run, runs_between
from qinbound_nb.scheduling.state import JobState, parse_instant

Action = Literal["started", "not_due", "skipped_locked", "invalid", "disabled"]
MAX_COUNTED_MISSES = 100_000  # stop counting missed slots here (a year of hourly runs is 8,760)
LOGGER = logging.getLogger("qinbound_nb.scheduling.scheduler")


@dataclass(frozen=True)
class Decision:
    """What one tick decided for one job."""

    job_path: Path
    action: Action
    slot: datetime | None = None
    missed: int = 0
    next_run: datetime | None = None
    reason: str = ""


def default_state_dir() -> Path:
    """Where the scheduler keeps its state: ``$QINBOUND_HOME/scheduler``."""
    return qinbound_home() / "scheduler"


def load_schedule(job_path: Path) -> Schedule:
    """Read a job file's schedule (ConfigError when the file is invalid)."""
    return JobConfig.load(job_path).schedule


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


class Scheduler:
    """Run due jobs: ``tick()`` once, or ``run_forever(stop_event)``.

    Args:
        list_jobs: returns the job files to consider (read again at every tick).
        run: runs one job file and returns its exit code (0 = success).
        clock: returns the current aware datetime; injected in tests.
        sleep: waits a number of seconds; defaults to waiting on the stop event.
        state_dir: folder for per-job state and lock files.
        log: the logger that records every decision.
        max_parallel: how many different jobs may run at the same time (threads; default
            ``QINBOUND_MAX_CONCURRENT_JOBS``, else 4). Due jobs beyond it queue, each
            already holding its run lock, so a queued job is never started twice.
        poll_s: the longest pause between ticks (new job files are noticed this fast).
        expiry_notice: sends a job's connection-expiry notice (``scheduling.notices``).
        lookup: what the store knows of a job file (creation, enabled, last run), or None.
    """

    def __init__(
        self,
        list_jobs: Callable[[], list[Path]],
        run: Callable[[Path], int],
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Any] | None = None,
        state_dir: Path | None = None,
        log: logging.Logger = LOGGER,
        max_parallel: int | None = None,
        poll_s: float = 60.0,
        read_schedule: Callable[[Path], Schedule] = load_schedule,
        expiry_notice: ExpiryNotice | None = None,
        lookup: Callable[[Path], JobEntry | None] = lambda _path: None,
    ) -> None:
        self.list_jobs, self.run, self.clock, self.sleep = list_jobs, run, clock, sleep
        self.lookup = lookup
        self.state_dir = state_dir or default_state_dir()
        self.log, self.poll_s, self.read_schedule = log, poll_s, read_schedule
        self.expiry_notice = expiry_notice
        self.max_parallel = max_parallel or Settings().concurrent_jobs()
        self._pool = ThreadPoolExecutor(self.max_parallel, thread_name_prefix="qinbound-run")
        self._running: set[Future[int]] = set()
        self.exit_codes: dict[Path, int] = {}  # the last exit code of each job run by this object

    def tick(self, *, wait_for_runs: bool = True) -> list[Decision]:
        """Consider every job once; start the due ones (and wait for them unless told not to)."""
        now = self.clock()
        job_paths = [Path(job_path) for job_path in self.list_jobs()]
        if self.expiry_notice is not None:  # due notices go out whether or not a job runs
            send_due_notices(job_paths, now.date(), self.state_dir, self.expiry_notice, self.log)
        decisions = [self._consider(job_path, now) for job_path in job_paths]
        if wait_for_runs:
            self.wait()
        return decisions

    def wait(self) -> None:
        """Block until every started run has finished."""
        wait(list(self._running))

    def run_forever(self, stop_event: threading.Event) -> None:
        """Tick until ``stop_event`` is set, pausing until the next run is due (or ``poll_s``)."""
        self.log.info("scheduler started; state in %s", self.state_dir)
        try:
            while not stop_event.is_set():
                decisions = self.tick(wait_for_runs=False)
                pause = self._pause(decisions)
                (self.sleep or stop_event.wait)(pause)
        finally:
            self.wait()
            self._pool.shutdown()
            self.log.info("scheduler stopped")

    def _pause(self, decisions: list[Decision]) -> float:
        now = self.clock()
        upcoming = [d.next_run for d in decisions if d.next_run is not None]
        seconds = min((run - now).total_seconds() for run in upcoming) if upcoming else self.poll_s
        return min(max(seconds, 1.0), self.poll_s)

    def _consider(self, job_path: Path, now: datetime) -> Decision:
        entry = self.lookup(job_path)
        if entry is not None and not entry.enabled:
            self.log.info("%s: skipped: the job is %s", job_path, entry.status)
            return Decision(job_path, "disabled", reason=f"the job is {entry.status}")
        try:
            schedule = self.read_schedule(job_path)
        except QInboundError as exc:
            self.log.warning("%s: not scheduled, the job file is invalid: %s", job_path, exc)
            return Decision(job_path, "invalid", reason=str(exc))
        state = JobState(self.state_dir, job_path)
        with state.update() as record:
            record.setdefault("first_seen", now.isoformat())
            slot, missed, upcoming = due_slot(schedule, now, record, entry)
        if slot is None:
            self.log.debug("%s: not due; next run %s", job_path, _when(upcoming))
            return Decision(job_path, "not_due", next_run=upcoming)
        lock = state.try_lock()
        if lock is None:
            return self._skip(state, job_path, slot, upcoming)
        with state.update() as record:
            # "last_run_slot", not "last_slot": another process that found our lock taken
            # marks the slot skipped, but we are the holder and must still run it
            ran = parse_instant(record.get("last_run_slot"))
            if ran is not None and ran >= slot:
                lock.close()  # another process ran this slot between our two looks
                return Decision(job_path, "not_due", next_run=upcoming, reason="already ran")
            record.update(
                last_slot=slot.isoformat(),
                last_run_slot=slot.isoformat(),
                last_started=now.isoformat(),
            )
        self._log_start(job_path, slot, missed)
        future = self._pool.submit(self._execute, job_path, state, lock)
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        return Decision(job_path, "started", slot=slot, missed=missed, next_run=upcoming)

    def _skip(
        self, state: JobState, job_path: Path, slot: datetime, upcoming: datetime | None
    ) -> Decision:
        with state.update() as record:
            record["last_slot"] = slot.isoformat()
        self.log.warning(
            "%s: skipped the run due at %s: the previous run still holds %s",
            job_path, _when(slot), state.lock_path,
        )  # fmt: skip
        return Decision(job_path, "skipped_locked", slot=slot, next_run=upcoming)

    def _log_start(self, job_path: Path, slot: datetime, missed: int) -> None:
        if missed > 1:
            self.log.info(
                "%s: %d runs were missed up to %s; catching up with one run now",
                job_path, missed, _when(slot),
            )  # fmt: skip
        else:
            self.log.info("%s: running the slot due at %s", job_path, _when(slot))

    def _execute(self, job_path: Path, state: JobState, lock: IO[bytes]) -> int:
        try:
            exit_code = self._run_safely(job_path)
            self.exit_codes[job_path] = exit_code
            with state.update() as record:
                record.update(last_exit_code=exit_code, last_finished=self.clock().isoformat())
            return exit_code
        finally:
            lock.close()  # closing the file releases the flock

    def _run_safely(self, job_path: Path) -> int:
        try:
            exit_code = int(self.run(job_path))
        except QInboundError as exc:
            self.log.error("%s: run failed: %s", job_path, exc)
            return 1
        except Exception:
            self.log.exception("%s: run crashed; the scheduler carries on", job_path)
            return 1
        if exit_code:
            self.log.error("%s: run failed with exit code %d", job_path, exit_code)
        else:
            self.log.info("%s: run succeeded", job_path)
        return exit_code


def due_slot(
    schedule: Schedule, now: datetime, record: dict[str, Any], entry: JobEntry | None = None
) -> tuple[datetime | None, int, datetime | None]:
    """The latest unhandled slot up to ``now``, how many slots it covers, and the next one."""
    known = entry or JobEntry()
    first_seen = known.created_at or parse_instant(record["first_seen"])
    assert first_seen is not None
    handled = [t for t in (parse_instant(record.get("last_slot")), known.last_run_at) if t]
    if handled:  # the creation pull, if any, is behind us
        schedule = schedule.model_copy(update={"pull_on_create": False})
    after = max([first_seen, *handled])
    slot, missed = None, 0
    for slot in runs_between(schedule, after, now, created_at=first_seen):  # noqa: B007
        missed += 1
        if missed >= MAX_COUNTED_MISSES:
            break
    quiet = schedule.model_copy(update={"pull_on_create": False})
    return slot, missed, next_run(quiet, max(now, slot or now), created_at=first_seen)


def run_if_due(
    job_path: Path,
    run: Callable[[Path], int],
    *,
    state_dir: Path | None = None,
    clock: Callable[[], datetime] = utc_now,
    log: logging.Logger = LOGGER,
    expiry_notice: ExpiryNotice | None = None,
    entry: JobEntry | None = None,
) -> int:
    """``qinbound run JOB --if-due``: run the job if a slot is due; return its exit code, else 0."""
    scheduler = Scheduler(
        lambda: [job_path], run, clock=clock, state_dir=state_dir, log=log, lookup=lambda _: entry
    )
    scheduler.expiry_notice = expiry_notice
    scheduler.tick()
    return scheduler.exit_codes.get(job_path, 0)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="minutes") if moment else "never (no further runs)"
