"""The embedded Qualtrics API v3 simulator and its fault plans. Face: ``Sandbox``.

Only the composition root (``runs/clients.py``), the CLI and tests import it.
"""

from qinbound_nb.sandbox.simulator import Sandbox

__all__ = ["Sandbox"]
