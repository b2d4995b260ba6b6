"""Long-lived WebSocket sessions, driven the way an attacker drives them, on both protocols.

Every operation on a socket is authenticated and loads its data afresh, as an HTTP request
does; an open subscription ends when its viewer loses the right to it; sockets that never
authenticate are closed; frames are held to the body limit; subscriptions and sockets per
account and per process are bounded; one change costs the database the same for 1 or 200
subscribers.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from mongraph.auth import hash_secret
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ContentDoc, MessageDoc
from mongraph.resolvers.common import object_id_of
from tests.utils.chat import create_conversation, post, share
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser, make_user
from tests.utils.live import LiveServer, live_server
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS, GraphQLWebSocket

PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]
MESSAGE_ADDED = """subscription($id: ID!) { messageAdded(conversationId: $id) {
  id content { text } author { displayName } conversation { id title } } }"""
CREATE_KEY = """mutation { createApiKey(input: {name: "minted"}) { secret userErrors { code } } }"""


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors") or []]


async def new_key(live: LiveServer, owner: MadeUser) -> tuple[str, str]:
    """A second key of `owner`: (its id, its secret)."""
    payload = await live.client(owner.secret).mutate(
        """mutation { createApiKey(input: {name: "socket"}) {
             apiKey { id } secret userErrors { code } } }"""
    )
    return payload["apiKey"]["id"], payload["secret"]


async def key_count(live: LiveServer, owner: MadeUser) -> int:
    data = await live.client(owner.secret).ok("{ viewer { apiKeys { id } } }")
    return len(data["viewer"]["apiKeys"])


async def operation_refused(ws: GraphQLWebSocket, query: str) -> list[str]:
    """The codes a new operation on this socket gets (a query, or a subscription on the
    legacy protocol, which runs subscriptions only)."""
    return codes(await ws.execute(query, {}))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_revoked_key_ends_its_subscriptions_and_every_later_operation(
    live: LiveServer, alice: MadeUser, protocol: str
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    key_id, secret = await new_key(live, alice)
    ws = await GraphQLWebSocket.open(live.address, secret, protocol)
    if protocol == TRANSPORT_WS:
        assert codes(await ws.execute("{ viewer { id } }")) == []
    await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
    await live.until_subscribed()
    keys_before = await key_count(live, alice)

    await gql.mutate(
        "mutation($id: ID!) { revokeApiKey(id: $id) { userErrors { code } } }", {"id": key_id}
    )

    assert codes(await ws.next_payload()) == ["UNAUTHENTICATED"]
    await live.until_unsubscribed()
    if protocol == TRANSPORT_WS:
        assert await operation_refused(ws, "{ viewer { id } }") == ["UNAUTHENTICATED"]
        assert await operation_refused(ws, CREATE_KEY) == ["UNAUTHENTICATED"]
    else:
        refused = await ws.execute(MESSAGE_ADDED, {"id": conversation})
        assert codes(refused) == ["UNAUTHENTICATED"]
    assert live.hub.subscription_count == 0
    assert await key_count(live, alice) == keys_before  # nothing minted on the dead key
    await ws.close()


async def test_a_key_revoked_elsewhere_is_refused_within_the_key_cache_ttl(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    """Revoked through another instance (straight in the database here): the change stream
    ends the subscription, and the next operation is refused once the cache forgets it."""
    ttl = 1.0
    cached = settings.model_copy(update={"mongraph_key_cache_seconds": ttl})
    async with live_server(store, cached) as live:
        conversation = await create_conversation(live.client(alice.secret))
        ws = await GraphQLWebSocket.open(live.address, alice.secret)
        assert codes(await ws.execute("{ viewer { id } }")) == []  # the key is now cached
        await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
        await live.until_subscribed()
        await store.db["users"].update_one(
            {"_id": alice.doc.id, "apiKeys.secretHash": hash_secret(alice.secret)},
            {"$set": {"apiKeys.$.revokedAt": datetime.now(UTC)}},
        )
        assert codes(await ws.next_payload(within=ttl + 1)) == ["UNAUTHENTICATED"]
        await asyncio.sleep(ttl)
        assert await operation_refused(ws, "{ viewer { id } }") == ["UNAUTHENTICATED"]
        await ws.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_suspended_account_loses_its_open_socket(
    live: LiveServer, alice: MadeUser, bob: MadeUser, admin: MadeUser, protocol: str
) -> None:
    conversation = await create_conversation(live.client(alice.secret))
    await share(live.client(alice.secret), conversation, [bob.global_id])
    ws = await live.subscribed(bob.secret, MESSAGE_ADDED, {"id": conversation}, protocol)

    await live.client(admin.secret).mutate(
        "mutation($i: SetUserStatusInput!) { setUserStatus(input: $i) { userErrors { code } } }",
        {"i": {"userId": bob.global_id, "status": "SUSPENDED"}},
    )
    await post(live.client(alice.secret), conversation, "not for a suspended account")

    assert codes(await ws.next_payload()) == ["FORBIDDEN"]
    if protocol == TRANSPORT_WS:
        create = 'mutation { createProject(input: {name: "x"}) { project { id } } }'
        assert await operation_refused(ws, create) == ["FORBIDDEN"]
        projects = await live.client(admin.secret).ok("{ projects { totalCount } }")
        assert projects["projects"]["totalCount"] == 0
    else:
        assert codes(await ws.execute(MESSAGE_ADDED, {"id": conversation})) == ["FORBIDDEN"]
    await ws.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_deleted_conversation_ends_its_subscriptions(
    live: LiveServer, alice: MadeUser, protocol: str
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": conversation}, protocol)
    await gql.ok(
        "mutation($id: ID!) { deleteConversation(id: $id) { affectedCount } }",
        {"id": conversation},
    )
    assert codes(await ws.next_payload()) == ["NOT_FOUND"]
    await live.until_unsubscribed()
    await ws.close()


async def test_a_reader_removed_from_shared_with_reads_nothing_new_on_the_old_socket(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    await share(gql, conversation, [bob.global_id])
    await post(gql, conversation, "before")
    read = """query($id: ID!, $n: Int) { conversation(id: $id) {
      title messages(last: $n) { edges { node { content { text } } } } } }"""
    ws = await GraphQLWebSocket.open(live.address, bob.secret)
    seen = await ws.execute(read, {"id": conversation, "n": 5})
    assert seen["data"]["conversation"]["title"] == "Chat"

    await share(gql, conversation, [])
    await post(gql, conversation, "after, for alice only")

    again = await ws.execute(read, {"id": conversation, "n": 10})
    assert again["data"] == {"conversation": None}
    fresh = await live.client(bob.secret).ok(read, {"id": conversation, "n": 10})
    assert fresh == again["data"]  # the old socket answers as HTTP does
    await ws.close()


async def test_a_socket_holds_nothing_between_its_operations(
    live: LiveServer, alice: MadeUser, store: Datastore
) -> None:
    """Bytes held: loaded objects live as long as their operation, not as the socket."""
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    ids = [await post(gql, conversation, f"{i:04d}" + "x" * 8000) for i in range(60)]
    ws = await GraphQLWebSocket.open(live.address, alice.secret)
    read = "query($id: ID!) { node(id: $id) { ... on Message { id content { text } } } }"

    async def read_all(some: list[str]) -> None:
        for message_id in some:
            payload = await ws.execute(read, {"id": message_id})
            assert payload["data"]["node"]["id"] == message_id

    tracemalloc.start()
    try:
        await read_all(ids[:10])  # caches warm: parser, validation, shapes, pools
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        await read_all(ids[10:])
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 50 messages of 8 kB: a socket that kept what it loaded holds over 400 kB more.
    assert held < 150_000, held
    await ws.close()


async def test_a_socket_without_credentials_is_refused_at_connection_init(
    live: LiveServer,
) -> None:
    transport = await GraphQLWebSocket.connect(live.address, TRANSPORT_WS)
    await transport.send({"type": "connection_init", "payload": {}})
    assert await transport.closed_with() == 4403

    legacy = await GraphQLWebSocket.connect(live.address, LEGACY_WS)
    await legacy.send({"type": "connection_init"})
    refusal = await legacy.receive()
    assert refusal["type"] == "connection_error"
    assert refusal["payload"]["code"] == "UNAUTHENTICATED"
    assert await legacy.closed_with() is not None


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_that_never_initialises_is_closed(
    store: Datastore, settings: Settings, protocol: str
) -> None:
    quick = settings.model_copy(update={"mongraph_ws_init_timeout": 0.3})
    async with live_server(store, quick) as live:
        ws = await GraphQLWebSocket.connect(live.address, protocol)
        assert await ws.closed_with(within=5) == 4408


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_frames_are_held_to_the_body_limit_and_decoded_without_recursion(
    live: LiveServer, alice: MadeUser, settings: Settings, protocol: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.WARNING)
    conversation = await create_conversation(live.client(alice.secret))
    deep = await GraphQLWebSocket.open(live.address, alice.secret, protocol)
    await deep.connection.send("[" * 100_000)
    if protocol == TRANSPORT_WS:
        assert await deep.closed_with() == 4400
    else:  # the legacy protocol ignores what it cannot parse; the socket still works
        await deep.subscribe(MESSAGE_ADDED, {"id": conversation})
        await live.until_subscribed()
        await deep.close()

    big = await GraphQLWebSocket.open(live.address, alice.secret, protocol)
    padding = " " * settings.mongraph_max_body_bytes
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    await big.connection.send(
        f'{{"id": "1", "type": "{kind}", "payload": {{"query": "{{ __typename }}"}}}}{padding}'
    )
    assert await big.closed_with() == 1009
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_subscriptions_are_bounded_per_account_and_per_process(
    store: Datastore, settings: Settings, alice: MadeUser, bob: MadeUser
) -> None:
    bounded = settings.model_copy(
        update={"mongraph_max_subscriptions_per_viewer": 2, "mongraph_max_subscriptions": 3}
    )
    async with live_server(store, bounded) as live:
        conversation = await create_conversation(live.client(alice.secret))
        await share(live.client(alice.secret), conversation, [bob.global_id])
        mine = await GraphQLWebSocket.open(live.address, alice.secret, TRANSPORT_WS)
        first = await mine.subscribe(MESSAGE_ADDED, {"id": conversation})
        await mine.subscribe(MESSAGE_ADDED, {"id": conversation})
        await live.until_subscribed(2)
        await mine.subscribe(MESSAGE_ADDED, {"id": conversation})
        assert codes(await mine.next_payload()) == ["TOO_MANY_SUBSCRIPTIONS"]

        legacy = await GraphQLWebSocket.open(live.address, bob.secret, LEGACY_WS)
        await legacy.subscribe(MESSAGE_ADDED, {"id": conversation})
        await live.until_subscribed(3)
        await legacy.subscribe(MESSAGE_ADDED, {"id": conversation})  # the process is full
        assert codes(await legacy.next_payload()) == ["TOO_MANY_SUBSCRIPTIONS"]

        await mine.send({"id": first, "type": "complete"})
        await live.until_unsubscribed(2)
        await legacy.subscribe(MESSAGE_ADDED, {"id": conversation})  # room again
        await live.until_subscribed(3)
        await post(live.client(alice.secret), conversation, "to all three")
        assert (await legacy.next_payload())["data"]["messageAdded"]["content"] == [
            {"text": "to all three"}
        ]
        await mine.close()
        await legacy.close()


async def test_open_sockets_are_bounded_per_account(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    bounded = settings.model_copy(update={"mongraph_max_sockets_per_viewer": 2})
    async with live_server(store, bounded) as live:
        held = [
            await GraphQLWebSocket.open(live.address, alice.secret, TRANSPORT_WS),
            await GraphQLWebSocket.open(live.address, alice.secret, LEGACY_WS),
        ]
        transport = await GraphQLWebSocket.connect(live.address, TRANSPORT_WS)
        await transport.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {alice.secret}"}}
        )
        assert await transport.closed_with() == 4403
        legacy = await GraphQLWebSocket.connect(live.address, LEGACY_WS)
        await legacy.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {alice.secret}"}}
        )
        refusal = await legacy.receive()
        assert refusal["type"] == "connection_error"
        assert refusal["payload"]["code"] == "TOO_MANY_SUBSCRIPTIONS"

        await held.pop().close()
        for _ in range(100):  # the server sees the close a moment later
            try:
                again = await GraphQLWebSocket.open(live.address, alice.secret)
                break
            except AssertionError:
                await asyncio.sleep(0.05)
        assert codes(await again.execute("{ viewer { id } }")) == []
        for ws in [*held, again]:
            await ws.close()


@dataclass
class Fanout:
    commands: int
    received: list[dict[str, Any]]
    cpu_seconds: float
    """This process's (server and clients): for the notes, never asserted."""


async def delivery_commands(
    live: LiveServer, store: Datastore, commands: CommandCounter, subscribers: int
) -> Fanout:
    """Database commands to deliver one new message to `subscribers` subscriptions (readers
    on both protocols, at most 50 on one socket), and what each received."""
    owner = await make_user(store, "Owner")
    gql = live.client(owner.secret)
    conversation = await create_conversation(gql, "Fan-out")
    per_socket = 50
    readers = [await make_user(store, f"Reader {i}") for i in range(-(-subscribers // per_socket))]
    await share(gql, conversation, [r.global_id for r in readers])
    sockets = []
    for i, reader in enumerate(readers):
        protocol = PROTOCOLS[i % 2]
        ws = await GraphQLWebSocket.open(live.address, reader.secret, protocol)
        for _ in range(min(per_socket, subscribers - i * per_socket)):
            await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
        sockets.append((ws, min(per_socket, subscribers - i * per_socket)))
    await live.until_subscribed(subscribers)
    commands.reset()
    # Written as another instance would: one insert, then only the deliveries' commands.
    message = MessageDoc(
        owner_id=owner.doc.id,
        conversation_id=object_id_of(conversation, "Conversation", ("id",)),
        author_id=owner.doc.id,
        content=[ContentDoc(type="TEXT", text="to everyone")],
    )
    cpu = time.process_time()
    await store.db["messages"].insert_one(message.to_mongo())
    received = []
    for ws, count in sockets:
        received += [await ws.next_payload(within=30) for _ in range(count)]
    # Not counted: that insert, and the change stream's own polls.
    sent = [c for c in commands.commands if c[0] not in ("insert", "getMore")]
    cpu = time.process_time() - cpu
    for ws, _ in sockets:
        await ws.close()
    return Fanout(len(sent), received, cpu)


async def test_one_change_costs_the_same_commands_for_1_or_200_subscribers(
    live: LiveServer, store: Datastore, commands: CommandCounter
) -> None:
    alone = await delivery_commands(live, store, commands, 1)
    await live.until_unsubscribed()
    many = await delivery_commands(live, store, commands, 200)
    assert len(many.received) == 200
    for payload in many.received:
        message = payload["data"]["messageAdded"]
        assert message["content"] == [{"text": "to everyone"}]
        assert message["author"] == {"displayName": "Owner"}
        assert message["conversation"]["title"] == "Fan-out"
    assert alone.commands <= 5
    assert many.commands <= 5
    assert alone.received[0]["data"]["messageAdded"]["author"] == {"displayName": "Owner"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_over_the_limits_is_refused_before_any_command(
    live: LiveServer, alice: MadeUser, commands: CommandCounter, protocol: str
) -> None:
    """Strawberry runs a subscription whatever result the pre-execution hooks set."""
    conversation = await create_conversation(live.client(alice.secret))
    ws = await GraphQLWebSocket.open(live.address, alice.secret, protocol)
    nested = "id"
    for _ in range(7):
        nested = f"conversation {{ messages(first: 1) {{ edges {{ node {{ {nested} }} }} }} }}"
    deep = f"subscription($id: ID!) {{ messageAdded(conversationId: $id) {{ {nested} }} }}"
    commands.reset()
    refused = await ws.execute(deep, {"id": conversation})
    assert codes(refused) == ["QUERY_TOO_DEEP"]
    assert commands.commands == []
    assert live.hub.subscription_count == 0
    await ws.close()


async def test_a_second_connection_init_is_refused_and_holds_no_slot(
    store: Datastore, settings: Settings, alice: MadeUser, bob: MadeUser
) -> None:
    """graphql-ws lets a client send connection_init again (another key, another slot)."""
    bounded = settings.model_copy(update={"mongraph_max_sockets_per_viewer": 1})
    async with live_server(store, bounded) as live:
        legacy = await GraphQLWebSocket.open(live.address, alice.secret, LEGACY_WS)
        await legacy.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {bob.secret}"}}
        )
        refusal = await legacy.receive()
        assert refusal["type"] == "connection_error"
        assert refusal["payload"]["code"] == "BAD_USER_INPUT"
        assert await legacy.closed_with() is not None
        for _ in range(100):  # alice's only slot is free again once the server sees the close
            try:
                again = await GraphQLWebSocket.open(live.address, alice.secret, LEGACY_WS)
                break
            except AssertionError:
                await asyncio.sleep(0.05)
        await again.subscribe(
            MESSAGE_ADDED, {"id": await create_conversation(live.client(alice.secret))}
        )
        await live.until_subscribed()
        await again.close()


async def test_a_shared_delivery_shows_each_subscriber_only_what_they_may_see(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    """One change is resolved once per selection *and audience*: the owner's trash, which
    the same selection shows the owner, never reaches a reader."""
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    await share(gql, conversation, [bob.global_id])
    trashed = await post(gql, conversation, "deleted")
    await gql.ok("mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }", {"id": trashed})
    with_trash = """subscription($id: ID!) { messageAdded(conversationId: $id) {
      conversation { messages(includeDeleted: true) { edges { node { id } } } } } }"""
    owner = await live.subscribed(alice.secret, with_trash, {"id": conversation}, TRANSPORT_WS)
    reader = await live.subscribed(bob.secret, with_trash, {"id": conversation}, LEGACY_WS)
    latest = await post(gql, conversation, "live")

    def ids(payload: dict[str, Any]) -> set[str]:
        edges = payload["data"]["messageAdded"]["conversation"]["messages"]["edges"]
        return {e["node"]["id"] for e in edges}

    assert ids(await owner.next_payload()) == {trashed, latest}
    assert ids(await reader.next_payload()) == {latest}
    await owner.close()
    await reader.close()
