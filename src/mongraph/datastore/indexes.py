"""`ensure-indexes`: creates every index declared in `relations.py` (idempotent)."""

from __future__ import annotations

from pymongo import IndexModel

from .client import Datastore
from .relations import COLLECTIONS

__all__ = ["ensure_indexes"]


async def ensure_indexes(store: Datastore) -> list[str]:
    created: list[str] = []
    for spec in COLLECTIONS.values():
        models = []
        for index in spec.indexes:
            options: dict[str, object] = {"name": index.name, "unique": index.unique}
            if index.sparse:
                options["sparse"] = True
            if index.partial is not None:
                options["partialFilterExpression"] = dict(index.partial)
            models.append(IndexModel(list(index.keys), **options))
        if models:
            created += await store.db[spec.name].create_indexes(models)
    return created
