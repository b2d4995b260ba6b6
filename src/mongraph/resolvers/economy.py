"""`applyCredit`: admins move credit; the ledger records every movement once."""

from __future__ import annotations

from ..context import RequestContext
from ..datastore import economy
from ..errors import Forbidden
from ..schema.identity import CreditTransaction
from ..schema.identity_inputs import CreditInput, CreditTransactionPayload
from ..schema.scalars import CENT
from .common import attempt, object_id_of, provided
from .validation import CreditFields, validated

__all__ = ["apply_credit"]


async def apply_credit(ctx: RequestContext, data: CreditInput) -> CreditTransactionPayload:
    async def act() -> CreditTransaction:
        if not ctx.viewer.is_admin:
            raise Forbidden("admins only")
        user_id = object_id_of(data.user_id, "User", ("input", "userId"))
        fields = validated(
            CreditFields,
            provided(data, exclude=("user_id",)),
            required=("amountUsd", "idempotencyKey"),
            non_null=(),
        )
        entry = await economy.apply_credit(
            ctx.store,
            user_id=user_id,
            type_=fields["type"],
            amount=fields["amountUsd"].quantize(CENT),
            description=fields.get("description"),
            idempotency_key=fields["idempotencyKey"],
        )
        return CreditTransaction.from_doc(entry)

    transaction, errors = await attempt(ctx, act)
    return CreditTransactionPayload(transaction=transaction, user_errors=errors)
