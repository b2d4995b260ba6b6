"""A big response holds its documents once, and lets them go with the request: the memory one
request allocates at its peak stays a small multiple of the response it sends, and none of
its documents are left for the garbage collector (issue 21, P6)."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Awaitable, Callable

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ClipDoc, Document, MessageDoc, ProjectDoc, SceneDoc
from mongraph.schema.ids import encode_global_id
from tests.utils.chat import create_conversation, post
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.live import live_server
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS

SCENES, CLIPS = 20, 50
PEAK_PER_RESPONSE_BYTE = 10
"""The bound. Measured on this test's shape: 25x before the documents' field names were
shared, their raw rows released and the loaders emptied after execution, 8x after (scenario
4's 10,000 clips, `bench.profile --memory`: 24.8x before, 7.7x after)."""

BIG_RESPONSE = """
query BigResponse($id: ID!) { project(id: $id) { scenes(first: 100) { edges { node {
  clips(first: 100) { edges { node {
    id name lyrics length timelinePosition order imagePrompt videoPrompt
  } } } } } } } }
"""


async def _seed(store: Datastore, owner: MadeUser) -> ProjectDoc:
    """Scenario 4's shape (bench/dataset.py's clips), `SCENES` x `CLIPS` clips."""
    project = ProjectDoc(owner_id=owner.doc.id, name="Big")
    docs: list[Document] = [project]
    for s in range(SCENES):
        scene = SceneDoc(owner_id=owner.doc.id, project_id=project.id, name=f"S{s}", order=s)
        docs.append(scene)
        docs += [
            ClipDoc(
                owner_id=owner.doc.id,
                project_id=project.id,
                scene_id=scene.id,
                name=f"Clip {c}",
                order=c,
                lyrics="la la la, under the neon rain",
                length=4.0 + c % 3,
                timeline_position=float(c * 4),
                image_prompt="a wide shot of a city at night, neon, rain",
                video_prompt="slow dolly in, rain drops on the lens",
            )
            for c in range(CLIPS)
        ]
    await insert_documents(store, docs)
    return project


Request = Callable[[], Awaitable[bytes]]


@pytest.fixture
async def big_response(store: Datastore, alice: MadeUser, http: httpx.AsyncClient) -> Request:
    """Sends scenario 4's query for a project of `SCENES` x `CLIPS` clips."""
    project = await _seed(store, alice)
    body = {"query": BIG_RESPONSE, "variables": {"id": encode_global_id("Project", project.id)}}
    headers = {"Authorization": f"Bearer {alice.secret}"}

    async def request() -> bytes:
        response = await http.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200
        return response.content

    return request


@pytest.mark.counts_execution
async def test_peak_memory_of_a_big_response_is_a_small_multiple_of_it(
    big_response: Request,
) -> None:
    request = big_response
    warm = await request()  # the document's parse, validation and cost are cached now
    assert b'"errors"' not in warm
    assert warm.count(b'"timelinePosition"') == SCENES * CLIPS
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        response = await request()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response == warm
    held = peak - before
    assert held <= PEAK_PER_RESPONSE_BYTE * len(response), (
        f"{held / 1e6:.2f} MB allocated at the peak of one request: "
        f"{held / len(response):.1f}x its {len(response) / 1e6:.2f} MB response"
    )


async def test_a_request_leaves_no_documents_to_the_garbage_collector(
    big_response: Request,
) -> None:
    """Reference counting frees them when the request ends. graphql-core's executor is a
    reference cycle holding the request's context: documents reachable from it waited for a
    full collection, which the gateway's collector schedule makes rare (collector.py), and a
    serving process grew by a request's documents per request until then."""
    await big_response()
    gc.collect()
    gc.disable()
    try:
        await big_response()
        left = sum(1 for o in gc.get_objects() if isinstance(o, ClipDoc))
    finally:
        gc.enable()
    assert left == 0, f"{left} clips of the request are still alive"


MESSAGE_ADDED = """subscription($id: ID!) { messageAdded(conversationId: $id) {
  id conversation { title messages(last: 2) { edges { node { id } } } } } }"""


def _alive(kind: type[Document], text: str | None = None) -> int:
    return sum(
        1
        for o in gc.get_objects()
        if isinstance(o, kind) and (text is None or getattr(o, "content", [None])[0].text == text)
    )


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_websocket_operation_leaves_no_documents_to_the_garbage_collector(
    store: Datastore, settings: Settings, alice: MadeUser, protocol: str
) -> None:
    """The same over a real WebSocket, on each protocol, while the socket stays open: a
    query's documents die once it is answered, and a subscription event's once it is sent
    (the second event's page holds the first message; the subscription itself and the
    live-updates hub keep the conversation, by design)."""
    project = await _seed(store, alice)
    variables = {"id": encode_global_id("Project", project.id)}
    async with live_server(store, settings) as live:
        gql = live.client(alice.secret)
        chat = await create_conversation(gql, "Chat")
        ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": chat}, protocol)
        try:
            assert "errors" not in await ws.execute(BIG_RESPONSE, variables)
            gc.collect()
            gc.disable()
            try:
                answer = await ws.execute(BIG_RESPONSE, variables)
                clips = _alive(ClipDoc)
                await post(gql, chat, "one")
                await ws.next_payload()
                await post(gql, chat, "two")
                event = await ws.next_payload()
                first_messages = _alive(MessageDoc, "one")
            finally:
                gc.enable()
        finally:
            await ws.close()
    assert str(answer).count("timelinePosition") == SCENES * CLIPS
    assert len(event["data"]["messageAdded"]["conversation"]["messages"]["edges"]) == 2
    assert (clips, first_messages) == (0, 0)


GATEWAY_PACKAGES = frozenset({"mongraph", "graphql", "strawberry", "starlette"})


@pytest.mark.parametrize(
    "operation",
    [
        "{ viewer { id displayName } }",
        'mutation { createProject(input: {name: "P"}) { project { id } userErrors { code } } }',
    ],
)
async def test_a_request_leaves_nothing_of_the_gateway_to_the_collector(
    gql: GraphQLClient, operation: str
) -> None:
    """No reference cycle is left per request (graphql-core's executor was one, through its
    `async_helpers`: 37 objects a request left to the young collection, a tenth of the
    smallest request's CPU went to collecting them); the client's own objects aside."""
    await gql.ok(operation)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        await gql.ok(operation)
        gc.collect()
        left = sorted(
            f"{type(o).__module__}.{type(o).__qualname__}"
            for o in gc.garbage
            if type(o).__module__.split(".")[0] in GATEWAY_PACKAGES
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
