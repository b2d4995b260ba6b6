"""Two gateway processes on one database: a message posted through B reaches a subscriber on A,
and a change made through either reaches a change feed on the other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from mongraph.datastore.client import Datastore
from tests.utils.changes import (
    PROJECT_CHANGES,
    kinds,
    logged_cursors,
    next_changes,
    position,
    project_cursor,
)
from tests.utils.chat import create_conversation, post
from tests.utils.factories import MadeUser
from tests.utils.gateway import free_port, start_gateway
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene
from tests.utils.ws import GraphQLWebSocket

MESSAGE_ADDED = "subscription($id: ID!) { messageAdded(conversationId: $id) { content { text } } }"


@pytest.fixture
def gateways(store: Datastore, mongodb_uri: str) -> Iterator[tuple[int, int]]:
    ports = (free_port(), free_port())
    processes = [start_gateway(port, mongodb_uri, store.db.name) for port in ports]
    yield ports
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


async def test_message_posted_on_b_reaches_subscriber_on_a(
    gateways: tuple[int, int], alice: MadeUser
) -> None:
    port_a, port_b = gateways
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}") as http_b:
        gql_b = GraphQLClient(http_b, alice.secret)
        conversation = await create_conversation(gql_b)
        ws = await GraphQLWebSocket.open(f"127.0.0.1:{port_a}", alice.secret)
        await ws.subscribe(MESSAGE_ADDED, {"id": conversation})
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}") as http_a:
            for _ in range(200):
                if (await http_a.get("/readyz")).json().get("subscriptions") == 1:
                    break
                await asyncio.sleep(0.02)
        latencies = []
        for i in range(5):
            sent = time.monotonic()
            await post(gql_b, conversation, f"from B {i}")
            payload = await ws.next_payload(within=2.0)  # delivered within 2 s, or it fails
            latencies.append(time.monotonic() - sent)
            assert payload["data"]["messageAdded"]["content"][0]["text"] == f"from B {i}"
        await ws.close()
    print(f"cross-instance delivery: max {max(latencies) * 1000:.0f} ms")


async def test_changes_made_on_either_instance_reach_a_feed_and_it_resumes_on_the_other(
    gateways: tuple[int, int], alice: MadeUser, store: Datastore
) -> None:
    port_a, port_b = gateways
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}") as http_a,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}") as http_b,
    ):
        gql_a, gql_b = GraphQLClient(http_a, alice.secret), GraphQLClient(http_b, alice.secret)
        project = await create_project(gql_b)
        scene = await create_scene(gql_b, project)
        start = await project_cursor(gql_a, project)
        ws = await GraphQLWebSocket.open(f"127.0.0.1:{port_a}", alice.secret)
        await ws.subscribe(PROJECT_CHANGES, {"id": project, "after": start})
        made_on_b = await create_clip(gql_b, scene, "on B")
        made_on_a = await create_clip(gql_a, scene, "on A")
        first = await next_changes(ws, 2)
        assert kinds(first) == [("CREATED", made_on_b), ("CREATED", made_on_a)]
        await ws.close()  # gone from A; changes go on through both instances
        more = [await create_clip(gql, scene, f"C{i}") for i, gql in enumerate((gql_a, gql_b))]
        ws = await GraphQLWebSocket.open(f"127.0.0.1:{port_b}", alice.secret)
        await ws.subscribe(PROJECT_CHANGES, {"id": project, "after": first[-1]["cursor"]})
        assert kinds(await next_changes(ws, 2)) == [("CREATED", c) for c in more]
        expected = await logged_cursors(store, project, after=position(store, project, start))
        assert [c["cursor"] for c in first] + expected[2:] == expected
        await ws.close()
