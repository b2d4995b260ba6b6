"""Soft delete, restore and purge: one generic engine walking `relations.py`.

Each operation runs in one transaction (`Datastore.transaction`, retried on
transient errors); its callback only reads and writes through the session, one
command after another, so a retry starts from scratch and is idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from ..errors import Conflict, NotFound
from .change_log import ChangeKind, record_ids, scope_id_of
from .client import Datastore, Session
from .documents import utcnow
from .live import live
from .ordering import close_gap, open_gap
from .relations import COLLECTIONS, CollectionSpec, cascade_relations, parent_relations
from .repository import Scope
from .rollups import refresh_rollups
from .writes import CHILDREN_VERSION, owner_transaction

__all__ = ["Cascaded", "count_tree", "purge", "restore", "soft_delete"]

Raw = dict[str, Any]
Changed = list[tuple[str, ObjectId]]
_MARKS = ("deletedAt", "deletedBy", "deletionId")
# Applies a change to these documents of a collection; returns the (collection, id) of
# those it changed.
_Apply = Callable[[str, list[ObjectId], Session], Awaitable[Changed]]


@dataclass(frozen=True)
class Cascaded:
    """What a delete, restore or purge changed."""

    changed: Changed
    """(collection, id) of each document whose state it changed, the target first."""
    target: Raw
    """The target as it was found, before the change (its parent keys)."""

    @property
    def count(self) -> int:
        return len(self.changed)


async def soft_delete(
    store: Datastore, collection: str, target_id: ObjectId, *, scope: Scope, actor_id: ObjectId
) -> Cascaded:
    """Marks the target and its live descendants deleted."""
    spec = COLLECTIONS[collection]

    async def run(session: Session) -> Cascaded:
        target = await _find_target(store, spec, target_id, scope, session, deleted=False)
        marks = {"$set": {"deletedAt": utcnow(), "deletedBy": actor_id, "deletionId": ObjectId()}}

        async def mark(name: str, ids: list[ObjectId], s: Session) -> Changed:
            await record_ids(
                store, s, ChangeKind.DELETED, name, ids, scope_id_of(collection, target)
            )
            await store.db[name].update_many({"_id": {"$in": ids}}, marks, session=s)
            return [(name, oid) for oid in ids]

        changed = await mark(collection, [target_id], session)
        if spec.sibling_scope:
            await close_gap(store, spec, target, session)
        changed += await _walk(store, collection, [target_id], mark, session, live_only=True)
        await refresh_rollups(store, collection, target, session)
        return Cascaded(changed, target)

    return await owner_transaction(store, scope, run)


async def restore(
    store: Datastore, collection: str, target_id: ObjectId, *, scope: Scope
) -> Cascaded:
    """Brings back the target and exactly the descendants deleted with it."""
    spec = COLLECTIONS[collection]

    async def run(session: Session) -> Cascaded:
        target = await _find_target(store, spec, target_id, scope, session, deleted=True)
        for rel in parent_relations(collection):
            parent_id = target.get(rel.foreign_key)
            if parent_id is None:
                continue
            # a write, so that a concurrent delete of the parent conflicts with this restore
            parent = await store.db[rel.parent].find_one_and_update(
                {"_id": parent_id}, {"$inc": {CHILDREN_VERSION: 1}}, session=session
            )
            if parent is None or parent.get("deletedAt") is not None:
                raise Conflict(
                    f"cannot restore: its {COLLECTIONS[rel.parent].type_name.lower()} is deleted"
                )
        if spec.sibling_scope:
            position = await open_gap(
                store, spec, target, session, requested=int(target["order"]), clamp=True
            )
            await store.db[collection].update_one(
                {"_id": target_id}, {"$set": {"order": position}}, session=session
            )
        changed: Changed = [(collection, target_id)]
        unmark: Raw = {"$unset": dict.fromkeys(_MARKS, "")}
        for name in _closure(collection):
            ids = await _ids(store, name, {"deletionId": target["deletionId"]}, session)
            if ids:
                scope_id = scope_id_of(collection, target)
                await record_ids(store, session, ChangeKind.RESTORED, name, ids, scope_id)
                await store.db[name].update_many({"_id": {"$in": ids}}, unmark, session=session)
            changed += [(name, oid) for oid in ids if (name, oid) != (collection, target_id)]
        await refresh_rollups(store, collection, target, session)
        return Cascaded(changed, target)

    return await owner_transaction(store, scope, run)


async def purge(
    store: Datastore, collection: str, target_id: ObjectId, *, scope: Scope
) -> Cascaded:
    """Hard-deletes an already deleted target and every descendant, deleted or not."""
    spec = COLLECTIONS[collection]

    async def run(session: Session) -> Cascaded:
        target = await _find_target(store, spec, target_id, scope, session, deleted=True)

        async def remove(name: str, ids: list[ObjectId], s: Session) -> Changed:
            await record_ids(
                store, s, ChangeKind.PURGED, name, ids, scope_id_of(collection, target)
            )
            await store.db[name].delete_many({"_id": {"$in": ids}}, session=s)
            return [(name, oid) for oid in ids]

        below = await _walk(store, collection, [target_id], remove, session, live_only=False)
        return Cascaded(await remove(collection, [target_id], session) + below, target)

    return await owner_transaction(store, scope, run)


async def count_tree(
    store: Datastore, collection: str, target_id: ObjectId, *, scope: Scope
) -> int:
    """How many documents `purge` would delete now (read-only: `purge-expired --dry-run`)."""
    spec = COLLECTIONS[collection]

    async def run(session: Session) -> int:
        await _find_target(store, spec, target_id, scope, session, deleted=True)

        seen: dict[str, set[ObjectId]] = {}

        async def count(name: str, ids: list[ObjectId], s: Session) -> Changed:
            # distinct ids: a clip is reached through its scene and its project
            new = set(ids) - seen.setdefault(name, set())
            seen[name] |= new
            return [(name, oid) for oid in new]

        below = await _walk(store, collection, [target_id], count, session, live_only=False)
        return 1 + len(below)

    return await store.transaction(run)


async def _find_target(
    store: Datastore,
    spec: CollectionSpec,
    target_id: ObjectId,
    scope: Scope,
    session: Session,
    *,
    deleted: bool,
) -> Raw:
    found = await store.db[spec.name].find_one(
        scope.apply_write(spec, {"_id": target_id}), session=session
    )
    noun = spec.type_name
    if found is None:
        raise NotFound(f"{noun} not found", field=("id",))
    # Only those who may write it get this far (anyone else: NOT_FOUND above), so the
    # state can be told: deleting a deleted object is as much a conflict as restoring a
    # live one, and a UI can act on it (refresh) rather than drop it as gone.
    if (found.get("deletedAt") is not None) != deleted:
        raise Conflict(f"{noun} is {'not' if deleted else 'already'} deleted", field=("id",))
    return found


async def _walk(
    store: Datastore,
    collection: str,
    ids: list[ObjectId],
    apply: _Apply,
    session: Session,
    *,
    live_only: bool,
) -> Changed:
    """Applies `apply` to every descendant along cascading relations, level by level."""
    changed: Changed = []
    frontier: list[tuple[str, list[ObjectId]]] = [(collection, ids)]
    while frontier:
        name, parent_ids = frontier.pop(0)
        for rel in cascade_relations(name):
            query: Raw = {rel.foreign_key: {"$in": parent_ids}}
            child_ids = await _ids(store, rel.child, live(query) if live_only else query, session)
            if not child_ids:
                continue
            if cascade_relations(rel.child):
                frontier.append((rel.child, child_ids))
            changed += await apply(rel.child, child_ids, session)
    return changed


async def _ids(store: Datastore, name: str, query: Raw, session: Session) -> list[ObjectId]:
    found = store.db[name].find(query, {"_id": 1}, session=session)
    return [doc["_id"] async for doc in found]


def _closure(collection: str) -> list[str]:
    """The collection and every collection a cascade from it can reach."""
    seen = [collection]
    for name in seen:
        seen.extend(r.child for r in cascade_relations(name) if r.child not in seen)
    return seen
