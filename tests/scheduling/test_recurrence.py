"""Next-run computation: every example of reference §8, and the 2026 EU and US DST transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinbound_nb.job.config import Schedule
from qinbound_nb.scheduling.recurrence import (
    describe_schedule,
    next_run,
    runs_between,
    upcoming_runs,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def recurring(**fields: Any) -> Schedule:
    return Schedule(kind="recurring", pull_on_create=False, **fields)


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=zone, fold=fold)  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# reference/xm-discover.md §8, "job saved" on 2026-03-15 at 1:00 PM (9:18 for the hourly row)
SECTION_8_EXAMPLES = [
    ("hourly, starts 8:30", {"frequency": "hourly", "starts_on": "08:30"},
     (2026, 3, 15, 9, 18), (2026, 3, 15, 9, 30)),
    ("daily, starts before 1 PM", {"frequency": "daily", "starts_on": "12:00"},
     (2026, 3, 15, 13, 0), (2026, 3, 16, 12, 0)),
    ("daily, starts after 1 PM", {"frequency": "daily", "starts_on": "14:00"},
     (2026, 3, 15, 13, 0), (2026, 3, 15, 14, 0)),
    ("monthly day 4", {"frequency": "monthly", "day_of_month": 4, "starts_on": "09:00"},
     (2026, 3, 15, 13, 0), (2026, 4, 4, 9, 0)),
    ("monthly day 20", {"frequency": "monthly", "day_of_month": 20, "starts_on": "09:00"},
     (2026, 3, 15, 13, 0), (2026, 3, 20, 9, 0)),
    ("monthly day 15, before 1 PM", {"frequency": "monthly", "day_of_month": 15,
     "starts_on": "12:00"}, (2026, 3, 15, 13, 0), (2026, 4, 15, 12, 0)),
    ("monthly day 15, after 1 PM", {"frequency": "monthly", "day_of_month": 15,
     "starts_on": "14:00"}, (2026, 3, 15, 13, 0), (2026, 3, 15, 14, 0)),
]  # fmt: skip


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize(
    ("fields", "saved", "expected"),
    [row[1:] for row in SECTION_8_EXAMPLES],
    ids=[row[0] for row in SECTION_8_EXAMPLES],
)
def test_every_example_of_section_8(zone: str, fields: dict, saved: tuple, expected: tuple) -> None:
    schedule = recurring(timezone=zone, **fields)
    saved_at = at(ZoneInfo(zone), *saved)
    assert next_run(schedule, saved_at, created_at=saved_at) == at(ZoneInfo(zone), *expected)


# (schedule fields, after, expected next run as a UTC instant, why)
DST_2026 = [
    # EU: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET (01:00 UTC)
    ({"frequency": "daily", "starts_on": "02:30", "timezone": "Europe/Berlin"},
     utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0), "EU gap: 02:30 runs at 03:00 CEST"),
    ({"frequency": "daily", "starts_on": "02:30", "timezone": "Europe/Berlin"},
     utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30), "the day after the gap is normal"),
    ({"frequency": "daily", "starts_on": "02:30", "timezone": "Europe/Berlin"},
     utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30), "EU repeat: first (CEST) 02:30"),
    ({"frequency": "daily", "starts_on": "02:30", "timezone": "Europe/Berlin"},
     utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), "the repeated 02:30 CET never runs"),
    ({"frequency": "weekly", "days": ["sun"], "starts_on": "02:15", "timezone": "Europe/Berlin"},
     utc(2026, 3, 27), utc(2026, 3, 29, 1, 0), "weekly Sunday in the gap"),
    ({"frequency": "daily", "starts_on": "01:30", "timezone": "Europe/London"},
     utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0), "London gap: 01:30 runs at 02:00 BST"),
    ({"frequency": "daily", "starts_on": "06:30", "timezone": "Europe/Berlin"},
     utc(2026, 3, 28, 12), utc(2026, 3, 29, 4, 30), "after the gap: 06:30 CEST"),
    ({"frequency": "hourly", "starts_on": "00:30", "timezone": "Europe/Berlin"},
     utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1, 0), "hourly: 02:30 falls in the gap"),
    ({"frequency": "hourly", "starts_on": "00:30", "timezone": "Europe/Berlin"},
     utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30), "hourly: back on :30 after the gap"),
    ({"frequency": "hourly", "starts_on": "00:30", "timezone": "Europe/Berlin"},
     utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30), "hourly: repeated 02:30 skipped"),
    ({"frequency": "hourly", "every_hours": 6, "starts_on": "00:00",
      "timezone": "Europe/Berlin"},
     utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 4, 0), "every 6 h stays on 06:00 local"),
    # US: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC)
    ({"frequency": "daily", "starts_on": "02:30", "timezone": "America/New_York"},
     utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 0), "US gap: 02:30 runs at 03:00 EDT"),
    ({"frequency": "daily", "starts_on": "01:30", "timezone": "America/New_York"},
     utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30), "US repeat: first (EDT) 01:30"),
    ({"frequency": "daily", "starts_on": "01:30", "timezone": "America/New_York"},
     utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30), "the repeated 01:30 EST never runs"),
    ({"frequency": "monthly", "day_of_month": 8, "starts_on": "02:30",
      "timezone": "America/New_York"},
     utc(2026, 2, 9), utc(2026, 3, 8, 7, 0), "monthly day 8 in the US gap"),
    ({"frequency": "hourly", "every_hours": 2, "starts_on": "00:00",
      "timezone": "America/Los_Angeles"},
     utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 10, 0), "every 2 h: 02:00 PST, 3 h later"),
    ({"frequency": "hourly", "starts_on": "00:15", "timezone": "America/Chicago"},
     utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8, 0), "Chicago gap: 02:15 runs at 03:00 CDT"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "after", "expected"),
    [row[:3] for row in DST_2026],
    ids=[str(row[3]) for row in DST_2026],
)
def test_daylight_saving_transitions_of_2026(
    fields: dict, after: datetime, expected: datetime
) -> None:
    schedule = recurring(**fields)
    run = next_run(schedule, after)
    assert run is not None
    assert run.astimezone(UTC) == expected
    assert run.tzinfo == ZoneInfo(fields["timezone"])


def test_an_ambiguous_after_is_read_as_the_instant_it_names() -> None:
    schedule = recurring(frequency="daily", starts_on="02:30", timezone="Europe/Berlin")
    second_0210 = at(BERLIN, 2026, 10, 25, 2, 10, fold=1)  # 01:10 UTC, after the 02:30 CEST run
    assert next_run(schedule, second_0210) == at(BERLIN, 2026, 10, 26, 2, 30)


def test_monthly_31_is_the_last_day_of_every_month() -> None:
    schedule = recurring(frequency="monthly", day_of_month=31, starts_on="06:00", timezone="UTC")
    runs = upcoming_runs(schedule, utc(2026, 1, 31, 7), 4)
    assert [run.date().isoformat() for run in runs] == [
        "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"
    ]  # fmt: skip
    leap = upcoming_runs(schedule, utc(2028, 2, 1), 1)
    assert leap[0].date().isoformat() == "2028-02-29"


def test_monthly_30_runs_on_the_28th_in_february() -> None:
    schedule = recurring(frequency="monthly", day_of_month=30, starts_on="06:00", timezone="UTC")
    runs = upcoming_runs(schedule, utc(2026, 2, 1), 2)
    assert [run.day for run in runs] == [28, 30]


def test_weekly_runs_on_each_chosen_day_in_order() -> None:
    schedule = recurring(frequency="weekly", days=["fri", "mon"], starts_on="07:00", timezone="UTC")
    runs = upcoming_runs(schedule, utc(2026, 3, 16, 7, 0), 3)  # a Monday, exactly at 07:00
    assert [run.strftime("%a %d") for run in runs] == ["Fri 20", "Mon 23", "Fri 27"]


def test_hourly_every_5_hours_runs_on_across_midnight_from_the_creation_day() -> None:
    schedule = recurring(frequency="hourly", every_hours=5, starts_on="06:00", timezone="UTC")
    created = utc(2026, 3, 10, 5, 0)
    runs = upcoming_runs(schedule, created, 6, created_at=created)
    assert [run.strftime("%d %H:%M") for run in runs] == [
        "10 06:00", "10 11:00", "10 16:00", "10 21:00", "11 02:00", "11 07:00"
    ]  # fmt: skip


def test_hourly_created_before_starts_on_waits_for_it() -> None:
    schedule = recurring(frequency="hourly", starts_on="08:30", timezone="UTC")
    created = utc(2026, 3, 15, 7, 5)
    assert next_run(schedule, created, created_at=created) == utc(2026, 3, 15, 8, 30)


def test_one_time_jobs_run_at_creation_or_never() -> None:
    now = utc(2026, 3, 15, 13)
    pulls = Schedule(kind="once", pull_on_create=True)
    assert next_run(pulls, now, created_at=now) == now
    assert next_run(pulls, now + timedelta(seconds=1), created_at=now) is None
    assert next_run(pulls, now) is None
    assert next_run(Schedule(kind="once", pull_on_create=False), now, created_at=now) is None
    assert upcoming_runs(pulls, now, 5, created_at=now) == [now]


def test_recurring_jobs_pull_on_creation_then_follow_the_schedule() -> None:
    now = utc(2026, 3, 15, 13)
    schedule = Schedule(kind="recurring", frequency="daily", starts_on="06:00", timezone="UTC")
    assert upcoming_runs(schedule, now, 3, created_at=now) == [
        now, utc(2026, 3, 16, 6), utc(2026, 3, 17, 6)
    ]  # fmt: skip


def test_runs_between_lists_missed_slots() -> None:
    schedule = recurring(frequency="hourly", every_hours=6, starts_on="00:00", timezone="UTC")
    missed = list(runs_between(schedule, utc(2026, 3, 1), utc(2026, 3, 2, 12)))
    assert missed == [utc(2026, 3, 1, h) for h in (6, 12, 18)] + [
        utc(2026, 3, 2, h) for h in (0, 6, 12)
    ]


def test_a_naive_datetime_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        next_run(recurring(), datetime(2026, 3, 15, 13))


def test_describe_schedule_reads_like_the_wizard() -> None:
    assert describe_schedule(
        recurring(frequency="weekly", days=["mon", "thu"], starts_on="06:30",
                  timezone="Europe/Berlin", lookback="1d")
    ) == "weekly on mon, thu at 06:30 (Europe/Berlin), look-back 1d"  # fmt: skip
    assert "last day" in describe_schedule(recurring(frequency="monthly", day_of_month=31))
    assert "without a pull" in describe_schedule(Schedule(kind="once", pull_on_create=False))


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
schedules = st.builds(
    recurring,
    frequency=st.sampled_from(["hourly", "daily", "weekly", "monthly"]),
    every_hours=st.integers(1, 24),
    days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
    day_of_month=st.integers(1, 31),
    starts_on=st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    timezone=st.sampled_from(ZONES),
)
instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(schedules, instants, st.floats(0.0, 1.0, exclude_max=True))
def test_no_run_hides_between_now_and_the_next_run(
    schedule: Schedule, after: datetime, fraction: float
) -> None:
    run = next_run(schedule, after)
    assert run is not None and run > after
    wall = run.replace(tzinfo=None)
    assert run.astimezone(UTC).astimezone(run.tzinfo).replace(tzinfo=None) == wall  # exists
    # timedelta arithmetic rounds to microseconds, so keep `between` strictly before `run`
    between = min(after + (run - after) * fraction, run - timedelta(microseconds=1))
    again = next_run(schedule, between)
    assert again is not None and again.astimezone(UTC) == run.astimezone(UTC)
