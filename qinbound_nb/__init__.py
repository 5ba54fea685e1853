"""qinbound_nb: the XM Discover Qualtrics Inbound Connector job, in Jupyter.

The public face. Every name below loads on first use, so ``import qinbound_nb`` and the CLI
stay quick (no pandas, widgets or papermill until a name that needs them is touched); the
``TYPE_CHECKING`` imports give mypy and IDEs the real types.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from qinbound_nb.errors import (
    AuthError,
    ConfigError,
    ContinuationTokenRejected,
    ExportError,
    ExportTooLarge,
    ExpressionError,
    FatalApiError,
    NotebookRunError,
    NotFoundError,
    NotificationError,
    QInboundError,
    QualtricsError,
    RetriableError,
    RuleError,
    RunStopped,
    ScheduleError,
    StoreError,
)

if TYPE_CHECKING:  # pragma: no cover - the real types for mypy and IDEs
    from qinbound_nb.core.redaction.redact import Redacted, RedactionRules, redact
    from qinbound_nb.job.config import JobConfig
    from qinbound_nb.notebooks.export import export_notebook
    from qinbound_nb.runs.execute import run_job
    from qinbound_nb.runs.preview import Preview, preview
    from qinbound_nb.runs.report import RunReport
    from qinbound_nb.sandbox.simulator import Sandbox
    from qinbound_nb.store.store import Store
    from qinbound_nb.widgets.wizard import Wizard

__version__ = "0.1.0"

# public name -> module that defines it, imported when the name is first used
_LAZY = {
    "JobConfig": "qinbound_nb.job.config",
    "Preview": "qinbound_nb.runs.preview",
    "Redacted": "qinbound_nb.core.redaction.redact",
    "RedactionRules": "qinbound_nb.core.redaction.redact",
    "RunReport": "qinbound_nb.runs.report",
    "Sandbox": "qinbound_nb.sandbox.simulator",
    "Store": "qinbound_nb.store.store",
    "Wizard": "qinbound_nb.widgets.wizard",
    "export_notebook": "qinbound_nb.notebooks.export",
    "preview": "qinbound_nb.runs.preview",
    "redact": "qinbound_nb.core.redaction.redact",
    "run_job": "qinbound_nb.runs.execute",
}

__all__ = [
    "AuthError",
    "ConfigError",
    "ContinuationTokenRejected",
    "ExportError",
    "ExportTooLarge",
    "ExpressionError",
    "FatalApiError",
    "JobConfig",
    "NotFoundError",
    "NotebookRunError",
    "NotificationError",
    "Preview",
    "QInboundError",
    "QualtricsError",
    "Redacted",
    "RedactionRules",
    "RetriableError",
    "RuleError",
    "RunReport",
    "RunStopped",
    "Sandbox",
    "ScheduleError",
    "Store",
    "StoreError",
    "Wizard",
    "__version__",
    "export_notebook",
    "preview",
    "redact",
    "run_job",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qinbound_nb' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
