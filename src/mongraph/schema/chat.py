"""Chat types: conversations (owned, shareable) and their messages."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from ..context import RequestContext
from ..datastore.change_log import cursor_of
from ..datastore.documents import ContentDoc, ConversationDoc, MessageDoc, MetadataDoc
from ..execution.connection import Connection
from ..execution.loading import Where, text_pattern
from ..execution.relation_fields import Arg
from ..execution.relation_kinds import ChildCount, ChildPage, ParentLink
from ..pages import CHILD_PAGE_SIZE
from ..policy import may_see_trash
from .common import Node, SoftDeletable, described_enum
from .document_views import document_view, view_of
from .ids import encode_global_id
from .paging import PAGING
from .profile import UserProfile

__all__ = [
    "ContentType",
    "Conversation",
    "ConversationStatus",
    "Message",
    "MessageContent",
    "MessageFilter",
    "MessageMetadata",
    "MessageRole",
]

Info = strawberry.Info[RequestContext, None]

IncludeDeleted = Annotated[
    bool | None, strawberry.argument(description="Deleted ones too (the owner's trash only).")
]


@described_enum(
    "Whether a conversation is in the inbox or archived.",
    ACTIVE="In the inbox: the default for a new conversation.",
    ARCHIVED="Moved out of the inbox; still readable and searchable.",
)
class ConversationStatus(Enum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


@described_enum(
    "Who a message speaks for.",
    USER="Written by the person who owns the conversation.",
    ASSISTANT="Written by the assistant in answer to the user.",
    SYSTEM="An instruction or notice from the system, not a person.",
)
class MessageRole(Enum):
    USER = "USER"
    ASSISTANT = "ASSISTANT"
    SYSTEM = "SYSTEM"


@described_enum(
    "Kind of a message part.",
    TEXT="Plain text, in the part's `text`.",
    IMAGE="An image, by the http(s) URL in the part's `url`.",
)
class ContentType(Enum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"


@document_view(ContentDoc, type=lambda d: ContentType(d.type))
@strawberry.type(description="A part of a message: text, or an image by URL.")
class MessageContent:
    doc: strawberry.Private[ContentDoc]
    type: ContentType = strawberry.field(description="Whether this part is text or an image.")
    text: str | None = strawberry.field(description="The text of a TEXT part.")
    url: str | None = strawberry.field(description="The URL of an IMAGE part.")

    @classmethod
    def from_doc(cls, doc: ContentDoc) -> MessageContent:
        return view_of(cls, doc)


@document_view(MetadataDoc)
@strawberry.type(description="How an assistant message was produced.")
class MessageMetadata:
    doc: strawberry.Private[MetadataDoc]
    source_modules: list[str] = strawberry.field(description="Modules that contributed.")
    processing_time_ms: int | None = strawberry.field(
        description="Milliseconds it took to produce the message."
    )


async def _shared_with(root: Conversation, info: Info) -> list[UserProfile]:
    users = await info.context.loaders.by_id("users").load_many(root.doc.shared_with)
    return [UserProfile.from_doc(u) for u in users if u is not None]


@strawberry.input(description="Narrows a conversation's messages; all given conditions must hold.")
class MessageFilter:
    role: MessageRole | None = strawberry.field(
        default=None, description="Only the messages spoken for this role."
    )
    text_contains: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of one of its text parts (taken literally).",
    )


MessageFilterArg = Annotated[
    MessageFilter | None,
    strawberry.argument(description="Only the messages that match every field set here."),
]


def _message_conditions(args: dict[str, Any]) -> Where:
    where: MessageFilter | None = args.get("where")
    conditions: list[tuple[str, Any]] = []
    if where is not None:
        if where.role is not None:
            conditions.append(("role", where.role.value))
        if where.text_contains:
            conditions.append(("content.text", text_pattern(where.text_contains, "textContains")))
    return tuple(conditions)


def _change_cursor(root: Conversation, info: Info) -> str:
    return cursor_of(info.context.store, root.doc.id, root.doc.change_seq)


def _trash(ctx: RequestContext, doc: ConversationDoc, args: dict[str, Any]) -> bool:
    """Deleted messages are listed only for the conversation's owner (or an admin)."""
    return bool(args.get("include_deleted")) and may_see_trash(ctx.viewer.user, doc.owner_id)


@document_view(
    ConversationDoc,
    id=lambda d: encode_global_id("Conversation", d.id),
    status=lambda d: ConversationStatus(d.status),
)
@strawberry.type(description="A conversation: its owner posts, the users it is shared with read.")
class Conversation(Node, SoftDeletable):
    doc: strawberry.Private[ConversationDoc]
    title: str = strawberry.field(description="Title, 1 to 200 characters.")
    status: ConversationStatus = strawberry.field(
        description="Whether the conversation is in the inbox or archived."
    )
    folder_path: str | None = strawberry.field(description="Folder, e.g. /work/ideas.")
    last_message_at: datetime | None = strawberry.field(
        description="When the newest live message was posted; null without messages."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: ConversationDoc) -> Conversation:
        return view_of(cls, doc)

    owner: UserProfile = ParentLink("users", lambda d: d.owner_id).field(
        "The account that owns it, as others see it."
    )

    shared_with: list[UserProfile] = strawberry.field(
        resolver=_shared_with, description="The users who may read it."
    )
    change_cursor: str = strawberry.field(
        resolver=_change_cursor,
        description="Position of the latest change to the conversation or its messages when "
        "the conversation was read: subscribe to `conversationChanges` with `after` set to "
        "it to get every change after this read.",
    )
    message_count: int = ChildCount("conversation.messages").field(
        "Number of its messages that are not deleted."
    )
    messages: Connection[Message] = ChildPage(
        "conversation.messages", include_deleted=_trash, where=_message_conditions
    ).field(
        "Oldest first. `last`/`before` page backwards from the newest. "
        f"Neither first nor last: the first {CHILD_PAGE_SIZE}.",
        **PAGING,
        where=Arg(MessageFilterArg),
        include_deleted=Arg(IncludeDeleted, False),
    )


@document_view(
    MessageDoc,
    id=lambda d: encode_global_id("Message", d.id),
    role=lambda d: MessageRole(d.role),
    content=lambda d: [MessageContent.from_doc(c) for c in d.content],
    metadata=lambda d: None if d.metadata is None else view_of(MessageMetadata, d.metadata),
)
@strawberry.type(description="A message of a conversation.")
class Message(Node, SoftDeletable):
    doc: strawberry.Private[MessageDoc]
    role: MessageRole = strawberry.field(
        description="Who the message speaks for: the user, the assistant or the system."
    )
    content: list[MessageContent] = strawberry.field(description="Its parts, in order.")
    metadata: MessageMetadata | None = strawberry.field(description="How it was produced.")
    created_at: datetime = strawberry.field(description="When the message was posted (UTC).")
    edited_at: datetime | None = strawberry.field(description="When it was last edited.")

    @classmethod
    def from_doc(cls, doc: MessageDoc) -> Message:
        return view_of(cls, doc)

    conversation: Conversation = ParentLink("conversations", lambda d: d.conversation_id).field(
        "The conversation it belongs to (even when that is deleted)."
    )
    author: UserProfile | None = ParentLink("users", lambda d: d.author_id, required=False).field(
        "Who posted it; null when that account is gone."
    )
