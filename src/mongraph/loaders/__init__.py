"""Per-request DataLoaders, derived from the relations in `datastore/relations.py`."""

from .loaders import Loaders

__all__ = ["Loaders"]
