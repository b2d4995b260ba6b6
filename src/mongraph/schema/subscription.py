"""The root Subscription type: live messages over WebSocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from ..context import RequestContext
from ..datastore.documents import ConversationDoc
from ..errors import NotFound
from ..resolvers.common import object_id_of
from ..resolvers.relations import load_one
from .chat import Message

__all__ = ["Subscription"]

Info = strawberry.Info[RequestContext, None]


@strawberry.type(description="Live updates (graphql-transport-ws or the legacy graphql-ws).")
class Subscription:
    @strawberry.subscription(
        description="Messages posted to a conversation the viewer may read "
        "(the viewer's own included), through any gateway instance."
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
        async with ctx.hub().subscribe(
            conversation, viewer.user.id, admin=viewer.is_admin
        ) as subscription:
            while (message := await subscription.next()) is not None:
                ctx.loaders.clear()  # a long-lived connection must not serve stale objects
                yield Message.from_doc(message)
