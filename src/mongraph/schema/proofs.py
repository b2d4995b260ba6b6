"""Types of the identity proofs: link codes and wallet challenges, their inputs and payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry

from .common import RootQuery, UserError, root_field
from .identity import Chain, Platform

__all__ = [
    "CreateIdentityLinkCodeInput",
    "IdentityLinkCode",
    "IdentityLinkCodePayload",
    "RedeemIdentityLinkCodeInput",
    "WalletChallenge",
    "WalletChallengeInput",
    "WalletChallengePayload",
]

UNSET = strawberry.UNSET
_ERRORS = "Why it failed, if it did (the object is then null)."


@strawberry.type(
    description="A one-time code that proves a platform identity. Made by a user and redeemed "
    "by the platform's SERVICE account (Telegram, Discord: the bot sees who sent it), or made "
    "by the SERVICE for an identity it has reached and redeemed by the signed-in user (EMAIL: "
    "the code is mailed to the address). Valid 10 minutes, once."
)
class IdentityLinkCode:
    code: str = strawberry.field(description="The code, e.g. `7KQ2M-XD9RB` (case and dash free).")
    platform: Platform = strawberry.field(description="The platform whose identity it proves.")
    external_id: str | None = strawberry.field(
        description="Set when a SERVICE made the code for this identity."
    )
    expires_at: datetime = strawberry.field(description="When it stops working.")


@strawberry.type(description="Result of createIdentityLinkCode.")
class IdentityLinkCodePayload:
    link_code: IdentityLinkCode | None = strawberry.field(
        description="The new code; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.input(description="A new one-time code that will prove a platform identity.")
class CreateIdentityLinkCodeInput:
    platform: Platform = strawberry.field(description="The platform of the identity to prove.")
    external_id: str | None = strawberry.field(
        default=UNSET, description="SERVICE only: the identity the code is for."
    )
    username: str | None = strawberry.field(
        default=UNSET, description="SERVICE only: that identity's handle."
    )


@strawberry.input(description="A link code to redeem.")
class RedeemIdentityLinkCodeInput:
    code: str = strawberry.field(description="The code as its owner typed it.")
    platform: Platform = strawberry.field(description="The platform it was made for.")
    external_id: str | None = strawberry.field(
        default=UNSET, description="SERVICE only: the identity that brought the code."
    )
    username: str | None = strawberry.field(
        default=UNSET, description="SERVICE only: that identity's handle."
    )


@strawberry.type(
    description="What to sign to prove a wallet: EIP-4361 (Sign-In with Ethereum) text for "
    "ETH; a plain text with domain, address, nonce and expiry for SOL."
)
class WalletChallenge:
    message: str = strawberry.field(
        description="The exact text to sign (ETH: `personal_sign`; SOL: ed25519 of its UTF-8)."
    )
    expires_at: datetime = strawberry.field(description="Sign and add the wallet before this.")


@strawberry.type(description="Result of createWalletChallenge.")
class WalletChallengePayload:
    challenge: WalletChallenge | None = strawberry.field(
        description="What to sign to prove the wallet; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.input(description="A wallet whose ownership is to be proven by a signature.")
class WalletChallengeInput:
    chain: Chain = strawberry.field(description="The blockchain the wallet lives on.")
    address: str = strawberry.field(
        description="The wallet's address on its chain (ETH case-insensitive)."
    )
