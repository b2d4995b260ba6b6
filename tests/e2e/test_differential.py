"""The compiled execution path against graphql-core's, through the real server: every
query shape the gateway serves over HTTP, and queries and subscription events over both
WebSocket protocols (the README's and the benchmark's documents, fragments,
interfaces, directives, variables, async fields, errors at every depth) runs on uvicorn in
the differential mode, where each query executes both ways and must give the same JSON
(execution/differential.py). `make test-differential` runs the whole suite that way."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.execution import differential
from tests.e2e.test_loaders import seed
from tests.utils.apps import on_loopback
from tests.utils.chat import create_conversation, post
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.live import live_server
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS

ROOT = Path(__file__).parents[2]
BENCH_QUERIES = sorted((ROOT / "bench" / "queries").glob("[1346]-*.graphql"))

PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
SHAPES: dict[str, tuple[str, dict[str, Any]]] = {
    "tree with cursors and counts": (
        f"""{{ projects(first: 3) {{ totalCount {PAGE} edges {{ cursor node {{
            id name __typename
            scenes(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{
              id name order isAlternate project {{ id name }}
              clips(last: 2) {{ totalCount edges {{ node {{
                id name order lyrics length timelinePosition deletedAt
                scene {{ name }} project {{ name }} character {{ id name }}
                generatedImages {{ url }} selectedImage {{ url }}
              }} }} }}
            }} }} }}
        }} }} }} }}""",
        {},
    ),
    "a fragment spread three times a level": (
        """query { projects(first: 2) { edges { node { ...P ...P ...P } } } }
        fragment P on Project { name scenes(first: 2) { edges { node { ...S ...S ...S } } } }
        fragment S on Scene { name clips(first: 2) { edges { node { ...C ...C ...C } } } }
        fragment C on Clip { name character { name } }""",
        {},
    ),
    "aliases and the same field twice with other arguments": (
        """{ a: projects(first: 1) { edges { node { n1: name n2: name
              first: scenes(first: 1) { edges { node { name } } }
              last: scenes(last: 1) { edges { node { name } } } } } }
            b: projects(last: 1, orderBy: {field: NAME, direction: DESC}) {
              edges { node { name } } } }""",
        {},
    ),
    "skip and include from variables, a null over a default": (
        """query($skip: Boolean!, $with: Boolean = true, $first: Int = 1) {
          projects(first: 2) { edges { node {
            name @skip(if: $skip) id @include(if: $with)
            scenes(first: $first) @include(if: $skip) { edges { node { name @skip(if: $skip) } } }
          } } } }""",
        {"skip": True, "first": None},
    ),
    "node and nodes through the interface": ("NODES", {}),
    "the viewer's account, lists and economy": (
        """{ viewer { id displayName status roles createdAt
              identities { platform externalId username } wallets { chain address }
              primaryWallet { address }
              apiKeys { name prefix lastUsedAt } economy { usdCredit exp }
              transactions(first: 2) { edges { node { __typename } } }
              projects(first: 2, where: {nameContains: "P"}) { totalCount edges { node { name } } }
              conversations(first: 2) { edges { node { title } } } } }""",
        {},
    ),
    "a chat with its messages, filtered": (
        """{ conversations(first: 5) { totalCount edges { node {
              title status owner { displayName } sharedWith { displayName } messageCount
              changeCursor
              messages(first: 3, where: {role: USER}) { edges { cursor node {
                content { type text url } role author { displayName } conversation { title }
              } } }
              all: messages(last: 2) { edges { node { ...on Node { id } deletedAt } } }
            } } } }""",
        {},
    ),
    "an error deep in the tree, nulling the whole response": (
        """{ projects(first: 2) { edges { node { name scenes(first: 2) { edges { node {
              name clips(first: 1, after: "not-a-cursor") { edges { node { name } } }
            } } } } } } }""",
        {},
    ),
    "an error deep in the tree: a page over the limit": (
        """{ projects(first: 2) { edges { node { scenes(first: 2) { edges { node {
              clips(first: 101) { edges { node { name } } } } } } } } } }""",
        {},
    ),
    "an invalid id among valid ones": ("MISSING", {}),
}


def _nodes_query(ids: list[str]) -> str:
    return f"""{{ nodes(ids: {ids!r}) {{ __typename id
        ... on Project {{ name scenes(first: 1) {{ edges {{ node {{ name }} }} }} }}
        ... on Clip {{ name scene {{ name }} }} ... on Node {{ id }} }}
      node(id: "{ids[0]}") {{ id ... on Project {{ name }} }} }}""".replace("'", '"')


@pytest.fixture
async def loopback(store: Datastore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    differential_settings = settings.model_copy(update={"mongraph_execution": "differential"})
    async with (
        on_loopback(store, differential_settings) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http,
    ):
        yield http


async def test_every_query_shape_gives_the_same_json_both_ways(
    loopback: httpx.AsyncClient, store: Datastore, alice: MadeUser, bob: MadeUser
) -> None:
    gql = GraphQLClient(loopback, alice.secret)
    await seed(store, alice, 3, 3, 3)
    chat = await create_conversation(gql, "Chat")
    for text in ("one", "two", "three"):
        await post(gql, chat, text)
    ids = await _ids(gql)
    shapes = {
        **{path.stem: (path.read_text(), {"id": ids[0], "ids": ids}) for path in BENCH_QUERIES},
        **SHAPES,
    }
    shapes["node and nodes through the interface"] = (_nodes_query(ids), {})
    missing = re.sub(r".$", "A", ids[1])
    shapes["an invalid id among valid ones"] = (_nodes_query([ids[0], missing]), {})
    shapes["errors deep under nullable list items, one per item"] = (
        """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Project { scenes(first: 1) {
             edges { node { name clips(first: 1, before: "forged") { totalCount } } } } } } }""",
        {"ids": [ids[0], ids[2], ids[1]]},
    )
    compared, mismatches = differential.COMPARED[0], len(differential.MISMATCHES)
    answers: dict[str, dict[str, Any]] = {}
    for name, (document, variables) in shapes.items():
        response = await loopback.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {alice.secret}"},
        )
        body = response.json()
        assert "data" in body, (name, body)
        messages = [e["message"] for e in body.get("errors", [])]
        assert not any("Differential mismatch" in m for m in messages), (name, messages)
        answers[name] = body
    assert differential.MISMATCHES[mismatches:] == []
    assert differential.COMPARED[0] - compared == len(shapes)  # each query ran both ways
    # The shapes are what they claim: data at depth, and the errors at depth.
    tree = answers["tree with cursors and counts"]["data"]["projects"]["edges"]
    assert tree[0]["node"]["scenes"]["edges"][0]["node"]["clips"]["edges"]
    nulled = answers["an error deep in the tree, nulling the whole response"]
    assert nulled["data"] is None
    assert nulled["errors"][0]["path"][-1] == "clips"
    items = answers["errors deep under nullable list items, one per item"]
    assert [node is None for node in items["data"]["nodes"]] == [True, True, False]
    assert [e["path"][:2] for e in items["errors"]] == [["nodes", 0], ["nodes", 1]]


async def _ids(gql: GraphQLClient) -> list[str]:
    data = await gql.ok(
        "{ projects(first: 2) { edges { node { id scenes(first: 1) { edges { node {"
        " clips(first: 1) { edges { node { id } } } } } } } } } }"
    )
    project, other = (edge["node"] for edge in data["projects"]["edges"])
    clip = project["scenes"]["edges"][0]["node"]["clips"]["edges"][0]["node"]["id"]
    return [project["id"], clip, other["id"]]


MESSAGE_ADDED = """subscription($id: ID!) { messageAdded(conversationId: $id) {
  id role content { type text } author { displayName }
  conversation { title messageCount messages(last: 2) { edges { node { id } } } } } }"""


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_queries_and_subscription_events_over_websockets_are_compared_too(
    store: Datastore, settings: Settings, alice: MadeUser, protocol: str
) -> None:
    differential_settings = settings.model_copy(update={"mongraph_execution": "differential"})
    async with live_server(store, differential_settings) as live:
        gql = live.client(alice.secret)
        chat = await create_conversation(gql, "Chat")
        ws = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": chat}, protocol)
        compared, mismatches = differential.COMPARED[0], len(differential.MISMATCHES)
        await post(gql, chat, "one")
        event = await ws.next_payload()
        message = event["data"]["messageAdded"]
        assert message["content"] == [{"type": "TEXT", "text": "one"}]
        assert message["conversation"]["messageCount"] == 1
        # the mutation runs once; its event ran both ways
        assert differential.COMPARED[0] == compared + 1
        answer = await ws.execute(
            "{ viewer { displayName conversations(first: 1) { edges { node { title } } } } }"
        )
        assert answer["data"]["viewer"]["conversations"]["edges"][0]["node"]["title"] == "Chat"
        assert differential.COMPARED[0] == compared + 2
        assert differential.MISMATCHES[mismatches:] == []
        assert "errors" not in event
        assert "errors" not in answer
        await ws.close()
