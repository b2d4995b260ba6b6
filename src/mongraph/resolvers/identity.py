"""Identity queries and mutations: accounts, identities, wallets, API keys, status."""

from __future__ import annotations

from typing import Any

import strawberry

from .. import policy
from ..auth import make_api_key
from ..context import RequestContext
from ..datastore import identity, users
from ..datastore.documents import IdentityDoc, UserDoc, WalletDoc, utcnow
from ..datastore.repository import Scope
from ..errors import ApiError, BadInput, ErrorCode, Forbidden
from ..execution.connection import Connection
from ..execution.loading import ListSelection, PageArgs, contains, load_one
from ..schema.identity import ApiKey, User
from ..schema.identity_inputs import (
    AddWalletInput,
    ApiKeyPayload,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    CreateUserInput,
    CreateUserPayload,
    LinkIdentityInput,
    SetUserStatusInput,
    UnlinkIdentityInput,
    UserFilter,
    UserPayload,
    WalletInput,
)
from .accounts import identity_doc, visible
from .common import attempt, object_id_of
from .listing import list_connection
from .proofs import signed_challenge
from .validation import ApiKeyFields, UserFields, validated
from .wallets import wallet_address

__all__ = [
    "add_wallet",
    "create_api_key",
    "create_user",
    "get_user",
    "link_identity",
    "list_users",
    "remove_wallet",
    "require_admin",
    "revoke_api_key",
    "set_primary_wallet",
    "set_user_status",
    "unlink_identity",
    "user_by_identity",
    "viewer_user",
]

_VIEWER_USERS_MAX = 1024
_viewer_users: dict[int, tuple[UserDoc, User]] = {}
"""The `User` built from each recent account document of an authenticated viewer, by the
document's identity. The key cache hands every request of a key the same document until
it expires or a mutation clears it (then a new document, a new `User`): building a `User`
(its identities, wallets and keys) was a twentieth of the smallest request's CPU. The
objects are never changed, so requests may share them."""


def require_admin(ctx: RequestContext) -> None:
    """Admin-only queries: `FORBIDDEN` as a GraphQL error (mutations raise `Forbidden`)."""
    if not ctx.viewer.is_admin:
        raise ApiError(ErrorCode.FORBIDDEN, "admins only")


def _target(ctx: RequestContext, user_id: object) -> Any:
    """The account a mutation acts on: the viewer, or (admins only) the `userId` given."""
    viewer = ctx.viewer
    if user_id is None or user_id is strawberry.UNSET:
        return viewer.user.id
    oid = object_id_of(str(user_id), "User", ("input", "userId"))
    if not policy.may_act_for(viewer.user, oid):
        raise Forbidden("only admins may act for another user", field=("input", "userId"))
    return oid


def _admin_only(ctx: RequestContext, why: str = "admins only") -> None:
    if not ctx.viewer.is_admin:
        raise Forbidden(why)


def viewer_user(doc: UserDoc) -> User:
    """The viewer's own account as a `User` (the document authentication gave)."""
    entry = _viewer_users.get(id(doc))
    if entry is not None and entry[0] is doc:  # the entry holds its document: no id reuse
        return entry[1]
    if len(_viewer_users) >= _VIEWER_USERS_MAX:
        _viewer_users.clear()
    user = User.from_doc(doc)
    _viewer_users[id(doc)] = (doc, user)
    return user


async def get_user(ctx: RequestContext, global_id: str) -> User | None:
    viewer = ctx.viewer
    oid = object_id_of(global_id, "User", ("id",))
    if not policy.may_look_up(viewer.user, oid):
        return None
    return visible(ctx, await load_one(ctx, UserDoc, oid))


async def list_users(
    ctx: RequestContext, *, paging: PageArgs, where: UserFilter | None
) -> Connection[User]:
    require_admin(ctx)
    query: dict[str, Any] = {}
    if where is not None:
        if where.status is not None:
            query["status"] = where.status.value
        if where.display_name_contains:
            query["displayName"] = contains(where.display_name_contains, "displayNameContains")
    selection = ListSelection(query, "createdAt", descending=True, scope=Scope.unrestricted())
    return await list_connection(ctx, "users", selection, paging, convert=User.from_doc)


async def user_by_identity(ctx: RequestContext, platform: str, external_id: str) -> User | None:
    """Admins: any link. A SERVICE: verified links of its own platform."""
    viewer = ctx.viewer
    refusal = policy.identity_lookup_refusal(viewer.user, platform)
    if refusal is not None:
        raise ApiError(ErrorCode.FORBIDDEN, refusal)
    if not 1 <= len(external_id) <= 256:
        raise BadInput("`externalId` is 1 to 256 characters", field=("externalId",))
    doc = await identity.find_by_identity(
        ctx.store, platform, external_id, verified_only=not viewer.is_admin
    )
    return visible(ctx, doc)


def _new_account_rules(
    ctx: RequestContext, roles: set[str], service_platform: str | None, first: IdentityDoc | None
) -> None:
    """Admins make any account (a SERVICE one with its platform); a SERVICE registers a
    person who wrote to it: an identity of its platform, no roles."""
    viewer = ctx.viewer
    if viewer.is_admin:
        if ("SERVICE" in roles) != (service_platform is not None):
            raise BadInput(
                "roles [SERVICE] and servicePlatform go together",
                field=("input", "servicePlatform"),
            )
        if {"SERVICE", "ADMIN"} <= roles:
            raise BadInput("a SERVICE account cannot be an admin", field=("input", "roles"))
        return
    platform = viewer.service_platform
    if platform is None:
        raise Forbidden("admins only")
    if roles - {"USER"} or service_platform is not None:
        raise Forbidden("a SERVICE account cannot give roles", field=("input", "roles"))
    if first is None or first.platform != platform:
        raise Forbidden(
            f"a SERVICE account registers people with a {platform} identity",
            field=("input", "identity"),
        )


async def create_user(ctx: RequestContext, data: CreateUserInput) -> CreateUserPayload:
    async def act() -> tuple[User, str]:
        fields = validated(
            UserFields, {"displayName": data.display_name}, required=("displayName",), non_null=()
        )
        first = None
        if data.identity is not None and data.identity is not strawberry.UNSET:
            first = identity_doc(data.identity, ("input", "identity"))
            first.verified_at = utcnow()  # made by an admin, or by the SERVICE that saw it
        roles = {r.value for r in (data.roles or [])}
        platform = data.service_platform.value if data.service_platform else None
        _new_account_rules(ctx, roles, platform, first)
        key = make_api_key("first key")
        doc = await users.create_user(
            ctx.store,
            display_name=fields["displayName"],
            roles=sorted(roles | {"USER"}, key=["USER", "ADMIN", "SERVICE"].index),
            key=key.doc,
            identity=first,
            service_platform=platform,
        )
        user = visible(ctx, doc)
        assert user is not None
        return user, key.secret

    created, errors = await attempt(ctx, act)
    user, secret = created if created else (None, None)
    return CreateUserPayload(user=user, api_key_secret=secret, user_errors=errors)


async def _user_payload(ctx: RequestContext, change: Any) -> UserPayload:
    async def act() -> User:
        return User.from_doc(await change())

    user, errors = await attempt(ctx, act)
    return UserPayload(user=user, user_errors=errors)


async def link_identity(ctx: RequestContext, data: LinkIdentityInput) -> UserPayload:
    """Admins only (support work): everyone else proves an identity with a link code."""

    async def change() -> UserDoc:
        _admin_only(ctx, "link an identity with a link code (createIdentityLinkCode)")
        target = _target(ctx, data.user_id)
        linked = identity_doc(data, ("input",))
        linked.verified_at = utcnow()
        return await identity.link_identity(ctx.store, target, linked)

    return await _user_payload(ctx, change)


async def unlink_identity(ctx: RequestContext, data: UnlinkIdentityInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        doc = identity_doc(data, ("input",))
        return await identity.unlink_identity(ctx.store, target, doc.platform, doc.external_id)

    return await _user_payload(ctx, change)


def _lookup_address(address: str) -> str:
    """Addresses in wallet lookups: ETH ones are matched case-insensitively."""
    if len(address) > 100:
        raise BadInput("no wallet has so long an address", field=("input", "address"))
    return address.lower() if address.lower().startswith("0x") else address


async def add_wallet(ctx: RequestContext, data: AddWalletInput) -> UserPayload:
    """With the signature of the address's latest challenge; admins acting for another
    user may leave it out."""

    async def change() -> UserDoc:
        viewer = ctx.viewer
        target = _target(ctx, data.user_id)
        chain = data.chain.value
        wallet = WalletDoc(chain=chain, address=wallet_address(chain, data.address))
        challenge = None
        if data.signature or not viewer.is_admin or target == viewer.user.id:
            challenge = await signed_challenge(ctx, target, wallet, data.signature)
        wallet.verified_at = utcnow()
        return await identity.add_wallet(
            ctx.store, target, wallet, make_primary=bool(data.make_primary), challenge=challenge
        )

    return await _user_payload(ctx, change)


async def set_primary_wallet(ctx: RequestContext, data: WalletInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        return await identity.set_primary_wallet(ctx.store, target, _lookup_address(data.address))

    return await _user_payload(ctx, change)


async def remove_wallet(ctx: RequestContext, data: WalletInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        return await identity.remove_wallet(ctx.store, target, _lookup_address(data.address))

    return await _user_payload(ctx, change)


async def set_user_status(ctx: RequestContext, data: SetUserStatusInput) -> UserPayload:
    async def change() -> UserDoc:
        _admin_only(ctx)
        target = object_id_of(data.user_id, "User", ("input", "userId"))
        return await identity.set_status(
            ctx.store, target, data.status.value, actor_id=ctx.viewer.user.id
        )

    return await _user_payload(ctx, change)


async def create_api_key(ctx: RequestContext, data: CreateApiKeyInput) -> CreateApiKeyPayload:
    async def act() -> tuple[ApiKey, str]:
        target = _target(ctx, data.user_id)
        fields = validated(ApiKeyFields, {"name": data.name})
        key = make_api_key(fields["name"])
        await identity.create_api_key(ctx.store, target, key.doc)
        return ApiKey.from_doc(key.doc), key.secret

    made, errors = await attempt(ctx, act)
    api_key, secret = made if made else (None, None)
    return CreateApiKeyPayload(api_key=api_key, secret=secret, user_errors=errors)


async def revoke_api_key(ctx: RequestContext, global_id: strawberry.ID) -> ApiKeyPayload:
    async def act() -> ApiKey:
        viewer = ctx.viewer
        key_id = object_id_of(global_id, "ApiKey", ("id",))
        owner = None if viewer.is_admin else viewer.user.id
        doc = await identity.revoke_api_key(ctx.store, key_id, owner_id=owner)
        return ApiKey.from_doc(doc)

    api_key, errors = await attempt(ctx, act)
    return ApiKeyPayload(api_key=api_key, user_errors=errors)
