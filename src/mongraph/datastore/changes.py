"""Change streams: what happened to chat documents, from MongoDB (not from process memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from .client import Datastore
from .documents import ConversationDoc, MessageDoc

__all__ = ["ConversationChanged", "MessageInserted", "StreamOpened", "watch_chat"]


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


ChatEvent = StreamOpened | MessageInserted | ConversationChanged

_PIPELINE = [
    {
        "$match": {
            "ns.coll": {"$in": ["messages", "conversations"]},
            "operationType": {"$in": ["insert", "update", "replace", "delete"]},
        }
    }
]


async def watch_chat(
    store: Datastore, *, resume_after: Mapping[str, Any] | None = None
) -> AsyncIterator[tuple[ChatEvent, Mapping[str, Any] | None]]:
    """One database-level change stream over messages and conversations.

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
    if collection == "messages":
        if change["operationType"] == "insert" and document is not None:
            return MessageInserted(MessageDoc.model_validate(document))
        return None
    conversation_id = change["documentKey"]["_id"]
    parsed = ConversationDoc.model_validate(document) if document is not None else None
    return ConversationChanged(conversation_id, parsed)
