"""Credit: the balance and its append-only ledger, changed together in one transaction."""

from __future__ import annotations

from decimal import Decimal

from bson import Decimal128, ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..errors import ApiError, ErrorCode, NotFound
from .client import Datastore, Session
from .documents import TransactionDoc, utcnow
from .writes import insert

__all__ = ["DEBIT_TYPES", "apply_credit"]

DEBIT_TYPES = frozenset({"DEBIT"})


async def _existing(
    store: Datastore, user_id: ObjectId, key: str, session: Session | None = None
) -> TransactionDoc | None:
    raw = await store.db["transactions"].find_one(
        {"userId": user_id, "idempotencyKey": key}, session=session
    )
    return None if raw is None else TransactionDoc.model_validate(raw)


async def apply_credit(
    store: Datastore,
    *,
    user_id: ObjectId,
    type_: str,
    amount: Decimal,
    description: str | None,
    idempotency_key: str,
) -> TransactionDoc:
    """Moves `amount` (> 0) in or out of the balance and appends the ledger entry.

    A debit below zero is `INSUFFICIENT_CREDIT` and changes nothing; a repeated
    `idempotency_key` returns the first transaction and changes nothing.
    """
    delta = -amount if type_ in DEBIT_TYPES else amount

    async def run(session: Session) -> TransactionDoc:
        first = await _existing(store, user_id, idempotency_key, session)
        if first is not None:
            return first
        query: dict[str, object] = {"userId": user_id}
        if delta < 0:
            query["usdCredit"] = {"$gte": Decimal128(-delta)}
        economy = await store.db["economy"].find_one_and_update(
            query,
            {"$inc": {"usdCredit": Decimal128(delta)}, "$set": {"updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if economy is None:
            if await store.db["economy"].count_documents({"userId": user_id}, session=session):
                raise ApiError(ErrorCode.INSUFFICIENT_CREDIT, "not enough credit for this debit")
            raise NotFound("User not found", field=("input", "userId"))
        entry = TransactionDoc(
            user_id=user_id,
            type=type_,
            amount_usd=amount,
            balance_after=economy["usdCredit"].to_decimal(),
            description=description,
            idempotency_key=idempotency_key,
        )
        return await insert(store, entry, session)

    try:
        return await store.transaction(run)
    except DuplicateKeyError:
        # A concurrent call with the same key committed first: that one is the answer.
        first = await _existing(store, user_id, idempotency_key)
        if first is None:
            raise
        return first
