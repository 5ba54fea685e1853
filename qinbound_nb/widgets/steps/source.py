"""Step 4: the source: a survey picked from a searchable list (with its saved filters), an
IDP source id for ORM reviews, or the ticket export; optionally a first date to pull from."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import SURVEY_ID, OrmSource, SurveySource, TicketsSource
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.widgets.base import Checked, Step, fit_label, validated
from qinbound_nb.widgets.tasks import Busy, guarded, run_task

AnySource = SurveySource | OrmSource | TicketsSource
MODELS: dict[str, type[AnySource]] = {
    SourceType.SURVEY: SurveySource,
    SourceType.ORM: OrmSource,
    SourceType.TICKETS: TicketsSource,
}
NO_FILTER = ("No filter: every response", "")


def _read(item: Any, *names: str) -> str:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value:
            return str(value)
    return ""


def survey_choices(surveys: list[Any], search: str) -> list[tuple[str, str]]:
    """(label, survey id) for the surveys whose name or id contains ``search`` (any case)."""
    needle = search.strip().lower()
    choices = []
    for survey in surveys:
        survey_id, name = _read(survey, "id", "survey_id"), _read(survey, "name")
        label = f"{name} ({survey_id})"
        if needle in label.lower():
            choices.append((label, survey_id))
    return choices


class SourceStep(Step[AnySource]):
    """Say where the data comes from."""

    name = "source"
    title = "Source"

    def build(self) -> list[W.Widget]:
        self.kind: str = SourceType.SURVEY
        self._surveys: list[Any] = []
        self._filters_for = ""
        self.search = W.Text(description="Search", placeholder="survey name or id")
        self.survey_list = W.Select(options=[], rows=8, layout=W.Layout(width="60%"))
        self.reload_button = W.Button(description="Reload surveys", icon="refresh")
        self.survey_id = W.Text(
            description="Survey id", placeholder="SV_…", layout=W.Layout(width="28em")
        )
        self.in_progress = W.Checkbox(
            description="Include in-progress responses", value=False, layout=fit_label()
        )
        self.filter_id = W.Dropdown(
            description="Saved filter",
            options=[NO_FILTER],
            value="",
            layout=W.Layout(width="36em"),
        )
        self.idp_source_id = W.Text(description="IDP source", placeholder="e.g. dcf04acc768f4ea5")
        self.start_date = W.DatePicker(description="Pull from")
        self.busy = Busy()
        self.survey_box = W.VBox(
            [
                W.HBox([self.search, self.reload_button]),
                self.survey_list,
                self.field("survey_id", self.survey_id),
                self.in_progress,
                self.field("filter_id", self.filter_id),
            ]
        )
        self.orm_box = W.VBox([self.field("idp_source_id", self.idp_source_id)])
        self.tickets_box = W.HTML("<p>Tickets come from the ticket export; nothing to choose.</p>")
        self.search.observe(guarded(self.messages)(self._show_surveys), names="value")
        self.survey_list.observe(guarded(self.messages)(self._pick), names="value")
        self.survey_id.observe(guarded(self.messages)(self._survey_id_changed), names="value")
        self.reload_button.on_click(guarded(self.messages)(self._load_surveys))
        self.watch(self.survey_id, self.in_progress, self.filter_id, self.idp_source_id)
        self.watch(self.start_date)
        self._entered = False
        return [
            self.survey_box,
            self.orm_box,
            self.tickets_box,
            self.field("start_date", self.start_date),
            self.busy.widget,
        ]

    def _show_boxes(self) -> None:
        for kind, box in ((SourceType.SURVEY, self.survey_box), (SourceType.ORM, self.orm_box)):
            box.layout.display = "flex" if self.kind == kind else "none"
        self.tickets_box.layout.display = "block" if self.kind == SourceType.TICKETS else "none"

    def _current_kind(self) -> str:
        kind: str = self.context.draft(self.name).get("source", {}).get("type", self.kind)
        return kind

    def enter(self) -> None:
        self.kind = self._current_kind()
        self._entered = True
        self._show_boxes()
        self.changed()
        if self.kind == SourceType.SURVEY:
            self._load_surveys()
            self._load_filters()

    # -- surveys and filters from the API ------------------------------------------------------
    def _load_surveys(self, _button: object = None) -> None:
        run_task(
            self.context.executor,
            lambda: list(self.context.api().list_surveys()),
            busy=self.busy,
            label="Loading surveys…",
            area=self.messages,
            on_done=self._surveys_loaded,
        )

    def _surveys_loaded(self, surveys: list[Any]) -> None:
        self._surveys = surveys
        self._show_surveys()

    def _show_surveys(self, _change: object = None) -> None:
        choices = survey_choices(self._surveys, self.search.value)
        self.survey_list.options = choices
        current = self.survey_id.value.strip()
        self.survey_list.value = current if current in {c[1] for c in choices} else None

    def _pick(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.survey_id.value = change["new"]

    def _survey_id_changed(self, _change: object) -> None:
        if self._entered:
            self._load_filters()

    def _load_filters(self) -> None:
        survey_id = self.survey_id.value.strip()
        if not SURVEY_ID.fullmatch(survey_id) or survey_id == self._filters_for:
            return
        self._filters_for = survey_id
        run_task(
            self.context.executor,
            lambda: list(self.context.api().list_filters(survey_id)),
            busy=self.busy,
            label="Loading saved filters…",
            area=self.messages,
            on_done=self._filters_loaded,
        )

    def _filters_loaded(self, filters: list[Any]) -> None:
        options = [NO_FILTER]
        for saved in filters:
            filter_id = _read(saved, "filter_id", "filterId", "id")
            options.append(
                (f"{_read(saved, 'name', 'filter_name', 'filterName')} ({filter_id})", filter_id)
            )
        self._set_filter_options(options, self.filter_id.value)

    def _set_filter_options(self, options: list[tuple[str, str]], keep: str) -> None:
        if keep and keep not in {value for _, value in options}:
            options = [*options, (f"{keep} (not found for this survey)", keep)]
        with self.quietly():
            self.filter_id.options = options
            self.filter_id.value = keep or ""

    # -- the step's model ----------------------------------------------------------------------
    def check(self) -> Checked[AnySource]:
        self.kind = self._current_kind()
        self._show_boxes()
        data: dict[str, Any] = {"type": self.kind, "start_date": self.start_date.value}
        if self.kind == SourceType.SURVEY:
            data |= {
                "survey_id": self.survey_id.value.strip(),
                "include_in_progress": self.in_progress.value,
                "filter_id": self.filter_id.value or None,
            }
        elif self.kind == SourceType.ORM:
            data["idp_source_id"] = self.idp_source_id.value.strip()
        return validated(MODELS[self.kind], data)

    def load(self, model: AnySource) -> None:
        with self.quietly():
            self.kind = model.type
            self.start_date.value = model.start_date
            if isinstance(model, SurveySource):
                self.survey_id.value = model.survey_id
                self.in_progress.value = model.include_in_progress
                self._set_filter_options([NO_FILTER], model.filter_id or "")
            elif isinstance(model, OrmSource):
                self.idp_source_id.value = model.idp_source_id
        self._show_boxes()

    def job_fields(self, model: AnySource) -> dict[str, Any]:
        return {"source": model.model_dump(mode="json")}

    def survey_label(self, survey_id: str) -> str:
        """'name (id)' when the survey list knows the survey, else its id."""
        names = {_read(s, "id", "survey_id"): _read(s, "name") for s in self._surveys}
        name = names.get(survey_id)
        return f"{name} ({survey_id})" if name else survey_id

    def summary(self, model: AnySource) -> list[tuple[str, str]]:
        rows = [("Start date", str(model.start_date or "all available data"))]
        if isinstance(model, SurveySource):
            label = dict((v, k) for k, v in self.filter_id.options).get(model.filter_id or "")
            rows = [
                ("Survey", self.survey_label(model.survey_id)),
                (
                    "In-progress responses",
                    "included" if model.include_in_progress else "not included",
                ),
                ("Saved filter", label or str(model.filter_id)),
                *rows,
            ]
        elif isinstance(model, OrmSource):
            rows.insert(0, ("IDP source", model.idp_source_id))
        return rows
