"""Keyset pagination of top-level and nested connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ProjectDoc
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene

PAGE = """query($after: String, $order: ProjectOrder, $where: ProjectFilter) {
  projects(first: 2, after: $after, orderBy: $order, where: $where) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name createdAt } } } }"""


async def walk(gql: GraphQLClient, **variables: Any) -> tuple[list[str], list[dict[str, Any]]]:
    names: list[str] = []
    infos: list[dict[str, Any]] = []
    after = None
    while True:
        data = (await gql.ok(PAGE, {**variables, "after": after}))["projects"]
        names += [e["node"]["name"] for e in data["edges"]]
        infos.append(data["pageInfo"])
        if not data["pageInfo"]["hasNextPage"]:
            return names, infos
        after = data["pageInfo"]["endCursor"]


async def test_pages_cover_every_project_once_newest_first(gql: GraphQLClient) -> None:
    for name in "abcde":
        await create_project(gql, name)
    names, infos = await walk(gql)
    assert names == list("edcba")
    assert [i["hasPreviousPage"] for i in infos] == [False, True, True]
    assert [i["hasNextPage"] for i in infos] == [True, True, False]


async def test_order_by_name_and_filter(gql: GraphQLClient) -> None:
    for name in ["pear", "Apple", "banana", "apricot"]:
        await create_project(gql, name)
    names, _ = await walk(gql, order={"field": "NAME", "direction": "ASC"})
    assert names == ["Apple", "apricot", "banana", "pear"]
    names, _ = await walk(
        gql, order={"field": "NAME", "direction": "DESC"}, where={"nameContains": "AP"}
    )
    assert names == ["apricot", "Apple"]


async def test_created_at_range(gql: GraphQLClient, store: Datastore, alice: MadeUser) -> None:
    day = timedelta(days=1)
    now = datetime.now(UTC).replace(microsecond=0)
    await insert_documents(
        store,
        [
            ProjectDoc(owner_id=alice.doc.id, name=name, created_at=now - age * day)
            for name, age in [("old", 10), ("mid", 5), ("new", 0)]
        ],
    )
    names, _ = await walk(gql, where={"createdAt": {"to": (now - 5 * day).isoformat()}})
    assert names == ["mid", "old"]
    names, _ = await walk(gql, where={"createdAt": {"from": (now - 6 * day).isoformat()}})
    assert names == ["new", "mid"]
    names, _ = await walk(
        gql,
        where={"createdAt": {"from": (now - 6 * day).isoformat(), "to": (now - day).isoformat()}},
    )
    assert names == ["mid"]


async def test_nested_connection_pages_with_cursor(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    for i in range(5):
        await create_clip(gql, scene, f"c{i}")
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on Scene {
                 clips(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
                   edges { node { name } } } } } }"""
    seen: list[str] = []
    after = None
    while True:
        clips = (await gql.ok(query, {"id": scene, "after": after}))["node"]["clips"]
        assert clips["totalCount"] == 5
        seen += [e["node"]["name"] for e in clips["edges"]]
        if not clips["pageInfo"]["hasNextPage"]:
            break
        after = clips["pageInfo"]["endCursor"]
    assert seen == [f"c{i}" for i in range(5)]


async def test_cursor_of_one_list_is_refused_by_another(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    await create_clip(gql, scene)
    await create_clip(gql, scene)
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Scene { clips(first: 1) { pageInfo { endCursor } } } } }",
        {"id": scene},
    )
    cursor = data["node"]["clips"]["pageInfo"]["endCursor"]
    codes = await gql.error_codes(
        "query($id: ID!, $c: String) { project(id: $id) { scenes(after: $c) { totalCount } } }",
        {"id": project, "c": cursor},
    )
    assert codes == ["BAD_USER_INPUT"]


async def test_first_zero_returns_an_empty_page_with_a_count(gql: GraphQLClient) -> None:
    await create_project(gql)
    data = await gql.ok(
        "{ projects(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } }"
    )
    assert data["projects"] == {"totalCount": 1, "edges": [], "pageInfo": {"hasNextPage": True}}
