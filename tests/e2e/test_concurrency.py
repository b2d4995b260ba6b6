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


async def test_no_live_child_is_created_under_a_parent_deleted_concurrently(
    gql: GraphQLClient,
) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    delete = gql.ok(
        "mutation($id: ID!) { deleteScene(id: $id) { affectedCount userErrors { code } } }",
        {"id": scene},
    )
    creates = [
        gql.ok(
            'mutation($s: ID!) { createClip(input: {sceneId: $s, name: "x"}) { clip { id } userErrors { code } } }',
            {"s": scene},
        )
        for _ in range(4)
    ]
    results = await asyncio.gather(delete, *creates)
    created = [r["createClip"]["clip"] for r in results[1:] if r["createClip"]["clip"]]
    refused = [r["createClip"]["userErrors"] for r in results[1:] if not r["createClip"]["clip"]]
    assert all(errors == [{"code": "NOT_FOUND"}] for errors in refused)
    counts = await gql.ok(
        "query($id: ID!) { project(id: $id) { sceneCount clipCount } }", {"id": project}
    )
    assert counts["project"] == {"sceneCount": 0, "clipCount": 0}
    # whatever was created before the delete went down with the scene, and comes back with it
    restored = await gql.ok(
        "mutation($id: ID!) { restoreScene(id: $id) { affectedCount } }", {"id": scene}
    )
    assert restored["restoreScene"]["affectedCount"] == 1 + len(created)
