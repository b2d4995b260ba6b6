"""Identity operations through the GraphQL API, for the tests."""

from __future__ import annotations

from typing import Any

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
