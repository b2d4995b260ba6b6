"""Concurrent writes keep sibling order dense (the transactions conflict and retry)."""

from __future__ import annotations

import asyncio

from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene

ORDERS = "query($id: ID!) { node(id: $id) { ... on Scene { clips { edges { node { order } } } } } }"


async def test_concurrent_appends_get_distinct_positions(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    await asyncio.gather(*(create_clip(gql, scene, f"c{i}") for i in range(8)))
    data = await gql.ok(ORDERS, {"id": scene})
    assert sorted(e["node"]["order"] for e in data["node"]["clips"]["edges"]) == list(range(8))


async def test_concurrent_inserts_at_the_front_stay_dense(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    await create_clip(gql, scene, "first")
    await asyncio.gather(*(create_clip(gql, scene, f"c{i}", order=0) for i in range(6)))
    data = await gql.ok(ORDERS, {"id": scene})
    assert sorted(e["node"]["order"] for e in data["node"]["clips"]["edges"]) == list(range(7))
