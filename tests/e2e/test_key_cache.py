"""The API-key cache: no database lookup for a key seen in the last
MONGRAPH_KEY_CACHE_SECONDS, and revocation still effective once that has passed.

Time is a parameter here (a manual clock), never a measurement.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from mongraph.app import create_app
from mongraph.auth import KeyCache, authenticate
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import utcnow
from mongraph.errors import Unauthenticated
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def cached_http(store: Datastore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with a key cache long enough never to expire during a test."""

    async def same_store() -> Datastore:
        return store

    cached = settings.model_copy(update={"mongraph_key_cache_seconds": 3600})
    app = create_app(same_store, cached, close_store=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cached") as client:
            yield client


def user_lookups(commands: CommandCounter) -> int:
    return commands.commands.count(("find", "users"))


async def test_a_recently_seen_key_costs_no_database_command(
    cached_http: httpx.AsyncClient, alice: MadeUser, commands: CommandCounter
) -> None:
    client = GraphQLClient(cached_http, alice.secret)
    assert await client.ok("{ viewer { displayName } }") == {"viewer": {"displayName": "Alice"}}
    commands.reset()
    for _ in range(3):
        assert await client.ok("{ viewer { displayName } }") == {"viewer": {"displayName": "Alice"}}
    assert commands.commands == []


async def test_revoked_key_is_refused_once_the_cache_entry_expires(
    store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    clock = Clock()
    cache = KeyCache(1.0, clock=clock)
    header = f"Bearer {alice.secret}"
    assert (await authenticate(store, header, cache)) is not None
    # revoked behind this process's back (another instance, or the database directly)
    await store.db["users"].update_one(
        {"_id": alice.doc.id}, {"$set": {"apiKeys.0.revokedAt": utcnow()}}
    )
    commands.reset()
    clock.now += 0.5
    assert (await authenticate(store, header, cache)) is not None  # within the TTL: cached
    assert user_lookups(commands) == 0
    clock.now += 0.6  # past the TTL
    with pytest.raises(Unauthenticated):
        await authenticate(store, header, cache)
    assert user_lookups(commands) == 1


async def test_suspension_behind_our_back_takes_effect_after_the_ttl(
    store: Datastore, alice: MadeUser
) -> None:
    clock = Clock()
    cache = KeyCache(1.0, clock=clock)
    header = f"Bearer {alice.secret}"
    await authenticate(store, header, cache)
    await store.db["users"].update_one({"_id": alice.doc.id}, {"$set": {"status": "SUSPENDED"}})
    clock.now += 1.0
    with pytest.raises(Exception, match="not active"):
        await authenticate(store, header, cache)


async def test_failures_are_not_cached_and_ttl_zero_turns_the_cache_off(
    store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    commands.reset()
    off = KeyCache(0)
    for _ in range(2):
        await authenticate(store, f"Bearer {alice.secret}", off)
    assert user_lookups(commands) == 2
    cache = KeyCache(60)
    unknown = "Bearer mgr_" + "A" * 43
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await authenticate(store, unknown, cache)
    assert user_lookups(commands) == 4


async def test_a_mutation_on_this_instance_clears_the_cache_at_once(
    cached_http: httpx.AsyncClient, alice: MadeUser, admin: MadeUser
) -> None:
    client = GraphQLClient(cached_http, alice.secret)
    made = (
        await client.ok('mutation { createApiKey(input: {name: "b"}) { apiKey { id } secret } }')
    )["createApiKey"]
    second = GraphQLClient(cached_http, made["secret"])
    assert (await second.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}
    await client.ok(
        "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }",
        {"id": made["apiKey"]["id"]},
    )
    assert await second.error_codes("{ viewer { displayName } }") == ["UNAUTHENTICATED"]
    # an admin suspending Alice is seen by her very next request on this instance
    assert (await client.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}
    await GraphQLClient(cached_http, admin.secret).ok(
        "mutation($id: ID!) { setUserStatus(input: {userId: $id, status: SUSPENDED}) { user { id } } }",
        {"id": alice.global_id},
    )
    assert await client.error_codes("{ viewer { displayName } }") == ["FORBIDDEN"]


async def test_the_cache_keeps_a_bounded_number_of_keys() -> None:
    from mongraph.datastore.documents import UserDoc

    clock = Clock()
    cache = KeyCache(10, max_entries=3, clock=clock)
    user = UserDoc(display_name="x")
    for n in range(3):
        cache.put(f"k{n}", user)
    cache.put("k3", user)  # full of live entries: start over
    assert [cache.get(f"k{n}") for n in range(4)] == [None, None, None, user]


async def test_the_viewer_follows_its_account_through_the_cache(
    cached_http: httpx.AsyncClient, alice: MadeUser, bob: MadeUser
) -> None:
    """Requests of a cached key share the account they were given, never another's, and
    see it as a mutation left it."""
    query = "{ viewer { displayName apiKeys { name } } }"
    as_alice, as_bob = (
        GraphQLClient(cached_http, alice.secret),
        GraphQLClient(cached_http, bob.secret),
    )
    for _ in range(2):
        assert (await as_alice.ok(query))["viewer"]["displayName"] == "Alice"
        assert (await as_bob.ok(query))["viewer"]["displayName"] == "Bob"
    before = [k["name"] for k in (await as_alice.ok(query))["viewer"]["apiKeys"]]
    await as_alice.ok('mutation { createApiKey(input: {name: "second"}) { secret } }')
    after = [k["name"] for k in (await as_alice.ok(query))["viewer"]["apiKeys"]]
    assert after == [*before, "second"]


async def test_requests_that_miss_the_same_key_at_once_share_one_lookup(
    store: Datastore, alice: MadeUser, bob: MadeUser, commands: CommandCounter
) -> None:
    """When an entry expires under load, every request in flight with that key misses it
    at once: one lookup answers them all (one per key)."""
    clock = Clock()
    cache = KeyCache(1.0, clock=clock)
    keys = [f"Bearer {alice.secret}"] * 8 + [f"Bearer {bob.secret}"] * 8
    commands.reset()
    viewers = await asyncio.gather(*(authenticate(store, header, cache) for header in keys))
    assert [v.user.display_name for v in viewers if v is not None] == ["Alice"] * 8 + ["Bob"] * 8
    assert user_lookups(commands) == 2
    unknown = "Bearer mgr_" + "A" * 43
    refused = await asyncio.gather(
        *(authenticate(store, unknown, cache) for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(error, Unauthenticated) for error in refused)
    assert user_lookups(commands) == 3
    with pytest.raises(Unauthenticated):  # a refusal is shared, never cached
        await authenticate(store, unknown, cache)
    assert user_lookups(commands) == 4
