"""The root Subscription type: live messages over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, cast

import strawberry

from .. import policy
from ..context import RequestContext
from ..datastore.documents import ConversationDoc
from ..errors import NotFound
from ..execution.executor import SharedEvent
from ..execution.loading import load_one
from ..live import Delivery
from ..resolvers.common import object_id_of
from ..schema.chat import Message

__all__ = ["Subscription"]

Info = strawberry.Info[RequestContext, None]


def _payload(delivery: Delivery) -> Message:
    return delivery.once(Message, lambda: Message.from_doc(delivery.message))


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
        async with ctx.hub().subscribe(conversation, viewer) as subscription:
            while (delivery := await subscription.next()) is not None:
                ctx.loaders.clear()  # a long-lived subscription must not serve stale objects
                event = SharedEvent(_payload(delivery), delivery.made, audience)
                yield cast(Message, event)  # the executor unwraps it (execution.py)
