"""Identity link codes: made by one side, redeemed once by the other, within their lifetime."""

from __future__ import annotations

from datetime import timedelta

from bson import ObjectId

from ..errors import Conflict, NotFound
from .client import Datastore, Session
from .documents import IdentityDoc, LinkCodeDoc, LinkCodeFailureDoc, UserDoc, utcnow
from .identity import link_proven_identity
from .writes import insert

__all__ = [
    "CODE_LIFETIME",
    "FAILED_REDEMPTIONS",
    "LIVE_CODES",
    "UNKNOWN_CODE",
    "count_failures",
    "make_code",
    "record_failure",
    "redeem_code",
]

CODE_LIFETIME = timedelta(minutes=10)
LIVE_CODES = 5
"""Live codes per maker (a user; or a SERVICE, per identity it makes codes for)."""
UNKNOWN_CODE = "no such link code (or it expired, or was used)"
"""The one answer to every code that cannot be redeemed, whatever the reason."""
FAILED_REDEMPTIONS = 5
"""Failed redemptions per key (and per identity that brought the code) in `CODE_LIFETIME`."""


async def make_code(
    store: Datastore,
    *,
    code_hash: str,
    platform: str,
    made_by: ObjectId,
    redeemer: str,
    external_id: str | None = None,
    username: str | None = None,
) -> LinkCodeDoc:
    """Stores a new code; `CONFLICT` when its maker already has `LIVE_CODES` live ones (two
    concurrent requests of one maker may both pass the count: the bound is a courtesy)."""
    now = utcnow()
    live = {"madeBy": made_by, "externalId": external_id, "expiresAt": {"$gt": now}}
    if await store.db["linkCodes"].count_documents(live, limit=LIVE_CODES) >= LIVE_CODES:
        raise Conflict(
            f"at most {LIVE_CODES} link codes may be live at once; use one or let one expire"
        )
    doc = LinkCodeDoc(
        code_hash=code_hash,
        platform=platform,
        made_by=made_by,
        redeemer=redeemer,
        external_id=external_id,
        username=username,
        expires_at=now + CODE_LIFETIME,
        created_at=now,
        updated_at=now,
    )
    return await insert(store, doc)


async def redeem_code(
    store: Datastore,
    *,
    code_hash: str,
    platform: str,
    redeemer: str,
    identity_of: ObjectId | None = None,
    external_id: str | None = None,
    username: str | None = None,
) -> UserDoc:
    """Uses the code up and links its identity, verified, in one transaction.

    `redeemer` "SERVICE": the identity is `external_id` (the sender the SERVICE saw) and it
    goes to the code's maker. "USER": the identity is the code's, and it goes to `identity_of`
    (the signed-in user). Unknown, expired, used and wrong-platform codes are all the same
    `NOT_FOUND`; an identity on another account is `CONFLICT` and uses nothing up.
    """

    async def run(session: Session) -> UserDoc:
        now = utcnow()
        code = await store.db["linkCodes"].find_one_and_delete(
            {
                "codeHash": code_hash,
                "platform": platform,
                "redeemer": redeemer,
                "expiresAt": {"$gt": now},
            },
            session=session,
        )
        if code is None:
            raise NotFound(UNKNOWN_CODE, field=("input", "code"))
        made = LinkCodeDoc.model_validate(code)
        owner = made.made_by if redeemer == "SERVICE" else identity_of
        ident = external_id if redeemer == "SERVICE" else made.external_id
        handle = username if redeemer == "SERVICE" else made.username
        if owner is None or ident is None:
            raise NotFound(UNKNOWN_CODE, field=("input", "code"))
        identity = IdentityDoc(
            platform=platform, external_id=ident, username=handle, verified_at=now
        )
        return await link_proven_identity(store, owner, identity, session)

    return await store.transaction(run)


def _failures(key_hash: str, external_id: str | None) -> dict[str, object]:
    since = utcnow() - CODE_LIFETIME
    return {"keyHash": key_hash, "externalId": external_id, "createdAt": {"$gt": since}}


async def count_failures(store: Datastore, *, key_hash: str, external_id: str | None) -> int:
    """Failed redemptions of this key (for this identity) in the last `CODE_LIFETIME`."""
    query = _failures(key_hash, external_id)
    return await store.db["linkCodeFailures"].count_documents(query, limit=FAILED_REDEMPTIONS)


async def record_failure(store: Datastore, *, key_hash: str, external_id: str | None) -> None:
    now = utcnow()
    failure = LinkCodeFailureDoc(
        key_hash=key_hash, external_id=external_id, created_at=now, expires_at=now + CODE_LIFETIME
    )
    await insert(store, failure)
