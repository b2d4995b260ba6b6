"""Soft delete, restore and purge through the API (DESIGN.md, "Soft delete and cascade")."""

from __future__ import annotations

from typing import Any

from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree, create_clip, create_project, create_scene

CASCADE = "mutation($id: ID!) {{ {op}(id: $id) {{ targetId affectedCount userErrors {{ code field }} }} }}"

PROJECT_VIEW = """
query($id: ID!) {
  project(id: $id) {
    sceneCount clipCount characters { id }
    scenes(first: 50) { totalCount edges { node { id clips(first: 50) { totalCount edges { node { id } } } } } }
  }
}"""


async def run(gql: GraphQLClient, op: str, target: str) -> dict[str, Any]:
    data = await gql.ok(CASCADE.format(op=op), {"id": target})
    payload: dict[str, Any] = data[op]
    return payload


async def visible(gql: GraphQLClient, ids: list[str]) -> list[bool]:
    data = await gql.ok("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    return [n is not None for n in data["nodes"]]


def all_ids(tree: dict[str, Any]) -> list[str]:
    ids = [tree["project"], tree["character"], *tree["scenes"]]
    for clips in tree["scenes"].values():
        ids += clips
    return ids


async def test_delete_project_hides_every_descendant_from_every_read(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=2, clips=3)
    result = await run(gql, "deleteProject", tree["project"])
    assert result == {"targetId": tree["project"], "affectedCount": 1 + 1 + 2 + 6, "userErrors": []}
    assert await visible(gql, all_ids(tree)) == [False] * 10
    assert (await gql.ok(PROJECT_VIEW, {"id": tree["project"]}))["project"] is None
    listing = await gql.ok("{ projects { totalCount edges { node { id } } } }")
    assert listing["projects"] == {"totalCount": 0, "edges": []}
    trash = await gql.ok(
        "{ projects(includeDeleted: true) { totalCount edges { node { id deletedAt } } } }"
    )
    assert trash["projects"]["totalCount"] == 1
    assert trash["projects"]["edges"][0]["node"]["deletedAt"] is not None


async def test_deleted_children_vanish_from_counts_and_connections(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    scene, clips = next(iter(tree["scenes"].items()))
    assert (await run(gql, "deleteClip", clips[0]))["affectedCount"] == 1
    view = (await gql.ok(PROJECT_VIEW, {"id": tree["project"]}))["project"]
    assert (view["sceneCount"], view["clipCount"]) == (2, 3)
    assert (await run(gql, "deleteScene", scene))[
        "affectedCount"
    ] == 1 + 1  # the other clip was already gone
    view = (await gql.ok(PROJECT_VIEW, {"id": tree["project"]}))["project"]
    assert (view["sceneCount"], view["clipCount"]) == (1, 2)
    assert view["scenes"]["totalCount"] == 1
    assert scene not in [e["node"]["id"] for e in view["scenes"]["edges"]]


async def test_restore_brings_back_exactly_that_deletion(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=3)
    scene, clips = next(iter(tree["scenes"].items()))
    await run(gql, "deleteClip", clips[1])  # deleted on its own, before
    assert (await run(gql, "deleteProject", tree["project"]))["affectedCount"] == 1 + 1 + 1 + 2
    restored = await run(gql, "restoreProject", tree["project"])
    assert restored["affectedCount"] == 5
    assert await visible(gql, [tree["project"], scene, tree["character"], *clips]) == [
        True,
        True,
        True,
        True,
        False,
        True,
    ]
    # the clip deleted on its own comes back on its own, at its old position
    assert (await run(gql, "restoreClip", clips[1]))["affectedCount"] == 1
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Scene { clips { edges { node { id order } } } } } }",
        {"id": scene},
    )
    assert [(e["node"]["id"], e["node"]["order"]) for e in data["node"]["clips"]["edges"]] == [
        (clips[0], 0),
        (clips[1], 1),
        (clips[2], 2),
    ]


async def test_delete_scene_takes_its_alternates_and_their_clips(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    primary = await create_scene(gql, project, "P")
    alternate = await create_scene(gql, project, "A", parentSceneId=primary)
    clip = await create_clip(gql, alternate)
    other = await create_scene(gql, project, "Other")
    assert (await run(gql, "deleteScene", primary))["affectedCount"] == 3
    assert await visible(gql, [primary, alternate, clip, other]) == [False, False, False, True]
    assert (await run(gql, "restoreScene", primary))["affectedCount"] == 3
    assert await visible(gql, [primary, alternate, clip, other]) == [True, True, True, True]


async def test_deleting_a_clip_keeps_sibling_order_dense(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    clips = [await create_clip(gql, scene, n) for n in "abc"]
    await run(gql, "deleteClip", clips[0])
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Scene { clips { edges { node { name order } } } } } }",
        {"id": scene},
    )
    assert [(e["node"]["name"], e["node"]["order"]) for e in data["node"]["clips"]["edges"]] == [
        ("b", 0),
        ("c", 1),
    ]


async def test_deleted_character_resolves_null_on_its_clips(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    clip = next(iter(tree["scenes"].values()))[0]
    assert (await run(gql, "deleteCharacter", tree["character"]))["affectedCount"] == 1
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Clip { character { id } } } }", {"id": clip}
    )
    assert data["node"] == {"character": None}
    await run(gql, "restoreCharacter", tree["character"])
    data = await gql.ok(
        "query($id: ID!) { node(id: $id) { ... on Clip { character { id } } } }", {"id": clip}
    )
    assert data["node"] == {"character": {"id": tree["character"]}}


async def test_restoring_under_a_deleted_parent_is_conflict(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    scene, [clip] = next(iter(tree["scenes"].items()))
    await run(gql, "deleteScene", scene)
    await run(gql, "deleteProject", tree["project"])
    assert (await run(gql, "restoreScene", scene))["userErrors"] == [
        {"code": "CONFLICT", "field": None}
    ]
    assert (await run(gql, "restoreClip", clip))["userErrors"][0]["code"] == "CONFLICT"
    assert await visible(gql, [scene, clip]) == [False, False]


async def test_creating_under_a_deleted_parent_is_not_found(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=0)
    scene = next(iter(tree["scenes"]))
    await run(gql, "deleteProject", tree["project"])
    data = await gql.ok(
        """mutation($p: ID!, $s: ID!) {
             a: createScene(input: {projectId: $p, name: "x"}) { scene { id } userErrors { code field } }
             b: createClip(input: {sceneId: $s, name: "x"}) { clip { id } userErrors { code field } }
             c: createCharacter(input: {projectId: $p, name: "x"}) { character { id } userErrors { code field } }
           }""",
        {"p": tree["project"], "s": scene},
    )
    assert data["a"] == {
        "scene": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["input", "projectId"]}],
    }
    assert data["b"] == {
        "clip": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["input", "sceneId"]}],
    }
    assert data["c"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "projectId"]}]


async def test_parent_links_resolve_when_parent_is_deleted(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    await run(gql, "deleteProject", tree["project"])
    trash = await gql.ok(
        """{ projects(first: 5, includeDeleted: true) { edges { node {
             scenes(first: 5, includeDeleted: true) { edges { node { project { id deletedAt }
               clips(first: 5, includeDeleted: true) { edges { node { scene { deletedAt } deletedAt } } } } } } } } } }"""
    )
    scene = trash["projects"]["edges"][0]["node"]["scenes"]["edges"][0]["node"]
    assert scene["project"]["id"] == tree["project"]
    assert scene["project"]["deletedAt"] is not None
    assert scene["clips"]["edges"][0]["node"]["scene"]["deletedAt"] is not None


async def test_purge_hard_deletes_a_deleted_project_and_refuses_a_live_one(
    gql: GraphQLClient,
) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    clips = next(iter(tree["scenes"].values()))
    await run(gql, "deleteClip", clips[0])
    live = await run(gql, "purgeProject", tree["project"])
    assert live == {
        "targetId": tree["project"],
        "affectedCount": 0,
        "userErrors": [{"code": "CONFLICT", "field": ["id"]}],
    }
    await run(gql, "deleteProject", tree["project"])
    purged = await run(gql, "purgeProject", tree["project"])
    assert purged["affectedCount"] == 1 + 1 + 2 + 4
    assert (await run(gql, "restoreProject", tree["project"]))["userErrors"][0][
        "code"
    ] == "NOT_FOUND"
    trash = await gql.ok("{ projects(includeDeleted: true) { totalCount } }")
    assert trash["projects"]["totalCount"] == 0


async def test_delete_twice_is_a_conflict_to_the_owner_and_not_found_to_others(
    gql: GraphQLClient, bob: MadeUser
) -> None:
    """The owner can see the deleted project in its trash: "already deleted" is a state a UI
    acts on (as restoring a live one is); to anyone else the project does not exist."""
    project = await create_project(gql)
    assert (await run(gql, "deleteProject", project))["affectedCount"] == 1
    again = await run(gql, "deleteProject", project)
    assert again == {
        "targetId": project,
        "affectedCount": 0,
        "userErrors": [{"code": "CONFLICT", "field": ["id"]}],
    }
    stranger = await run(gql.as_user(bob.secret), "deleteProject", project)
    assert stranger["userErrors"] == [{"code": "NOT_FOUND", "field": ["id"]}]
    restored = await run(gql, "restoreProject", project)
    assert restored["affectedCount"] == 1  # the second delete changed nothing
