"""Parent fields derived from live children (e.g. a conversation's `lastMessageAt`)."""

from __future__ import annotations

from typing import Any

from .client import Datastore, Session
from .live import live
from .relations import RELATIONS

__all__ = ["refresh_rollups"]


async def refresh_rollups(
    store: Datastore, child_collection: str, child: dict[str, Any], session: Session
) -> None:
    """Recomputes the rollups on the parents of `child` (added, deleted or restored)."""
    for rel in RELATIONS.values():
        if rel.child != child_collection or not rel.rollups:
            continue
        parent_id = child.get(rel.foreign_key)
        if parent_id is None:
            continue
        values: dict[str, Any] = {}
        for rollup in rel.rollups:
            latest = await store.db[child_collection].find_one(
                live({rel.foreign_key: parent_id}),
                {rollup.child_field: 1},
                sort=[(rollup.child_field, -1), ("_id", -1)],
                session=session,
            )
            values[rollup.parent_field] = latest[rollup.child_field] if latest else rollup.empty
        await store.db[rel.parent].update_one({"_id": parent_id}, {"$set": values}, session=session)
