"""Live messages over WebSocket, fed by MongoDB change streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from websockets.exceptions import ConnectionClosed

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.chat import create_conversation, post, share
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.faults import FailPoint
from tests.utils.live import LiveServer, live_server
from tests.utils.metrics import scrape, value
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS, GraphQLWebSocket

MESSAGE_ADDED = """subscription($id: ID!) { messageAdded(conversationId: $id) {
  id content { text } author { displayName } conversation { id } } }"""


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


def text_of(payload: dict[str, object]) -> str:
    message = payload["data"]["messageAdded"]  # type: ignore[index]
    return str(message["content"][0]["text"])  # type: ignore[index]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_subscriber_receives_messages_in_order(
    live: LiveServer, alice: MadeUser, protocol: str
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": conversation}, protocol)
    for i in range(3):
        await post(gql, conversation, f"m{i}")
    received = [await ws.next_payload() for _ in range(3)]
    assert [text_of(p) for p in received] == ["m0", "m1", "m2"]
    first = received[0]["data"]["messageAdded"]
    assert first["author"] == {"displayName": "Alice"}
    assert first["conversation"] == {"id": conversation}
    await ws.close()


async def test_bad_key_is_refused_at_connection(live: LiveServer) -> None:
    with pytest.raises((ConnectionClosed, AssertionError)):
        await GraphQLWebSocket.open(live.address, "mgr_" + "x" * 43)


async def test_no_access_gets_an_error(live: LiveServer, alice: MadeUser, bob: MadeUser) -> None:
    conversation = await create_conversation(live.client(alice.secret))
    outsider = await GraphQLWebSocket.open(live.address, bob.secret)
    await outsider.subscribe(MESSAGE_ADDED, {"id": conversation})
    errors = (await outsider.next_payload())["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]
    await outsider.subscribe(MESSAGE_ADDED, {"id": "garbage"})
    errors = (await outsider.next_payload())["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    await outsider.close()


async def test_only_this_conversations_live_messages_to_current_readers(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    gql = live.client(alice.secret)
    conversation, other = await create_conversation(gql, "A"), await create_conversation(gql, "B")
    await share(gql, conversation, [bob.global_id])
    reader = await live.subscribed(bob.secret, MESSAGE_ADDED, {"id": conversation})
    await post(gql, other, "elsewhere")
    first = await post(gql, conversation, "hello bob")
    assert text_of(await reader.next_payload()) == "hello bob"
    await gql.ok("mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }", {"id": first})
    await gql.ok("mutation($id: ID!) { restoreMessage(id: $id) { affectedCount } }", {"id": first})
    await post(gql, conversation, "still for bob")
    assert text_of(await reader.next_payload()) == "still for bob"
    await share(gql, conversation, [])  # bob may no longer read it: his subscription ends
    await post(gql, conversation, "not for bob")
    errors = (await reader.next_payload())["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]
    await reader.close()


async def test_closing_releases_everything_the_subscriber_held(
    live: LiveServer, alice: MadeUser
) -> None:
    conversation = await create_conversation(live.client(alice.secret))
    ws = await GraphQLWebSocket.open(live.address, alice.secret)  # warm-up: the stream is open
    await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
    await live.until_subscribed()
    await ws.close()
    await asyncio.sleep(0.2)
    baseline = len(asyncio.all_tasks())
    for _ in range(100):
        ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": conversation})
        await ws.close()
    for _ in range(200):
        if live.hub.subscription_count == 0 and len(asyncio.all_tasks()) <= baseline:
            break
        await asyncio.sleep(0.02)
    assert live.hub.subscription_count == 0
    assert live.hub.tracked_scopes == 0
    assert len(asyncio.all_tasks()) <= baseline


async def test_one_change_stream_serves_every_subscriber(
    live: LiveServer, alice: MadeUser, commands: CommandCounter
) -> None:
    gql = live.client(alice.secret)
    conversations = [await create_conversation(gql, f"c{i}") for i in range(3)]
    sockets = []
    for conversation in conversations:
        for _ in range(2):
            ws = await GraphQLWebSocket.open(live.address, alice.secret)
            await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
            sockets.append(ws)
    await live.until_subscribed(6)
    await post(gql, conversations[1], "fan-out")
    received = await asyncio.gather(*(ws.next_payload() for ws in sockets[2:4]))
    assert [text_of(p) for p in received] == ["fan-out", "fan-out"]
    streams = [c for c in commands.commands if c == ("aggregate", "")]  # db-level $changeStream
    assert len(streams) == 1
    for ws in sockets:
        await ws.close()


async def test_stream_resumes_after_a_dropped_connection(
    live: LiveServer, alice: MadeUser, mongodb_uri: str, commands: CommandCounter
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": conversation})
    failpoint = FailPoint(mongodb_uri, commands)
    try:
        failpoint.arm(["getMore"], skip=0, close_connection=True)
        for _ in range(100):  # wait until the stream's next getMore hits the fault
            if "getMore" in commands.failures:
                break
            await asyncio.sleep(0.05)
        assert "getMore" in commands.failures
    finally:
        failpoint.close()
    await post(gql, conversation, "after the fault")
    assert text_of(await ws.next_payload()) == "after the fault"
    await ws.close()


async def test_open_subscriptions_are_a_metric_and_a_connection_is_one_log_line(
    live: LiveServer, alice: MadeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mongraph.request")
    conversation = await create_conversation(live.client(alice.secret))
    assert value(await scrape(live.http), "mongraph_subscriptions_open") == 0
    sockets = [await GraphQLWebSocket.open(live.address, alice.secret) for _ in range(2)]
    for ws in sockets:
        await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
    await live.until_subscribed(2)
    assert value(await scrape(live.http), "mongraph_subscriptions_open") == 2
    for ws in sockets:
        await ws.close()
    for _ in range(200):
        if live.hub.subscription_count == 0:
            break
        await asyncio.sleep(0.02)
    assert value(await scrape(live.http), "mongraph_subscriptions_open") == 0
    for _ in range(200):
        closed = [r for r in caplog.records if r.getMessage() == "websocket closed"]
        if len(closed) == 2:
            break
        await asyncio.sleep(0.02)
    assert len(closed) == 2
    for record in closed:
        fields = record.fields  # type: ignore[attr-defined]
        assert fields["status"] == 101
        assert fields["operation"] == "anonymous"
        assert fields["operation_type"] == "subscription"
        assert fields["db_commands"] >= 2  # the key, the conversation
