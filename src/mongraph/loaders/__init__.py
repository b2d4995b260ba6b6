"""Per-request DataLoaders, derived from the relations in `datastore/relations.py`."""

from .loaders import Loader, Loaders

__all__ = ["Loader", "Loaders"]
