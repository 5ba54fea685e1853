"""The preview panel: fetch a sample with the job as it stands and show the comparison view,
each response's raw values beside its document's (the HTML comes from
:mod:`qinbound_nb.render.html`), below the steps or beside them.

Fetching calls ``preview(job, limit)``, by default :func:`qinbound_nb.preview` with the
export progress on the panel's bar. The result has ``.html()`` and ``.update(job)``, which
re-applies the mapping, rules and filter to the cached sample without fetching again; the
panel does that whenever the job changes, so edits show at once.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import ipywidgets as W

from qinbound_nb.job.config import JobConfig
from qinbound_nb.render.html import render_preview_html
from qinbound_nb.widgets.tasks import Busy, MessageArea, guarded, run_task

PreviewFunction = Callable[[JobConfig, int], Any]
# Two rules for ipywidgets' HTML view, seen in JupyterLab: it gives its content an inline
# widget's line height (28 px: every table line that tall, each cell's 8em box clipped after
# three lines), and its content box grows to the table's width, so the whole panel scrolled
# sideways and the table's own scroll bars sat out of sight. Normal spacing, and a content box
# as wide as the panel, so the table scrolls inside it.
OUTPUT_CLASS = "qinbound-preview-output"
FRAME_CSS = (
    "<style>.widget-html-content .qinbound-preview{line-height:1.4}"
    f".{OUTPUT_CLASS} > .widget-html-content{{min-width:0}}</style>"
)

__all__ = ["PreviewFunction", "PreviewPanel", "render_preview_html"]


class PreviewPanel:
    """Sample size, a Fetch button with progress, and the rendered comparison view."""

    def __init__(
        self,
        job: Callable[[], JobConfig | None],
        *,
        executor: Executor,
        preview: PreviewFunction | None = None,
        store: Any | None = None,
    ) -> None:
        self._job = job
        self._executor = executor
        self._preview = preview or self._library_preview
        self._store = store
        self.result: Any = None
        self._shown_job: JobConfig | None = None
        self._stale = False
        self.sample_size = W.BoundedIntText(description="Sample", value=100, min=1, max=10_000)
        self.fetch = W.Button(description="Fetch preview", icon="eye")
        self.live = W.Checkbox(description="Update as the job changes", value=True)
        self.beside = W.ToggleButton(
            description="Beside the steps",
            icon="columns",
            tooltip="Keep the preview beside the steps while you edit mapping, rules and filter",
        )
        self.hidden = W.ToggleButton(description="Hide", icon="eye-slash", tooltip="Fold it away")
        self.hidden.observe(self._fold, names="value")
        self.busy = Busy()
        self.messages = MessageArea()
        self.output = W.HTML("")
        self.output.add_class(OUTPUT_CLASS)
        self.frame_style = W.HTML(FRAME_CSS, layout=W.Layout(height="0px", margin="0px"))
        self.fetch.on_click(guarded(self.messages)(self._fetch))
        self.widget = W.VBox(
            [
                W.HTML(
                    "<h4>Preview</h4><small>Each response's raw text beside its document, "
                    "every redaction and substitution highlighted in both.</small>"
                ),
                W.HBox([self.sample_size, self.fetch, self.live]),
                W.HBox([self.beside, self.hidden]),
                self.busy.widget,
                self.messages.widget,
                self.frame_style,
                self.output,
            ]
        )

    def _fold(self, change: dict[str, Any]) -> None:
        self.output.layout.display = "none" if change["new"] else ""
        self.hidden.description = "Show" if change["new"] else "Hide"

    @property
    def html(self) -> str:
        """The preview HTML shown (empty before the first fetch)."""
        return str(self.output.value)

    def _library_preview(self, job: JobConfig, limit: int) -> Any:
        from qinbound_nb import preview

        progress = lambda report: self.busy.progress(report.percent)  # noqa: E731
        # the wizard's own open store, never a second connection to its file
        store = self._store if hasattr(self._store, "preview_outcomes") else None
        return preview(job, limit, store=store, progress=progress)

    def _fetch(self, _button: object = None) -> None:
        job = self._job()
        if job is None:
            self.messages.error("the job is not complete enough to preview: fix the steps marked ✗")
            return
        limit = self.sample_size.value
        run_task(
            self._executor,
            lambda: self._preview(job, limit),
            busy=self.busy,
            label=f"Fetching {limit} responses and applying the job…",
            area=self.messages,
            on_done=self._show,
        )

    def job_changed(self) -> None:
        """Re-apply a changed job to the cached sample (no fetching), if live updates are on."""
        job = self._job()
        update = getattr(self.result, "update", None)
        if job is None or job == self._shown_job or not self.live.value or not callable(update):
            return
        if self.busy.active:  # one update at a time; the latest change follows it
            self._stale = True
            return
        run_task(
            self._executor,
            lambda: update(job),
            busy=self.busy,
            label="Applying the changes…",
            area=self.messages,
            on_done=self._show,
        )

    def _show(self, result: Any) -> None:
        self.result = result
        self._shown_job = getattr(result, "job", None)
        self.output.value = result.html()
        if self._stale:
            self._stale = False
            self.job_changed()
