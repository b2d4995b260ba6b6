"""`node(id)` / `nodes(ids)`: any object by global id, through the per-request loaders."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ..auth import Viewer
from ..context import RequestContext
from ..datastore.documents import SoftDeletableDoc, UserDoc
from ..datastore.relations import RELATIONS, collection_for_type, holder_of_type
from ..datastore.repository import to_object_id
from ..errors import BadInput
from ..schema.chat import Conversation, Message
from ..schema.identity import ApiKey, CreditTransaction, User
from ..schema.ids import decode_global_id
from ..schema.storyboard import Character, Clip, Project, Scene

__all__ = ["MAX_NODES", "NODE_TYPES", "check_node_ids", "resolve_node", "resolve_nodes"]

MAX_NODES = 100
NODE_TYPES = (
    Project, Scene, Clip, Character, User, CreditTransaction, Conversation, Message, ApiKey,
)  # fmt: skip
"""The types `node(id:)` resolves: each built from a document of its collection."""
_BUILDERS: dict[str, Callable[[Any], Any]] = {t.__name__: t.from_doc for t in NODE_TYPES}


def check_node_ids(ids: Sequence[str]) -> None:
    """At most `MAX_NODES` ids, none repeated: the cost model counts one object per id, and
    an object asked for twice would be answered twice (a cheap way to multiply a response).
    Ids are compared by what they decode to, so two spellings of one id are a repeat too."""
    if len(ids) > MAX_NODES:
        raise BadInput(f"at most {MAX_NODES} ids per `nodes` call", field=("ids",))
    seen: set[object] = set()
    for global_id in ids:
        try:
            key: object = decode_global_id(global_id)
        except BadInput:
            key = global_id  # resolve_node refuses it
        if key in seen:
            raise BadInput("`ids` repeats an id", field=("ids",))
        seen.add(key)


async def resolve_node(ctx: RequestContext, global_id: str) -> Any:
    """The object, or None when it does not exist, is deleted or the viewer may not see it."""
    viewer = ctx.viewer  # UNAUTHENTICATED for anonymous callers, before any lookup
    type_name, hex_id = decode_global_id(global_id)
    spec = collection_for_type(type_name)
    build = _BUILDERS.get(type_name)
    oid = to_object_id(hex_id)
    if build is None or oid is None:
        return None
    if spec is None:
        return await _resolve_embedded(ctx, viewer, type_name, oid, build)
    doc = await ctx.loaders.any_by_id().load((spec.name, oid))
    if doc is None or (isinstance(doc, SoftDeletableDoc) and doc.deleted_at is not None):
        return None
    if spec.read_via is not None:
        # readable only through a parent the viewer may read
        rel = RELATIONS[spec.read_via]
        parent_id = doc.model_dump(by_alias=True).get(rel.foreign_key)
        if await ctx.loaders.by_id(rel.parent).load(parent_id) is None:
            return None
    shown = _as_seen(viewer, doc)
    return None if shown is None else build(shown)


async def resolve_nodes(ctx: RequestContext, global_ids: Sequence[str]) -> list[Any]:
    """`resolve_node` for each id, in order. A malformed id does not blank the list: its
    position holds an awaitable that raises, so GraphQL nulls that position alone, with
    the error at its path (`["nodes", 2]`)."""
    found = await asyncio.gather(
        *(resolve_node(ctx, i) for i in global_ids), return_exceptions=True
    )
    for outcome in found:
        if isinstance(outcome, BaseException) and not isinstance(outcome, BadInput):
            raise outcome  # the database, not the id: the whole field fails
    return [_raising(o) if isinstance(o, BadInput) else o for o in found]


async def _raising(error: BadInput) -> None:
    raise error


def _as_seen(viewer: Viewer, doc: Any) -> Any:
    """The document as the viewer may see it: a user (and what it embeds) by
    `Viewer.visible_user`; anything else as it is."""
    return viewer.visible_user(doc) if isinstance(doc, UserDoc) else doc


async def _resolve_embedded(
    ctx: RequestContext, viewer: Viewer, type_name: str, oid: Any, build: Callable[[Any], Any]
) -> Any:
    """A Node stored inside another document (an API key inside its user)."""
    holder = holder_of_type(type_name)
    if holder is None:
        return None
    spec, array = holder
    doc = await ctx.loaders.holder_by_embedded_id(spec.name, array).load(oid)
    doc = None if doc is None else _as_seen(viewer, doc)
    if doc is None:
        return None
    field = next(
        name for name, info in type(doc).model_fields.items() if (info.alias or name) == array
    )
    element = next((e for e in getattr(doc, field) if e.id == oid), None)
    return None if element is None else build(element)
