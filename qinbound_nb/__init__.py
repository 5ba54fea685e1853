"""qinbound_nb: the XM Discover Qualtrics Inbound Connector job, in Jupyter.

Heavy parts (widgets, the store, papermill) load on first use, so ``import qinbound_nb`` and
the CLI stay quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from qinbound_nb.config import JobConfig
from qinbound_nb.errors import ConfigError, QInboundError

__version__ = "0.1.0"

# public name -> module that defines it, imported when the name is first used
_LAZY = {
    "Preview": "qinbound_nb.previews",
    "RedactionRules": "qinbound_nb.core.redaction",
    "Redacted": "qinbound_nb.core.redaction",
    "RunReport": "qinbound_nb.jobs",
    "Sandbox": "qinbound_nb.qualtrics.sandbox",
    "Wizard": "qinbound_nb.widgets.wizard",
    "export_notebook": "qinbound_nb.notebooks",
    "preview": "qinbound_nb.previews",
    "redact": "qinbound_nb.core.redaction",
    "run_job": "qinbound_nb.jobs",
}

__all__ = [
    "ConfigError",
    "JobConfig",
    "QInboundError",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover
    pass


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qinbound_nb' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
