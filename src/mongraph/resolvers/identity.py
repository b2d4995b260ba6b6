"""Identity queries and mutations: accounts, identities, wallets, API keys, status."""

from __future__ import annotations

from typing import Any

import strawberry

from ..auth import make_api_key
from ..context import RequestContext
from ..datastore import identity, users
from ..datastore.documents import IdentityDoc, UserDoc, WalletDoc
from ..datastore.repository import Scope
from ..errors import ApiError, BadInput, ErrorCode, Forbidden
from ..schema.common import Connection, SortDirection
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
from .common import attempt, object_id_of, provided
from .listing import contains, list_connection
from .relations import load_one
from .validation import ApiKeyFields, IdentityFields, UserFields, validated
from .wallets import normalize_wallet_address

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
]


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
    if oid != viewer.user.id and not viewer.is_admin:
        raise Forbidden("only admins may act for another user", field=("input", "userId"))
    return oid


def _admin_only(ctx: RequestContext) -> None:
    if not ctx.viewer.is_admin:
        raise Forbidden("admins only")


async def get_user(ctx: RequestContext, global_id: str) -> User | None:
    viewer = ctx.viewer
    oid = object_id_of(global_id, "User", ("id",))
    if oid != viewer.user.id and not viewer.is_admin:
        return None
    doc = await load_one(ctx, UserDoc, oid)
    return None if doc is None else User.from_doc(doc)


async def list_users(
    ctx: RequestContext, *, first: int | None, after: str | None, where: UserFilter | None
) -> Connection[User]:
    require_admin(ctx)
    query: dict[str, Any] = {}
    if where is not None:
        if where.status is not None:
            query["status"] = where.status.value
        if where.display_name_contains:
            query["displayName"] = contains(where.display_name_contains, "displayNameContains")
    return await list_connection(
        ctx,
        collection="users",
        scope=Scope.unrestricted(),
        query=query,
        sort_field="createdAt",
        direction=SortDirection.DESC,
        first=first,
        after=after,
        convert=User.from_doc,
    )


async def user_by_identity(ctx: RequestContext, platform: str, external_id: str) -> User | None:
    require_admin(ctx)
    if not 1 <= len(external_id) <= 256:
        raise BadInput("`externalId` is 1 to 256 characters", field=("externalId",))
    doc = await identity.find_by_identity(ctx.store, platform, external_id)
    return None if doc is None else User.from_doc(doc)


def _identity_doc(
    data: LinkIdentityInput | UnlinkIdentityInput, prefix: tuple[str, ...]
) -> IdentityDoc:
    values = validated(
        IdentityFields,
        provided(data, exclude=("user_id",)),
        required=("externalId",),
        non_null=(),
        prefix=prefix,
    )
    return IdentityDoc.model_validate(values)


async def create_user(ctx: RequestContext, data: CreateUserInput) -> CreateUserPayload:
    async def act() -> tuple[User, str]:
        _admin_only(ctx)
        fields = validated(
            UserFields, {"displayName": data.display_name}, required=("displayName",), non_null=()
        )
        first = None
        if data.identity is not None and data.identity is not strawberry.UNSET:
            first = _identity_doc(data.identity, ("input", "identity"))
        roles = {"USER"} | {r.value for r in (data.roles or [])}
        key = make_api_key("first key")
        doc = await users.create_user(
            ctx.store,
            display_name=fields["displayName"],
            roles=sorted(roles, key=["USER", "ADMIN"].index),
            key=key.doc,
            identity=first,
        )
        return User.from_doc(doc), key.secret

    created, errors = await attempt(ctx, act)
    user, secret = created if created else (None, None)
    return CreateUserPayload(user=user, api_key_secret=secret, user_errors=errors)


async def _user_payload(ctx: RequestContext, change: Any) -> UserPayload:
    async def act() -> User:
        return User.from_doc(await change())

    user, errors = await attempt(ctx, act)
    return UserPayload(user=user, user_errors=errors)


async def link_identity(ctx: RequestContext, data: LinkIdentityInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        return await identity.link_identity(ctx.store, target, _identity_doc(data, ("input",)))

    return await _user_payload(ctx, change)


async def unlink_identity(ctx: RequestContext, data: UnlinkIdentityInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        doc = _identity_doc(data, ("input",))
        return await identity.unlink_identity(ctx.store, target, doc.platform, doc.external_id)

    return await _user_payload(ctx, change)


def _address(chain: str, address: str) -> str:
    try:
        return normalize_wallet_address(chain, address)
    except ValueError as exc:
        raise BadInput(str(exc), field=("input", "address")) from exc


def _lookup_address(address: str) -> str:
    """Addresses in wallet lookups: ETH ones are matched case-insensitively."""
    if len(address) > 100:
        raise BadInput("no wallet has so long an address", field=("input", "address"))
    return address.lower() if address.lower().startswith("0x") else address


async def add_wallet(ctx: RequestContext, data: AddWalletInput) -> UserPayload:
    async def change() -> UserDoc:
        target = _target(ctx, data.user_id)
        wallet = WalletDoc(chain=data.chain.value, address=_address(data.chain.value, data.address))
        return await identity.add_wallet(
            ctx.store, target, wallet, make_primary=bool(data.make_primary)
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
