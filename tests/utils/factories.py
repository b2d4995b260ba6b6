"""Users (with API keys) made straight through the datastore."""

from __future__ import annotations

from dataclasses import dataclass

from mongraph.auth import make_api_key
from mongraph.datastore import users
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import UserDoc


@dataclass
class MadeUser:
    doc: UserDoc
    secret: str

    @property
    def global_id(self) -> str:
        from mongraph.schema.ids import encode_global_id

        return encode_global_id("User", self.doc.id)


async def make_user(store: Datastore, name: str = "Alice", *, admin: bool = False) -> MadeUser:
    key = make_api_key("test")
    roles = ["USER", "ADMIN"] if admin else ["USER"]
    doc = await users.create_user(store, display_name=name, roles=roles, key=key.doc)
    return MadeUser(doc=doc, secret=key.secret)
