"""API keys (make, hash, verify) and the request's viewer."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import policy
from .datastore import users
from .datastore.client import Datastore
from .datastore.documents import ApiKeyDoc, UserDoc, utcnow
from .datastore.repository import Scope
from .errors import ApiError, DomainError, ErrorCode, Unauthenticated

__all__ = [
    "KEY_PREFIX",
    "KeyCache",
    "NewApiKey",
    "Viewer",
    "authenticate",
    "hash_secret",
    "key_refusal",
    "make_api_key",
]

KEY_PREFIX = "mgr_"
_DISPLAY_PREFIX_LEN = len(KEY_PREFIX) + 8
_SECRET_LEN = len(KEY_PREFIX) + 43  # 32 random bytes, urlsafe base64 without padding


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made key: `secret` is shown once; only `doc` (hash and prefix) is stored."""

    secret: str
    doc: ApiKeyDoc


def _live_key(user: UserDoc, digest: str) -> ApiKeyDoc | None:
    key = next((k for k in user.api_keys if hmac.compare_digest(k.secret_hash, digest)), None)
    return None if key is None or key.revoked_at is not None else key


def key_refusal(user: UserDoc | None, digest: str | None) -> DomainError | None:
    """Why this account may no longer use the key with this hash (None: no key to check);
    None while it may. The one rule, for a key looked up now and for one held open."""
    if user is None or (digest is not None and _live_key(user, digest) is None):
        return Unauthenticated("invalid API key")
    if user.status != "ACTIVE":
        return ApiError(ErrorCode.FORBIDDEN, "this account is not active")
    return None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_api_key(name: str) -> NewApiKey:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    doc = ApiKeyDoc(name=name, prefix=secret[:_DISPLAY_PREFIX_LEN], secret_hash=hash_secret(secret))
    return NewApiKey(secret=secret, doc=doc)


@dataclass(frozen=True)
class Viewer:
    """The authenticated user of a request, and the hash of the key it came with."""

    user: UserDoc
    key_hash: str | None = None

    @property
    def is_admin(self) -> bool:
        return policy.is_admin(self.user)

    @property
    def service_platform(self) -> str | None:
        return policy.service_platform(self.user)

    def visible_user(self, doc: UserDoc) -> UserDoc | None:
        """`doc` as this viewer may see it (`policy.account_view`)."""
        return policy.account_view(self.user, doc)

    @property
    def read_scope(self) -> Scope:
        """What this viewer's reads by id see (`policy.read_scope`)."""
        return policy.read_scope(self.user)

    @property
    def write_scope(self) -> Scope:
        """What this viewer's changes may touch (`policy.write_scope`)."""
        return policy.write_scope(self.user)


class KeyCache:
    """Accounts of keys that authenticated in the last `ttl` seconds, by key hash.

    A hit skips the database lookup, so a revoked key, a suspended account or a
    changed role takes effect on this process within `ttl` seconds. Only successes
    are kept; `ttl` 0 turns the cache off. A miss is looked up once for all the requests
    that ask for the same key while the lookup runs (`load`).
    """

    def __init__(
        self, ttl: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, UserDoc]] = {}
        self._loading: dict[str, asyncio.Future[UserDoc]] = {}
        self._generation = 0
        """Bumped by `clear`: a lookup that started before it does not fill the cache."""

    def get(self, digest: str) -> UserDoc | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[digest]
            return None
        return entry[1]

    def clear(self) -> None:
        self._entries.clear()
        self._loading.clear()
        self._generation += 1

    async def load(self, digest: str, look_up: Callable[[], Awaitable[UserDoc]]) -> UserDoc:
        """The account of a key that is not cached, by `look_up`, then cached. When an entry
        expires, every request in flight with that key misses at once (32 lookups a second
        under load): they share one lookup and its outcome, refusals included."""
        if self.ttl <= 0:
            return await look_up()
        loading = self._loading.get(digest)
        if loading is None:
            loading = self._loading[digest] = asyncio.ensure_future(
                self._look_up(digest, look_up, self._generation)
            )
            loading.add_done_callback(lambda done: self._settled(digest, done))
        # Shielded: a request that goes away does not cancel the others' lookup.
        return await asyncio.shield(loading)

    async def _look_up(
        self, digest: str, look_up: Callable[[], Awaitable[UserDoc]], generation: int
    ) -> UserDoc:
        user = await look_up()
        if generation == self._generation:
            self.put(digest, user)
        return user

    def _settled(self, digest: str, done: asyncio.Future[UserDoc]) -> None:
        if self._loading.get(digest) is done:
            del self._loading[digest]
        if not done.cancelled():
            done.exception()  # retrieved, even when every request waiting for it went away

    def put(self, digest: str, user: UserDoc) -> None:
        if self.ttl <= 0:
            return
        now = self._clock()
        if len(self._entries) >= self.max_entries:
            self._entries = {d: e for d, e in self._entries.items() if e[0] > now}
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
        self._entries[digest] = (now + self.ttl, user)


def bearer_secret(authorization: str | None) -> str | None:
    """The secret of an `Authorization: Bearer …` header; None when the header is absent."""
    if authorization is None:
        return None
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated(f"send the key as `Authorization: Bearer {KEY_PREFIX}…`")
    secret = secret.strip()
    if secret.startswith("<") and secret.endswith(">"):  # GraphiQL's header template
        raise Unauthenticated(f"replace {secret} with an API key ({KEY_PREFIX}…)")
    return secret


async def authenticate(
    store: Datastore, authorization: str | None, cache: KeyCache | None = None
) -> Viewer | None:
    """The viewer for these credentials; None without credentials.

    Unknown, revoked and malformed keys all fail the same way, so the error tells
    an attacker nothing about which keys exist.
    """
    secret = bearer_secret(authorization)
    if secret is None:
        return None
    if not secret.startswith(KEY_PREFIX) or len(secret) != _SECRET_LEN:
        raise Unauthenticated(
            f"not an API key: keys are {KEY_PREFIX} followed by {_SECRET_LEN - len(KEY_PREFIX)} "
            "characters"
        )
    digest = hash_secret(secret)
    if cache is None:
        return Viewer(user=await _look_up(store, digest), key_hash=digest)
    cached = cache.get(digest)
    if cached is not None:  # checked when it was cached; its use was recorded then
        return Viewer(user=cached, key_hash=digest)
    user = await cache.load(digest, lambda: _look_up(store, digest))
    return Viewer(user=user, key_hash=digest)


async def _look_up(store: Datastore, digest: str) -> UserDoc:
    """The account of a live key by its hash (its use recorded), or the key's refusal."""
    user = await users.find_by_key_hash(store, digest)
    key = None if user is None else _live_key(user, digest)
    refusal = key_refusal(user, digest)
    if refusal is not None or user is None or key is None:
        raise refusal or Unauthenticated("invalid API key")
    if key.last_used_at is None or utcnow() - key.last_used_at >= users.KEY_TOUCH_INTERVAL:
        await users.touch_key(store, user.id, key.id)
    return user
