"""OpenTelemetry: the span tree of the storyboard tree query, from the SDK's in-memory exporter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import app_client
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree

TREE = """query StoryboardTree { projects(first: 10) { edges { node { name
  characters { name }
  scenes(first: 10) { edges { node { name
    clips(first: 10) { edges { node { name character { name } } } } } } } } } } }"""


@pytest.fixture
def exporter() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def tree(spans: tuple[ReadableSpan, ...], root: ReadableSpan) -> list[Any]:
    """`[name, [children...]]`, children sorted by name (batches run concurrently)."""
    children = [
        s
        for s in spans
        if s.parent is not None
        and root.context is not None
        and s.parent.span_id == root.context.span_id
    ]
    return [root.name, sorted((tree(spans, c) for c in children), key=str)]


@pytest.mark.counts_execution
async def test_storyboard_tree_query_spans(
    store: Datastore,
    settings: Settings,
    alice: MadeUser,
    exporter: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, memory = exporter
    async with app_client(store, settings, tracer_provider=provider) as http:
        gql = GraphQLClient(http, alice.secret)
        await build_tree(gql, scenes=2, clips=3)
        await gql.ok("{ viewer { id } }")  # records the key's lastUsedAt (at most once a minute)
        memory.clear()
        traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        response = await http.post(
            "/graphql",
            json={"query": TREE},
            headers={"Authorization": f"Bearer {alice.secret}", "traceparent": traceparent},
        )
        assert "errors" not in response.json()
    spans = memory.get_finished_spans()
    (root,) = [s for s in spans if s.name == "query StoryboardTree"]
    # The caller's trace is joined; every span belongs to it.
    assert root.parent is not None
    assert format(root.parent.span_id, "016x") == "b7ad6b7169203331"
    assert {format(s.context.trace_id, "032x") for s in spans if s.context} == {
        "0af7651916cd43dd8448eb211c80319c"
    }
    assert tree(spans, root) == [
        "query StoryboardTree",
        sorted(
            [
                ["find users", []],  # the API key
                ["find projects", []],  # the root list
                ["dataloader characters", [["aggregate characters", []]]],  # project.characters
                ["dataloader scenes", [["aggregate scenes", []]]],
                ["dataloader clips", [["aggregate clips", []]]],
                ["dataloader characters", [["find characters", []]]],  # clip.character by id
            ],
            key=str,
        ),
    ]
    assert root.attributes is not None
    assert dict(root.attributes) == {
        "http.request.method": "POST",
        "url.path": "/graphql",
        "http.response.status_code": 200,
        "graphql.operation.name": "StoryboardTree",
        "graphql.operation.type": "query",
        "mongraph.request_id": response.headers["x-request-id"],
        "mongraph.db_commands": 6,
        "mongraph.outcome": "ok",
    }
    batches = {
        (
            s.attributes["mongraph.dataloader.kind"],
            s.attributes["db.collection.name"],
        ): s.attributes["mongraph.dataloader.batch_size"]
        for s in spans
        if s.name.startswith("dataloader") and s.attributes is not None
    }
    assert batches == {
        ("page", "characters"): 1,
        ("page", "scenes"): 1,
        ("page", "clips"): 2,
        ("by_id", "characters"): 1,
    }
    (scenes,) = [s for s in spans if s.name == "aggregate scenes"]
    assert scenes.attributes is not None
    assert dict(scenes.attributes) == {
        "db.system.name": "mongodb",
        "db.operation.name": "aggregate",
        "db.collection.name": "scenes",
    }
