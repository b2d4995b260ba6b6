"""The result of a delete, restore or purge: what it changed, and the target and its parent
as they are after it, so that a client cache can follow without refetching."""

from __future__ import annotations

from typing import Any

import strawberry

from ..datastore.cascade import Cascaded
from ..datastore.relations import COLLECTIONS, parent_relations
from ..execution.relation_kinds import NodeLink
from .chat import Conversation, Message
from .common import Node, RootQuery, UserError, root_field
from .storyboard import Character, Clip, Project, Scene

__all__ = ["CascadePayload", "parent_key"]

SOFT_DELETABLE = (Project, Scene, Clip, Character, Conversation, Message)
"""The types a cascade changes."""


def parent_key(collection: str, raw: dict[str, Any]) -> tuple[str, Any] | None:
    """`(collection, id)` of the parent whose ordered children or counts a change of this
    document moves: the one its `order` is kept among (a scene's project, a clip's scene),
    else its owning parent (a character's project, a message's conversation); None for a
    document without one (a project, a conversation)."""
    spec = COLLECTIONS[collection]
    if spec.sibling_parents:
        field, parent = spec.sibling_parents[0]
    else:
        owning = parent_relations(collection)
        if not owning:
            return None
        field, parent = owning[0].foreign_key, owning[0].parent
    return parent, raw[field]


def _target(done: Cascaded | None) -> tuple[str, Any] | None:
    return None if done is None else done.changed[0]


def _parent(done: Cascaded | None) -> tuple[str, Any] | None:
    return None if done is None else parent_key(done.changed[0][0], done.target)


@strawberry.type(description="Result of a delete, restore or purge.")
class CascadePayload:
    doc: strawberry.Private[Cascaded | None] = None
    target_id: strawberry.ID | None = strawberry.field(
        description="The id the operation was called with."
    )
    affected_count: int = strawberry.field(
        description="Documents whose state this operation changed, the target included "
        "(already-deleted ones are not counted by a delete): `affectedIds`' length."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed, if it did.")
    affected_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Global ids of every object this operation deleted, restored or purged, "
        "the target first; siblings it renumbered and the parent's counts come with `parent`. "
        "Empty on failure.",
    )
    node: Node | None = NodeLink(_target, SOFT_DELETABLE).field(
        "The target after the operation, as its owner sees it (deleted with `deletedAt` set, "
        "or restored); null after a purge and on failure."
    )
    parent: Node | None = NodeLink(_parent, SOFT_DELETABLE).field(
        "The target's parent after the operation, its counts and its children's `order` "
        "current: a scene's project, a clip's scene, a character's project, a message's "
        "conversation; null for a project or a conversation, and on failure."
    )
    query: RootQuery = root_field()
