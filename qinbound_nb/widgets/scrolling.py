"""Keeping the page on the wizard: after every step change, bring the step's heading into view.

ipywidgets has no scroll call, so a one-line script goes out through an ``Output`` widget
(JupyterLab runs the ``application/javascript`` outputs a live kernel sends). The script finds
this wizard's step area by a class unique to the wizard and scrolls its visible heading to
the top of the view. ``StepScroller.requests`` records each request, for tests.
"""

from __future__ import annotations

import itertools
import json

import ipywidgets as W

_NUMBERS = itertools.count(1)
SCRIPT = (
    "(function(){{var area=document.querySelector('.{marker}');if(!area)return;"
    "var heads=Array.from(area.querySelectorAll('h3')).filter(function(h){{"
    "return h.offsetParent!==null}});var head=heads[0]||area;"
    "head.scrollIntoView({{block:'start',behavior:'auto'}});"
    "area.setAttribute('data-scrolled-to',{step})}})();"
)


class StepScroller:
    """An invisible output that scrolls the current step's heading into view."""

    def __init__(self) -> None:
        self.marker = f"qinbound-steps-{next(_NUMBERS)}"
        self.widget = W.Output(layout=W.Layout(height="0px", overflow="hidden"))
        self.requests: list[str] = []

    def scroll(self, step: str) -> None:
        """Ask the browser to show ``step``'s heading (a no-op where no browser listens)."""
        from IPython.display import Javascript

        self.requests.append(step)
        script = SCRIPT.format(marker=self.marker, step=json.dumps(step))
        self.widget.outputs = ()
        self.widget.append_display_data(Javascript(script))
