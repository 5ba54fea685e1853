"""When a job runs: the next-run rules of XM Discover's scheduler, in the job's time zone.

The rules (reference/xm-discover.md §8), with ``t`` the starts-on time of day:

- **daily**: every day at ``t``; **weekly**: at ``t`` on each chosen weekday;
- **monthly D**: at ``t`` on day ``min(D, last day of the month)``, so 31 means the last day;
- **hourly every X**: the wall-clock lattice ``anchor + k·X hours`` (k ≥ 0), where ``anchor``
  is ``t`` on the day the job was created. The lattice runs on across midnight, so when
  ``24 % X != 0`` the times drift from day to day (every 5 h from 06:00: 06, 11, 16, 21, 02,
  07...). Every caller passes the job's one anchor, its creation time as the store recorded
  it (:mod:`qinbound_nb.scheduling.anchor`); without one the anchor day is ``REFERENCE_DAY``.
  When ``24 % X == 0`` the anchor day makes no difference. A job created before ``t`` waits
  for ``t`` ("starts on" is when the job begins);
- **once**: no recurring runs at all.

A new job pulls at its creation time (``created_at``) when ``pull_on_create`` is set
("create job but do not pull data" clears it), for both kinds.

Daylight saving (our rule; Qualtrics does not document one) — slots are wall-clock times:

- a time that does not exist (spring forward) runs at the first valid instant after the gap
  (02:30 on 2026-03-29 in Europe/Berlin runs at 03:00 CEST), as cron does;
- a time that occurs twice (fall back) runs once, at its first occurrence (the summer-time
  one), as cron does; an hourly lattice therefore has one 2-hour gap that night.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from qinbound_nb.job.config import Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind, Weekday

REFERENCE_DAY = date(2026, 1, 1)


def zone_of(schedule: Schedule) -> ZoneInfo:
    """The job's time zone."""
    return ZoneInfo(schedule.timezone)


def starts_on_time(schedule: Schedule) -> time:
    """The starts-on time of day as a ``datetime.time``."""
    hours, minutes = schedule.starts_on.split(":")
    return time(int(hours), int(minutes))


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a naive wall-clock time under our DST rule (see module docstring)."""
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # wall falls in a gap: fold=1 reads it with the post-gap offset (an instant before the
    # gap), fold=0 with the pre-gap offset (an instant after it); bisect for the transition.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    offset_before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0).astimezone(zone)


def next_run(
    schedule: Schedule, after: datetime, *, created_at: datetime | None = None
) -> datetime | None:
    """The first run later than ``after``, in the job's time zone, or None if there is none.

    Args:
        schedule: the job's schedule.
        after: a time-zone-aware instant ("now", or the previous run).
        created_at: when the job was created. With ``pull_on_create`` the creation pull at
            ``created_at`` counts as a run if it is not before ``after``; it also anchors the
            hourly lattice.

    Returns:
        The next run as an aware datetime in the job's zone, or None (a one-time job whose
        pull is over or was switched off).
    """
    _require_aware(after, "after")
    # compare instants in UTC: Python compares two datetimes of one zone by wall time
    after = after.astimezone(UTC)
    zone = zone_of(schedule)
    candidates = [_next_slot(schedule, after, created_at)]
    if created_at is not None and schedule.pull_on_create:
        _require_aware(created_at, "created_at")
        if created_at >= after:
            candidates.append(created_at.astimezone(zone))
    runs = [run for run in candidates if run is not None]
    return min(runs, key=lambda run: run.astimezone(UTC)) if runs else None


def upcoming_runs(
    schedule: Schedule, after: datetime, n: int, *, created_at: datetime | None = None
) -> list[datetime]:
    """The next ``n`` runs later than ``after`` (fewer for a one-time job)."""
    runs: list[datetime] = []
    run = next_run(schedule, after, created_at=created_at)
    while run is not None and len(runs) < n:
        runs.append(run)
        run = _next_slot(schedule, run, created_at)
    return runs


def runs_between(
    schedule: Schedule, after: datetime, until: datetime, *, created_at: datetime | None = None
) -> Iterator[datetime]:
    """Every run in ``(after, until]`` (the creation pull included when ``created_at >= after``)."""
    run = next_run(schedule, after, created_at=created_at)
    while run is not None and run.astimezone(UTC) <= until.astimezone(UTC):
        yield run
        run = _next_slot(schedule, run, created_at)


def describe_schedule(schedule: Schedule) -> str:
    """A short sentence such as ``daily at 06:30 (Europe/Berlin), look-back 2h``."""
    if schedule.kind == ScheduleKind.ONCE:
        pull = "runs once when created" if schedule.pull_on_create else "created without a pull"
        return f"one-time job: {pull}; run it by hand later"
    at = f"at {schedule.starts_on}"
    what = {
        Frequency.HOURLY: f"every {schedule.every_hours} hour(s) from {schedule.starts_on}",
        Frequency.DAILY: f"daily {at}",
        Frequency.WEEKLY: f"weekly on {', '.join(schedule.days)} {at}",
        Frequency.MONTHLY: f"monthly on day {schedule.day_of_month} {at}"
        + (" (31 = last day of the month)" if schedule.day_of_month == 31 else ""),
    }[schedule.frequency]
    return f"{what} ({schedule.timezone}), look-back {schedule.lookback}"


def _next_slot(schedule: Schedule, after: datetime, created_at: datetime | None) -> datetime | None:
    """The first recurring slot strictly later than ``after`` (None for one-time jobs)."""
    if schedule.kind == ScheduleKind.ONCE:
        return None
    after = after.astimezone(UTC)
    zone = zone_of(schedule)
    if schedule.frequency == Frequency.HOURLY:
        anchor_day = created_at.astimezone(zone).date() if created_at else REFERENCE_DAY
        return _next_hourly(schedule, after, anchor_day)
    walls = _day_walls(schedule, after.astimezone(zone).date() - timedelta(days=1))
    return next(slot for wall in walls if (slot := localize(wall, zone)) > after)


def _next_hourly(schedule: Schedule, after: datetime, anchor_day: date) -> datetime:
    zone = zone_of(schedule)
    anchor = datetime.combine(anchor_day, starts_on_time(schedule))
    step = timedelta(hours=schedule.every_hours)
    # start two steps early, a cheap margin against DST moving the wall reading of `after`
    elapsed = after.astimezone(zone).replace(tzinfo=None) - anchor
    k = max(0, elapsed // step - 2)
    while (slot := localize(anchor + k * step, zone)) <= after:
        k += 1
    return slot


def _day_walls(schedule: Schedule, first_day: date) -> Iterator[datetime]:
    """Naive wall-clock slots of a daily, weekly or monthly schedule from ``first_day`` on."""
    at = starts_on_time(schedule)
    if schedule.frequency == Frequency.MONTHLY:
        year, month = first_day.year, first_day.month
        while True:
            last = calendar.monthrange(year, month)[1]
            day = date(year, month, min(schedule.day_of_month, last))
            if day >= first_day:
                yield datetime.combine(day, at)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    chosen = {list(Weekday).index(name) for name in schedule.days}
    for offset in itertools.count():
        day = first_day + timedelta(days=offset)
        if schedule.frequency == Frequency.DAILY or day.weekday() in chosen:
            yield datetime.combine(day, at)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime, got {moment!r}")
