"""Identity mutation inputs and payloads, and the `users` filter."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from .common import RootQuery, UserError, root_field
from .identity import (
    ApiKey,
    Chain,
    CreditTransaction,
    Platform,
    Role,
    TransactionType,
    User,
    UserStatus,
)

__all__ = [
    "AddWalletInput",
    "ApiKeyPayload",
    "CreateApiKeyInput",
    "CreateApiKeyPayload",
    "CreateUserInput",
    "CreateUserPayload",
    "CreditInput",
    "CreditTransactionPayload",
    "LinkIdentityInput",
    "SetUserStatusInput",
    "UnlinkIdentityInput",
    "UserFilter",
    "UserPayload",
    "WalletInput",
]

UNSET = strawberry.UNSET
_ERRORS = "Why it failed, if it did (the object is then null)."
_FOR_USER = "Admins only: act on this user instead of the viewer."


@strawberry.input(description="Narrows the `users` list; all given conditions must hold.")
class UserFilter:
    status: UserStatus | None = strawberry.field(
        default=None, description="Only the items whose status is this one."
    )
    display_name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the display name (literal)."
    )


@strawberry.input(description="A platform identity to link to an account.")
class LinkIdentityInput:
    platform: Platform = strawberry.field(description="Where the identity lives.")
    external_id: str = strawberry.field(description="Its id there, 1 to 256 characters.")
    username: str | None = strawberry.field(
        default=UNSET, description="The user's handle (username) on that platform."
    )
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description=_FOR_USER)


@strawberry.input(description="A platform identity to unlink (not the account's last).")
class UnlinkIdentityInput:
    platform: Platform = strawberry.field(description="Where the identity lives.")
    external_id: str = strawberry.field(description="The identity's id on that platform.")
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description=_FOR_USER)


@strawberry.input(description="A new account (admins only).")
class CreateUserInput:
    display_name: str = strawberry.field(description="1 to 200 characters.")
    identity: LinkIdentityInput | None = strawberry.field(
        default=UNSET, description="A first identity to link (its userId is ignored)."
    )
    roles: list[Role] | None = strawberry.field(
        default=UNSET, description="What the account may do; default: [USER]."
    )
    service_platform: Platform | None = strawberry.field(
        default=UNSET,
        description="With roles [SERVICE]: the one platform the service account speaks for.",
    )


@strawberry.input(description="A wallet to add to an account.")
class AddWalletInput:
    chain: Chain = strawberry.field(description="The blockchain the wallet lives on.")
    address: str = strawberry.field(
        description="ETH: 0x + 40 hex (mixed case must pass EIP-55); SOL: 32-44 base58 characters."
    )
    make_primary: bool | None = strawberry.field(
        default=False, description="Make it the primary wallet (the first wallet always is)."
    )
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description=_FOR_USER)
    signature: str | None = strawberry.field(
        default=UNSET,
        description="Signature of this address's latest unexpired challenge "
        "(`createWalletChallenge`): hex for ETH, base58 for SOL. Required unless an admin "
        "acts for another user.",
    )


@strawberry.input(description="One of an account's wallets.")
class WalletInput:
    address: str = strawberry.field(description="Its address (ETH case-insensitive).")
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description=_FOR_USER)


@strawberry.input(description="A new status for an account (admins only).")
class SetUserStatusInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user account.")
    status: UserStatus = strawberry.field(description="SUSPENDED accounts are refused everywhere.")


@strawberry.input(description="A new API key for the viewer (or, for admins, another user).")
class CreateApiKeyInput:
    name: str = strawberry.field(description="What it is for, 1 to 100 characters.")
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description=_FOR_USER)


@strawberry.input(description="A credit movement (admins only).")
class CreditInput:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user account.")
    type: TransactionType = strawberry.field(
        description="Kind of credit movement; only DEBIT takes credit away."
    )
    amount_usd: Decimal = strawberry.field(
        description='Positive, at most two decimals and 1,000,000,000, as a string: "12.50".'
    )
    description: str | None = strawberry.field(
        default=UNSET, description="Why, up to 1,000 characters."
    )
    idempotency_key: str = strawberry.field(
        description="Repeating a call with the same key returns the first transaction."
    )


@strawberry.type(description="Result of createUser.")
class CreateUserPayload:
    user: User | None = strawberry.field(description="The new account; null on failure.")
    api_key_secret: str | None = strawberry.field(
        description="The new user's first API key secret, shown only here."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of an account mutation.")
class UserPayload:
    user: User | None = strawberry.field(description="The account; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The new key; null on failure.")
    secret: str | None = strawberry.field(description="Shown once; only its hash is stored.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of revokeApiKey.")
class ApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The key; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of applyCredit.")
class CreditTransactionPayload:
    transaction: CreditTransaction | None = strawberry.field(
        description="The ledger entry (the first one, for a repeated idempotency key)."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()
