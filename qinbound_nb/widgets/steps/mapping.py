"""Step 5: data mapping: the default fields (document date, hardcoded source value) and a
table of every source field with load/type/attribute name/transformation, names checked as
you type. The fields are the columns of a small sample export (or, for ORM, the source's schema),
pre-filled from the suggestions."""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import FieldMapping, Mapping
from qinbound_nb.job.vocab import FieldType
from qinbound_nb.widgets.base import FULL_LABEL, Checked, Step, validated
from qinbound_nb.widgets.source_fields import source_fields
from qinbound_nb.widgets.steps.mapping_rows import COLUMNS, HEADER, FieldRow
from qinbound_nb.widgets.suggestions import DATE_FIELDS, SourceField
from qinbound_nb.widgets.tasks import Busy, guarded, run_task

DEFAULT_FIELDS_NOTE = (
    "<table><tr><td><b>natural_id</b></td><td>&lt;job name&gt;;&lt;source id&gt;</td></tr>"
    "<tr><td><b>job_name</b></td><td>the job's name</td></tr>"
    "<tr><td><b>loadDate</b></td><td>time of load (UTC)</td></tr>"
    "<tr><td><b>feedback_provider</b></td><td>Qualtrics</td></tr>"
    "<tr><td><b>feedback_type</b></td><td>fixed by the data type</td></tr></table>"
)


class MappingStep(Step[Mapping]):
    """Map the source fields to project attributes."""

    name = "mapping"
    title = "Data mapping"

    def build(self) -> list[W.Widget]:
        self.rows: list[FieldRow] = []
        self._fields_for = ""
        self.document_date = W.Dropdown(
            description="document_date", options=list(DATE_FIELDS), style=FULL_LABEL
        )
        self.source_value = W.Text(description="source", value="Qualtrics")
        self.grid = W.GridBox([], layout=W.Layout(grid_template_columns=COLUMNS, grid_gap="4px"))
        self.new_source = W.Text(placeholder="source column, e.g. QID7_TEXT or review_body")
        self.add_button = W.Button(description="Add field", icon="plus")
        self.busy = Busy()
        self.add_button.on_click(guarded(self.messages)(self._add_typed))
        self.watch(self.document_date, self.source_value)
        self._layout()
        return [
            W.HTML("<h4>Default fields</h4>"),
            self.field("document_date", self.document_date),
            self.field("source_value", self.source_value),
            W.HTML(DEFAULT_FIELDS_NOTE),
            W.HTML("<h4>Source fields</h4>"),
            self.busy.widget,
            self.grid,
            W.HBox([self.new_source, self.add_button]),
        ]

    # -- rows ----------------------------------------------------------------------------------
    def _layout(self) -> None:
        header = [W.HTML(f"<b>{html.escape(title)}</b>") for title in HEADER]
        self.grid.children = [*header, *(cell for row in self.rows for cell in row.cells)]
        self.forget_fields("fields")
        for position, row in enumerate(self.rows):
            self.track(f"fields.{position}", row.error, *row.controls)
        self._date_choices()

    def _add_row(self, field: FieldMapping, description: str = "") -> FieldRow:
        row = FieldRow(field.source, description)
        row.load(field)
        self.watch(*row.controls)
        self.rows.append(row)
        return row

    def _add_typed(self, _button: object = None) -> None:
        source = self.new_source.value.strip()
        if not source:
            self.messages.error("type the source column to add")
            return
        if any(row.source == source for row in self.rows):
            self.messages.error(f"{source!r} is already in the table")
            return
        with self.quietly():
            self._add_row(FieldMapping(source=source, type=FieldType.SKIP)).include.value = True
            self.new_source.value = ""
            self._layout()
            self.touch(f"fields.{len(self.rows) - 1}")  # the user made it: say what it needs

    def merge_fields(self, fields: list[SourceField]) -> None:
        """Add a row per source field not in the table yet.

        A new mapping starts from the suggestions; a reopened one only gains rows marked
        "not loaded", so reopening a job never changes what it loads.
        """
        known = {row.source: row for row in self.rows}
        fresh = not known
        with self.quietly():
            for field in fields:
                if field.source in known:
                    known[field.source].describe(field.description)
                    continue
                suggestion = (
                    field.suggestion
                    if fresh
                    else FieldMapping(source=field.source, type=FieldType.SKIP)
                )
                self._add_row(suggestion, field.description)
            self._layout()

    def _date_choices(self) -> None:
        dated = [
            row.source
            for row in self.rows
            if row.include.value and row.type.value == FieldType.DATE
        ]
        current = self.document_date.value
        options = list(dict.fromkeys([*DATE_FIELDS, *dated, *([current] if current else [])]))
        if list(self.document_date.options) != options:
            self.document_date.options = options
            self.document_date.value = current or DATE_FIELDS[0]

    # -- entering: fetch the survey's fields ---------------------------------------------------
    def enter(self) -> None:
        draft = self.context.draft(self.name)
        source = draft.get("source") or {}
        key = json.dumps(source, sort_keys=True)
        if not source or key == self._fields_for:
            return
        self._fields_for = key
        run_task(
            self.context.executor,
            lambda: source_fields(self.context, draft),
            busy=self.busy,
            label="Reading the export's columns from a small sample…",
            area=self.messages,
            on_done=self.merge_fields,
        )

    # -- the step's model ----------------------------------------------------------------------
    def check(self) -> Checked[Mapping]:
        self._date_choices()
        fields, positions, problems = [], [], {}
        for position, row in enumerate(self.rows):
            data, problem = row.read()
            if problem:
                problems[f"fields.{position}.transform"] = problem
            if data["type"] != FieldType.SKIP or data["name"] or "transform" in data:
                fields.append(data)  # untouched skipped fields stay out of the job file
                positions.append(position)
        checked = validated(
            Mapping,
            {
                "document_date": self.document_date.value or "",
                "source_value": self.source_value.value.strip(),
                "fields": fields,
            },
        )
        problems |= {_row_key(key, positions): message for key, message in checked.problems.items()}
        return Checked(None, problems) if problems else checked

    def load(self, model: Mapping) -> None:
        with self.quietly():
            self.rows = []
            for field in model.fields:
                self._add_row(field)
            self._layout()
            self.document_date.value = model.document_date
            self.source_value.value = model.source_value

    def job_fields(self, model: Mapping) -> dict[str, Any]:
        return {"mapping": model.model_dump(mode="json")}

    def summary(self, model: Mapping) -> list[tuple[str, str]]:
        rows = [("document_date from", model.document_date), ("source value", model.source_value)]
        for field in model.mapped:
            transform = f", {field.transform.kind}" if field.transform else ""
            rows.append((field.source, f"→ {field.name} ({field.type}{transform})"))
        listed = {row.source for row in self.rows} | {field.source for field in model.fields}
        skipped = len(listed) - len(model.mapped)
        rows.append(("Not loaded", f"{skipped} field{'s' if skipped != 1 else ''}"))
        return rows


def _row_key(key: str, positions: list[int]) -> str:
    """Turn ``fields.<i>...`` (position among saved fields) into the table row's key."""
    parts = key.split(".")
    if len(parts) > 1 and parts[0] == "fields" and parts[1].isdigit():
        parts[1] = str(positions[int(parts[1])])
    return ".".join(parts)
