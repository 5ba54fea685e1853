"""Step 2: choose a saved Qualtrics connection or add one, and test it with whoami.

The token is typed into a password field, written only to the connections file (0600) when
the connection is saved, and cleared from the widget at once: no widget shows it again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ipywidgets as W
from pydantic import SecretStr

from qinbound_nb.job.config import Connection
from qinbound_nb.widgets.base import Checked, Step, fit_label, validated
from qinbound_nb.widgets.tasks import Busy, guarded, run_task

SAVED, NEW = "saved", "new"


def describe_whoami(who: Any) -> str:
    """One line about the account a token belongs to (brand, user, datacenter)."""
    parts = []
    for label, names in (
        ("brand", ("brand", "brand_id", "brandId")),
        ("user", ("user_name", "userName", "user", "user_id", "userId")),
        ("datacenter", ("datacenter",)),
    ):
        value = next((_read(who, n) for n in names if _read(who, n)), None)
        if value:
            parts.append(f"{label} {value}")
    line = "Connected: " + (", ".join(parts) or "the token was accepted")
    suggested = _read(who, "suggested_datacenter")
    if suggested:
        line += f". Qualtrics proxied the call: use datacenter {suggested!r} for faster calls"
    return line


def _whoami_once(api: Any) -> Any:
    """Call whoami on a client made for one test, then close it."""
    try:
        return api.whoami()
    finally:
        close = getattr(api, "close", None)
        if callable(close):
            close()


def _read(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, dict) else getattr(source, name, None)


class ConnectionStep(Step[Connection]):
    """Pick or add the Qualtrics connection the job uses."""

    name = "connection"
    title = "Qualtrics connection"

    def build(self) -> list[W.Widget]:
        self.mode = W.ToggleButtons(
            options=[("Use a saved connection", SAVED), ("Add new", NEW)],
            value=SAVED,
            style={"button_width": "auto"},
        )
        self.saved = W.Dropdown(description="Connection", options=[])
        self.new_name = W.Text(description="Name", placeholder="e.g. prod-iad1")
        self.datacenter = W.Text(description="Datacenter", placeholder="e.g. iad1")
        self.token = W.Password(description="API token", placeholder="pasted once, never shown")
        self.notify = W.Checkbox(
            description="Send expiration notifications", value=False, layout=fit_label()
        )
        self.expires = W.DatePicker(description="Expires on")
        self.notice_days = W.BoundedIntText(description="Days before", value=14, min=1, max=100)
        self.test_button = W.Button(description="Test connection", icon="plug")
        self.save_button = W.Button(description="Save connection", icon="save")
        self.busy = Busy()
        self.expiry_box = W.VBox(
            [self.field("expires", self.expires), self.field("notice_days", self.notice_days)]
        )
        self.new_box = W.VBox(
            [
                self.field("name", self.new_name),
                self.field("datacenter", self.datacenter),
                self.field("token", self.token),
                self.notify,
                self.expiry_box,
                self.save_button,
            ]
        )
        self.saved_box = W.VBox([self.field("connection", self.saved)])
        self.test_button.on_click(guarded(self.messages)(self._test))
        self.save_button.on_click(guarded(self.messages)(self._save))
        self.mode.observe(guarded(self.messages)(self._show_mode), names="value")
        self.watch(self.mode, self.saved, self.new_name, self.datacenter, self.token)
        self.watch(self.notify, self.expires, self.notice_days)
        self._reload_saved()
        self._show_mode()
        return [
            self.mode,
            self.saved_box,
            self.new_box,
            W.HBox([self.test_button]),
            self.busy.widget,
        ]

    def _reload_saved(self, select: str | None = None) -> None:
        self._known = {c.name: c for c in self.context.connections.list()}
        current = select or self.saved.value
        names = sorted(self._known | ({current: None} if current else {}))
        self.saved.options = [(self._label(n), n) for n in names]
        self.saved.value = current if current in names else (names[0] if names else None)

    def _label(self, name: str) -> str:
        connection = self._known.get(name)
        if connection is None:
            return f"{name} (not saved on this machine)"
        expiry = f", expires {connection.expires}" if connection.expires else ""
        return f"{name} ({connection.datacenter}{expiry})"

    def _show_mode(self, _change: object = None) -> None:
        new = self.mode.value == NEW
        self.new_box.layout.display = "flex" if new else "none"
        self.saved_box.layout.display = "none" if new else "flex"
        self.expiry_box.layout.display = "flex" if self.notify.value else "none"

    def _form(self) -> Checked[Connection]:
        data: dict[str, Any] = {
            "name": self.new_name.value.strip(),
            "datacenter": self.datacenter.value.strip(),
            "token": SecretStr(self.token.value.strip()) if self.token.value.strip() else None,
        }
        if self.notify.value:
            data |= {"expires": self.expires.value, "notice_days": self.notice_days.value}
        checked = validated(Connection, data)
        problems = dict(checked.problems)
        if data["token"] is None:
            problems["token"] = "paste the API token (Account Settings → Qualtrics IDs)"
        if self.notify.value and self.expires.value is None:
            problems["expires"] = "choose the date the token expires"
        return Checked(None, problems) if problems else checked

    def check(self) -> Checked[Connection]:
        self._show_mode()
        if self.mode.value == NEW:
            form = self._form()
            if form.model is None:
                return form
            return Checked(None, {"": "save the new connection to go on ('Save connection')"})
        name = self.saved.value
        if not name:
            return Checked(None, {"connection": "choose a saved connection or add a new one"})
        if name not in self._known:
            return Checked(None, {"connection": f"{name!r} is not saved here; add it again"})
        return Checked(self._known[name].model_copy(update={"token": None}))

    def _test(self, _button: object = None) -> None:
        if self.mode.value == NEW:
            connection = self._form().model
            if connection is None:
                self.reveal()
                return
            work = lambda: _whoami_once(self.context.api_factory(connection))  # noqa: E731
        else:
            name = self.saved.value
            work = lambda: self.context.api(name).whoami()  # noqa: E731
        done = lambda who: self.messages.success(describe_whoami(who))  # noqa: E731
        run_task(
            self.context.executor,
            work,
            busy=self.busy,
            label="Testing connection…",
            area=self.messages,
            on_done=done,
        )

    def _save(self, _button: object = None) -> None:
        connection = self._form().model
        if connection is None:
            self.reveal()
            return
        self.context.connections.add(connection)
        self.context.forget_api(connection.name)
        with self.quietly():
            self.token.value = ""  # the token is never shown again
            self._reload_saved(select=connection.name)
            self.mode.value = SAVED
        self.messages.success(
            f"Saved connection {connection.name!r} (datacenter {connection.datacenter}) in "
            f"{self.context.connections.path}; the token is kept there, readable only by you."
        )

    def load(self, model: Connection) -> None:
        with self.quietly():
            self._reload_saved(select=model.name)
            self.mode.value = SAVED

    def enter(self) -> None:
        with self.quietly():
            self._reload_saved()

    def job_fields(self, model: Connection) -> dict[str, Any]:
        return {"connection": model.name}

    def summary(self, model: Connection) -> list[tuple[str, str]]:
        expiry = "not set"
        if model.expires:
            days = model.days_to_expiry(date.today())
            expiry = f"{model.expires} ({days} days left; notice {model.notice_days} days before)"
        return [
            ("Connection", model.name),
            ("Datacenter", model.datacenter),
            ("Token expiry", expiry),
        ]
