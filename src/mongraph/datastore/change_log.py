"""The change log: every committed change under a project or conversation, in commit order.

A write under a project (the project, its scenes, clips and characters) or a conversation
(the conversation and its messages) records one event per object whose state it changed,
in its own transaction: `record` claims the next positions of that scope's sequence (an
`$inc` of `changeSeq` on the project or conversation document) and inserts the events into
`changes` at those positions. Because every writer of a scope writes that one document,
two concurrent writers conflict and one retries, so positions follow commit order with no
hole, and an event exists exactly when its change committed. Subscriptions replay the
events after a position (`read_after`) and then tail new ones through the change stream.

An event stays `store.change_retention` (MONGRAPH_CHANGE_RETENTION) after it was written: a
TTL index on `expiresAt` removes it, and readers treat an expired one as gone already.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from ..errors import BadInput
from ..pages import change_ordering
from .client import Datastore, Session
from .documents import ChangeDoc, utcnow

__all__ = [
    "REFETCH",
    "SEQ",
    "ChangeKind",
    "cursor_of",
    "position_of",
    "read_after",
    "record",
    "record_ids",
    "record_matching",
    "scope_id_of",
    "scope_of",
]

Raw = dict[str, Any]
SEQ = "changeSeq"
"""The scope document's field holding the position of its latest change."""
REFETCH = (
    "this cursor is too old: the changes after it are no longer kept "
    "(MONGRAPH_CHANGE_RETENTION); refetch the data and subscribe after its changeCursor"
)
_SORT = (("seq", 1),)


class ChangeKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    """Its fields changed, or its `order` did because a sibling arrived, moved or left."""
    MOVED = "MOVED"
    """It was moved by a write of its own: another `order`, or (a clip) another scene."""
    DELETED = "DELETED"
    RESTORED = "RESTORED"
    PURGED = "PURGED"


_SCOPES: dict[str, tuple[str, str]] = {
    "projects": ("projects", "_id"),
    "scenes": ("projects", "projectId"),
    "clips": ("projects", "projectId"),
    "characters": ("projects", "projectId"),
    "conversations": ("conversations", "_id"),
    "messages": ("conversations", "conversationId"),
}
"""Collection → (the collection of its scope, the field of a document holding its scope's id)."""


def scope_of(collection: str) -> tuple[str, str] | None:
    """Where a document of `collection` records its changes (None: it records none)."""
    return _SCOPES.get(collection)


async def record(
    store: Datastore, session: Session, kind: ChangeKind, collection: str, docs: Iterable[Raw]
) -> int | None:
    """Records `kind` for each of `docs` (raw documents of `collection`, with `_id` and their
    scope's field), in the transaction of `session`, after the changes of this transaction
    recorded before; returns the position of the last one (None: none recorded). A scope
    that no longer exists records nothing (nobody can follow it)."""
    where = scope_of(collection)
    if where is None:
        return None
    scope_collection, field = where
    position = None
    by_scope: dict[ObjectId, list[ObjectId]] = {}
    for doc in docs:
        by_scope.setdefault(doc[field], []).append(doc["_id"])
    for scope_id, ids in by_scope.items():
        claimed = await store.db[scope_collection].find_one_and_update(
            {"_id": scope_id},
            {"$inc": {SEQ: len(ids)}},
            projection={SEQ: 1},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if claimed is None:
            continue
        now = utcnow()
        position = int(claimed[SEQ])
        first = position - len(ids) + 1
        events = [
            ChangeDoc(
                scope=scope_id,
                seq=first + i,
                kind=kind.value,
                node_collection=collection,
                node_id=node_id,
                created_at=now,
                updated_at=now,
                expires_at=now + store.change_retention,
            ).to_mongo()
            for i, node_id in enumerate(ids)
        ]
        await store.db[ChangeDoc.collection].insert_many(events, session=session)
    return position


def scope_id_of(collection: str, raw: Raw) -> ObjectId | None:
    """The id of the scope a document records its changes under (None: it records none)."""
    where = scope_of(collection)
    return None if where is None else raw.get(where[1])


async def record_ids(
    store: Datastore,
    session: Session,
    kind: ChangeKind,
    collection: str,
    ids: Iterable[ObjectId],
    scope_id: ObjectId | None,
) -> None:
    """`record` for documents known by id, all under one scope (a cascade's subtree: a
    project's or a conversation's), without reading them again."""
    where = scope_of(collection)
    if where is None or scope_id is None:
        return
    await record(store, session, kind, collection, [{"_id": i, where[1]: scope_id} for i in ids])


async def record_matching(
    store: Datastore, session: Session, kind: ChangeKind, collection: str, query: Raw
) -> None:
    """`record` for the documents of `collection` that match `query` now: called before the
    write that changes them (after it, a delete's or a shift's filter no longer finds them)."""
    where = scope_of(collection)
    if where is None:
        return
    found = store.db[collection].find(query, {where[1]: 1}, session=session)
    await record(store, session, kind, collection, [doc async for doc in found])


async def read_after(
    store: Datastore,
    scope_id: ObjectId,
    seq: int,
    *,
    through: int,
    upto: int | None = None,
    limit: int = 100,
) -> list[ChangeDoc]:
    """The changes of a scope at positions after `seq` (up to `upto`), oldest first, at most
    `limit`. The scope is known to have reached position `through`: when a change after
    `seq` up to there is no longer kept (or has expired), the reader has missed it, and
    this is `BAD_USER_INPUT` telling it to refetch."""
    positions: Raw = {"$gt": seq} if upto is None else {"$gt": seq, "$lte": upto}
    found = store.db[ChangeDoc.collection].find(
        {"scope": scope_id, "seq": positions}, sort=list(_SORT), limit=limit, batch_size=limit + 1
    )
    changes = [ChangeDoc.model_validate(raw) async for raw in found]
    holes = any(change.seq != seq + 1 + i for i, change in enumerate(changes))
    if holes or (changes and changes[0].expires_at <= utcnow()):
        raise BadInput(REFETCH, field=("after",))
    last = changes[-1].seq if changes else seq
    if len(changes) < limit and last < through:
        raise BadInput(REFETCH, field=("after",))
    return changes


def cursor_of(store: Datastore, scope_id: ObjectId, seq: int) -> str:
    """The signed position `seq` of a scope's changes (a change's `cursor`, `changeCursor`)."""
    return store.cursors.encode(change_ordering(scope_id), (seq, scope_id))


def position_of(store: Datastore, scope_id: ObjectId, cursor: str) -> int:
    """The position a cursor of this scope's changes names; `BAD_USER_INPUT` for any other
    (edited, of another project or conversation, or of a list)."""
    try:
        seq, _ = store.cursors.decode(change_ordering(scope_id), cursor, _SORT)
    except BadInput:
        raise BadInput(
            "`after` is not a cursor of these changes: use a change's cursor or the "
            "changeCursor of this object",
            field=("after",),
        ) from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BadInput("`after` is not a cursor of these changes", field=("after",))
    return seq
