"""Authentication and owner scoping (DESIGN.md, "Authorization")."""

from __future__ import annotations

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import utcnow
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree, create_project

INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_anonymous_gets_null_viewer_and_introspection_only(http: httpx.AsyncClient) -> None:
    anonymous = GraphQLClient(http)
    assert await anonymous.ok("{ viewer { id } }") == {"viewer": None}
    assert (await anonymous.ok(INTROSPECTION))["__schema"]["queryType"]["name"] == "Query"
    assert await anonymous.error_codes("{ projects { totalCount } }") == ["UNAUTHENTICATED"]
    body = await anonymous.raw('mutation { createProject(input: {name: "x"}) { project { id } } }')
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer mgr_" + "A" * 43,  # well-formed, unknown
        "Bearer mgr_short",  # malformed
        "Bearer not-a-mongraph-key",
        "Basic dXNlcjpwYXNz",  # another scheme
        "Bearer ",
    ],
)
async def test_rejected_credentials_fail_every_operation(
    http: httpx.AsyncClient, header: str
) -> None:
    for query in ("{ viewer { id } }", INTROSPECTION, "{ projects { totalCount } }"):
        response = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": header}
        )
        body = response.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("mgr_" + "A" * 43, "send the key as `Authorization: Bearer mgr_…`"),
        ("Basic dXNlcjpwYXNz", "send the key as `Authorization: Bearer mgr_…`"),
        ("Bearer <key>", "replace <key> with an API key (mgr_…)"),
        ("Bearer <api key>", "replace <api key> with an API key (mgr_…)"),
        ("Bearer mgr_short", "not an API key: keys are mgr_ followed by 43 characters"),
        ("Bearer mgr_" + "A" * 43, "invalid API key"),  # well-formed: nothing more is told
    ],
)
async def test_a_malformed_header_is_told_what_form_is_expected(
    http: httpx.AsyncClient, header: str, said: str
) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": header}
    )
    (error,) = response.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == (said, "UNAUTHENTICATED")


async def test_revoked_key_is_unauthenticated(
    http: httpx.AsyncClient, store: Datastore, alice: MadeUser
) -> None:
    client = GraphQLClient(http, alice.secret)
    assert (await client.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}
    await store.db["users"].update_one(
        {"_id": alice.doc.id}, {"$set": {"apiKeys.0.revokedAt": utcnow()}}
    )
    assert await client.error_codes("{ viewer { displayName } }") == ["UNAUTHENTICATED"]


async def test_suspended_user_is_forbidden(
    http: httpx.AsyncClient, store: Datastore, alice: MadeUser
) -> None:
    await store.db["users"].update_one({"_id": alice.doc.id}, {"$set": {"status": "SUSPENDED"}})
    assert await GraphQLClient(http, alice.secret).error_codes("{ viewer { id } }") == ["FORBIDDEN"]


async def test_key_use_is_recorded(
    http: httpx.AsyncClient, store: Datastore, alice: MadeUser
) -> None:
    await GraphQLClient(http, alice.secret).ok("{ viewer { id } }")
    user = await store.db["users"].find_one({"_id": alice.doc.id})
    assert user is not None
    assert user["apiKeys"][0]["lastUsedAt"] is not None
    assert "secret" not in str(user["apiKeys"][0]).lower().replace("secrethash", "")


async def test_another_users_objects_are_not_found(
    http: httpx.AsyncClient, alice: MadeUser, bob: MadeUser
) -> None:
    as_alice, as_bob = GraphQLClient(http, alice.secret), GraphQLClient(http, bob.secret)
    tree = await build_tree(as_alice, scenes=1, clips=1)
    scene, [clip] = next(iter(tree["scenes"].items()))
    assert (
        await as_bob.ok("query($id: ID!) { project(id: $id) { id } }", {"id": tree["project"]})
    ) == {"project": None}
    nodes = await as_bob.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [tree["project"], scene, clip, tree["character"], alice.global_id]},
    )
    assert nodes == {"nodes": [None] * 5}
    assert (await as_bob.ok("{ projects { totalCount } }"))["projects"]["totalCount"] == 0
    changes = await as_bob.ok(
        """mutation($p: ID!, $s: ID!, $c: ID!) {
             u: updateProject(input: {id: $p, name: "pwned"}) { project { id } userErrors { code } }
             d: deleteProject(id: $p) { affectedCount userErrors { code } }
             s: createScene(input: {projectId: $p, name: "x"}) { scene { id } userErrors { code } }
             k: createClip(input: {sceneId: $s, name: "x"}) { clip { id } userErrors { code } }
             x: deleteClip(id: $c) { affectedCount userErrors { code } }
           }""",
        {"p": tree["project"], "s": scene, "c": clip},
    )
    for payload in changes.values():
        assert payload["userErrors"] == [{"code": "NOT_FOUND"}]
    after = await as_alice.ok(
        "query($id: ID!) { project(id: $id) { name clipCount sceneCount } }",
        {"id": tree["project"]},
    )
    assert after["project"] == {"name": "Tree", "clipCount": 1, "sceneCount": 1}


async def test_admin_reaches_others_by_id_but_lists_only_their_own(
    http: httpx.AsyncClient, alice: MadeUser, admin: MadeUser
) -> None:
    as_alice, as_admin = GraphQLClient(http, alice.secret), GraphQLClient(http, admin.secret)
    project = await create_project(as_alice, "Alice's")
    assert (await as_admin.ok("{ projects { totalCount } }"))["projects"]["totalCount"] == 0
    seen = await as_admin.ok(
        "query($id: ID!) { project(id: $id) { name owner { id } } }", {"id": project}
    )
    assert seen["project"] == {"name": "Alice's", "owner": {"id": alice.global_id}}
    await as_admin.mutate(
        'mutation($id: ID!) { updateProject(input: {id: $id, name: "Renamed"}) { project { id } userErrors { code } } }',
        {"id": project},
    )
    await as_admin.mutate(
        'mutation($id: ID!) { createScene(input: {projectId: $id, name: "by admin"}) { scene { id } userErrors { code } } }',
        {"id": project},
    )
    mine = await as_alice.ok(
        "query($id: ID!) { project(id: $id) { name sceneCount } }", {"id": project}
    )
    assert mine["project"] == {"name": "Renamed", "sceneCount": 1}


async def test_user_node_is_private_to_self_and_admins(
    http: httpx.AsyncClient, alice: MadeUser, bob: MadeUser, admin: MadeUser
) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on User { displayName } } }"
    assert (await GraphQLClient(http, alice.secret).ok(query, {"id": alice.global_id}))["node"] == {
        "displayName": "Alice"
    }
    assert (await GraphQLClient(http, bob.secret).ok(query, {"id": alice.global_id}))[
        "node"
    ] is None
    assert (await GraphQLClient(http, admin.secret).ok(query, {"id": alice.global_id}))["node"] == {
        "displayName": "Alice"
    }


async def test_last_used_at_is_written_at_most_once_a_minute(
    http: httpx.AsyncClient, alice: MadeUser, commands: CommandCounter
) -> None:
    client = GraphQLClient(http, alice.secret)
    await client.ok("{ viewer { id } }")
    assert ("update", "users") in commands.commands
    commands.reset()
    for _ in range(3):
        await client.ok("{ viewer { id } }")
    assert commands.commands == [("find", "users")] * 3
