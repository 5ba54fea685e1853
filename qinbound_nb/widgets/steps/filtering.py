"""Step 7: the connector filter (a true/false expression over the document fields, with a
Test button on sample values), include or exclude, and the record limit."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from qinbound_nb.errors import ConfigError
from qinbound_nb.job.config import DEFAULT_FIELDS, Filter
from qinbound_nb.job.vocab import FieldType, FilterAction
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.tasks import guarded

SAMPLE_HINT = "one field=value per line, e.g.\ncomment=Great service\nnps_score=9"


def parse_sample_values(text: str) -> dict[str, object]:
    """Read ``field=value`` lines: numbers become numbers, ``"quoted"`` is text, empty is blank."""
    values: dict[str, object] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        field, equals, value = raw.partition("=")
        if not equals or not field.strip():
            raise ConfigError(f"sample line {number}: {raw.strip()!r} is not field=value")
        values[field.strip()] = _sample_value(value.strip())
    return values


def _sample_value(text: str) -> object:
    if not text:
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text


def placeholder(mapped: list[str]) -> str:
    """An example filter that is valid for this job (it names one of its own fields)."""
    example = f"NOT ISBLANK({mapped[0]})" if mapped else 'feedback_type = "Survey"'
    return f"e.g. {example}  (empty: no filter)"


class FilterStep(Step[Filter]):
    """Decide which documents are loaded."""

    name = "filter"
    title = "Filter and record limit"

    def build(self) -> list[W.Widget]:
        self.expression = W.Textarea(
            placeholder=placeholder([]),
            layout=W.Layout(width="70%", height="60px"),
        )
        self.action = W.ToggleButtons(
            options=[(f"{action.capitalize()} matching", action) for action in FilterAction],
            value=FilterAction.INCLUDE,
        )
        self.samples = W.Textarea(
            placeholder=SAMPLE_HINT, layout=W.Layout(width="50%", height="80px")
        )
        self.test_button = W.Button(description="Test", icon="check")
        self.test_result = W.HTML("")
        self.limit_kind = W.RadioButtons(
            options=[("All records", "all"), ("At most", "count")], value="all"
        )
        self.limit = W.BoundedIntText(value=1000, min=1, max=10**9, description="records")
        self.test_button.on_click(guarded(self.messages)(self._test))
        self.watch(self.expression, self.action, self.limit_kind, self.limit)
        return [
            self.field("expression", self.expression),
            self.action,
            W.HTML("<b>Test on sample values</b>"),
            W.HBox([self.samples, W.VBox([self.test_button, self.test_result])]),
            W.HTML("<b>Record limit</b> <small>(applied after the filter)</small>"),
            self.field("record_limit", self.limit_kind, self.limit),
        ]

    def enter(self) -> None:
        fields = self.context.draft(self.name).get("mapping", {}).get("fields", [])
        texts = [f["name"] for f in fields if f.get("type") == "verbatim" and f.get("name")]
        self.expression.placeholder = placeholder(
            texts or self.known_fields()[len(DEFAULT_FIELDS) :]
        )

    def known_fields(self) -> list[str]:
        """The fields a filter can use: the default fields and the mapped attribute names."""
        mapping = self.context.draft(self.name).get("mapping", {})
        mapped = [
            f["name"]
            for f in mapping.get("fields", [])
            if f.get("type") != FieldType.SKIP and f.get("name")
        ]
        return [*DEFAULT_FIELDS, *mapped]

    def _expression_problem(self, text: str) -> str | None:
        from qinbound_nb.core.expressions.evaluate import compile_expression

        try:
            expression = compile_expression(text)
        except ConfigError as exc:
            return str(exc)
        unknown = sorted(set(expression.fields) - set(self.known_fields()))
        if unknown:
            named = ", ".join(f"'{name}'" for name in unknown)
            known = ", ".join(self.known_fields())
            which = "is not a field" if len(unknown) == 1 else "are not fields"
            return (
                f"{named} {which} of this job (names are case-sensitive); "
                f"the filter can use: {known}"
            )
        return None

    def _test(self, _button: object = None) -> None:
        from qinbound_nb.core.expressions.evaluate import test

        text = self.expression.value.strip()
        if not text:
            self.test_result.value = "no filter: every record matches"
            return
        matched = test(text, parse_sample_values(self.samples.value))
        verb = "included" if (matched == (self.action.value == FilterAction.INCLUDE)) else "skipped"
        self.test_result.value = f"<b>{str(bool(matched)).lower()}</b>: this record would be {verb}"

    def check(self) -> Checked[Filter]:
        self.limit.layout.display = "flex" if self.limit_kind.value == "count" else "none"
        text = self.expression.value.strip()
        checked = validated(
            Filter,
            {
                "expression": text or None,
                "action": self.action.value,
                "record_limit": "all" if self.limit_kind.value == "all" else self.limit.value,
            },
        )
        problem = self._expression_problem(text) if text else None
        if problem:
            return Checked(None, {**checked.problems, "expression": problem})
        return checked

    def load(self, model: Filter) -> None:
        with self.quietly():
            self.expression.value = model.expression or ""
            self.action.value = model.action
            self.limit_kind.value = "all" if model.record_limit == "all" else "count"
            if model.record_limit != "all":
                self.limit.value = model.record_limit

    def job_fields(self, model: Filter) -> dict[str, Any]:
        return {"filter": model.model_dump(mode="json")}

    def summary(self, model: Filter) -> list[tuple[str, str]]:
        limit = "all records" if model.record_limit == "all" else f"at most {model.record_limit}"
        return [
            ("Filter", model.expression or "none"),
            ("Matching records are", f"{model.action}d" if model.expression else "—"),
            ("Record limit", limit),
        ]
