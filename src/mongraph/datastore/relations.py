"""The relation graph, declared once, as data.

Collections, their parent/child links, which links a delete cascades along,
how children are ordered, and the indexes every query shape needs. Loaders,
the cascade engine and `ensure-indexes` are all generic over these tables:
adding a collection with a parent is a few lines here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .documents import (
    NO_MESSAGES,
    ChangeDoc,
    CharacterDoc,
    ClipDoc,
    ConversationDoc,
    Document,
    EconomyDoc,
    LinkCodeDoc,
    LinkCodeFailureDoc,
    MessageDoc,
    ProjectDoc,
    SceneDoc,
    TransactionDoc,
    UserDoc,
    WalletChallengeDoc,
)

__all__ = [
    "COLLECTIONS",
    "RELATIONS",
    "RETENTION_INDEX",
    "CollectionSpec",
    "Index",
    "Relation",
    "Rollup",
    "SortSpec",
    "cascade_relations",
    "collection_for_type",
    "parent_relations",
]

SortSpec = tuple[tuple[str, int], ...]
"""Keyset order: `(field, 1 | -1)` pairs; `_id` is always appended as the tiebreak."""


@dataclass(frozen=True)
class Index:
    keys: SortSpec
    unique: bool = False
    sparse: bool = False
    partial: Mapping[str, Any] | None = None
    expire_after: int | None = None
    """A TTL index: MongoDB deletes a document this many seconds after the indexed date
    (in its own time, about once a minute: readers still check expiry themselves)."""

    @property
    def name(self) -> str:
        return "_".join(f"{f}_{d}" for f, d in self.keys) + ("_u" if self.unique else "")


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    type_name: str
    document: type[Document]
    soft_delete: bool = True
    owner_field: str | None = "ownerId"
    """The field that scopes reads and writes to their owner (None: not owner-scoped)."""
    shared_field: str | None = None
    """A list of user ids who may read (not change) the document besides its owner."""
    read_via: str | None = None
    """A relation whose parent grants read access (the child is readable when it is)."""
    sibling_scope: tuple[str, ...] = ()
    """Fields grouping siblings whose `order` is kept dense (empty: not ordered)."""
    sibling_parents: tuple[tuple[str, str], ...] = ()
    """`(field, collection)` of the document owning a sibling group, most specific last."""
    indexes: tuple[Index, ...] = ()
    embedded_nodes: tuple[tuple[str, str], ...] = ()
    """`(type name, array field)` of Node types stored inside these documents (each
    element has an `id`, indexed as `<array>.id`); `node(id)` finds them through it."""


@dataclass(frozen=True)
class Rollup:
    """A parent field kept equal to the largest `child_field` of its live children."""

    parent_field: str
    child_field: str
    empty: Any = None


@dataclass(frozen=True)
class Relation:
    name: str
    parent: str
    child: str
    foreign_key: str
    sort: SortSpec
    cascade: bool = False
    """Soft delete / restore / purge of the parent reaches these children."""
    rollups: tuple[Rollup, ...] = ()


EXPIRES = Index((("expiresAt", 1),), expire_after=0)
"""Short-lived proofs vanish once `expiresAt` has passed."""

RETENTION_INDEX = Index((("deletedAt", 1), ("_id", 1)), partial={"deletedAt": {"$type": "date"}})
"""Soft-deleted documents by deletion time (`purge-expired`); live ones (null) are not in it."""

COLLECTIONS: dict[str, CollectionSpec] = {
    spec.name: spec
    for spec in (
        CollectionSpec(
            name="users",
            type_name="User",
            document=UserDoc,
            soft_delete=False,
            owner_field=None,
            embedded_nodes=(("ApiKey", "apiKeys"),),
            indexes=(
                Index((("apiKeys.secretHash", 1),), unique=True, sparse=True),
                Index((("apiKeys.id", 1),), sparse=True),
                # One account per platform identity and per wallet address. Partial, so
                # that accounts without identities or wallets do not collide on null.
                Index(
                    (("identities.platform", 1), ("identities.externalId", 1)),
                    unique=True,
                    partial={"identities.platform": {"$exists": True}},
                ),
                Index(
                    (("wallets.address", 1),),
                    unique=True,
                    partial={"wallets.address": {"$exists": True}},
                ),
                Index((("createdAt", -1), ("_id", -1))),
            ),
        ),
        CollectionSpec(
            name="conversations",
            type_name="Conversation",
            document=ConversationDoc,
            shared_field="sharedWith",
            indexes=(
                Index((("ownerId", 1), ("lastMessageSort", -1), ("_id", -1))),
                Index((("sharedWith", 1), ("lastMessageSort", -1), ("_id", -1))),
                Index((("ownerId", 1), ("createdAt", -1), ("_id", -1))),
                Index((("ownerId", 1), ("title", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="messages",
            type_name="Message",
            document=MessageDoc,
            read_via="conversation.messages",
            indexes=(
                Index((("conversationId", 1), ("createdAt", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="economy",
            type_name="Economy",
            document=EconomyDoc,
            soft_delete=False,
            owner_field="userId",
            indexes=(Index((("userId", 1),), unique=True),),
        ),
        CollectionSpec(
            name="transactions",
            type_name="CreditTransaction",
            document=TransactionDoc,
            soft_delete=False,
            owner_field="userId",
            indexes=(
                Index((("userId", 1), ("createdAt", -1), ("_id", -1))),
                Index((("userId", 1), ("idempotencyKey", 1)), unique=True),
            ),
        ),
        CollectionSpec(
            name="projects",
            type_name="Project",
            document=ProjectDoc,
            indexes=(
                Index((("ownerId", 1), ("createdAt", -1), ("_id", -1))),
                Index((("ownerId", 1), ("updatedAt", -1), ("_id", -1))),
                Index((("ownerId", 1), ("name", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="scenes",
            type_name="Scene",
            document=SceneDoc,
            sibling_scope=("projectId", "parentSceneId"),
            sibling_parents=(("projectId", "projects"), ("parentSceneId", "scenes")),
            indexes=(
                Index((("projectId", 1), ("order", 1), ("_id", 1))),
                Index((("parentSceneId", 1), ("order", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="clips",
            type_name="Clip",
            document=ClipDoc,
            sibling_scope=("sceneId",),
            sibling_parents=(("sceneId", "scenes"),),
            indexes=(
                Index((("sceneId", 1), ("order", 1), ("_id", 1))),
                Index((("projectId", 1), ("order", 1), ("_id", 1))),
                Index((("characterId", 1), ("createdAt", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="characters",
            type_name="Character",
            document=CharacterDoc,
            indexes=(
                Index((("projectId", 1), ("createdAt", 1), ("_id", 1))),
                Index((("deletionId", 1),), sparse=True),
                RETENTION_INDEX,
            ),
        ),
        CollectionSpec(
            name="linkCodes",
            type_name="IdentityLinkCode",
            document=LinkCodeDoc,
            soft_delete=False,
            owner_field="madeBy",
            indexes=(
                Index((("codeHash", 1),), unique=True),
                Index((("madeBy", 1), ("externalId", 1), ("expiresAt", 1))),
                EXPIRES,
            ),
        ),
        CollectionSpec(
            name="linkCodeFailures",
            type_name="LinkCodeFailure",
            document=LinkCodeFailureDoc,
            soft_delete=False,
            owner_field=None,
            indexes=(Index((("keyHash", 1), ("externalId", 1), ("createdAt", 1))), EXPIRES),
        ),
        CollectionSpec(
            name="changes",
            type_name="Change",
            document=ChangeDoc,
            soft_delete=False,
            owner_field=None,
            # one position per change of a project or conversation: a replay reads a range
            indexes=(Index((("scope", 1), ("seq", 1)), unique=True), EXPIRES),
        ),
        CollectionSpec(
            name="walletChallenges",
            type_name="WalletChallenge",
            document=WalletChallengeDoc,
            soft_delete=False,
            owner_field="userId",
            indexes=(Index((("userId", 1), ("address", 1)), unique=True), EXPIRES),
        ),
    )
}

_BY_ORDER: SortSpec = (("order", 1),)
_NEWEST_FIRST: SortSpec = (("createdAt", -1),)
_BY_CREATION: SortSpec = (("createdAt", 1),)

RELATIONS: dict[str, Relation] = {
    rel.name: rel
    for rel in (
        Relation("project.scenes", "projects", "scenes", "projectId", _BY_ORDER, cascade=True),
        Relation("project.clips", "projects", "clips", "projectId", _BY_ORDER, cascade=True),
        Relation(
            "project.characters",
            "projects",
            "characters",
            "projectId",
            _BY_CREATION,
            cascade=True,
        ),
        Relation("scene.clips", "scenes", "clips", "sceneId", _BY_ORDER, cascade=True),
        Relation("scene.alternates", "scenes", "scenes", "parentSceneId", _BY_ORDER, cascade=True),
        Relation("character.clips", "characters", "clips", "characterId", _BY_CREATION),
        Relation(
            "conversation.messages",
            "conversations",
            "messages",
            "conversationId",
            _BY_CREATION,
            cascade=True,
            rollups=(
                Rollup("lastMessageAt", "createdAt"),
                Rollup("lastMessageSort", "createdAt", empty=NO_MESSAGES),
            ),
        ),
        Relation("user.economy", "users", "economy", "userId", _BY_CREATION),
        Relation("user.transactions", "users", "transactions", "userId", _NEWEST_FIRST),
    )
}


def cascade_relations(collection: str) -> list[Relation]:
    """Relations a delete of a `collection` document cascades along."""
    return [r for r in RELATIONS.values() if r.parent == collection and r.cascade]


def parent_relations(collection: str) -> list[Relation]:
    """Cascading relations in which `collection` is the child (its owning parents)."""
    return [r for r in RELATIONS.values() if r.child == collection and r.cascade]


def collection_for_type(type_name: str) -> CollectionSpec | None:
    return next((c for c in COLLECTIONS.values() if c.type_name == type_name), None)


def holder_of_type(type_name: str) -> tuple[CollectionSpec, str] | None:
    """The collection and array field that embed documents of a Node type, if any."""
    for spec in COLLECTIONS.values():
        for embedded, array in spec.embedded_nodes:
            if embedded == type_name:
                return spec, array
    return None
