"""Step 3: which Qualtrics data the job loads: survey responses, ORM reviews or tickets."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import FEEDBACK_TYPES
from qinbound_nb.job.vocab import SourceType
from qinbound_nb.widgets.base import Checked, Step, validated
from qinbound_nb.widgets.steps.models import DataType

LABELS = {
    SourceType.SURVEY: "Survey",
    SourceType.ORM: "Online Reputation (ORM)",
    SourceType.TICKETS: "Tickets",
}
EXPLANATIONS = {
    SourceType.SURVEY: "Survey responses, one document per response.",
    SourceType.ORM: (
        "Online Reputation Management reviews, read through an Imported Data Project export."
    ),
    SourceType.TICKETS: "Closing-the-loop tickets, read through the ticket export.",
}


class DataTypeStep(Step[DataType]):
    """Choose Survey, ORM or Tickets."""

    name = "data_type"
    title = "Qualtrics data type"

    def build(self) -> list[W.Widget]:
        self.data_type = W.RadioButtons(
            options=[(LABELS[kind], kind) for kind in SourceType],
            value=SourceType.SURVEY,
        )
        self.explanation = W.HTML()
        self.watch(self.data_type)
        self._explain()
        return [self.field("type", self.data_type), self.explanation]

    def _explain(self) -> None:
        kind = self.data_type.value
        self.explanation.value = (
            f"<small>{EXPLANATIONS[kind]} Documents get feedback_type "
            f"<b>{FEEDBACK_TYPES[kind]}</b>.</small>"
        )

    def check(self) -> Checked[DataType]:
        self._explain()
        return validated(DataType, {"type": self.data_type.value})

    def load(self, model: DataType) -> None:
        with self.quietly():
            self.data_type.value = model.type

    def job_fields(self, model: DataType) -> dict[str, Any]:
        # the source step replaces this with the whole source section
        return {"source": {"type": model.type}}

    def summary(self, model: DataType) -> list[tuple[str, str]]:
        return [("Data type", dict((v, k) for k, v in self.data_type.options)[model.type])]
