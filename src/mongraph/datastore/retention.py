"""`purge-expired`: hard-deletes soft-deleted trees whose deletion is older than a cutoff.

Each expired document is purged by the cascade engine (`cascade.purge`: its whole
subtree, in one transaction), parents' collections before their children's, so a
descendant deleted together with an expired ancestor goes with it. Several processes
may run this at once: two purges of one tree conflict inside their transactions, and the
one that retries finds the tree gone and counts it as skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from ..errors import Conflict, NotFound
from .cascade import count_tree, purge
from .client import Datastore
from .documents import utcnow
from .relations import COLLECTIONS, RELATIONS, parent_relations
from .repository import Scope

__all__ = ["PurgeSummary", "expired_query", "purge_expired", "purge_order"]

Progress = Callable[[str, int, int], None]


@dataclass
class PurgeSummary:
    cutoff: datetime
    trees: Counter[str] = field(default_factory=Counter)
    """Per collection, the expired documents purged (each with its subtree)."""
    documents: int = 0
    skipped: int = 0
    """Candidates gone (purged by another process) or restored before their turn."""

    @property
    def total_trees(self) -> int:
        return sum(self.trees.values())


def expired_query(cutoff: datetime) -> dict[str, Any]:
    # `$type` repeats the retention index's partial filter, so the planner may use it.
    return {"deletedAt": {"$type": "date", "$lt": cutoff}}


def purge_order() -> list[str]:
    """Soft-deletable collections, every cascade parent before its children."""
    ordered: list[str] = []
    pending = [name for name, spec in COLLECTIONS.items() if spec.soft_delete]
    while pending:
        for name in pending:
            parents = {r.parent for r in RELATIONS.values() if r.child == name and r.cascade}
            if parents <= {*ordered, name}:
                ordered.append(name)
                pending.remove(name)
                break
        else:
            raise RuntimeError(f"cascade relations form a cycle among {pending}")
    return ordered


def _quiet(label: str, done: int, total: int) -> None:
    pass


async def purge_expired(
    store: Datastore,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    batch_size: int = 100,
    progress: Progress = _quiet,
) -> PurgeSummary:
    summary = PurgeSummary(cutoff=utcnow() - older_than)
    scope = Scope.unrestricted()
    query = expired_query(summary.cutoff)
    for name in purge_order():
        coll = store.db[name]
        total = await coll.count_documents(query)
        if total == 0:
            continue
        done = 0
        progress(name, done, total)
        after: tuple[datetime, ObjectId] | None = None
        while True:
            page = query
            if after is not None:
                page = {
                    **query,
                    "$or": [
                        {"deletedAt": {"$gt": after[0]}},
                        {"deletedAt": after[0], "_id": {"$gt": after[1]}},
                    ],
                }
            order = [("deletedAt", 1), ("_id", 1)]
            batch = await coll.find(page).sort(order).limit(batch_size).to_list()
            if not batch:
                break
            for doc in batch:
                try:
                    if not dry_run:
                        count = (await purge(store, name, doc["_id"], scope=scope)).count
                    elif await _under_expired_ancestor(store, name, doc, summary.cutoff):
                        continue  # a real run purges it with that ancestor
                    else:
                        count = await count_tree(store, name, doc["_id"], scope=scope)
                except (NotFound, Conflict):
                    summary.skipped += 1
                    continue
                summary.trees[name] += 1
                summary.documents += count
            done += len(batch)
            after = (batch[-1]["deletedAt"], batch[-1]["_id"])
            progress(name, done, max(done, total))
    return summary


async def _under_expired_ancestor(
    store: Datastore, collection: str, doc: dict[str, Any], cutoff: datetime
) -> bool:
    for rel in parent_relations(collection):
        parent_id = doc.get(rel.foreign_key)
        if parent_id is None:
            continue
        parent = await store.db[rel.parent].find_one({"_id": parent_id})
        if parent is None:
            continue
        deleted_at = parent.get("deletedAt")
        if deleted_at is not None and deleted_at < cutoff:
            return True
        if await _under_expired_ancestor(store, rel.parent, parent, cutoff):
            return True
    return False
