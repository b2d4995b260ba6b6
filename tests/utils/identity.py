"""Identity operations through the GraphQL API, for the tests."""

from __future__ import annotations

from typing import Any

from mongraph.datastore.client import Datastore
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

USER_FIELDS = """
  id displayName status roles
  identities { platform externalId username }
  wallets { chain address isPrimary }
  primaryWallet { address }
  apiKeys { id name prefix revokedAt }
  economy { usdCredit exp }
"""

APPLY_CREDIT = """mutation($i: CreditInput!) { applyCredit(input: $i) {
  transaction { id type amountUsd balanceAfter description idempotencyKey user { id } }
  userErrors { code message field } } }"""


async def apply_credit(
    admin: GraphQLClient, user_id: str, type_: str, amount: str, key: str
) -> dict[str, Any]:
    data = await admin.ok(
        APPLY_CREDIT,
        {"i": {"userId": user_id, "type": type_, "amountUsd": amount, "idempotencyKey": key}},
    )
    payload: dict[str, Any] = data["applyCredit"]
    return payload


async def balance(client: GraphQLClient) -> str:
    value: str = (await client.ok("{ viewer { economy { usdCredit } } }"))["viewer"]["economy"][
        "usdCredit"
    ]
    return value


_INPUT_TYPES = {"setPrimaryWallet": "WalletInput", "removeWallet": "WalletInput"}


async def mutate_user(
    client: GraphQLClient, mutation: str, input_: dict[str, Any]
) -> dict[str, Any]:
    """Runs an identity mutation returning `UserPayload`; gives the payload."""
    input_type = _INPUT_TYPES.get(mutation, mutation[0].upper() + mutation[1:] + "Input")
    data = await client.ok(
        f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{"
        f" user {{ {USER_FIELDS} }} userErrors {{ code message field }} }} }}",
        {"i": input_},
    )
    payload: dict[str, Any] = data[mutation]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    """The codes of a mutation payload's `userErrors`."""
    return [e["code"] for e in payload["userErrors"]]


async def stored(store: Datastore, user: MadeUser, field: str) -> list[dict[str, Any]]:
    """A list of the user's document as the database holds it (`identities`, `wallets`)."""
    raw = await store.db["users"].find_one({"_id": user.doc.id})
    assert raw is not None
    found: list[dict[str, Any]] = raw[field]
    return found
