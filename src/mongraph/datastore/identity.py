"""Master accounts: linked identities, wallets, API keys, status."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from ..errors import Conflict, NotFound
from .client import Datastore, Session
from .documents import ENTRIES_PER_ACCOUNT, ApiKeyDoc, IdentityDoc, UserDoc, WalletDoc, utcnow
from .errors import identity_conflicts
from .writes import CHILDREN_VERSION

__all__ = [
    "add_wallet",
    "create_api_key",
    "find_by_identity",
    "link_identity",
    "remove_wallet",
    "revoke_api_key",
    "set_primary_wallet",
    "set_status",
    "unlink_identity",
]

Raw = dict[str, Any]


async def _update_user(
    store: Datastore, query: Raw, update: Raw, session: Session | None = None
) -> UserDoc | None:
    update.setdefault("$set", {})["updatedAt"] = utcnow()
    with identity_conflicts():
        raw = await store.db["users"].find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER, session=session
        )
    return None if raw is None else UserDoc.model_validate(raw)


async def _user(store: Datastore, user_id: ObjectId, session: Session | None = None) -> Raw:
    raw = await store.db["users"].find_one({"_id": user_id}, session=session)
    if raw is None:
        raise NotFound("User not found", field=("input", "userId"))
    return raw


def _has_room(list_field: str) -> Raw:
    """Matches an account whose `list_field` holds fewer than `ENTRIES_PER_ACCOUNT` entries."""
    return {f"{list_field}.{ENTRIES_PER_ACCOUNT - 1}": {"$exists": False}}


def _same_identity(platform: str, external_id: str) -> Raw:
    return {"$elemMatch": {"platform": platform, "externalId": external_id}}


async def link_identity(store: Datastore, user_id: ObjectId, identity: IdentityDoc) -> UserDoc:
    """Links a platform identity; `CONFLICT` when any account (this one included) has it,
    or when the account already has `ENTRIES_PER_ACCOUNT`."""
    query = {
        "_id": user_id,
        "identities": {"$not": _same_identity(identity.platform, identity.external_id)},
        **_has_room("identities"),
    }
    user = await _update_user(store, query, {"$push": {"identities": identity.to_mongo()}})
    if user is None:
        raw = await _user(store, user_id)
        if len(raw.get("identities", [])) >= ENTRIES_PER_ACCOUNT:
            raise Conflict(f"an account links at most {ENTRIES_PER_ACCOUNT} identities")
        raise Conflict("this identity is already linked to this account")
    return user


async def unlink_identity(
    store: Datastore, user_id: ObjectId, platform: str, external_id: str
) -> UserDoc:
    """Unlinks an identity; the last one cannot go (`CONFLICT`), an unknown one is `NOT_FOUND`."""
    query = {
        "_id": user_id,
        "identities": _same_identity(platform, external_id),
        "identities.1": {"$exists": True},
    }
    pull = {"$pull": {"identities": {"platform": platform, "externalId": external_id}}}
    user = await _update_user(store, query, pull)
    if user is not None:
        return user
    raw = await _user(store, user_id)
    if any(i["platform"] == platform and i["externalId"] == external_id for i in raw["identities"]):
        raise Conflict("cannot unlink the last identity of an account")
    raise NotFound("this identity is not linked to the account", field=("input", "externalId"))


async def find_by_identity(store: Datastore, platform: str, external_id: str) -> UserDoc | None:
    raw = await store.db["users"].find_one({"identities": _same_identity(platform, external_id)})
    return None if raw is None else UserDoc.model_validate(raw)


async def _rewrite_wallets(
    store: Datastore, user_id: ObjectId, change: Any, session: Session
) -> UserDoc:
    raw = await _user(store, user_id, session)
    wallets = [WalletDoc.model_validate(w) for w in raw.get("wallets", [])]
    wallets = change(wallets)
    user = await _update_user(
        store,
        {"_id": user_id},
        {"$set": {"wallets": [w.to_mongo() for w in wallets]}},
        session,
    )
    assert user is not None
    return user


async def add_wallet(
    store: Datastore, user_id: ObjectId, wallet: WalletDoc, *, make_primary: bool
) -> UserDoc:
    """Adds a wallet (the first one is primary); its address must be new to every account."""

    def change(wallets: list[WalletDoc]) -> list[WalletDoc]:
        if any(w.address == wallet.address for w in wallets):
            raise Conflict("this wallet is already on the account", field=("input", "address"))
        if len(wallets) >= ENTRIES_PER_ACCOUNT:
            raise Conflict(f"an account holds at most {ENTRIES_PER_ACCOUNT} wallets")
        primary = make_primary or not wallets
        kept = [w.model_copy(update={"is_primary": w.is_primary and not primary}) for w in wallets]
        return [*kept, wallet.model_copy(update={"is_primary": primary})]

    return await store.transaction(lambda s: _rewrite_wallets(store, user_id, change, s))


async def set_primary_wallet(store: Datastore, user_id: ObjectId, address: str) -> UserDoc:
    def change(wallets: list[WalletDoc]) -> list[WalletDoc]:
        if all(w.address != address for w in wallets):
            raise NotFound("no such wallet on the account", field=("input", "address"))
        return [w.model_copy(update={"is_primary": w.address == address}) for w in wallets]

    return await store.transaction(lambda s: _rewrite_wallets(store, user_id, change, s))


async def remove_wallet(store: Datastore, user_id: ObjectId, address: str) -> UserDoc:
    def change(wallets: list[WalletDoc]) -> list[WalletDoc]:
        if all(w.address != address for w in wallets):
            raise NotFound("no such wallet on the account", field=("input", "address"))
        return [w for w in wallets if w.address != address]

    return await store.transaction(lambda s: _rewrite_wallets(store, user_id, change, s))


async def create_api_key(store: Datastore, user_id: ObjectId, key: ApiKeyDoc) -> ApiKeyDoc:
    """Adds the key; on a full account the oldest revoked key makes room (`CONFLICT` when
    all `ENTRIES_PER_ACCOUNT` are live). The guarded `$push` holds the bound under races."""
    push = {"$push": {"apiKeys": key.to_mongo()}}
    for _ in range(3):  # a concurrent writer may take the room a revoked key left
        if await _update_user(store, {"_id": user_id, **_has_room("apiKeys")}, push):
            return key
        raw = await _user(store, user_id)
        revoked = [k for k in raw.get("apiKeys", []) if k.get("revokedAt") is not None]
        if len(raw.get("apiKeys", [])) < ENTRIES_PER_ACCOUNT:
            continue
        if not revoked:
            raise Conflict(f"an account holds at most {ENTRIES_PER_ACCOUNT} live API keys")
        oldest = min(revoked, key=lambda k: k["revokedAt"])
        await store.db["users"].update_one(
            {"_id": user_id}, {"$pull": {"apiKeys": {"id": oldest["id"]}}}
        )
    raise Conflict("too many concurrent key changes on this account; try again")


async def revoke_api_key(
    store: Datastore, key_id: ObjectId, *, owner_id: ObjectId | None
) -> ApiKeyDoc:
    """Revokes a key of `owner_id` (any account's when None); revoking twice is a no-op."""
    query: Raw = {"apiKeys.id": key_id}
    if owner_id is not None:
        query["_id"] = owner_id
    raw = await store.db["users"].find_one(query, {"apiKeys": 1})
    if raw is None:
        raise NotFound("ApiKey not found", field=("id",))
    now = utcnow()
    await store.db["users"].update_one(
        {"_id": raw["_id"], "apiKeys": {"$elemMatch": {"id": key_id, "revokedAt": None}}},
        {"$set": {"apiKeys.$.revokedAt": now, "updatedAt": now}},
    )
    after = await store.db["users"].find_one({"_id": raw["_id"]}, {"apiKeys": 1})
    assert after is not None
    return next(ApiKeyDoc.model_validate(k) for k in after["apiKeys"] if k["id"] == key_id)


_ACTIVE_ADMINS: Raw = {"roles": "ADMIN", "status": "ACTIVE"}


async def set_status(
    store: Datastore, user_id: ObjectId, status: str, *, actor_id: ObjectId
) -> UserDoc:
    """An admin changes another account's status; never their own, and never so that no
    active admin is left (then only the command line could recover the gateway)."""
    if user_id == actor_id:
        raise Conflict(
            "an admin cannot change their own status; another admin can",
            field=("input", "userId"),
        )

    async def run(session: Session) -> UserDoc:
        # Every active admin is written first: two admins suspending each other at once
        # then conflict, and the retry sees the other's change (no write skew).
        await store.db["users"].update_many(
            _ACTIVE_ADMINS, {"$inc": {CHILDREN_VERSION: 1}}, session=session
        )
        user = await _update_user(store, {"_id": user_id}, {"$set": {"status": status}}, session)
        if user is None:
            raise NotFound("User not found", field=("input", "userId"))
        if await store.db["users"].count_documents(_ACTIVE_ADMINS, limit=1, session=session) == 0:
            raise Conflict(
                "this is the last active admin; make another admin first",
                field=("input", "status"),
            )
        return user

    return await store.transaction(run)
