"""Malformed HTTP requests and hostile scalars: typed errors, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b'"x"',
        b"42",
        b"{not json",
        b"\xff\xfe",
        b'{"query": "query($n: Int) { viewer { id } }", "variables": {"n": NaN}}',
        b'{"query": "{ viewer { id } }", "variables": {"n": 1e400}}',
        b"[" * 2000 + b"]" * 2000,
    ],
)
async def test_body_that_is_not_a_graphql_request_is_400(
    http: httpx.AsyncClient, alice: MadeUser, body: bytes
) -> None:
    response = await http.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {alice.secret}"},
    )
    assert response.status_code == 400
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


async def test_lone_surrogates_are_refused_before_they_reach_the_driver(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    raw = b'{"query": "mutation($n: String!) { createProject(input: {name: $n}) { project { id } } }", "variables": {"n": "\\ud800"}}'
    response = await http.post(
        "/graphql",
        content=raw,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {gql.api_key}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await gql.ok("{ projects { totalCount } }"))["projects"]["totalCount"] == 0


async def test_long_name_filter_is_bad_user_input(gql: GraphQLClient) -> None:
    await create_project(gql)
    for needle in ("." * 600, "a" * 20_000):
        codes = await gql.error_codes(
            "query($n: String) { projects(where: {nameContains: $n}) { totalCount } }",
            {"n": needle},
        )
        assert codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-01-01T00:00:00",
        "yesterday",
        "2026-13-01T00:00:00Z",
    ],
)
async def test_bad_datetimes_are_bad_user_input(gql: GraphQLClient, value: str) -> None:
    await create_project(gql)
    codes = await gql.error_codes(
        "query($d: DateTime) { projects(where: {createdAt: {from: $d}}) { totalCount } }",
        {"d": value},
    )
    assert codes == ["BAD_USER_INPUT"]


async def test_datetimes_in_other_zones_are_normalised(gql: GraphQLClient) -> None:
    await create_project(gql)
    data = await gql.ok(
        "query($d: DateTime) { projects(where: {createdAt: {from: $d}}) { totalCount } }",
        {"d": "2000-01-01T05:00:00+05:00"},
    )
    assert data["projects"]["totalCount"] == 1


async def test_later_mutation_fields_see_earlier_writes(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    data = await gql.ok(
        """mutation($p: ID!) {
             a: createScene(input: {projectId: $p, name: "a"}) { scene { project { sceneCount scenes { totalCount } } } }
             b: createScene(input: {projectId: $p, name: "b"}) { scene { project { sceneCount scenes { totalCount } } } }
           }""",
        {"p": project},
    )
    assert data["a"]["scene"]["project"] == {"sceneCount": 1, "scenes": {"totalCount": 1}}
    assert data["b"]["scene"]["project"] == {"sceneCount": 2, "scenes": {"totalCount": 2}}


async def test_a_child_cursor_only_pages_its_own_parent(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    a, b = await create_scene(gql, project, "A"), await create_scene(gql, project, "B")
    for scene in (a, b):
        await create_clip(gql, scene)
        await create_clip(gql, scene)
    query = "query($id: ID!, $c: String) { node(id: $id) { ... on Scene { clips(first: 1, after: $c) { pageInfo { endCursor } } } } }"
    cursor = (await gql.ok(query, {"id": b}))["node"]["clips"]["pageInfo"]["endCursor"]
    assert await gql.error_codes(query, {"id": a, "c": cursor}) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"json": {"query": "query A { viewer { id } }", "operationName": "Invented"}}, 400),
        ({"json": {"query": "query A { viewer { id } } query B { viewer { id } }"}}, 200),
        ({"json": {"variables": {}}}, 400),
        ({"content": b"query=x", "headers": {"Content-Type": "text/plain"}}, 400),
    ],
    ids=["unknown-operation-name", "no-operation-name-for-two", "no-query", "unsupported-type"],
)
async def test_requests_strawberry_refuses_get_coded_json_errors(
    http: httpx.AsyncClient, alice: MadeUser, request_kwargs: dict[str, Any], status: int
) -> None:
    """Strawberry's own refusals (plain text by default) answer as GraphQL errors with a code.

    (Two operations and no name is graphql-core's error: 200 under application/json.)
    """
    headers = {"Authorization": f"Bearer {alice.secret}", **request_kwargs.pop("headers", {})}
    response = await http.post("/graphql", headers=headers, **request_kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["message"]
