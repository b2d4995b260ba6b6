"""Chat operations that are more than CRUD: sharing, posting in order, editing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from ..errors import BadInput, NotFound
from .change_log import SEQ, ChangeKind, record
from .client import Datastore, Session
from .documents import ConversationDoc, MessageDoc, utcnow
from .live import live
from .relations import COLLECTIONS
from .repository import Scope
from .rollups import refresh_rollups
from .writes import claim_live, insert

__all__ = [
    "create_conversation",
    "edit_message",
    "leave_conversation",
    "post_message",
    "share_conversation",
]

Raw = dict[str, Any]
_TICK = timedelta(milliseconds=1)


async def create_conversation(
    store: Datastore, *, owner_id: ObjectId, fields: Raw
) -> ConversationDoc:
    async def run(session: Session) -> ConversationDoc:
        doc = ConversationDoc.model_validate({**fields, "ownerId": owner_id})
        await insert(store, doc, session)
        created = await record(
            store, session, ChangeKind.CREATED, doc.collection, [{"_id": doc.id}]
        )
        doc.change_seq = created or 0
        return doc

    return await store.transaction(run)


async def share_conversation(
    store: Datastore, *, scope: Scope, conversation_id: ObjectId, user_ids: list[ObjectId]
) -> ConversationDoc:
    """Sets the whole list of readers (an empty list unshares); every user must be active
    (one that does not exist and one that is not active get the same `NOT_FOUND`)."""
    readers = list(dict.fromkeys(user_ids))
    query = scope.apply_write(COLLECTIONS["conversations"], live({"_id": conversation_id}))
    current = await store.db["conversations"].find_one(query, {"ownerId": 1})
    if current is None:
        raise NotFound("Conversation not found", field=("input", "id"))
    active = {"_id": {"$in": readers}, "status": "ACTIVE"}
    if await store.db["users"].count_documents(active) != len(readers):
        raise NotFound("some of these users do not exist", field=("input", "userIds"))
    if current["ownerId"] in readers:
        raise BadInput("the owner cannot be in sharedWith", field=("input", "userIds"))

    async def run(session: Session) -> ConversationDoc:
        raw = await store.db["conversations"].find_one_and_update(
            query,
            {"$set": {"sharedWith": readers, "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if raw is None:
            raise NotFound("Conversation not found", field=("input", "id"))
        raw[SEQ] = await record(store, session, ChangeKind.UPDATED, "conversations", [raw])
        return ConversationDoc.model_validate(raw)

    return await store.transaction(run)


async def leave_conversation(
    store: Datastore, *, conversation_id: ObjectId, user_id: ObjectId
) -> None:
    """Removes `user_id` from a live conversation's readers; `NOT_FOUND` unless it was one."""

    async def run(session: Session) -> None:
        result = await store.db["conversations"].update_one(
            live({"_id": conversation_id, "sharedWith": user_id}),
            {"$pull": {"sharedWith": user_id}, "$set": {"updatedAt": utcnow()}},
            session=session,
        )
        if result.matched_count == 0:
            raise NotFound("no conversation of this id is shared with you", field=("id",))
        await record(
            store, session, ChangeKind.UPDATED, "conversations", [{"_id": conversation_id}]
        )

    await store.transaction(run)


async def post_message(
    store: Datastore,
    *,
    scope: Scope,
    conversation_id: ObjectId,
    author_id: ObjectId,
    role: str,
    content: list[Raw],
) -> MessageDoc:
    """Appends a message and moves the conversation's `lastMessageAt`, in one transaction.

    Posts to one conversation are serialised (each claims the conversation), and
    each gets a `createdAt` later than the last one's, so paging by `(createdAt, _id)`
    while messages arrive never skips one that commits late.
    """

    async def run(session: Session) -> MessageDoc:
        conversation = await claim_live(
            store, "conversations", conversation_id, scope=scope, session=session,
            field=("input", "conversationId"),
        )  # fmt: skip
        now = utcnow()
        last = conversation.get("lastMessageAt")
        message = MessageDoc(
            owner_id=conversation["ownerId"],
            conversation_id=conversation_id,
            author_id=author_id,
            role=role,
            content=content,
            created_at=max(now, last + _TICK) if last else now,
        )
        message.updated_at = message.created_at
        await insert(store, message, session)
        raw = message.to_mongo()
        await refresh_rollups(store, "messages", raw, session)
        await record(store, session, ChangeKind.CREATED, "messages", [raw])
        return message

    return await store.transaction(run)


async def edit_message(
    store: Datastore, *, message_id: ObjectId, author_id: ObjectId, content: list[Raw]
) -> MessageDoc:
    """Replaces a live message's content; only its author's."""
    query = live({"_id": message_id, "authorId": author_id})

    async def run(session: Session) -> MessageDoc:
        now = utcnow()
        raw = await store.db["messages"].find_one_and_update(
            query,
            {"$set": {"content": content, "editedAt": now, "updatedAt": now}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if raw is None:
            raise NotFound("Message not found", field=("input", "id"))
        await record(store, session, ChangeKind.UPDATED, "messages", [raw])
        return MessageDoc.model_validate(raw)

    return await store.transaction(run)
