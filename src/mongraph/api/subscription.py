"""The root Subscription type: live messages and changes over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, cast

import strawberry

from .. import policy
from ..context import RequestContext
from ..datastore.documents import ConversationDoc, MessageDoc, ProjectDoc
from ..errors import NotFound
from ..execution.executor import SharedEvent
from ..execution.loading import load_one
from ..live import MESSAGES, Delivery
from ..resolvers.changes import follow_changes
from ..resolvers.common import object_id_of
from ..schema.changes import ConversationChange, ProjectChange
from ..schema.chat import Message

__all__ = ["Subscription"]

Info = strawberry.Info[RequestContext, None]


def _payload(delivery: Delivery[MessageDoc]) -> Message:
    return delivery.once(Message, lambda: Message.from_doc(delivery.item))


_AFTER = (
    "A change's `cursor`, or the object's `changeCursor`: every change after it is replayed "
    "first, then the live ones follow, with no gap and no repeat. Omitted: changes from now. "
    "A cursor older than the change log keeps (MONGRAPH_CHANGE_RETENTION) is BAD_USER_INPUT: "
    "refetch the data and subscribe after its `changeCursor`."
)
_ENDS = (
    " It ends with an error when the viewer loses the right to it, as messageAdded does "
    "(UNAUTHENTICATED, FORBIDDEN, NOT_FOUND), and with NOT_FOUND after the PURGED of the "
    "object itself."
)


@strawberry.type(description="Live updates (graphql-transport-ws or the legacy graphql-ws).")
class Subscription:
    @strawberry.subscription(
        description="Messages posted to a conversation the viewer may read "
        "(the viewer's own included), through any gateway instance. It ends with an error "
        "when the viewer loses the right to it: the key revoked (UNAUTHENTICATED), the "
        "account suspended or deleted (FORBIDDEN), the conversation deleted or no longer "
        "shared with them (NOT_FOUND)."
    )
    async def message_added(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="A conversation you may read.")
        ],
    ) -> AsyncGenerator[Message, None]:
        ctx = info.context
        viewer = ctx.viewer
        oid = object_id_of(conversation_id, "Conversation", ("conversationId",))
        conversation = await load_one(ctx, ConversationDoc, oid, include_deleted=False)
        if conversation is None:
            raise NotFound("Conversation not found", field=("conversationId",))
        # Under a Message, only the conversation's trash depends on who reads it.
        audience = policy.may_see_trash(viewer.user, conversation.owner_id)
        async with ctx.hub().subscribe(conversation, viewer, MESSAGES) as subscription:
            while (delivery := await subscription.next()) is not None:
                ctx.loaders.clear()  # a long-lived subscription must not serve stale objects
                event = SharedEvent(_payload(delivery), delivery.made, audience)
                yield cast(Message, event)  # the executor unwraps it (execution.py)

    @strawberry.subscription(
        description="Every committed change to the project and everything in it (scenes, "
        "clips, characters; generated media as UPDATED of their clip), through any gateway "
        "instance, in commit order, each once; for its owner and admins, as reading it by id "
        "(also while it is in the trash)." + _ENDS
    )
    async def project_changes(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID, strawberry.argument(description="A project you may read.")
        ],
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
    ) -> AsyncGenerator[ProjectChange, None]:
        changes = follow_changes(info.context, ProjectDoc, project_id, after, ProjectChange.of)
        async for change in changes:
            yield change

    @strawberry.subscription(
        description="Every committed change to the conversation (created, updated, shared, "
        "deleted, restored) and to its messages (posted, edited, deleted, restored), through "
        "any gateway instance, in commit order, each once; for those who may read it." + _ENDS
    )
    async def conversation_changes(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="A conversation you may read.")
        ],
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
    ) -> AsyncGenerator[ConversationChange, None]:
        changes = follow_changes(
            info.context, ConversationDoc, conversation_id, after, ConversationChange.of
        )
        async for change in changes:
            yield change
