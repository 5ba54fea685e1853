"""Every step lays its labelled fields on one grid: the same label column and field width,
so fields start at one x and keep their width when an error appears beside them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import ipywidgets as W

from qinbound_nb.widgets.base import FIELD_WIDTH, GRID_INPUTS, LABEL_WIDTH
from qinbound_nb.widgets.wizard import Wizard


def field_rows(widget: W.Widget) -> Iterator[W.HBox]:
    """The rows ``Step.field`` made: an input, then the HTML label its errors go to."""
    children = getattr(widget, "children", ())
    if isinstance(widget, W.HBox) and children and isinstance(children[-1], W.HTML):
        yield widget
    for child in children:
        yield from field_rows(child)


def labelled_inputs(wizard: Wizard) -> Iterator[tuple[str, W.Widget]]:
    for step in wizard.steps:
        for row in field_rows(step.widget):
            for control in row.children[:-1]:
                if isinstance(control, GRID_INPUTS) and control.description:
                    yield step.name, control


def test_every_labelled_field_shares_the_label_column_and_a_width(
    make_wizard: Callable[..., Wizard],
) -> None:
    inputs = list(labelled_inputs(make_wizard()))
    assert len(inputs) >= 25 and len({name for name, _ in inputs}) >= 8
    for name, control in inputs:
        where = f"{name}: {control.description}"
        assert control.style.description_width in (LABEL_WIDTH, "initial"), where
        if not isinstance(control, W.ToggleButtons):
            assert control.layout.width, where
    widths = {control.layout.width for _, control in inputs}
    assert FIELD_WIDTH in widths


def test_an_error_beside_a_field_leaves_the_field_as_it_was(
    make_wizard: Callable[..., Wizard],
) -> None:
    step = make_wizard().step("basics")
    before = (step.job_name.layout.width, step.job_name.layout.flex)
    step.job_name.value = "bad name!"
    step.reveal()
    assert step.error_for("name")
    assert (
        (step.job_name.layout.width, step.job_name.layout.flex)
        == before
        == (
            FIELD_WIDTH,
            "0 0 auto",
        )
    )
