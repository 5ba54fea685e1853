"""The project store: a table per project keyed by natural_id, runs, outcomes, checkpoints.

Face: ``Store`` (``Store.open(path)``).
"""

from qinbound_nb.store.store import Store, default_store_path

__all__ = ["Store", "default_store_path"]
