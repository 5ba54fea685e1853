"""Step 8: which run events notify, by email and by webhook.

XM Discover does not document its notification events or channels; these are ours.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import Notifications
from qinbound_nb.job.vocab import NotifyEvent
from qinbound_nb.widgets.base import Checked, Step, validated

# In the order the wizard shows them (and writes them), the worst news first.
EVENTS = {
    NotifyEvent.FAILURE: "Run failed",
    NotifyEvent.WARNING: "Run finished with warnings",
    NotifyEvent.SUCCESS: "Run succeeded",
}


def split_addresses(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or new lines."""
    return [part for part in re.split(r"[,;\s]+", text) if part]


class NotificationsStep(Step[Notifications]):
    """Say who hears about runs."""

    name = "notifications"
    title = "Notifications"

    def build(self) -> list[W.Widget]:
        self.events = {
            event: W.Checkbox(description=label, value=event == NotifyEvent.FAILURE)
            for event, label in EVENTS.items()
        }
        self.email = W.Textarea(
            description="Email", placeholder="one or more addresses", layout=W.Layout(width="60%")
        )
        self.webhook = W.Text(
            description="Webhook", placeholder="https://… (receives a JSON summary)"
        )
        self.watch(*self.events.values(), self.email, self.webhook)
        return [
            W.HTML(
                "<small>Events, recipients and channels are our choice; XM Discover does not "
                "document its own.</small>"
            ),
            self.field("on", W.VBox(list(self.events.values()))),
            self.field("email", self.email),
            self.field("webhook", self.webhook),
        ]

    def check(self) -> Checked[Notifications]:
        return validated(
            Notifications,
            {
                "on": [event for event, box in self.events.items() if box.value],
                "email": split_addresses(self.email.value),
                "webhook": self.webhook.value.strip() or None,
            },
        )

    def load(self, model: Notifications) -> None:
        with self.quietly():
            for event, box in self.events.items():
                box.value = event in model.on
            self.email.value = ", ".join(model.email)
            self.webhook.value = model.webhook or ""

    def job_fields(self, model: Notifications) -> dict[str, Any]:
        return {"notifications": model.model_dump(mode="json")}

    def summary(self, model: Notifications) -> list[tuple[str, str]]:
        return [
            ("Notify on", ", ".join(model.on) or "nothing"),
            ("Email", ", ".join(model.email) or "none"),
            ("Webhook", model.webhook or "none"),
        ]
