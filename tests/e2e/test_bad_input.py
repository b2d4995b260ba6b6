"""Bad input gets a clear, typed error and changes nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree, create_project, create_scene

CREATE = """mutation($input: CreateProjectInput!) {
  createProject(input: $input) { project { id name } userErrors { code message field } } }"""


async def project_count(gql: GraphQLClient) -> int:
    count: int = (await gql.ok("{ projects(includeDeleted: true) { totalCount } }"))["projects"][
        "totalCount"
    ]
    return count


def assert_clean(body: dict[str, Any]) -> None:
    text = json.dumps(body)
    assert "Traceback" not in text
    assert "pymongo" not in text.lower()
    assert "stacktrace" not in text.lower()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "musicDuration": -1.0}, "musicDuration"),
        ({"name": "ok", "description": "d" * 20_001}, "description"),
    ],
)
async def test_invalid_project_fields_are_user_errors_and_write_nothing(
    gql: GraphQLClient, fields: dict[str, Any], field: str
) -> None:
    body = await gql.raw(CREATE, {"input": fields})
    assert_clean(body)
    payload = body["data"]["createProject"]
    assert payload["project"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("BAD_USER_INPUT", ["input", field])
    ]
    assert payload["userErrors"][0]["message"]
    assert await project_count(gql) == 0


async def test_name_at_the_limit_is_accepted(gql: GraphQLClient) -> None:
    payload = await gql.mutate(CREATE, {"input": {"name": "x" * 200}})
    assert len(payload["project"]["name"]) == 200


@pytest.mark.parametrize(
    "bad_id",
    [
        "garbage",
        "!!!",
        base64.b64encode(b"Project:nothex").decode(),
        base64.b64encode(b"Project:").decode(),
        base64.b64encode(b"Project:" + b"a" * 25).decode(),
        base64.b64encode(b'{"$ne": ""}').decode(),
    ],
)
async def test_malformed_ids_are_bad_user_input(gql: GraphQLClient, bad_id: str) -> None:
    body = await gql.raw("query($id: ID!) { project(id: $id) { id } }", {"id": bad_id})
    assert_clean(body)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    data = await gql.ok(
        'mutation($id: ID!) { createScene(input: {projectId: $id, name: "s"}) { scene { id } userErrors { code field } } }',
        {"id": bad_id},
    )
    assert data["createScene"] == {
        "scene": None,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": ["input", "projectId"]}],
    }


async def test_id_of_the_wrong_type_is_bad_user_input(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    assert await gql.error_codes("query($id: ID!) { project(id: $id) { id } }", {"id": scene}) == [
        "BAD_USER_INPUT"
    ]
    data = await gql.ok(
        "mutation($id: ID!) { deleteProject(id: $id) { affectedCount userErrors { code field } } }",
        {"id": scene},
    )
    assert data["deleteProject"] == {
        "affectedCount": 0,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": ["id"]}],
    }
    assert (await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": scene}))["node"] == {
        "id": scene
    }


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x/y.png", "not a url", "https://", "file:///etc/passwd"]
)
async def test_media_urls_must_be_http(gql: GraphQLClient, url: str) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    clip = next(iter(tree["scenes"].values()))[0]
    data = await gql.ok(
        """mutation($i: AddGeneratedMediaInput!) { addGeneratedMedia(input: $i) {
             clip { id } userErrors { code field } } }""",
        {"i": {"clipId": clip, "kind": "IMAGE", "url": url}},
    )
    assert data["addGeneratedMedia"] == {
        "clip": None,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": ["input", "url"]}],
    }
    images = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Clip { generatedImages { id } } } }", {"id": clip}
    )
    assert images["node"]["generatedImages"] == []


async def test_negative_clip_length_is_rejected(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    data = await gql.ok(
        """mutation($s: ID!) { createClip(input: {sceneId: $s, name: "c", length: -2}) {
             clip { id } userErrors { code field } } }""",
        {"s": scene},
    )
    assert data["createClip"]["userErrors"] == [
        {"code": "BAD_USER_INPUT", "field": ["input", "length"]}
    ]
    count = await gql.ok("query($id: ID!) { project(id: $id) { clipCount } }", {"id": project})
    assert count["project"]["clipCount"] == 0


@pytest.mark.parametrize("order", [-1, 2])
async def test_order_out_of_range_is_rejected(gql: GraphQLClient, order: int) -> None:
    project = await create_project(gql)
    await create_scene(gql, project)
    data = await gql.ok(
        """mutation($p: ID!, $o: Int) { createScene(input: {projectId: $p, name: "x", order: $o}) {
             scene { id } userErrors { code field } } }""",
        {"p": project, "o": order},
    )
    assert data["createScene"]["userErrors"] == [
        {"code": "BAD_USER_INPUT", "field": ["input", "order"]}
    ]


async def test_null_name_on_update_is_rejected(gql: GraphQLClient) -> None:
    project = await create_project(gql, "Keep")
    data = await gql.ok(
        "mutation($id: ID!) { updateProject(input: {id: $id, name: null}) { project { id } userErrors { code field } } }",
        {"id": project},
    )
    assert data["updateProject"]["userErrors"] == [
        {"code": "BAD_USER_INPUT", "field": ["input", "name"]}
    ]
    assert (await gql.ok("query($id: ID!) { project(id: $id) { name } }", {"id": project}))[
        "project"
    ] == {"name": "Keep"}


@pytest.mark.parametrize(
    "query",
    [
        "{ projects(first: 101) { totalCount } }",
        "{ projects(first: -1) { totalCount } }",
        "{ projects { edges { node { scenes(first: 1000) { totalCount } } } } }",
    ],
)
async def test_page_size_beyond_the_cap_is_not_clamped(gql: GraphQLClient, query: str) -> None:
    await create_project(gql)
    body = await gql.raw(query)
    assert_clean(body)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_wrong_variable_types_are_bad_user_input(gql: GraphQLClient) -> None:
    body = await gql.raw("query($n: Int) { projects(first: $n) { totalCount } }", {"n": "ten"})
    assert_clean(body)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    body = await gql.raw("{ projects { nope } }")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_operator_looking_strings_stay_strings(gql: GraphQLClient) -> None:
    payload = await gql.mutate(CREATE, {"input": {"name": '{"$ne": ""}'}})
    assert payload["project"]["name"] == '{"$ne": ""}'
    await create_project(gql, "plain")
    for needle, expected in [('{"$ne": ""}', 1), (".*", 0), ("$ne", 1), ("PLAIN", 1)]:
        data = await gql.ok(
            "query($n: String) { projects(where: {nameContains: $n}) { totalCount } }",
            {"n": needle},
        )
        assert data["projects"]["totalCount"] == expected, needle


async def test_tampered_cursor_is_bad_user_input(gql: GraphQLClient) -> None:
    for name in "abc":
        await create_project(gql, name)
    page = await gql.ok("{ projects(first: 1) { pageInfo { endCursor } } }")
    cursor = page["projects"]["pageInfo"]["endCursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(b"projects", b"projectz")).decode().rstrip("=")
    for bad in (forged, cursor[:-2], "x", cursor + "AA"):
        body = await gql.raw(
            "query($c: String) { projects(first: 1, after: $c) { totalCount } }", {"c": bad}
        )
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], bad
    # a cursor of another ordering is refused too
    body = await gql.raw(
        "query($c: String) { projects(first: 1, after: $c, orderBy: {field: NAME}) { totalCount } }",
        {"c": cursor},
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_too_many_node_ids_is_bad_user_input(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    assert await gql.error_codes(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [project] * 101}
    ) == ["BAD_USER_INPUT"]
