"""The wizard's frame: step titles, the current step with its navigation, and the preview
below the steps or beside them (the analyst's choice, so it stays in view while editing)."""

from __future__ import annotations

import ipywidgets as W

# a chosen toggle (PII detector, include/exclude, one-time/recurring) must look chosen
WIZARD_CSS = (
    "<style>.qinbound-wizard .widget-toggle-button.mod-active,"
    ".qinbound-wizard .widget-toggle-buttons .mod-active{background:#1d4ed8;color:#fff;"
    "box-shadow:inset 0 0 0 2px #1e3a8a;font-weight:600}</style>"
)


class WizardFrame:
    """The widgets around the steps; the wizard binds their buttons to its navigation."""

    def __init__(self, step_widgets: list[W.Widget], below: list[W.Widget], preview: W.Widget):
        self.header = [W.Button(layout=W.Layout(width="auto")) for _ in step_widgets]
        self.body = W.Stack(step_widgets, selected_index=0)
        self.back = W.Button(description="Back", icon="arrow-left")
        self.next = W.Button(description="Next step", icon="arrow-right", button_style="primary")
        self.back_to_review = W.Button(
            description="Back to review", icon="list", layout=W.Layout(display="none")
        )
        self.position = W.Label("")
        nav = W.HBox([self.back, self.next, self.back_to_review, self.position])
        self.steps_column = W.VBox([self.body, *below[:1], nav, *below[1:]])
        self.preview = preview
        self.area = W.VBox([])
        style = W.HTML(WIZARD_CSS, layout=W.Layout(height="0px", margin="0px"))
        titles = W.HBox(self.header, layout=W.Layout(flex_flow="row wrap"))
        self.widget = W.VBox([style, titles, self.area])
        self.widget.add_class("qinbound-wizard")
        self.arrange(beside=False)

    def arrange(self, beside: bool) -> None:
        """Put the preview beside the steps (each half the width) or below them."""
        self.steps_column.layout.flex = "1 1 50%" if beside else ""
        self.steps_column.layout.min_width = "0" if beside else ""
        self.preview.layout.flex = "1 1 50%" if beside else ""
        self.preview.layout.min_width = "0" if beside else ""
        if beside:
            row = W.HBox(
                [self.steps_column, self.preview], layout=W.Layout(align_items="flex-start")
            )
            self.area.children = [row]
        else:
            self.area.children = [self.steps_column, self.preview]
