"""Chat queries and mutations: the viewer's and shared conversations, posting, editing."""

from __future__ import annotations

from typing import Any

from .. import policy
from ..context import RequestContext
from ..datastore import chat
from ..datastore.documents import ConversationDoc, MessageDoc
from ..datastore.writes import update_live
from ..errors import BadInput, Forbidden, NotFound
from ..execution.connection import Connection
from ..execution.loading import PageArgs, load_one
from ..schema.chat import Conversation, Message
from ..schema.chat_inputs import (
    ConversationFilter,
    ConversationOrder,
    ConversationPayload,
    CreateConversationInput,
    EditMessageInput,
    MessageContentInput,
    MessagePayload,
    PostMessageInput,
    ShareConversationInput,
    UpdateConversationInput,
    conversations_of,
)
from ..schema.common import UserError
from .common import attempt, object_id_of, provided
from .listing import list_connection
from .nodes import resolve_node
from .validation import ConversationFields, validated, validated_content

__all__ = [
    "create_conversation",
    "edit_message",
    "get_conversation",
    "leave_conversation",
    "list_conversations",
    "post_message",
    "share_conversation",
    "update_conversation",
]


async def list_conversations(
    ctx: RequestContext,
    *,
    reader_id: Any,
    paging: PageArgs,
    where: ConversationFilter | None,
    order_by: ConversationOrder | None,
    include_deleted: bool,
) -> Connection[Conversation]:
    selection = conversations_of(ctx.viewer, reader_id, where, order_by)
    return await list_connection(
        ctx, "conversations", selection, paging,
        convert=Conversation.from_doc, include_deleted=include_deleted,
    )  # fmt: skip


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
            ctx.store, "conversations", oid, scope=viewer.write_scope, set_fields=fields
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
            ctx.store, scope=viewer.write_scope, conversation_id=oid, user_ids=readers
        )
        return Conversation.from_doc(doc)

    conversation, errors = await attempt(ctx, act)
    return ConversationPayload(conversation=conversation, user_errors=errors)


async def leave_conversation(ctx: RequestContext, global_id: str) -> ConversationPayload:
    viewer = ctx.viewer

    async def act() -> None:
        oid = object_id_of(global_id, "Conversation", ("id",))
        await chat.leave_conversation(ctx.store, conversation_id=oid, user_id=viewer.user.id)

    _, errors = await attempt(ctx, act)
    return ConversationPayload(conversation=None, user_errors=errors)


def _content(parts: list[MessageContentInput]) -> list[dict[str, Any]]:
    raw = [{"type": p.type.value, **provided(p, exclude=("type",))} for p in parts]
    return validated_content(raw, prefix=("input", "content"))


async def _refuse_if_visible(ctx: RequestContext, global_id: str, refusal: Forbidden) -> None:
    """A write refused as not found, for an object the viewer can in fact read (an admin,
    a reader of a shared conversation): FORBIDDEN says so ("not found" would be false)."""
    if await resolve_node(ctx, global_id) is not None:
        raise refusal


async def post_message(ctx: RequestContext, data: PostMessageInput) -> MessagePayload:
    """Only the conversation's owner posts to it: admins moderate (delete, restore) but
    never speak as another user, and readers of a shared conversation only read."""
    viewer = ctx.viewer

    async def act() -> MessageDoc:
        field = ("input", "conversationId")
        oid = object_id_of(data.conversation_id, "Conversation", field)
        content = _content(data.content)
        try:
            doc = await chat.post_message(
                ctx.store,
                scope=policy.speaker_scope(viewer.user),
                conversation_id=oid,
                author_id=viewer.user.id,
                role=data.role.value,
                content=content,
            )
        except NotFound:
            refusal = Forbidden("only the conversation's owner posts to it", field=field)
            await _refuse_if_visible(ctx, data.conversation_id, refusal)
            raise
        return doc

    return _message_payload(*await attempt(ctx, act))


async def edit_message(ctx: RequestContext, data: EditMessageInput) -> MessagePayload:
    """Only a message's author edits it (an edit by anyone else would still show the
    author's name over words they did not write)."""
    viewer = ctx.viewer

    async def act() -> MessageDoc:
        oid = object_id_of(data.id, "Message", ("input", "id"))
        content = _content(data.content)
        try:
            doc = await chat.edit_message(
                ctx.store, message_id=oid, author_id=viewer.user.id, content=content
            )
        except NotFound:
            refusal = Forbidden("only the message's author edits it", field=("input", "id"))
            await _refuse_if_visible(ctx, data.id, refusal)
            raise
        return doc

    return _message_payload(*await attempt(ctx, act))


def _message_payload(doc: MessageDoc | None, errors: list[UserError]) -> MessagePayload:
    """The payload's `conversation` loads after the write (`MessagePayload`)."""
    message = None if doc is None else Message.from_doc(doc)
    return MessagePayload(doc=doc, message=message, user_errors=errors)
