"""Relay across the whole API: `nodes` through the loaders, and every connection's paging."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import CharacterDoc, ClipDoc, Document, ProjectDoc, SceneDoc
from mongraph.errors import ErrorCode
from mongraph.schema.ids import encode_global_id
from tests.utils.apps import app_client
from tests.utils.chat import create_conversation, post, share
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import apply_credit
from tests.utils.storyboard import create_character, create_clip, create_project, create_scene

STORYBOARD = ("projects", "scenes", "clips", "characters")
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Project { name } ... on Scene { name } ... on Clip { name } ... on Character { name } } }"""


def storyboard(owner: MadeUser, tag: str, projects: int) -> list[Document]:
    """Per project: one character, three scenes, five clips (two, two and one)."""
    docs: list[Document] = []
    for p in range(projects):
        own = {"owner_id": owner.doc.id}
        project = ProjectDoc(**own, name=f"{tag}P{p}")
        character = CharacterDoc(**own, project_id=project.id, name=f"{tag}K{p}")
        docs += [project, character]
        for s, clips in enumerate((2, 2, 1)):
            scene = SceneDoc(**own, project_id=project.id, name=f"{tag}S{p}.{s}", order=s)
            docs.append(scene)
            docs += [
                ClipDoc(
                    **own,
                    project_id=project.id,
                    scene_id=scene.id,
                    character_id=character.id,
                    name=f"{tag}C{p}.{s}.{c}",
                    order=c,
                )
                for c in range(clips)
            ]
    return docs


@pytest.mark.counts_execution
async def test_fifty_nodes_of_four_types_cost_one_command(
    gql: GraphQLClient,
    store: Datastore,
    alice: MadeUser,
    bob: MadeUser,
    commands: CommandCounter,
) -> None:
    mine = storyboard(alice, "a", 4)  # 4 + 4 + 12 + 20 = 40 documents
    theirs = storyboard(bob, "b", 1)  # 10 documents Alice may not see
    await insert_documents(store, mine + theirs)
    docs = [d for pair in zip(mine[:10], theirs, strict=True) for d in pair] + mine[10:]
    ids = [encode_global_id(type(d).__name__.removesuffix("Doc"), d.id) for d in docs]
    assert len(ids) == 50
    assert len({type(d) for d in docs}) == 4
    await gql.ok("{ viewer { id } }")  # records the key's lastUsedAt (at most once a minute)
    commands.reset()
    nodes = (await gql.ok(NODES, {"ids": ids}))["nodes"]
    # one database-level aggregate: the ids as $documents, a $lookup per collection
    assert commands.commands == [("find", "users"), ("aggregate", "")], commands.commands
    expected = [
        {"__typename": type(d).__name__.removesuffix("Doc"), "id": i, "name": d.name}
        if d in mine
        else None
        for d, i in zip(docs, ids, strict=True)
    ]
    assert nodes == expected
    # Bob sees exactly his ten, in the same positions
    bob_nodes = (await gql.as_user(bob.secret).ok(NODES, {"ids": ids}))["nodes"]
    assert [n is not None for n in bob_nodes] == [d in theirs for d in docs]


async def test_nodes_answer_nonexistent_and_forbidden_alike(
    gql: GraphQLClient, alice: MadeUser, bob: MadeUser
) -> None:
    theirs = await create_project(gql.as_user(bob.secret), "Bob's")
    deleted = await create_project(gql, "gone")
    await gql.mutate(
        "mutation($id: ID!) { deleteProject(id: $id) { userErrors { code } } }", {"id": deleted}
    )
    missing = encode_global_id("Project", ProjectDoc(owner_id=alice.doc.id, name="x").id)
    bodies = [await gql.raw(NODES, {"ids": [i]}) for i in [theirs, deleted, missing]]
    # byte for byte the same answer: nothing tells "not yours" from "not there"
    assert bodies[0] == bodies[1] == bodies[2], bodies
    assert bodies[0]["data"] == {"nodes": [None]}
    assert "errors" not in bodies[0]
    singles = [
        await gql.raw("query($id: ID!) { node(id: $id) { id } }", {"id": i})
        for i in [theirs, deleted, missing]
    ]
    assert singles[0] == singles[1] == singles[2], singles
    assert singles[0]["data"] == {"node": None}
    assert "errors" not in singles[0]


async def test_every_node_type_is_reachable_by_id(
    gql: GraphQLClient, http: httpx.AsyncClient, alice: MadeUser, bob: MadeUser, admin: MadeUser
) -> None:
    """Each type implementing Node comes back from `node` and `nodes` for those who may see it."""
    from graphql import GraphQLObjectType, build_schema

    from mongraph.api.schema import export_sdl

    schema = build_schema(export_sdl())
    node_types = {
        name
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and "Node" in {i.name for i in t.interfaces}
    }
    root = GraphQLClient(http, admin.secret)
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    character = await create_character(gql, project)
    clip = await create_clip(gql, scene)
    conversation = await create_conversation(gql)
    message = await post(gql, conversation, "hi")
    credit = await apply_credit(root, alice.global_id, "CREDIT", "1", "n1")
    key = (await gql.ok('mutation { createApiKey(input: {name: "n"}) { apiKey { id } } }'))[
        "createApiKey"
    ]["apiKey"]["id"]
    ids = {
        "Project": project,
        "Scene": scene,
        "Character": character,
        "Clip": clip,
        "Conversation": conversation,
        "Message": message,
        "CreditTransaction": credit["transaction"]["id"],
        "ApiKey": key,
        "User": alice.global_id,
    }
    assert set(ids) == node_types
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    for viewer, visible in [(gql, True), (root, True), (gql.as_user(bob.secret), False)]:
        nodes = (await viewer.ok(query, {"ids": list(ids.values())}))["nodes"]
        expected = [{"__typename": t, "id": i} if visible else None for t, i in ids.items()]
        assert nodes == expected
        for type_name, global_id in ids.items():
            single = await viewer.ok("query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
            assert single["node"] == ({"id": global_id} if visible else None), type_name
    anonymous = GraphQLClient(http)
    assert await anonymous.error_codes(query, {"ids": [key]}) == ["UNAUTHENTICATED"]
    # an API key's fields through `node`, and a key id nobody has
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on ApiKey { name prefix revokedAt } } }", {"id": key}
    )
    assert data["node"]["name"] == "n"
    unknown = encode_global_id("ApiKey", ProjectDoc(owner_id=alice.doc.id, name="x").id)
    assert (await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": unknown})) == {
        "node": None
    }


@pytest.mark.counts_execution
async def test_nodes_of_six_types_cost_one_command_messages_included(
    gql: GraphQLClient, commands: CommandCounter
) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    ids = [
        project,
        scene,
        await create_character(gql, project),
        await create_clip(gql, scene),
        await create_conversation(gql),
    ]
    ids.append(await post(gql, ids[-1], "in a listed conversation"))
    elsewhere = await post(gql, await create_conversation(gql, "other"), "elsewhere")
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    await gql.ok("{ viewer { id } }")
    commands.reset()
    nodes = (await gql.ok(query, {"ids": ids}))["nodes"]
    assert nodes == [{"id": i} for i in ids]
    # the conversation came with the others, so the message's readability costs nothing more
    assert [c for c in commands.commands if c != ("find", "users")] == [("aggregate", "")]
    commands.reset()
    nodes = (await gql.ok(query, {"ids": [*ids, elsewhere]}))["nodes"]
    assert nodes == [{"id": i} for i in [*ids, elsewhere]]
    # the message's conversation is joined in the same command (it authorizes the message)
    sent = [c for c in commands.commands if c != ("find", "users")]
    assert sent == [("aggregate", "")], sent


@pytest.mark.parametrize("bad", ["garbage", "UHJvamVjdDp7IiRuZSI6IiJ9", ""])
async def test_one_malformed_id_nulls_its_own_position_only(gql: GraphQLClient, bad: str) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    body = await gql.raw(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [project, bad, scene]}
    )
    assert body["data"] == {"nodes": [{"id": project}, None, {"id": scene}]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["nodes", 1], "BAD_USER_INPUT")
    ]


async def test_nodes_shows_a_message_to_whoever_may_read_its_conversation(
    gql: GraphQLClient, bob: MadeUser
) -> None:
    conversation = await create_conversation(gql)
    message = await post(gql, conversation, "hello")
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    as_bob = gql.as_user(bob.secret)
    assert (await as_bob.ok(query, {"ids": [message]}))["nodes"] == [None]
    await share(gql, conversation, [bob.global_id])
    assert (await as_bob.ok(query, {"ids": [message]}))["nodes"] == [{"id": message}]


@dataclass(frozen=True)
class Conn:
    """A connection reached by `query` (with `$first`, `$after` and maybe `$id`) at `path`."""

    name: str
    query: str
    path: tuple[str, ...]
    id_key: str | None = None


PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor }"
ARGS = "(first: $first, after: $after)"
VARS = "$first: Int, $after: String"
CONNECTIONS = [
    Conn("Query.projects", f"query({VARS}) {{ c: projects{ARGS} {{ {PAGE} }} }}", ("c",)),
    Conn("Query.conversations", f"query({VARS}) {{ c: conversations{ARGS} {{ {PAGE} }} }}", ("c",)),
    Conn("Query.users", f"query({VARS}) {{ c: users{ARGS} {{ {PAGE} }} }}", ("c",)),
    Conn(
        "User.projects",
        f"query({VARS}) {{ viewer {{ c: projects{ARGS} {{ {PAGE} }} }} }}",
        ("viewer", "c"),
    ),
    Conn(
        "User.conversations",
        f"query({VARS}) {{ viewer {{ c: conversations{ARGS} {{ {PAGE} }} }} }}",
        ("viewer", "c"),
    ),
    Conn(
        "User.transactions",
        f"query({VARS}) {{ viewer {{ c: transactions{ARGS} {{ {PAGE} }} }} }}",
        ("viewer", "c"),
    ),
    Conn(
        "Project.scenes",
        f"query($id: ID!, {VARS}) {{ project(id: $id) {{ c: scenes{ARGS} {{ {PAGE} }} }} }}",
        ("project", "c"),
        "project",
    ),
    Conn(
        "Scene.clips",
        f"query($id: ID!, {VARS}) {{ node(id: $id) {{ ... on Scene {{ c: clips{ARGS} {{ {PAGE} }} }} }} }}",
        ("node", "c"),
        "scene",
    ),
    Conn(
        "Character.clips",
        f"query($id: ID!, {VARS}) {{ node(id: $id) {{ ... on Character {{ c: clips{ARGS} {{ {PAGE} }} }} }} }}",
        ("node", "c"),
        "character",
    ),
    Conn(
        "Conversation.messages",
        f"query($id: ID!, {VARS}) {{ conversation(id: $id) {{ c: messages{ARGS} {{ {PAGE} }} }} }}",
        ("conversation", "c"),
        "conversation",
    ),
]


def test_the_table_covers_every_connection_field_of_the_schema() -> None:
    from graphql import GraphQLObjectType, build_schema, get_named_type

    from mongraph.api.schema import export_sdl

    schema = build_schema(export_sdl())
    found = {
        f"{name}.{field_name}"
        for name, gtype in schema.type_map.items()
        if isinstance(gtype, GraphQLObjectType)
        for field_name, field in gtype.fields.items()
        if get_named_type(field.type).name.endswith("Connection")
    }
    assert found == {c.name for c in CONNECTIONS}


@pytest.fixture
async def world(http: httpx.AsyncClient, admin: MadeUser, alice: MadeUser) -> dict[str, Any]:
    """Two items in every connection, all reachable by the admin (who owns them)."""
    root = GraphQLClient(http, admin.secret)
    project = await create_project(root, "P1")
    await create_project(root, "P2")
    character = await create_character(root, project)
    scene = await create_scene(root, project, "S1")
    await create_scene(root, project, "S2")
    for name in ("C1", "C2"):
        await create_clip(root, scene, name, characterId=character)
    conversation = await create_conversation(root, "T1")
    await create_conversation(root, "T2")
    for text in ("m1", "m2"):
        await post(root, conversation, text)
    for key in ("k1", "k2"):
        await apply_credit(root, admin.global_id, "CREDIT", "1", key)
    ids = {"project": project, "scene": scene, "character": character}
    return {"client": root, "ids": {**ids, "conversation": conversation}}


def dig(data: Any, path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    result: dict[str, Any] = data
    return result


async def fetch_page(
    client: GraphQLClient, conn: Conn, base: dict[str, str], after: str | None, first: int
) -> dict[str, Any]:
    data = await client.ok(conn.query, {**base, "first": first, "after": after})
    return dig(data, conn.path)


def tampered(cursor: str) -> list[str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    flipped = bytes([raw[0] ^ 1]) + raw[1:]
    forged = base64.urlsafe_b64encode(flipped).decode().rstrip("=")
    sig_flipped = raw[:-1] + bytes([raw[-1] ^ 1])
    return [
        forged,
        base64.urlsafe_b64encode(sig_flipped).decode().rstrip("="),
        cursor[:-3],
        cursor + "AAAA",
        "x",
    ]


async def test_every_connection_pages_both_ways_and_refuses_tampered_cursors(
    world: dict[str, Any],
) -> None:
    client: GraphQLClient = world["client"]
    foreign: str | None = None  # a valid cursor of another connection
    for conn in CONNECTIONS:
        base = {"id": world["ids"][conn.id_key]} if conn.id_key else {}

        async def page(after: str | None, first: int = 1) -> dict[str, Any]:
            return await fetch_page(client, conn, base, after, first)  # noqa: B023

        one = await page(None)
        two = await page(one["pageInfo"]["endCursor"])
        three = await page(two["pageInfo"]["endCursor"])
        label = conn.name
        assert [one["totalCount"], two["totalCount"], three["totalCount"]] == [2, 2, 2], label
        assert len(one["edges"]) == len(two["edges"]) == 1, label
        assert one["edges"][0]["cursor"] != two["edges"][0]["cursor"], label
        assert three["edges"] == [], label
        info = [
            (p["pageInfo"]["hasPreviousPage"], p["pageInfo"]["hasNextPage"]) for p in (one, two)
        ]
        assert info == [(False, True), (True, False)], label
        for p in (one, two):
            edge_cursor = p["edges"][0]["cursor"]
            assert p["pageInfo"]["startCursor"] == p["pageInfo"]["endCursor"] == edge_cursor, label
        assert three["pageInfo"]["hasNextPage"] is False, label
        everything = await page(None, first=100)
        assert everything["pageInfo"] == {
            "hasPreviousPage": False,
            "hasNextPage": False,
            "startCursor": one["edges"][0]["cursor"],
            "endCursor": two["edges"][0]["cursor"],
        }, label

        cursor = one["pageInfo"]["endCursor"]
        bad = tampered(cursor) + ([foreign] if foreign else [])
        for forged in bad:
            body = await client.raw(conn.query, {**base, "first": 1, "after": forged})
            assert [e["extensions"]["code"] for e in body.get("errors", [])] == [
                "BAD_USER_INPUT"
            ], (label, forged, body)
            assert '"cursor"' not in json.dumps(body.get("data")), (label, body)
        for first in (101, -1):
            codes = await client.error_codes(conn.query, {**base, "first": first, "after": None})
            assert codes == ["BAD_USER_INPUT"], (label, first)
        foreign = cursor


BACKWARD_ARGS = "(last: $last, before: $before)"
BACKWARD_VARS = "$last: Int, $before: String"


async def test_every_connection_pages_backward_from_the_end(world: dict[str, Any]) -> None:
    """`last`/`before` on every connection: the same items as forward, from the other end,
    with the same signed cursors; `last` alone means the last ones (no `first` default)."""
    client: GraphQLClient = world["client"]
    for conn in CONNECTIONS:
        base = {"id": world["ids"][conn.id_key]} if conn.id_key else {}
        backward = conn.query.replace(ARGS, BACKWARD_ARGS).replace(VARS, BACKWARD_VARS)
        label = conn.name

        async def page(before: str | None, last: int = 1) -> dict[str, Any]:
            data = await client.ok(backward, {**base, "last": last, "before": before})  # noqa: B023
            return dig(data, conn.path)  # noqa: B023

        forward = await fetch_page(client, conn, base, None, 100)
        order = [e["cursor"] for e in forward["edges"]]
        assert len(order) == 2, label
        newest = await page(None)
        assert [e["cursor"] for e in newest["edges"]] == order[1:], label
        assert newest["pageInfo"]["hasPreviousPage"] is True, label
        older = await page(newest["pageInfo"]["startCursor"])
        assert [e["cursor"] for e in older["edges"]] == order[:1], label
        assert older["pageInfo"]["hasPreviousPage"] is False, label
        assert (await page(older["pageInfo"]["startCursor"]))["edges"] == [], label
        both = await page(None, last=2)
        assert [e["cursor"] for e in both["edges"]] == order, label
        assert both["totalCount"] == 2, label
        for bad in (101, -1):
            codes = await client.error_codes(backward, {**base, "last": bad, "before": None})
            assert codes == ["BAD_USER_INPUT"], (label, bad)
        mixed = conn.query.replace(ARGS, "(first: $first, after: $after, last: 1)")
        codes = await client.error_codes(mixed, {**base, "first": 1, "after": None})
        assert codes == ["BAD_USER_INPUT"], label
        for forged in tampered(newest["pageInfo"]["startCursor"]):
            body = await client.raw(backward, {**base, "last": 1, "before": forged})
            assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], label


@pytest.mark.counts_execution
async def test_total_count_costs_one_command_only_when_selected_on_every_connection(
    world: dict[str, Any], commands: CommandCounter
) -> None:
    client: GraphQLClient = world["client"]
    for conn in CONNECTIONS:
        variables = {"first": 2, "after": None}
        if conn.id_key:
            variables["id"] = world["ids"][conn.id_key]
        without_count = conn.query.replace("totalCount ", "")
        commands.reset()
        data = await client.ok(without_count, variables)
        without = list(commands.commands)
        assert "totalCount" not in dig(data, conn.path), conn.name
        commands.reset()
        assert dig(await client.ok(conn.query, variables), conn.path)["totalCount"] == 2
        assert len(commands.commands) == len(without) + 1, (conn.name, without, commands.commands)


async def test_last_is_capped_like_first(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    await post(gql, conversation, "x")
    query = (
        "query($id: ID!, $n: Int) { conversation(id: $id) { messages(last: $n) { totalCount } } }"
    )
    for n in (101, -1):
        assert await gql.error_codes(query, {"id": conversation, "n": n}) == ["BAD_USER_INPUT"]
    data = await gql.ok(query, {"id": conversation, "n": 100})
    assert data["conversation"]["messages"]["totalCount"] == 1


def assert_coded(body: dict[str, Any]) -> list[str]:
    codes = {c.value for c in ErrorCode}
    assert body.get("errors"), body
    text = json.dumps(body)
    assert "Traceback" not in text, text
    assert "pymongo" not in text.lower(), text
    found = [e.get("extensions", {}).get("code") for e in body["errors"]]
    assert all(code in codes for code in found), body
    return found


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ projects { ", {}),  # syntax
        ("{ projects { nope } }", {}),  # validation
        ("query($n: Int!) { projects(first: $n) { totalCount } }", {}),  # missing variable
        ("query($n: Int) { projects(first: $n) { totalCount } }", {"n": "x"}),  # wrong type
        ('{ project(id: "not-an-id") { name } }', {}),
        ("{ projects(first: 101) { totalCount } }", {}),
        ('{ users(where: {displayNameContains: "a"}) { totalCount } }', {}),  # admins only
        ("subscription { nope }", {}),
        ("{ a: viewer { id } } { b: viewer { id } }", {}),  # two anonymous operations
        ("{ " + "viewer { projects { edges { node { scenes { edges { node { " * 3 + "}" * 30, {}),
    ],
)
async def test_every_error_carries_a_code(
    gql: GraphQLClient, query: str, variables: dict[str, Any]
) -> None:
    assert_coded(await gql.raw(query, variables))


async def test_unauthenticated_and_malformed_requests_carry_a_code(http: httpx.AsyncClient) -> None:
    anonymous = GraphQLClient(http)
    assert assert_coded(await anonymous.raw("{ projects { totalCount } }")) == ["UNAUTHENTICATED"]
    assert assert_coded(await GraphQLClient(http, "mgr_nope").raw("{ viewer { id } }")) == [
        "UNAUTHENTICATED"
    ]


@pytest.fixture
async def dev_mode(store: Datastore) -> Any:
    async with app_client(store, Settings(mongodb_uri="unused", mongraph_dev=True)) as client:
        yield client


async def test_field_suggestions_only_in_dev_mode(
    gql: GraphQLClient, dev_mode: httpx.AsyncClient, alice: MadeUser
) -> None:
    probe = "{ viewr { id } }"
    dev = await GraphQLClient(dev_mode, alice.secret).raw(probe)
    assert "Did you mean" in dev["errors"][0]["message"], dev
    assert assert_coded(dev) == ["BAD_USER_INPUT"]
    default = await gql.raw(probe)
    assert "Did you mean" not in json.dumps(default)
    assert assert_coded(default) == ["BAD_USER_INPUT"]
