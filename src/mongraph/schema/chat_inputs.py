"""Chat filters, orderings, mutation inputs and payloads."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from ..auth import Viewer
from ..datastore.documents import MessageDoc
from ..datastore.live import live
from ..execution.loading import ListSelection, contains
from ..execution.relation_kinds import ParentLink
from ..policy import conversations_scope
from .chat import ContentType, Conversation, ConversationStatus, Message, MessageRole
from .common import RootQuery, SortDirection, UserError, described_enum, root_field

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
    "conversations_of",
]

UNSET = strawberry.UNSET
_ERRORS = "Why it failed, if it did (the object is then null)."


@strawberry.input(description="Narrows the `conversations` list; all given conditions must hold.")
class ConversationFilter:
    status: ConversationStatus | None = strawberry.field(
        default=None, description="Only the items whose status is this one."
    )
    title_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the title (taken literally)."
    )
    folder_path: str | None = strawberry.field(default=None, description="Exactly this folder.")


@described_enum(
    "What the `conversations` list is sorted by.",
    LAST_MESSAGE_AT="By the time of the latest live message (empty ones last).",
    CREATED_AT="By when the conversation was created.",
    TITLE="By title, as stored (byte order).",
)
class ConversationOrderField(Enum):
    LAST_MESSAGE_AT = "LAST_MESSAGE_AT"
    CREATED_AT = "CREATED_AT"
    TITLE = "TITLE"


@strawberry.input(description="Sort order of the `conversations` list (ties broken by id).")
class ConversationOrder:
    field: ConversationOrderField = strawberry.field(description="The field the list is sorted by.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Ascending or descending."
    )


ConversationFilterArg = Annotated[
    ConversationFilter | None,
    strawberry.argument(description="Only the items that match every field set here."),
]
ConversationOrderArg = Annotated[
    ConversationOrder | None, strawberry.argument(description="Default: LAST_MESSAGE_AT DESC.")
]


@strawberry.input(description="A new conversation, owned by the viewer.")
class CreateConversationInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    folder_path: str | None = strawberry.field(
        default=UNSET, description="A folder path to file the conversation under."
    )


@strawberry.input(description="Changes to a conversation; omitted fields stay as they are.")
class UpdateConversationInput:
    id: strawberry.ID = strawberry.field(description="Global id of the conversation.")
    title: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    status: ConversationStatus | None = strawberry.field(
        default=UNSET, description="Move the conversation to the inbox or to the archive."
    )
    folder_path: str | None = strawberry.field(
        default=UNSET, description="A folder path to file the conversation under."
    )


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
    text: str | None = strawberry.field(
        default=UNSET, description="The part's text, at most 32 KB."
    )
    url: str | None = strawberry.field(
        default=UNSET, description="Where the file is: an http or https URL."
    )


@strawberry.input(description="A message to post (the conversation's owner posts).")
class PostMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="Global id of the conversation.")
    role: MessageRole = strawberry.field(
        default=MessageRole.USER,
        description="Who the message speaks for: the user, the assistant or the system.",
    )
    content: list[MessageContentInput] = strawberry.field(
        description="The message's parts, 1 to 20 of them."
    )


@strawberry.input(description="New content for a message (its author only).")
class EditMessageInput:
    id: strawberry.ID = strawberry.field(description="Global id of the message.")
    content: list[MessageContentInput] = strawberry.field(
        description="The message's parts, 1 to 20 of them."
    )


@strawberry.type(description="Result of a conversation mutation.")
class ConversationPayload:
    conversation: Conversation | None = strawberry.field(
        description="The conversation; null on failure."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of a message mutation.")
class MessagePayload:
    doc: strawberry.Private[MessageDoc | None] = None
    message: Message | None = strawberry.field(description="The message; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    conversation: Conversation | None = ParentLink(
        "conversations", lambda message: message and message.conversation_id, required=False
    ).field(
        "The message's conversation after the change, `messageCount` and `lastMessageAt` "
        "current; null on failure."
    )
    query: RootQuery = root_field()


_ORDER_FIELDS = {
    ConversationOrderField.LAST_MESSAGE_AT: "lastMessageSort",
    ConversationOrderField.CREATED_AT: "createdAt",
    ConversationOrderField.TITLE: "title",
}


def conversations_of(
    viewer: Viewer,
    reader_id: Any,
    where: ConversationFilter | None,
    order_by: ConversationOrder | None,
) -> ListSelection:
    """The conversations a `conversations` list of `reader_id` shows (those they own or
    that are shared with them, as far as the viewer may see: `policy`), filtered and
    ordered; in the trash, their own only."""
    scope = conversations_scope(viewer.user, reader_id)
    order = order_by or ConversationOrder(field=ConversationOrderField.LAST_MESSAGE_AT)
    query: dict[str, Any] = {"$or": [{"ownerId": scope.owner_id}, live({})]}
    if where is not None:
        query = {"$and": [query, _filter(where)]}
    descending = order.direction is SortDirection.DESC
    return ListSelection(query, _ORDER_FIELDS[order.field], descending, scope)


def _filter(where: ConversationFilter) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if where.status is not None:
        query["status"] = where.status.value
    if where.folder_path is not None:
        query["folderPath"] = where.folder_path
    if where.title_contains:
        query["title"] = contains(where.title_contains, "titleContains")
    return query
