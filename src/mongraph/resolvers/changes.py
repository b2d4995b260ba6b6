"""`projectChanges` / `conversationChanges`: authorize as a read, then follow the change log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from .. import policy
from ..change_feed import ChangeFeed
from ..context import RequestContext
from ..datastore.change_log import position_of
from ..datastore.documents import ChangeDoc, ConversationDoc, ProjectDoc
from ..errors import NotFound
from ..execution.executor import SharedEvent
from ..execution.loading import load_one
from ..live import CHANGES
from .common import object_id_of

__all__ = ["follow_changes"]

Scope = ProjectDoc | ConversationDoc


async def follow_changes(
    ctx: RequestContext,
    doc_type: type[Scope],
    global_id: str,
    after: str | None,
    make: Callable[[RequestContext, ChangeDoc], Any],
) -> AsyncIterator[Any]:
    """The changes of the project or conversation `global_id` after the cursor `after` (or
    after now), each as `make` builds its payload: replayed ones for this subscriber alone,
    live ones as `SharedEvent`s (one execution per distinct selection for every subscriber).

    `NOT_FOUND` when the viewer may not read it, as `node(id:)` would say (its owner and
    admins follow it in the trash too); later, when that changes (see live.py).
    """
    viewer = ctx.viewer
    type_name = doc_type.__name__.removesuffix("Doc")
    field = (f"{type_name[0].lower()}{type_name[1:]}Id",)
    oid = object_id_of(global_id, type_name, field)
    scope = await load_one(ctx, doc_type, oid)
    if scope is None or not policy.follows_changes(
        scope, viewer.user.id, policy.is_admin(viewer.user)
    ):
        raise NotFound(f"{type_name} not found", field=field)
    start = scope.change_seq if after is None else position_of(ctx.store, oid, after)
    # Under a change's node, only the trash depends on who reads it (as for messageAdded).
    audience = policy.may_see_trash(viewer.user, scope.owner_id)
    async with ctx.hub().subscribe(scope, viewer, CHANGES) as subscription:
        feed = ChangeFeed(ctx.store, subscription, after=start, known=scope.change_seq)
        async for batch in feed.batches():
            ctx.loaders.clear()  # each node as it is when delivered
            if batch.shared is not None:
                shared = batch.shared
                payload = shared.once(make, partial(make, ctx, shared.item))
                yield SharedEvent(payload, shared.made, audience)
                continue
            keys = [(c.node_collection, c.node_id) for c in batch.changes]
            await ctx.loaders.any_by_id().load_many(keys)  # one command for the batch
            for change in batch.changes:
                yield make(ctx, change)
