"""Running callbacks and slow work for the widgets: error display, busy indicators, executors.

JupyterLab sends exceptions raised in widget callbacks to its log console, where nobody looks
(ipywidgets #2068). Every callback in the wizard therefore goes through :func:`guarded`, which
shows a ``QInboundError`` as its one-paragraph message and any other exception as a bug report
in the UI. Slow work (API calls, sample fetches) runs on an injectable executor so the kernel
stays responsive; tests pass :class:`SynchronousExecutor` to run it in line.
"""

from __future__ import annotations

import html
import logging
import re
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import ipywidgets as W

from qinbound_nb.errors import QInboundError

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)

ERROR_STYLE = "color:#b42318"
OK_STYLE = "color:#067647"


class SynchronousExecutor(Executor):
    """Runs each task at once in the calling thread: for tests and scripted use."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a thread pool would
            future.set_exception(exc)
        return future


class MessageArea:
    """A place for one-paragraph messages: errors in red, confirmations in green."""

    def __init__(self) -> None:
        self.widget = W.HTML(value="")

    @property
    def text(self) -> str:
        """The message shown, as plain text (for tests and the review)."""
        return html.unescape(_strip_tags(self.widget.value))

    def clear(self) -> None:
        """Remove any message."""
        self.widget.value = ""

    def error(self, *messages: str) -> None:
        """Show error messages, one paragraph each."""
        paragraphs = "".join(f"<p>{html.escape(m)}</p>" for m in messages)
        self.widget.value = f'<div class="qinbound-error" style="{ERROR_STYLE}">{paragraphs}</div>'

    def success(self, message: str) -> None:
        """Show a confirmation."""
        self.widget.value = f'<div style="{OK_STYLE}">{html.escape(message)}</div>'

    def exception(self, exc: BaseException) -> None:
        """Show an exception: a user error as its message, anything else as a bug."""
        if isinstance(exc, QInboundError):
            self.error(str(exc))
            return
        log.error("unexpected error in a wizard callback", exc_info=exc)
        details = "".join(traceback.format_exception(exc))
        self.widget.value = (
            f'<div class="qinbound-error" style="{ERROR_STYLE}"><p>Unexpected error '
            f"(a bug in qinbound_nb; please report it): {html.escape(type(exc).__name__)}: "
            f"{html.escape(str(exc))}</p><details><summary>details</summary>"
            f"<pre>{html.escape(details)}</pre></details></div>"
        )


def _strip_tags(markup: str) -> str:
    return re.sub(r"<details>.*?</details>|<[^>]+>", " ", markup, flags=re.S).strip()


def guarded(area: MessageArea) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Decorate a callback so that any exception it raises is shown in ``area``."""

    def decorate(callback: Callable[P, None]) -> Callable[P, None]:
        @wraps(callback)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                callback(*args, **kwargs)
            except Exception as exc:
                area.exception(exc)

        return run

    return decorate


class Busy:
    """A progress bar with a label, shown only while slow work runs."""

    def __init__(self) -> None:
        self.bar = W.FloatProgress(value=0.0, min=0.0, max=100.0, bar_style="info")
        self.label = W.Label(value="")
        self.widget = W.HBox([self.bar, self.label], layout=W.Layout(display="none"))

    @property
    def active(self) -> bool:
        """True while work runs."""
        return self.widget.layout.display != "none"

    def start(self, label: str) -> None:
        """Show the bar; without progress reports it stays full, as a 'working' sign."""
        self.label.value = f"⏳ {label}"
        self.bar.value = 100.0
        self.widget.layout.display = "flex"

    def progress(self, percent: float | None) -> None:
        """Move the bar (``None`` means unknown: keep it full)."""
        self.bar.value = 100.0 if percent is None else max(0.0, min(100.0, percent))

    def stop(self) -> None:
        """Hide the bar."""
        self.widget.layout.display = "none"
        self.label.value = ""


def run_task(
    executor: Executor,
    work: Callable[[], T],
    *,
    busy: Busy,
    label: str,
    area: MessageArea,
    on_done: Callable[[T], None],
) -> Future[T]:
    """Run ``work`` on ``executor`` behind ``busy``; hand its result to ``on_done``.

    Failures of ``work`` and of ``on_done`` are shown in ``area``, never lost.
    """
    busy.start(label)
    area.clear()
    future = executor.submit(work)

    def finish(done: Future[T]) -> None:
        busy.stop()
        try:
            result = done.result()
        except Exception as exc:
            area.exception(exc)
            return
        guarded(area)(on_done)(result)

    future.add_done_callback(finish)
    return future
