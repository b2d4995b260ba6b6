"""delete / restore / purge of any soft-deletable type, through the generic cascade engine."""

from __future__ import annotations

from typing import Literal

import strawberry

from ..context import RequestContext
from ..datastore import cascade
from ..datastore.relations import COLLECTIONS, collection_for_type
from ..schema.cascade import CascadePayload
from ..schema.ids import encode_global_id
from .common import attempt, object_id_of

__all__ = ["CascadeOp", "cascade_mutation"]

CascadeOp = Literal["delete", "restore", "purge"]


async def cascade_mutation(
    ctx: RequestContext, global_id: strawberry.ID, type_name: str, op: CascadeOp
) -> CascadePayload:
    """delete / restore / purge of any soft-deletable type, through the generic engine."""
    viewer = ctx.viewer
    spec = collection_for_type(type_name)
    assert spec is not None

    async def act() -> cascade.Cascaded:
        oid = object_id_of(global_id, type_name, ("id",))
        if op == "delete":
            return await cascade.soft_delete(
                ctx.store, spec.name, oid, scope=viewer.write_scope, actor_id=viewer.user.id
            )
        if op == "restore":
            return await cascade.restore(ctx.store, spec.name, oid, scope=viewer.write_scope)
        return await cascade.purge(ctx.store, spec.name, oid, scope=viewer.write_scope)

    done, errors = await attempt(ctx, act)
    changed = [] if done is None else done.changed
    return CascadePayload(
        doc=done,
        target_id=global_id,
        affected_count=len(changed),
        user_errors=errors,
        affected_ids=[
            strawberry.ID(encode_global_id(COLLECTIONS[name].type_name, oid))
            for name, oid in changed
        ],
    )
