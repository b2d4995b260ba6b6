"""WebSocket operations execute with the garbage collector deferred, as HTTP ones do
(collector.py): a query or mutation, and each subscription event, but not a subscription
waiting for its next event; the collector is on again after each, however it ends."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

import pytest

from mongraph import collector
from mongraph.config import Settings
from mongraph.datastore import chat
from mongraph.datastore.client import Datastore
from mongraph.datastore.repository import Scope
from mongraph.schema.ids import encode_global_id
from tests.utils.chat import create_conversation
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.faults import FailPoint
from tests.utils.live import live_server
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS, GraphQLWebSocket

PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]
CONVERSATIONS = "{ viewer { conversations { edges { node { title } } } } }"
AUTHORS = """subscription($id: ID!) { messageAdded(conversationId: $id) {
  author { displayName } conversation { title } } }"""
EVENT_LOADS = {("find", "users"), ("find", "conversations")}
HELD_MS = 5000


def defer_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    """`collection_deferred` at work, as in a served process once `tune_collector` has run,
    without tuning this process's schedule (conftest keeps Python's). Called once the
    server has started: its startup tunes the collector with the tests' setting, 0."""
    monkeypatch.setattr(collector, "_between_requests", 5_000)


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within} s"
        await asyncio.sleep(0.005)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_websocket_query_executes_with_the_collector_off_until_its_socket_closes(
    store: Datastore,
    settings: Settings,
    alice: MadeUser,
    commands: CommandCounter,
    failpoint: FailPoint,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
) -> None:
    async with live_server(store, settings) as live:
        await create_conversation(live.client(alice.secret), "Plans")
        ws = await GraphQLWebSocket.open(live.address, alice.secret, protocol)
        defer_collections(monkeypatch)
        done = await ws.execute(CONVERSATIONS)
        assert done["data"]["viewer"]["conversations"]["edges"] == [{"node": {"title": "Plans"}}]
        assert gc.isenabled()

        # The next operation's conversations are held in the database (after its key lookup):
        # its execution waits there, with the collector off.
        failpoint.hold(["find"], skip=1, milliseconds=HELD_MS)
        commands.reset()
        await ws.subscribe(CONVERSATIONS, {})
        await until(lambda: ("find", "conversations") in commands.commands)
        assert not gc.isenabled()
        failpoint.disarm()
        await ws.close()  # the operation is cancelled mid-execution, the collector back on
        await until(gc.isenabled, within=HELD_MS / 2000)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_each_subscription_event_executes_with_the_collector_off(
    store: Datastore,
    settings: Settings,
    alice: MadeUser,
    commands: CommandCounter,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
) -> None:
    conversation = await chat.create_conversation(
        store, owner_id=alice.doc.id, fields={"title": "Plans"}
    )
    async with live_server(store, settings) as live:
        defer_collections(monkeypatch)
        variables = {"id": encode_global_id("Conversation", conversation.id)}
        ws = await live.subscribed(alice.secret, AUTHORS, variables, protocol)
        assert gc.isenabled()  # the subscription waits for its events with the collector on

        collector_on: list[tuple[tuple[str, str], bool]] = []
        commands.on_started = lambda *command: collector_on.append((command, gc.isenabled()))
        # Straight through the datastore: no operation of its own is deferred.
        await chat.post_message(
            store,
            scope=Scope(owner_id=alice.doc.id),
            conversation_id=conversation.id,
            author_id=alice.doc.id,
            role="USER",
            content=[{"type": "TEXT", "text": "hi"}],
        )
        event = await ws.next_payload()
        assert event["data"]["messageAdded"] == {
            "author": {"displayName": "Alice"},
            "conversation": {"title": "Plans"},
        }
        # The event's execution finds its author and conversation (the post only claims and
        # updates the conversation).
        loads = [on for command, on in collector_on if command in EVENT_LOADS]
        assert loads
        assert not any(loads), collector_on
        assert gc.isenabled()
        await ws.close()
