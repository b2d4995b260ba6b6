"""The bulk path: many validated documents at once (seeding, benchmarks, imports)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .client import Datastore
from .documents import Document

__all__ = ["insert_documents"]


async def insert_documents(store: Datastore, docs: Iterable[Document], *, chunk: int = 5000) -> int:
    """Inserts documents grouped by collection, `chunk` per command; returns how many."""
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
    written = 0

    async def flush(collection: str) -> int:
        batch, pending[collection] = pending[collection], []
        if batch:
            await store.db[collection].insert_many(batch, ordered=False)
        return len(batch)

    for doc in docs:
        pending[doc.collection].append(doc.to_mongo())
        if len(pending[doc.collection]) >= chunk:
            written += await flush(doc.collection)
    for collection in list(pending):
        written += await flush(collection)
    return written
