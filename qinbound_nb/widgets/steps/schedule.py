"""Step 10: the schedule: one-time (pull now, or create without pulling) or recurring hourly
every N hours, daily, weekly on chosen days or monthly on a day, with starts-on time, time zone
and the incremental look-back."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from zoneinfo import available_timezones

import ipywidgets as W

from qinbound_nb.errors import QInboundError
from qinbound_nb.job.config import Schedule
from qinbound_nb.job.vocab import Frequency, ScheduleKind, Weekday
from qinbound_nb.scheduling.anchor import job_entry, next_runs
from qinbound_nb.scheduling.recurrence import describe_schedule
from qinbound_nb.widgets.base import Checked, Step, validated

KIND_LABELS = {ScheduleKind.ONCE: "One-time", ScheduleKind.RECURRING: "Recurring"}
FREQUENCIES = [(frequency.capitalize(), frequency) for frequency in Frequency]


class ScheduleStep(Step[Schedule]):
    """Say when the job runs."""

    name = "schedule"
    title = "Schedule"

    def build(self) -> list[W.Widget]:
        self.kind = W.ToggleButtons(
            options=[(KIND_LABELS[kind], kind) for kind in ScheduleKind], value=ScheduleKind.ONCE
        )
        self.pull_on_create = W.RadioButtons(
            options=[
                ("Pull data as soon as the job is created", True),
                ("Create the job but do not pull data", False),
            ],
            value=True,
        )
        self.frequency = W.Dropdown(
            description="Frequency", options=FREQUENCIES, value=Frequency.DAILY
        )
        self.every_hours = W.BoundedIntText(description="Every (h)", value=1, min=1, max=24)
        self.days = {
            day: W.ToggleButton(
                description=day.capitalize(),
                value=day == Weekday.MON,
                layout=W.Layout(width="60px"),
            )
            for day in Weekday
        }
        self.day_of_month = W.BoundedIntText(description="Day", value=1, min=1, max=31)
        self.starts_on = W.Text(description="Starts on", value="06:00", placeholder="HH:MM")
        self.timezone = W.Combobox(
            description="Time zone",
            value="UTC",
            options=sorted(available_timezones() | {"UTC"}),
            ensure_option=False,
        )
        self.lookback = W.Text(description="Look-back", value="2h", placeholder="e.g. 2h, 30m, 1d")
        self.next_runs = W.HTML("")
        self.recurring_box = W.VBox(
            [
                self.field("frequency", self.frequency),
                self.field("every_hours", self.every_hours),
                self.field("days", W.HBox(list(self.days.values()))),
                self.field("day_of_month", self.day_of_month),
                self.field("starts_on", self.starts_on),
                self.field("timezone", self.timezone),
                self.field("lookback", self.lookback),
                self.next_runs,
            ]
        )
        self.watch(
            self.kind, self.pull_on_create, self.frequency, self.every_hours, *self.days.values()
        )
        self.watch(self.day_of_month, self.starts_on, self.timezone, self.lookback)
        return [self.kind, self.field("pull_on_create", self.pull_on_create), self.recurring_box]

    def _show(self) -> None:
        recurring, frequency = self.kind.value == ScheduleKind.RECURRING, self.frequency.value
        shown = {
            self.recurring_box: recurring,
            self.every_hours: frequency == Frequency.HOURLY,
            self.day_of_month: frequency == Frequency.MONTHLY,
        }
        for widget, visible in shown.items():
            widget.layout.display = "flex" if visible else "none"
        for toggle in self.days.values():
            toggle.layout.display = "flex" if frequency == Frequency.WEEKLY else "none"

    def check(self) -> Checked[Schedule]:
        self._show()
        checked = validated(
            Schedule,
            {
                "kind": self.kind.value,
                "frequency": self.frequency.value,
                "every_hours": self.every_hours.value,
                "days": [day for day, toggle in self.days.items() if toggle.value],
                "day_of_month": self.day_of_month.value,
                "starts_on": self.starts_on.value,
                "timezone": self.timezone.value.strip(),
                "lookback": self.lookback.value,
                "pull_on_create": self.pull_on_create.value,
            },
        )
        self.next_runs.value = _next_runs(checked.model, self._anchor())
        return checked

    def _anchor(self) -> datetime | None:
        """The job's schedule anchor when the wizard's store already knows the job (else the
        runs are shown as if the job were created now, as saving it will do)."""
        job_record = getattr(self.context.store, "job_record", None)
        if not callable(job_record):
            return None
        try:
            name = self.context.draft(self.name).get("name")
            row = job_record(name) if name else None
        except QInboundError:
            return None
        return job_entry(row).created_at if row else None

    def load(self, model: Schedule) -> None:
        with self.quietly():
            self.kind.value = model.kind
            self.pull_on_create.value = model.pull_on_create
            self.frequency.value = model.frequency
            self.every_hours.value = model.every_hours
            for day, toggle in self.days.items():
                toggle.value = day in model.days
            self.day_of_month.value = model.day_of_month
            self.starts_on.value = model.starts_on
            self.timezone.value = model.timezone
            self.lookback.value = model.lookback

    def job_fields(self, model: Schedule) -> dict[str, Any]:
        return {"schedule": model.model_dump(mode="json")}

    def summary(self, model: Schedule) -> list[tuple[str, str]]:
        return [("Schedule", describe_schedule(model))]


def _next_runs(schedule: Schedule | None, anchor: datetime | None) -> str:
    """The next three run times of a recurring schedule, on the job's anchor."""
    if schedule is None or schedule.kind != ScheduleKind.RECURRING:
        return ""
    try:
        runs = next_runs(schedule, datetime.now(UTC), 3, anchor)
    except QInboundError as exc:
        return f"<small>{html.escape(str(exc))}</small>"
    items = "".join(
        f"<li>{html.escape(run.isoformat(sep=' ', timespec='minutes'))}</li>" for run in runs
    )
    return f"<small>Next runs:</small><ul>{items}</ul>"
