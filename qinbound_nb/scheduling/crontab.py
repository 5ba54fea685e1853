"""Crontab lines for a job's schedule, and installing them as a marked block in the user's crontab.

Debian's cron reads every line in the machine's time zone and knows no ``CRON_TZ``, and cron
cannot say "every 5 hours across midnight" or "day 30, or the last day of February". So the
lines only say *when to look*; each one runs ``qinbound run JOB --if-due``, which asks the
scheduler's state whether a slot is due (:func:`.scheduler.run_if_due`) and runs
the job at most once per slot, catching up once if a slot was missed. Concretely:

- job zone and machine zone agree all year: the lines fire at exactly the job's times (hourly
  every X with ``24 % X != 0`` fires every hour at the slot minute; monthly days 29–31 fire
  on days 28–31);
- they differ (also only in their DST dates): the lines fire at the slot time shifted by each
  offset the two zones have between them over the coming year, on every day; the guard keeps
  the right one. A slot that a DST gap moves (02:30 → 03:00) runs at the next firing.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qinbound_nb.errors import ScheduleError
from qinbound_nb.job.config import Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind, Weekday
from qinbound_nb.scheduling.recurrence import describe_schedule, starts_on_time

BEGIN = "# >>> qinbound job {job} >>>"
END = "# <<< qinbound job {job} <<<"
CRON_WEEKDAYS = {name: (index + 1) % 7 for index, name in enumerate(Weekday)}  # sun = 0


def crontab_lines(
    job_path: Path | str,
    schedule: Schedule,
    *,
    qinbound_command: str,
    workdir: Path | None = None,
    system_timezone: str | None = None,
    log_path: Path | None = None,
    now: datetime | None = None,
    store: str | None = None,
) -> list[str]:
    """The marked crontab block that runs ``qinbound run JOB --if-due`` at the job's times.

    Args:
        job_path: the job file; written into the lines as an absolute path.
        schedule: the job's schedule.
        qinbound_command: the shell command that starts qinbound (e.g. an absolute path).
        workdir: the folder the run starts in (relative store paths resolve there); default cwd.
        system_timezone: the zone cron reads the lines in; default this machine's zone.
        log_path: append the run's output here; by default cron mails it.
        now: the start of the year scanned for offset differences; default now.
        store: the store the runs use (the one holding the job's schedule anchor); default
            the runs' own default (``$QINBOUND_STORE``, else ``qinbound.duckdb`` in workdir).

    Returns:
        The block: a begin marker, a comment, the cron lines, an end marker. A one-time job
        gets no cron lines.
    """
    job = Path(job_path).resolve()
    _check_cron_safe(str(job), "job path")
    machine_zone = system_timezone or local_timezone_name()
    command = (
        f"cd {shlex.quote(str((workdir or Path.cwd()).resolve()))} && "
        f"{qinbound_command} run {shlex.quote(str(job))} --if-due"
        + (f" --store {shlex.quote(store)}" if store else "")
    )
    if log_path is not None:
        command += f" >> {shlex.quote(str(log_path))} 2>&1"
    _check_cron_safe(command, "command")
    comment = (
        f"# {describe_schedule(schedule)}; fields in {machine_zone} time; "
        "--if-due runs only when a slot is due"
    )
    fields = (
        [] if schedule.kind == ScheduleKind.ONCE else cron_schedules(schedule, machine_zone, now)
    )
    escaped = command.replace("%", r"\%")  # cron turns a bare % into a newline
    body = [f"{spec} {escaped}" for spec in fields]
    return [BEGIN.format(job=job), comment, *body, END.format(job=job)]


def cron_schedules(schedule: Schedule, machine_zone: str, now: datetime | None = None) -> list[str]:
    """The five-field cron specs (in ``machine_zone``) that fire at every slot of ``schedule``."""
    shifts = zone_shifts(schedule.timezone, machine_zone, now or datetime.now(UTC))
    if shifts == {timedelta(0)}:
        return [_exact_spec(schedule)]
    at = starts_on_time(schedule)
    by_minute: dict[int, set[int]] = {}
    for shift in sorted(shifts):
        for hour in _slot_hours(schedule, at.hour):
            total = (hour * 60 + at.minute - int(shift.total_seconds()) // 60) % (24 * 60)
            by_minute.setdefault(total % 60, set()).add(total // 60)
    hourly_any = schedule.frequency == Frequency.HOURLY and 24 % schedule.every_hours
    return [
        f"{minute} {'*' if hourly_any else _list(hours)} * * *"
        for minute, hours in sorted(by_minute.items())
    ]


def zone_shifts(job_zone: str, machine_zone: str, start: datetime) -> set[timedelta]:
    """Every difference (job offset − machine offset) the two zones have in the coming year."""
    job, machine = ZoneInfo(job_zone), ZoneInfo(machine_zone)
    instants = (start + timedelta(hours=hour) for hour in range(24 * 400))
    return {_offset(instant, job) - _offset(instant, machine) for instant in instants}


def local_timezone_name() -> str:
    """This machine's IANA zone: ``$TZ``, ``/etc/timezone`` or the ``/etc/localtime`` link."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("/zoneinfo/")[2])
    for name in candidates:
        if _is_zone(name):
            return name
    return "UTC"


def install_crontab(lines: list[str], *, crontab_cmd: str = "crontab") -> str:
    """Add or replace this block in the user's crontab (``crontab -l`` / ``crontab -``).

    Idempotent: installing the same block twice leaves one block and writes nothing the
    second time. Other lines of the crontab are kept as they are.

    Returns:
        The crontab text now installed.
    """
    if len(lines) < 2 or not lines[0].startswith("# >>> qinbound job "):
        raise ValueError("install_crontab expects the block made by crontab_lines")
    current = _read_crontab(crontab_cmd)
    updated = replace_block(current, lines)
    if updated != current:
        _run_crontab([crontab_cmd, "-"], crontab_cmd, stdin=updated)
    return updated


def replace_block(crontab: str, block: list[str]) -> str:
    """``crontab`` with the block of the same begin marker replaced (or appended)."""
    existing = crontab.splitlines()
    begin, end = block[0], block[-1]
    if begin in existing and end in existing[existing.index(begin) :]:
        start = existing.index(begin)
        stop = existing.index(end, start)
        existing[start : stop + 1] = block
    else:
        existing += ([""] if existing and existing[-1].strip() else []) + block
    return "\n".join(existing) + "\n" if existing else ""


def _exact_spec(schedule: Schedule) -> str:
    at = starts_on_time(schedule)
    if schedule.frequency == Frequency.HOURLY:
        hours = "*" if 24 % schedule.every_hours else _list(_slot_hours(schedule, at.hour))
        return f"{at.minute} {hours} * * *"
    if schedule.frequency == Frequency.WEEKLY:
        days = _list({CRON_WEEKDAYS[day] for day in schedule.days})
        return f"{at.minute} {at.hour} * * {days}"
    if schedule.frequency == Frequency.MONTHLY:
        day = schedule.day_of_month
        return f"{at.minute} {at.hour} {day if day <= 28 else f'28-{day}'} * *"
    return f"{at.minute} {at.hour} * * *"


def _slot_hours(schedule: Schedule, start_hour: int) -> set[int]:
    if schedule.frequency != Frequency.HOURLY:
        return {start_hour}
    step = schedule.every_hours if 24 % schedule.every_hours == 0 else 1
    return {(start_hour + k * step) % 24 for k in range(24)}


def _list(values: set[int]) -> str:
    return ",".join(str(value) for value in sorted(values))


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def _is_zone(name: str) -> bool:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_cron_safe(text: str, what: str) -> None:
    if "\n" in text or "\r" in text:
        raise ScheduleError(f"the {what} {text!r} contains a line break, which cron cannot run")


def _read_crontab(crontab_cmd: str) -> str:
    result = _run_crontab([crontab_cmd, "-l"], crontab_cmd, check=False)
    if result.returncode == 0:
        return result.stdout
    if "no crontab" in result.stderr.lower():
        return ""
    raise ScheduleError(
        f"'{crontab_cmd} -l' failed ({_first_line(result.stderr)}); check that cron is "
        "installed and that you may use it (see /etc/cron.allow)"
    )


def _run_crontab(
    argv: list[str], crontab_cmd: str, *, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise ScheduleError(
            f"the '{crontab_cmd}' command was not found; install cron (Debian: apt-get install "
            "cron), or add the printed lines to your own scheduler"
        ) from exc
    if check and result.returncode != 0:
        raise ScheduleError(
            f"'{crontab_cmd} -' refused the new crontab ({_first_line(result.stderr)}); "
            "your crontab was left as it was"
        )
    return result


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no message"
