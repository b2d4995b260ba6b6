"""How one person appears to another: a profile, never the private `User`."""

from __future__ import annotations

import strawberry

from ..datastore.documents import UserDoc
from .ids import encode_global_id

__all__ = ["UserProfile"]


@strawberry.type(description="What any user who shares something with a person may see of them.")
class UserProfile:
    id: strawberry.ID = strawberry.field(description="The User's global id.")
    display_name: str = strawberry.field(description="Name shown to others.")

    @classmethod
    def from_doc(cls, doc: UserDoc) -> UserProfile:
        return cls(
            id=strawberry.ID(encode_global_id("User", doc.id)), display_name=doc.display_name
        )
