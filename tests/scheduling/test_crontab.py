"""Crontab lines fire at every slot (simulated minute by minute); installing is idempotent."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qinbound_nb.errors import ScheduleError
from qinbound_nb.job.config import Schedule
from qinbound_nb.scheduling.crontab import crontab_lines, install_crontab
from qinbound_nb.scheduling.recurrence import runs_between

WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC))  # EU + US DST


def field_matches(field: str, value: int) -> bool:
    for part in field.split(","):
        if part == "*":
            return True
        low, _, high = part.partition("-")
        if int(low) <= value <= int(high or low):
            return True
    return False


def cron_fires(spec: str, machine_zone: str) -> list[datetime]:
    """Every minute of WINDOW at which a five-field cron spec fires, read in machine_zone.

    Like Debian's cron, wall times skipped by a spring-forward fire right after the gap.
    """
    zone, fires = ZoneInfo(machine_zone), []
    moment, previous = WINDOW[0], None
    while moment < WINDOW[1]:
        wall = moment.astimezone(zone).replace(tzinfo=None)
        walls = [wall]
        while previous is not None and walls[-1] - previous > timedelta(minutes=1):
            walls.append(walls[-1] - timedelta(minutes=1))  # minutes the gap skipped
        if any(spec_matches(spec, each) for each in walls):
            fires.append(moment)
        moment, previous = moment + timedelta(minutes=1), wall
    return fires


def spec_matches(spec: str, wall: datetime) -> bool:
    minute, hour, day, month, weekday = spec.split()[:5]
    return (
        field_matches(minute, wall.minute)
        and field_matches(hour, wall.hour)
        and field_matches(day, wall.day)
        and field_matches(month, wall.month)
        and field_matches(weekday, wall.isoweekday() % 7)
    )


def schedule(**fields: Any) -> Schedule:
    return Schedule(kind="recurring", pull_on_create=False, **fields)


CASES = [
    {"frequency": "daily", "starts_on": "06:30"},
    {"frequency": "daily", "starts_on": "02:30"},  # in the EU and US gaps
    {"frequency": "hourly", "every_hours": 6, "starts_on": "02:15"},
    {"frequency": "hourly", "every_hours": 5, "starts_on": "06:00"},
    {"frequency": "weekly", "days": ["mon", "sun"], "starts_on": "23:45"},
    {"frequency": "monthly", "day_of_month": 31, "starts_on": "00:10"},
    {"frequency": "monthly", "day_of_month": 8, "starts_on": "02:30"},
]


@pytest.mark.parametrize("machine_zone", ["Europe/Berlin", "UTC", "America/New_York"])
@pytest.mark.parametrize("fields", CASES, ids=lambda fields: "-".join(map(str, fields.values())))
def test_cron_fires_at_every_slot_or_within_the_hour_a_dst_gap_moved_it(
    fields: dict, machine_zone: str
) -> None:
    job = schedule(timezone="Europe/Berlin", **fields)
    lines = crontab_lines("job.json", job, qinbound_command="qinbound",
                          system_timezone=machine_zone, now=WINDOW[0])  # fmt: skip
    fires = sorted({fire for line in lines[2:-1] for fire in cron_fires(line, machine_zone)})
    slots = list(runs_between(job, WINDOW[0], WINDOW[1] - timedelta(hours=2)))
    assert slots
    for slot in slots:
        after = [fire for fire in fires if fire >= slot]
        assert after and after[0] - slot < timedelta(hours=1), f"{slot} has no firing"
        moved = slot.minute != int(fields["starts_on"][3:])  # a DST gap moved this slot
        assert moved or after[0] == slot
    if machine_zone == "Europe/Berlin" and "02:30" not in fields["starts_on"]:
        exact = fields["frequency"] in {"daily", "weekly"} or fields.get("every_hours") == 6
        assert not exact or fires == [s.astimezone(UTC) for s in slots]


def test_a_block_names_the_job_the_command_and_the_guard(tmp_path: Path) -> None:
    job = tmp_path / "my jobs" / "nps 100%.json"
    lines = crontab_lines(job, schedule(frequency="daily", starts_on="06:30", timezone="UTC"),
                          qinbound_command="/opt/venv/bin/qinbound", workdir=tmp_path,
                          system_timezone="UTC", log_path=tmp_path / "cron.log")  # fmt: skip
    assert lines[0] == f"# >>> qinbound job {job} >>>"
    assert lines[-1] == f"# <<< qinbound job {job} <<<"
    assert "daily at 06:30 (UTC)" in lines[1]
    assert lines[2] == (
        rf"30 6 * * * cd {tmp_path} && /opt/venv/bin/qinbound run '{tmp_path}/my jobs/nps 100\%"
        rf".json' --if-due >> {tmp_path}/cron.log 2>&1"
    )


def test_a_one_time_job_gets_no_cron_line() -> None:
    lines = crontab_lines("job.json", Schedule(kind="once"), qinbound_command="qinbound")
    assert [line for line in lines if not line.startswith("#")] == []


def test_a_line_break_in_the_path_is_refused() -> None:
    with pytest.raises(ScheduleError, match="line break"):
        crontab_lines("bad\nname.json", schedule(), qinbound_command="qinbound")


@pytest.fixture
def fake_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `crontab` on PATH keeping the table in a file and counting writes."""
    folder = tmp_path / "bin"
    folder.mkdir()
    table = tmp_path / "crontab.txt"
    script = folder / "crontab"
    script.write_text(
        "#!/bin/sh\n"
        f'TABLE="{table}"\n'
        'if [ "$1" = "-l" ]; then\n'
        '  [ -f "$TABLE" ] || { echo "no crontab for tester" >&2; exit 1; }\n'
        '  cat "$TABLE"; exit 0\n'
        "fi\n"
        f'if [ "$1" = "-" ]; then cat > "$TABLE"; echo x >> "{tmp_path}/writes"; exit 0; fi\n'
        "exit 2\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return table


def writes(table: Path) -> int:
    counter = table.parent / "writes"
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_install_adds_a_block_once_and_keeps_other_lines(fake_crontab: Path) -> None:
    fake_crontab.write_text("MAILTO=ops@example.com\n0 1 * * * backup\n")
    daily = schedule(frequency="daily", starts_on="06:30", timezone="UTC")
    lines = crontab_lines("/jobs/a.json", daily, qinbound_command="qinbound", system_timezone="UTC")
    install_crontab(lines)
    install_crontab(lines)
    text = fake_crontab.read_text()
    assert text.startswith("MAILTO=ops@example.com\n0 1 * * * backup\n\n# >>> qinbound job")
    assert text.count("run /jobs/a.json --if-due") == 1
    assert writes(fake_crontab) == 1  # the second install changed nothing and wrote nothing


def test_install_replaces_the_jobs_block_and_leaves_other_jobs(fake_crontab: Path) -> None:
    def block(job: str, starts_on: str) -> list[str]:
        return crontab_lines(job, schedule(starts_on=starts_on, timezone="UTC"),
                             qinbound_command="qinbound", system_timezone="UTC")  # fmt: skip

    install_crontab(block("/jobs/a.json", "06:30"))  # no crontab yet: "no crontab for tester"
    install_crontab(block("/jobs/b.json", "07:00"))
    install_crontab(block("/jobs/a.json", "08:15"))
    text = fake_crontab.read_text()
    assert "15 8 * * * cd" in text and "30 6 * * *" not in text and "0 7 * * * cd" in text
    assert text.index("/jobs/a.json") < text.index("/jobs/b.json")


def test_a_missing_or_failing_crontab_is_a_schedule_error(
    fake_crontab: Path, tmp_path: Path
) -> None:
    lines = crontab_lines("/jobs/a.json", schedule(), qinbound_command="qinbound")
    with pytest.raises(ScheduleError, match="apt-get install cron"):
        install_crontab(lines, crontab_cmd=str(tmp_path / "no-such-crontab"))
    broken = tmp_path / "bin" / "broken-crontab"
    broken.write_text("#!/bin/sh\necho 'permission denied' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(ScheduleError, match="permission denied"):
        install_crontab(lines, crontab_cmd=str(broken))
