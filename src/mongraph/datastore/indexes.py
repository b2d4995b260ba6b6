"""Creates (idempotent) and drops every index declared in `relations.py`."""

from __future__ import annotations

from pymongo import IndexModel
from pymongo.errors import OperationFailure

from .client import Datastore
from .relations import COLLECTIONS

__all__ = ["drop_indexes", "ensure_indexes"]

_INDEX_NOT_FOUND = 27
_NAMESPACE_NOT_FOUND = 26


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
            if index.expire_after is not None:
                options["expireAfterSeconds"] = index.expire_after
            models.append(IndexModel(list(index.keys), **options))
        if models:
            created += await store.db[spec.name].create_indexes(models)
    return created


async def drop_indexes(store: Datastore) -> None:
    """Drops the declared indexes (not `_id`'s); missing ones are fine."""
    for spec in COLLECTIONS.values():
        for index in spec.indexes:
            try:
                await store.db[spec.name].drop_index(index.name)
            except OperationFailure as error:
                if error.code not in (_INDEX_NOT_FOUND, _NAMESPACE_NOT_FOUND):
                    raise
