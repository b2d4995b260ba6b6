"""Chat filters, orderings, mutation inputs and payloads."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from .chat import ContentType, Conversation, ConversationStatus, Message, MessageRole
from .common import SortDirection, UserError

__all__ = [
    "ConversationFilter",
    "ConversationFilterArg",
    "ConversationOrder",
    "ConversationOrderArg",
    "ConversationOrderField",
    "ConversationPayload",
    "CreateConversationInput",
    "EditMessageInput",
    "MessageContentInput",
    "MessagePayload",
    "PostMessageInput",
    "ShareConversationInput",
    "UpdateConversationInput",
]

UNSET = strawberry.UNSET
_ERRORS = "Why it failed, if it did (the object is then null)."


@strawberry.input(description="Narrows the `conversations` list; all given conditions must hold.")
class ConversationFilter:
    status: ConversationStatus | None = strawberry.field(
        default=None, description="Only this status."
    )
    title_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the title (taken literally)."
    )
    folder_path: str | None = strawberry.field(default=None, description="Exactly this folder.")


@strawberry.enum(description="What the `conversations` list is sorted by.")
class ConversationOrderField(Enum):
    LAST_MESSAGE_AT = "LAST_MESSAGE_AT"
    CREATED_AT = "CREATED_AT"
    TITLE = "TITLE"


@strawberry.input(description="Sort order of the `conversations` list (ties broken by id).")
class ConversationOrder:
    field: ConversationOrderField = strawberry.field(description="The sort key.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Ascending or descending."
    )


ConversationFilterArg = Annotated[
    ConversationFilter | None, strawberry.argument(description="Filter.")
]
ConversationOrderArg = Annotated[
    ConversationOrder | None, strawberry.argument(description="Default: LAST_MESSAGE_AT DESC.")
]


@strawberry.input(description="A new conversation, owned by the viewer.")
class CreateConversationInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    folder_path: str | None = strawberry.field(default=UNSET, description="Folder.")


@strawberry.input(description="Changes to a conversation; omitted fields stay as they are.")
class UpdateConversationInput:
    id: strawberry.ID = strawberry.field(description="The conversation.")
    title: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    status: ConversationStatus | None = strawberry.field(default=UNSET, description="Status.")
    folder_path: str | None = strawberry.field(default=UNSET, description="Folder.")


@strawberry.input(
    description="Sets the full list of users the conversation is shared with "
    "(an empty list unshares)."
)
class ShareConversationInput:
    id: strawberry.ID = strawberry.field(description="The conversation (yours).")
    user_ids: list[strawberry.ID] = strawberry.field(description="Every reader, by User id.")


@strawberry.input(description="A part of a message.")
class MessageContentInput:
    type: ContentType = strawberry.field(description="TEXT needs `text`, IMAGE needs `url`.")
    text: str | None = strawberry.field(default=UNSET, description="At most 32 KB.")
    url: str | None = strawberry.field(default=UNSET, description="An http(s) URL.")


@strawberry.input(description="A message to post (the conversation's owner posts).")
class PostMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    role: MessageRole = strawberry.field(default=MessageRole.USER, description="Who it speaks for.")
    content: list[MessageContentInput] = strawberry.field(description="1 to 20 parts.")


@strawberry.input(description="New content for a message (its author only).")
class EditMessageInput:
    id: strawberry.ID = strawberry.field(description="The message.")
    content: list[MessageContentInput] = strawberry.field(description="1 to 20 parts.")


@strawberry.type(description="Result of a conversation mutation.")
class ConversationPayload:
    conversation: Conversation | None = strawberry.field(
        description="The conversation; null on failure."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of a message mutation.")
class MessagePayload:
    message: Message | None = strawberry.field(description="The message; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
