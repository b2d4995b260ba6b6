"""Identity types (the part the foundation needs): users, profiles, API keys."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from ..datastore.documents import ApiKeyDoc, UserDoc
from .common import Node
from .ids import encode_global_id

__all__ = ["ApiKey", "Role", "User", "UserProfile", "UserStatus"]


@strawberry.enum(description="Whether an account may use the API.")
class UserStatus(Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"


@strawberry.enum(description="What an account may do; admins may act on anyone's objects.")
class Role(Enum):
    USER = "USER"
    ADMIN = "ADMIN"


@strawberry.type(description="What any user who shares something with a person may see of them.")
class UserProfile:
    id: strawberry.ID = strawberry.field(description="The User's global id.")
    display_name: str = strawberry.field(description="Name shown to others.")

    @classmethod
    def from_doc(cls, doc: UserDoc) -> UserProfile:
        return cls(
            id=strawberry.ID(encode_global_id("User", doc.id)), display_name=doc.display_name
        )


@strawberry.type(
    description="An API key as its owner may see it. The secret is shown once, at creation."
)
class ApiKey(Node):
    name: str = strawberry.field(description="What the key is for.")
    prefix: str = strawberry.field(
        description="The first characters of the secret, to recognise it."
    )
    created_at: datetime = strawberry.field(description="When it was made.")
    last_used_at: datetime | None = strawberry.field(description="Last use, to the minute.")
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while valid."
    )

    @classmethod
    def from_doc(cls, doc: ApiKeyDoc) -> ApiKey:
        return cls(
            id=strawberry.ID(encode_global_id("ApiKey", doc.id)),
            name=doc.name,
            prefix=doc.prefix,
            created_at=doc.created_at,
            last_used_at=doc.last_used_at,
            revoked_at=doc.revoked_at,
        )


@strawberry.type(description="A master account. Reachable only by the user themself and by admins.")
class User(Node):
    doc: strawberry.Private[UserDoc]
    display_name: str = strawberry.field(description="Name shown to others.")
    status: UserStatus = strawberry.field(description="Suspended accounts cannot use the API.")
    roles: list[Role] = strawberry.field(description="What the account may do.")
    api_keys: list[ApiKey] = strawberry.field(
        description="Visible to the user themself and to admins only; others get an empty list."
    )
    created_at: datetime = strawberry.field(description="When the account was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: UserDoc) -> User:
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("User", doc.id)),
            display_name=doc.display_name,
            status=UserStatus(doc.status),
            roles=[Role(r) for r in doc.roles],
            api_keys=[ApiKey.from_doc(k) for k in doc.api_keys],
            created_at=doc.created_at,
            updated_at=doc.updated_at,
        )
