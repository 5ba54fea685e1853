"""The project store: a table per project keyed by natural_id, runs, outcomes, checkpoints.

Face: ``Store`` (``Store.open(path_or_url)``): a DuckDB file or a ``postgresql://`` URL.
"""

from qinbound_nb.store.backend import Location, absolute, exists, is_url, resolve_location
from qinbound_nb.store.store import Store, default_store_path

__all__ = [
    "Location",
    "Store",
    "absolute",
    "default_store_path",
    "exists",
    "is_url",
    "resolve_location",
]
