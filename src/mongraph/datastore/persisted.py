"""Automatic persisted queries: documents by their SHA-256, shared by every gateway instance.

The store is a capped collection, so MongoDB itself bounds it in bytes and in documents
and drops the oldest entries first; a client whose hash was dropped is simply told
`PERSISTED_QUERY_NOT_FOUND` and sends the document again. The collection is created on
the first save with the bounds then configured (changing them later means dropping it:
it holds nothing that clients cannot send again).
"""

from __future__ import annotations

import contextlib

from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure

from .client import Datastore
from .documents import utcnow

__all__ = ["COLLECTION", "PersistedQueries"]

COLLECTION = "persistedQueries"
_NAMESPACE_EXISTS = 48


class PersistedQueries:
    """`{_id: <sha256 hex>, document, storedAt}` in a capped collection."""

    def __init__(self, store: Datastore, *, max_bytes: int, max_documents: int) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._max_documents = max_documents
        self._created = False

    async def find(self, sha256: str) -> str | None:
        found = await self._store.db[COLLECTION].find_one({"_id": sha256}, {"document": 1})
        return None if found is None else str(found["document"])

    async def save(self, sha256: str, document: str) -> None:
        """Stores `document` under its hash (idempotent: a second save changes nothing)."""
        if not self._created:
            await self._create()
        # Another request or instance may have stored it first: same hash, same text.
        with contextlib.suppress(DuplicateKeyError):
            await self._store.db[COLLECTION].insert_one(
                {"_id": sha256, "document": document, "storedAt": utcnow()}
            )

    async def _create(self) -> None:
        try:
            await self._store.db.create_collection(
                COLLECTION, capped=True, size=self._max_bytes, max=self._max_documents
            )
        except CollectionInvalid:
            pass  # created earlier, by this or another instance
        except OperationFailure as error:
            if error.code != _NAMESPACE_EXISTS:
                raise
        self._created = True
