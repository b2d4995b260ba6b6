"""Wallet challenges: the latest one per account and address, until it is signed or expires."""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId
from pymongo import ReturnDocument

from ..errors import Conflict
from .client import Datastore
from .documents import WalletChallengeDoc, utcnow

__all__ = ["CHALLENGE_LIFETIME", "LIVE_CHALLENGES", "latest_challenge", "save_challenge"]

CHALLENGE_LIFETIME = timedelta(minutes=10)
LIVE_CHALLENGES = 10
"""Live challenges per account, each for another address."""


async def save_challenge(store: Datastore, challenge: WalletChallengeDoc) -> WalletChallengeDoc:
    """Stores the challenge in place of any earlier one for the same account and address;
    `CONFLICT` when the account has `LIVE_CHALLENGES` live ones for other addresses."""
    others = {
        "userId": challenge.user_id,
        "address": {"$ne": challenge.address},
        "expiresAt": {"$gt": utcnow()},
    }
    coll = store.db["walletChallenges"]
    if await coll.count_documents(others, limit=LIVE_CHALLENGES) >= LIVE_CHALLENGES:
        raise Conflict(
            f"at most {LIVE_CHALLENGES} wallet challenges may be open at once; "
            "sign one or let one expire"
        )
    raw = challenge.to_mongo()
    del raw["_id"]
    saved = await coll.find_one_and_update(
        {"userId": challenge.user_id, "address": challenge.address},
        {"$set": raw, "$setOnInsert": {"_id": challenge.id}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return WalletChallengeDoc.model_validate(saved)


async def latest_challenge(
    store: Datastore, *, user_id: ObjectId, chain: str, address: str
) -> WalletChallengeDoc | None:
    """The account's unexpired challenge for this address, if any."""
    raw = await store.db["walletChallenges"].find_one(
        {"userId": user_id, "chain": chain, "address": address, "expiresAt": {"$gt": utcnow()}}
    )
    return None if raw is None else WalletChallengeDoc.model_validate(raw)
