"""Changes to a project or conversation and the objects in it, as subscribers receive them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Self

import strawberry

from ..context import RequestContext
from ..datastore.change_log import cursor_of
from ..datastore.documents import ChangeDoc, SoftDeletableDoc
from ..datastore.relations import COLLECTIONS
from ..policy import may_see_trash
from .chat import Conversation, Message
from .common import Node, described_enum
from .ids import encode_global_id
from .storyboard import Character, Clip, Project, Scene

__all__ = ["ChangeKind", "ConversationChange", "ProjectChange", "change_node"]

Info = strawberry.Info[RequestContext, None]

_TYPES: dict[str, Any] = {
    t.__name__: t for t in (Project, Scene, Clip, Character, Conversation, Message)
}


@described_enum(
    "What a change did to its object.",
    CREATED="The object was created.",
    UPDATED="Its fields changed, or its `order` did because a sibling arrived, moved or left.",
    MOVED="It was moved by a write of its own: another `order`, or (a clip) another scene.",
    DELETED="It was deleted (to the trash), on its own or with its parent.",
    RESTORED="It came back from the trash, on its own or with its parent.",
    PURGED="It was deleted for good; `node` is null from now on.",
)
class ChangeKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    MOVED = "MOVED"
    DELETED = "DELETED"
    RESTORED = "RESTORED"
    PURGED = "PURGED"


async def change_node(ctx: RequestContext, change: ChangeDoc) -> Any:
    """The changed object as the viewer may see it now: deleted ones (with `deletedAt`) only
    to those who may see the trash; None when it is gone or not visible."""
    doc = await ctx.loaders.any_by_id().load((change.node_collection, change.node_id))
    if doc is None:
        return None
    deleted = isinstance(doc, SoftDeletableDoc) and doc.deleted_at is not None
    if deleted and not may_see_trash(ctx.viewer.user, getattr(doc, "owner_id", None)):
        return None
    return _TYPES[COLLECTIONS[change.node_collection].type_name].from_doc(doc)


def _node_id(change: ChangeDoc) -> strawberry.ID:
    return strawberry.ID(
        encode_global_id(COLLECTIONS[change.node_collection].type_name, change.node_id)
    )


_KIND = "What happened to the object: created, updated, moved, deleted, restored or purged."
_NODE_ID = "Global id of the changed object (the project's or conversation's own, or one in it)."
_CURSOR = "This change's position: subscribe with `after` set to it to resume after it."
_AT = "When the change was made (UTC)."
_NODE = (
    "The changed object as you may see it when the change is delivered (its state then, "
    "not at the change); deleted ones with `deletedAt` set; null once purged or not visible."
)


@strawberry.type(description="A change to an object under a scope (not itself in the schema).")
class _Change:
    change: strawberry.Private[ChangeDoc]
    kind: ChangeKind = strawberry.field(description=_KIND)
    node_id: strawberry.ID = strawberry.field(description=_NODE_ID)
    cursor: str = strawberry.field(description=_CURSOR)
    at: datetime = strawberry.field(description=_AT)

    @strawberry.field(description=_NODE)
    async def node(self, info: Info) -> Node | None:
        node: Node | None = await change_node(info.context, self.change)
        return node

    @classmethod
    def of(cls, ctx: RequestContext, change: ChangeDoc) -> Self:
        return cls(
            change=change,
            kind=ChangeKind(change.kind),
            node_id=_node_id(change),
            cursor=cursor_of(ctx.store, change.scope, change.seq),
            at=change.created_at,
        )


@strawberry.type(
    description="A change to a project or to a scene, clip or character in it; generated "
    "media arrive as UPDATED of their clip."
)
class ProjectChange(_Change):
    pass


@strawberry.type(description="A change to a conversation or to a message of it.")
class ConversationChange(_Change):
    pass
