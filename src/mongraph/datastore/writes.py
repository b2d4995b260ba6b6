"""Generic writes: insert a document, update a live one within a scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bson import ObjectId
from pymongo import ReturnDocument

from ..errors import Conflict, NotFound
from .change_log import SEQ, ChangeKind, record, scope_of
from .client import Datastore, Session
from .documents import Document, utcnow
from .live import live
from .relations import COLLECTIONS, CollectionSpec
from .repository import Scope

__all__ = ["claim_live", "find_live", "insert", "owner_transaction", "update_live"]

Raw = dict[str, Any]
CHILDREN_VERSION = "childrenVersion"
"""Bumped on a parent whenever its children are created or reordered (a write lock)."""
D = TypeVar("D", bound=Document)
T = TypeVar("T")


async def owner_transaction(
    store: Datastore, scope: Scope, callback: Callable[[Session], Awaitable[T]]
) -> T:
    """A transaction over one owner's documents: it waits its turn behind that owner's
    other storyboard writes and cascades on this process (datastore/contention.py)."""
    return await store.transaction(callback, serialize_on=scope.owner_id)


def _live(spec: CollectionSpec, doc_id: ObjectId, scope: Scope) -> Raw:
    query: Raw = live({"_id": doc_id}) if spec.soft_delete else {"_id": doc_id}
    return scope.apply_write(spec, query)


async def insert(store: Datastore, doc: D, session: Session | None = None) -> D:
    await store.db[doc.collection].insert_one(doc.to_mongo(), session=session)
    return doc


async def find_live(
    store: Datastore,
    collection: str,
    doc_id: ObjectId,
    *,
    scope: Scope,
    session: Session | None = None,
    field: tuple[str, ...] = ("input", "id"),
) -> Raw:
    """The live document `doc_id` within `scope`, or `NOT_FOUND` naming `field`."""
    spec = COLLECTIONS[collection]
    found = await store.db[collection].find_one(_live(spec, doc_id, scope), session=session)
    if found is None:
        raise NotFound(f"{spec.type_name} not found", field=field)
    return found


async def claim_live(
    store: Datastore,
    collection: str,
    doc_id: ObjectId,
    *,
    scope: Scope,
    session: Session,
    field: tuple[str, ...],
) -> Raw:
    """Like `find_live`, but also writes to the document (a version counter).

    Used on the parent a child is created under: a concurrent delete of that
    parent then conflicts with this transaction instead of committing beside it,
    so no live child is ever left under a deleted parent.
    """
    spec = COLLECTIONS[collection]
    claimed = await store.db[collection].find_one_and_update(
        _live(spec, doc_id, scope),
        {"$inc": {CHILDREN_VERSION: 1}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if claimed is None:
        raise NotFound(f"{spec.type_name} not found", field=field)
    return claimed


async def update_live(
    store: Datastore,
    collection: str,
    doc_id: ObjectId,
    *,
    scope: Scope,
    set_fields: Raw,
    push: Raw | None = None,
    guard: Raw | None = None,
    refused: str = "",
    session: Session | None = None,
    field: tuple[str, ...] = ("input", "id"),
    change: ChangeKind = ChangeKind.UPDATED,
) -> Document:
    """Sets `set_fields` (and `updatedAt`), and appends `push` to arrays, on a live
    document; `NOT_FOUND` naming `field` when there is none. With `guard`, the update
    applies only to a document that also matches it (in the same atomic command), and a
    live document that does not is `CONFLICT` with the message `refused`. The change is
    recorded as `change` (change_log.py) in the transaction of `session`; without one, the
    update runs in a transaction of its own."""
    if session is None:

        async def run(own: Session) -> Document:
            return await update_live(
                store, collection, doc_id, scope=scope, set_fields=set_fields, push=push,
                guard=guard, refused=refused, session=own, field=field, change=change,
            )  # fmt: skip

        return await owner_transaction(store, scope, run)
    spec = COLLECTIONS[collection]
    update: Raw = {"$set": {**set_fields, "updatedAt": utcnow()}}
    if push:
        update["$push"] = push
    live = _live(spec, doc_id, scope)
    updated = await store.db[collection].find_one_and_update(
        {**live, **guard} if guard else live,
        update,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if updated is None:
        if guard and await store.db[collection].find_one(live, {"_id": 1}, session=session):
            raise Conflict(refused, field=field)
        raise NotFound(f"{spec.type_name} not found", field=field)
    position = await record(store, session, change, collection, [updated])
    if scope_of(collection) == (collection, "_id"):
        updated[SEQ] = position  # a project or conversation: as of this change
    return spec.document.model_validate(updated)
