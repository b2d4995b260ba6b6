"""Change streams: what happened to chat documents and accounts, from MongoDB (not from
process memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from .client import Datastore
from .documents import ChangeDoc, ConversationDoc, MessageDoc, UserDoc

__all__ = [
    "ChangeRecorded",
    "ChatEvent",
    "ConversationChanged",
    "MessageInserted",
    "StreamOpened",
    "UserChanged",
    "watch_chat",
]


@dataclass(frozen=True)
class StreamOpened:
    """The stream is open: changes from now on will be seen."""


@dataclass(frozen=True)
class MessageInserted:
    message: MessageDoc


@dataclass(frozen=True)
class ConversationChanged:
    conversation_id: ObjectId
    conversation: ConversationDoc | None
    """The document after the change; None when it is gone."""


@dataclass(frozen=True)
class UserChanged:
    """An account changed: its keys, status or roles may no longer allow what it holds open."""

    user_id: ObjectId
    user: UserDoc | None
    """The document after the change; None when it is gone."""


@dataclass(frozen=True)
class ChangeRecorded:
    """A change to a project or conversation, or to an object under it, was committed
    (`change_log.py`)."""

    change: ChangeDoc


ChatEvent = StreamOpened | MessageInserted | ConversationChanged | UserChanged | ChangeRecorded

_PIPELINE = [
    {
        "$match": {
            "$or": [
                {
                    "ns.coll": {"$in": ["messages", "conversations", "users"]},
                    "operationType": {"$in": ["insert", "update", "replace", "delete"]},
                },
                {"ns.coll": ChangeDoc.collection, "operationType": "insert"},
            ]
        }
    }
]


async def watch_chat(
    store: Datastore, *, resume_after: Mapping[str, Any] | None = None
) -> AsyncIterator[tuple[ChatEvent, Mapping[str, Any] | None]]:
    """One database-level change stream over messages, conversations, users and the change
    log's new entries.

    Yields `(event, resume token)`. The driver resumes by itself after one
    dropped connection; a caller that sees this generator fail can open it again
    with the last token it got.
    """
    async with await store.db.watch(
        _PIPELINE, full_document="updateLookup", resume_after=resume_after
    ) as stream:
        yield StreamOpened(), stream.resume_token
        async for change in stream:
            event = _event(change)
            if event is not None:
                yield event, stream.resume_token


def _event(change: Mapping[str, Any]) -> ChatEvent | None:
    collection = change["ns"]["coll"]
    document = change.get("fullDocument")
    if collection == ChangeDoc.collection:
        return ChangeRecorded(ChangeDoc.model_validate(document)) if document else None
    if collection == "messages":
        if change["operationType"] == "insert" and document is not None:
            return MessageInserted(MessageDoc.model_validate(document))
        return None
    if document is None and change["operationType"] != "delete":
        # Updated, then deleted before the stream looked it up (a purge claims the
        # conversation's change log positions, then deletes it): its delete event follows,
        # after the events committed between the two.
        return None
    document_id = change["documentKey"]["_id"]
    if collection == "users":
        return UserChanged(document_id, UserDoc.model_validate(document) if document else None)
    parsed = ConversationDoc.model_validate(document) if document is not None else None
    return ConversationChanged(document_id, parsed)
