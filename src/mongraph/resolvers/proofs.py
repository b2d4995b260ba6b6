"""Proving identities and wallets: link codes both ways, wallet challenges and signatures."""

from __future__ import annotations

from typing import Any

import strawberry

from ..context import RequestContext
from ..datastore import link_codes, wallet_challenges
from ..datastore.documents import UserDoc, WalletChallengeDoc, WalletDoc, utcnow
from ..errors import ApiError, BadInput, ErrorCode, Forbidden, NotFound
from ..proofs.link_code import code_hash, new_code, normalize_code
from ..proofs.wallet_challenge import (
    SignatureFormatError,
    challenge_message,
    is_solana_key,
    new_nonce,
    signature_matches,
)
from ..schema.identity import Platform, User
from ..schema.identity_inputs import UserPayload
from ..schema.proofs import (
    CreateIdentityLinkCodeInput,
    IdentityLinkCode,
    IdentityLinkCodePayload,
    RedeemIdentityLinkCodeInput,
    WalletChallenge,
    WalletChallengeInput,
    WalletChallengePayload,
)
from .accounts import identity_doc, visible
from .common import attempt
from .wallets import wallet_address

__all__ = [
    "create_identity_link_code",
    "create_wallet_challenge",
    "redeem_identity_link_code",
    "signed_challenge",
]

_SIGNATURE = ("input", "signature")
_MAX_CODE_TEXT = 64


def _given(value: object) -> bool:
    return value is not None and value is not strawberry.UNSET


def _own_platform(ctx: RequestContext, platform: str) -> str | None:
    """The viewer's service platform (None for other accounts); `FORBIDDEN` for another one."""
    service = ctx.viewer.service_platform
    if service is not None and platform != service:
        raise Forbidden(
            f"this SERVICE account speaks for {service} only", field=("input", "platform")
        )
    return service


def _identity_of(
    data: CreateIdentityLinkCodeInput | RedeemIdentityLinkCodeInput,
) -> tuple[str, str | None]:
    """The identity a SERVICE names (`externalId`, `username`), validated."""
    named = identity_doc(data, ("input",))
    return named.external_id, named.username


def _user_names_no_identity(
    data: CreateIdentityLinkCodeInput | RedeemIdentityLinkCodeInput,
) -> None:
    if _given(data.external_id) or _given(data.username):
        raise Forbidden(
            "only the platform's SERVICE account names the identity", field=("input", "externalId")
        )


async def create_identity_link_code(
    ctx: RequestContext, data: CreateIdentityLinkCodeInput
) -> IdentityLinkCodePayload:
    async def act() -> IdentityLinkCode:
        viewer = ctx.viewer
        platform = data.platform.value
        external_id = username = None
        if _own_platform(ctx, platform) is not None:
            external_id, username = _identity_of(data)  # adapter → user: mailed to it
            redeemer = "USER"
        else:
            _user_names_no_identity(data)
            if platform == "EMAIL":
                raise BadInput(
                    "an email address is proven by a code the email SERVICE mails to it",
                    field=("input", "platform"),
                )
            redeemer = "SERVICE"  # user → adapter: sent to the bot, which sees the sender
        code = new_code()
        symbols = normalize_code(code)
        assert symbols is not None
        made = await link_codes.make_code(
            ctx.store,
            code_hash=code_hash(symbols, ctx.settings.mongraph_cursor_secret),
            platform=platform,
            made_by=viewer.user.id,
            redeemer=redeemer,
            external_id=external_id,
            username=username,
        )
        return IdentityLinkCode(
            code=code, platform=Platform(platform), external_id=external_id,
            expires_at=made.expires_at,
        )  # fmt: skip

    link_code, errors = await attempt(ctx, act)
    return IdentityLinkCodePayload(link_code=link_code, user_errors=errors)


async def _check_failure_budget(ctx: RequestContext, external_id: str | None) -> str:
    """The key's failure counter; a GraphQL `FORBIDDEN` once it failed too often lately."""
    viewer = ctx.viewer
    key = viewer.key_hash or str(viewer.user.id)
    failed = await link_codes.count_failures(ctx.store, key_hash=key, external_id=external_id)
    if failed >= link_codes.FAILED_REDEMPTIONS:
        minutes = int(link_codes.CODE_LIFETIME.total_seconds() // 60)
        raise ApiError(
            ErrorCode.FORBIDDEN,
            f"{link_codes.FAILED_REDEMPTIONS} failed link-code redemptions in {minutes} minutes: "
            "wait before trying again",
        )
    return key


async def redeem_identity_link_code(
    ctx: RequestContext, data: RedeemIdentityLinkCodeInput
) -> UserPayload:
    """Links the code's identity, verified: a SERVICE redeems a user's code for the identity
    that sent it; a user redeems a code a SERVICE made for an identity it reached."""
    viewer = ctx.viewer
    sender = data.external_id if _given(data.external_id) else None
    key = await _check_failure_budget(ctx, sender if sender and len(sender) <= 256 else None)

    async def change() -> User:
        platform = data.platform.value
        external_id = username = None
        if _own_platform(ctx, platform) is not None:
            external_id, username = _identity_of(data)
        else:
            _user_names_no_identity(data)
        if len(data.code) > _MAX_CODE_TEXT:
            raise BadInput(
                f"a code is at most {_MAX_CODE_TEXT} characters", field=("input", "code")
            )
        symbols = normalize_code(data.code)
        try:
            if symbols is None:
                raise NotFound(link_codes.UNKNOWN_CODE, field=("input", "code"))
            doc: UserDoc = await link_codes.redeem_code(
                ctx.store,
                code_hash=code_hash(symbols, ctx.settings.mongraph_cursor_secret),
                platform=platform,
                redeemer="SERVICE" if external_id is not None else "USER",
                identity_of=viewer.user.id,
                external_id=external_id,
                username=username,
            )
        except NotFound:
            await link_codes.record_failure(ctx.store, key_hash=key, external_id=external_id)
            raise
        user = visible(ctx, doc)
        assert user is not None
        return user

    user, errors = await attempt(ctx, change)
    return UserPayload(user=user, user_errors=errors)


async def create_wallet_challenge(
    ctx: RequestContext, data: WalletChallengeInput
) -> WalletChallengePayload:
    async def act() -> WalletChallenge:
        viewer = ctx.viewer
        chain = data.chain.value
        address = wallet_address(chain, data.address)
        if chain == "SOL" and not is_solana_key(address):
            raise BadInput(
                "this SOL address is not an ed25519 public key", field=("input", "address")
            )
        now = utcnow()
        expires = now + wallet_challenges.CHALLENGE_LIFETIME
        message = challenge_message(
            chain=chain, address=address, public_url=ctx.settings.mongraph_public_url,
            nonce=new_nonce(), issued_at=now, expires_at=expires,
        )  # fmt: skip
        challenge = WalletChallengeDoc(
            user_id=viewer.user.id, chain=chain, address=address, message=message,
            expires_at=expires, created_at=now, updated_at=now,
        )  # fmt: skip
        saved = await wallet_challenges.save_challenge(ctx.store, challenge)
        return WalletChallenge(message=saved.message, expires_at=saved.expires_at)

    challenge, errors = await attempt(ctx, act)
    return WalletChallengePayload(challenge=challenge, user_errors=errors)


async def signed_challenge(
    ctx: RequestContext, user_id: Any, wallet: WalletDoc, signature: str | None
) -> WalletChallengeDoc:
    """The account's open challenge for the wallet, when `signature` signs it; `FORBIDDEN`
    for a missing, wrong, reused or expired signature, `BAD_USER_INPUT` for a malformed one."""
    if not _given(signature) or not signature:
        raise Forbidden(
            "sign this address's challenge (createWalletChallenge) and send the signature",
            field=_SIGNATURE,
        )
    if len(signature) > 200:
        raise BadInput("no signature is so long", field=_SIGNATURE)
    challenge = await wallet_challenges.latest_challenge(
        ctx.store, user_id=user_id, chain=wallet.chain, address=wallet.address
    )
    if challenge is None:
        raise Forbidden(
            "no open challenge for this address (it expired or was used): make a new one",
            field=_SIGNATURE,
        )
    try:
        matches = signature_matches(wallet.chain, wallet.address, challenge.message, signature)
    except SignatureFormatError as error:
        raise BadInput(str(error), field=_SIGNATURE) from error
    if not matches:
        raise Forbidden(
            "this is not the address's signature of its latest challenge", field=_SIGNATURE
        )
    return challenge
