"""The preview panel: fetch a sample with the job as it stands and show raw responses and
documents side by side (the HTML comes from :mod:`qinbound_nb.widgets.preview_html`).

The wiring point is ``preview(job, limit)``, by default ``qinbound_nb.jobs.preview``; it
returns an object with ``.html()``. When that object also has ``.rerun(job)`` (re-apply the
mapping, rules and filter to the cached sample without fetching again), the panel uses it
whenever the job changes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import ipywidgets as W

from qinbound_nb.config import JobConfig
from qinbound_nb.errors import QInboundError
from qinbound_nb.widgets.preview_html import render_preview_html
from qinbound_nb.widgets.tasks import Busy, MessageArea, guarded, run_task

PreviewFunction = Callable[[JobConfig, int], Any]

__all__ = ["PreviewFunction", "PreviewPanel", "render_preview_html"]


def jobs_preview(job: JobConfig, limit: int) -> Any:
    """The default preview: ``qinbound_nb.jobs.preview(job, limit=limit)``."""
    from qinbound_nb import jobs

    preview = getattr(jobs, "preview", None)
    if preview is None:
        raise QInboundError("the preview needs qinbound_nb.jobs.preview, which this version lacks")
    return preview(job, limit=limit)


class PreviewPanel:
    """Sample size, a Fetch button with progress, and the rendered side-by-side preview."""

    def __init__(
        self,
        job: Callable[[], JobConfig | None],
        *,
        executor: Executor,
        preview: PreviewFunction | None = None,
    ) -> None:
        self._job = job
        self._executor = executor
        self._preview = preview or jobs_preview
        self.result: Any = None
        self.sample_size = W.BoundedIntText(description="Sample", value=100, min=1, max=10_000)
        self.fetch = W.Button(description="Fetch preview", icon="eye")
        self.rerender = W.Button(description="Apply changes", icon="refresh", disabled=True)
        self.busy = Busy()
        self.messages = MessageArea()
        self.output = W.HTML("")
        self.fetch.on_click(guarded(self.messages)(self._fetch))
        self.rerender.on_click(guarded(self.messages)(self._rerun))
        self.widget = W.VBox(
            [
                W.HTML(
                    "<h4>Preview</h4><small>Raw responses and documents side by side, "
                    "with every redaction and substitution highlighted.</small>"
                ),
                W.HBox([self.sample_size, self.fetch, self.rerender]),
                self.busy.widget,
                self.messages.widget,
                self.output,
            ]
        )

    @property
    def html(self) -> str:
        """The preview HTML shown (empty before the first fetch)."""
        return str(self.output.value)

    def _current_job(self) -> JobConfig | None:
        job = self._job()
        if job is None:
            self.messages.error("the job is not complete enough to preview: fix the steps marked ✗")
        return job

    def _fetch(self, _button: object = None) -> None:
        job = self._current_job()
        if job is None:
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

    def _rerun(self, _button: object = None) -> None:
        job = self._current_job()
        rerun = getattr(self.result, "rerun", None)
        if job is None or not callable(rerun):
            return
        run_task(
            self._executor,
            lambda: rerun(job),
            busy=self.busy,
            label="Applying the changes…",
            area=self.messages,
            on_done=self._show,
        )

    def _show(self, result: Any) -> None:
        self.result = result
        self.output.value = result.html()
        self.rerender.disabled = not callable(getattr(result, "rerun", None))
