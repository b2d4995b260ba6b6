"""Users and their API keys (the minimal part of identity the gateway needs to authenticate)."""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId

from .client import Datastore, Session
from .documents import ApiKeyDoc, EconomyDoc, IdentityDoc, UserDoc, utcnow
from .errors import identity_conflicts
from .writes import insert

__all__ = ["KEY_TOUCH_INTERVAL", "create_user", "find_by_key_hash", "touch_key"]

KEY_TOUCH_INTERVAL = timedelta(minutes=1)


async def create_user(
    store: Datastore,
    *,
    display_name: str,
    roles: list[str],
    key: ApiKeyDoc,
    identity: IdentityDoc | None = None,
    service_platform: str | None = None,
) -> UserDoc:
    """A new account with its first API key, its economy (0.00 credit, 0 exp) and,
    optionally, a first linked identity; `CONFLICT` when that identity is taken."""
    user = UserDoc(
        display_name=display_name,
        roles=roles,
        api_keys=[key],
        identities=[identity] if identity else [],
        service_platform=service_platform,
    )

    async def run(session: Session) -> UserDoc:
        with identity_conflicts():
            await insert(store, user, session)
        await insert(store, EconomyDoc(user_id=user.id), session)
        return user

    return await store.transaction(run)


async def find_by_key_hash(store: Datastore, secret_hash: str) -> UserDoc | None:
    raw = await store.db["users"].find_one({"apiKeys.secretHash": secret_hash})
    return None if raw is None else UserDoc.model_validate(raw)


async def touch_key(store: Datastore, user_id: ObjectId, key_id: ObjectId) -> None:
    """Records the key's use, at most once per `KEY_TOUCH_INTERVAL` (one conditional update)."""
    now = utcnow()
    await store.db["users"].update_one(
        {
            "_id": user_id,
            "apiKeys": {
                "$elemMatch": {
                    "id": key_id,
                    "$or": [
                        {"lastUsedAt": None},
                        {"lastUsedAt": {"$lt": now - KEY_TOUCH_INTERVAL}},
                    ],
                }
            },
        },
        {"$set": {"apiKeys.$.lastUsedAt": now}},
    )


async def ensure_user(store: Datastore, *, user_id: ObjectId, display_name: str) -> bool:
    """Creates the user (and its economy) with this id unless it exists; True when it did."""
    doc = UserDoc(id=user_id, display_name=display_name).to_mongo()
    del doc["_id"]
    economy = EconomyDoc(user_id=user_id).to_mongo()
    del economy["_id"]

    async def run(session: Session) -> bool:
        result = await store.db["users"].update_one(
            {"_id": user_id}, {"$setOnInsert": doc}, upsert=True, session=session
        )
        await store.db["economy"].update_one(
            {"userId": user_id}, {"$setOnInsert": economy}, upsert=True, session=session
        )
        return result.upserted_id is not None

    return await store.transaction(run)


async def add_key(store: Datastore, user_id: ObjectId, key: ApiKeyDoc) -> None:
    await store.db["users"].update_one(
        {"_id": user_id},
        {"$push": {"apiKeys": key.to_mongo()}, "$set": {"updatedAt": utcnow()}},
    )
