"""Chat queries and mutations: the viewer's and shared conversations, posting, editing."""

from __future__ import annotations

import re
from typing import Any

from ..context import RequestContext
from ..datastore import chat
from ..datastore.documents import ConversationDoc
from ..datastore.pagination import PageRequest
from ..datastore.repository import Repository, Scope
from ..datastore.writes import update_live
from ..errors import BadInput
from ..schema.chat import Conversation, Message
from ..schema.chat_inputs import (
    ConversationFilter,
    ConversationOrder,
    ConversationOrderField,
    ConversationPayload,
    CreateConversationInput,
    EditMessageInput,
    MessageContentInput,
    MessagePayload,
    PostMessageInput,
    ShareConversationInput,
    UpdateConversationInput,
)
from ..schema.common import Connection, SortDirection
from .common import attempt, object_id_of, provided
from .paging import check_page_size, to_connection
from .relations import load_one
from .validation import NAME_MAX, ConversationFields, validated, validated_content

__all__ = [
    "create_conversation",
    "edit_message",
    "get_conversation",
    "list_conversations",
    "post_message",
    "share_conversation",
    "update_conversation",
]

_ORDER_FIELDS = {
    ConversationOrderField.LAST_MESSAGE_AT: "lastMessageSort",
    ConversationOrderField.CREATED_AT: "createdAt",
    ConversationOrderField.TITLE: "title",
}


async def list_conversations(
    ctx: RequestContext,
    *,
    reader_id: Any,
    first: int | None,
    after: str | None,
    where: ConversationFilter | None,
    order_by: ConversationOrder | None,
    include_deleted: bool,
) -> Connection[Conversation]:
    """Conversations `reader_id` owns or that are shared with them; trash: their own only."""
    ctx.viewer  # noqa: B018 - authentication check
    limit = check_page_size(first, "first", 20)
    order = order_by or ConversationOrder(field=ConversationOrderField.LAST_MESSAGE_AT)
    direction = 1 if order.direction is SortDirection.ASC else -1
    sort = ((_ORDER_FIELDS[order.field], direction),)
    ordering = f"conversations:{sort[0][0]}:{direction}"
    cursor = ctx.store.cursors.decode(ordering, after) if after else None
    shared: dict[str, Any] = {"sharedWith": reader_id, "deletedAt": None}
    query: dict[str, Any] = {"$or": [{"ownerId": reader_id}, shared]}
    if where is not None:
        query = {"$and": [query, _filter(where)]}
    repo = Repository(ctx.store, "conversations", Scope(owner_id=reader_id))
    page = await repo.find_page(
        query,
        sort=sort,
        ordering=ordering,
        page=PageRequest(limit=limit, cursor=cursor),
        include_deleted=include_deleted,
    )

    async def count() -> int:
        return await repo.count(query, include_deleted=include_deleted)

    return to_connection(page, Conversation.from_doc, count)  # type: ignore[arg-type]


def _filter(where: ConversationFilter) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if where.status is not None:
        query["status"] = where.status.value
    if where.folder_path is not None:
        query["folderPath"] = where.folder_path
    if where.title_contains:
        if len(where.title_contains) > NAME_MAX:
            raise BadInput(
                f"`titleContains` is at most {NAME_MAX} characters",
                field=("where", "titleContains"),
            )
        query["title"] = {"$regex": re.escape(where.title_contains), "$options": "i"}
    return query


async def get_conversation(ctx: RequestContext, global_id: str) -> Conversation | None:
    ctx.viewer  # noqa: B018 - authentication check
    oid = object_id_of(global_id, "Conversation", ("id",))
    doc = await load_one(ctx, ConversationDoc, oid, include_deleted=False)
    return None if doc is None else Conversation.from_doc(doc)


async def create_conversation(
    ctx: RequestContext, data: CreateConversationInput
) -> ConversationPayload:
    viewer = ctx.viewer

    async def act() -> Conversation:
        fields = validated(ConversationFields, provided(data), required=("title",))
        doc = await chat.create_conversation(ctx.store, owner_id=viewer.user.id, fields=fields)
        return Conversation.from_doc(doc)

    conversation, errors = await attempt(ctx, act)
    return ConversationPayload(conversation=conversation, user_errors=errors)


async def update_conversation(
    ctx: RequestContext, data: UpdateConversationInput
) -> ConversationPayload:
    viewer = ctx.viewer

    async def act() -> Conversation:
        oid = object_id_of(data.id, "Conversation", ("input", "id"))
        fields = validated(
            ConversationFields,
            provided(data, exclude=("id",)),
            required=(),
            non_null=("title", "status"),
        )
        doc = await update_live(
            ctx.store, "conversations", oid, scope=viewer.scope, set_fields=fields
        )
        return Conversation.from_doc(doc)  # type: ignore[arg-type]

    conversation, errors = await attempt(ctx, act)
    return ConversationPayload(conversation=conversation, user_errors=errors)


async def share_conversation(
    ctx: RequestContext, data: ShareConversationInput
) -> ConversationPayload:
    viewer = ctx.viewer

    async def act() -> Conversation:
        oid = object_id_of(data.id, "Conversation", ("input", "id"))
        if len(data.user_ids) > 100:
            raise BadInput("share with at most 100 users", field=("input", "userIds"))
        readers = [object_id_of(u, "User", ("input", "userIds")) for u in data.user_ids]
        doc = await chat.share_conversation(
            ctx.store, scope=viewer.scope, conversation_id=oid, user_ids=readers
        )
        return Conversation.from_doc(doc)

    conversation, errors = await attempt(ctx, act)
    return ConversationPayload(conversation=conversation, user_errors=errors)


def _content(parts: list[MessageContentInput]) -> list[dict[str, Any]]:
    raw = [{"type": p.type.value, **provided(p, exclude=("type",))} for p in parts]
    return validated_content(raw, prefix=("input", "content"))


async def post_message(ctx: RequestContext, data: PostMessageInput) -> MessagePayload:
    viewer = ctx.viewer

    async def act() -> Message:
        oid = object_id_of(data.conversation_id, "Conversation", ("input", "conversationId"))
        doc = await chat.post_message(
            ctx.store,
            scope=viewer.scope,
            conversation_id=oid,
            author_id=viewer.user.id,
            role=data.role.value,
            content=_content(data.content),
        )
        return Message.from_doc(doc)

    message, errors = await attempt(ctx, act)
    return MessagePayload(message=message, user_errors=errors)


async def edit_message(ctx: RequestContext, data: EditMessageInput) -> MessagePayload:
    viewer = ctx.viewer

    async def act() -> Message:
        oid = object_id_of(data.id, "Message", ("input", "id"))
        doc = await chat.edit_message(
            ctx.store,
            scope=viewer.scope,
            message_id=oid,
            author_id=None if viewer.is_admin else viewer.user.id,
            content=_content(data.content),
        )
        return Message.from_doc(doc)

    message, errors = await attempt(ctx, act)
    return MessagePayload(message=message, user_errors=errors)
