"""Mutations return what they changed (issue 19): the object, the parent whose ordered
children or counts moved, the ids a cascade changed, and the root, each as it is after the
write, so a client cache follows without refetching. Against uvicorn on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import loopback_client
from tests.utils.chat import create_conversation, post
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_character, create_clip, create_project, create_scene


@pytest.fixture
async def live(
    store: Datastore, settings: Settings, alice: MadeUser
) -> AsyncIterator[GraphQLClient]:
    """Alice's client of the gateway served on loopback."""
    async with loopback_client(store, settings) as http:
        yield GraphQLClient(http, alice.secret)


CLIPS = "clips { totalCount edges { node { id order } } }"
SCENE = f"... on Scene {{ id deletedAt {CLIPS} }}"
PROJECT = "... on Project { id deletedAt sceneCount clipCount characters { id } scenes { edges { node { id order } } } }"
CONVERSATION = "... on Conversation { id deletedAt messageCount lastMessageAt }"
NODE = f"id {SCENE} {PROJECT} {CONVERSATION} ... on Clip {{ deletedAt }} ... on Character {{ deletedAt }} ... on Message {{ deletedAt }}"
CASCADE = (
    "mutation($id: ID!) { OP(id: $id) { targetId affectedCount affectedIds "
    f"node {{ {NODE} }} parent {{ {NODE} }} userErrors {{ code }} }} }}"
)


async def cascade(gql: GraphQLClient, op: str, target: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.ok(CASCADE.replace("OP", op), {"id": target}))[op]
    return payload


def orders(connection: dict[str, Any]) -> list[tuple[str, int]]:
    return [(e["node"]["id"], e["node"]["order"]) for e in connection["edges"]]


async def test_a_scene_delete_names_what_it_changed_and_returns_it_and_its_project(
    live: GraphQLClient,
) -> None:
    project = await create_project(live)
    first, second, third = [await create_scene(live, project, n) for n in "abc"]
    clips = [await create_clip(live, second, n) for n in "xy"]
    await cascade(live, "deleteClip", clips[1])  # deleted on its own: not this delete's

    deleted = await cascade(live, "deleteScene", second)
    assert deleted["affectedIds"] == [second, clips[0]]  # the target first
    assert deleted["affectedCount"] == 2
    assert deleted["node"]["id"] == second
    assert deleted["node"]["deletedAt"] is not None
    parent = deleted["parent"]
    assert (parent["id"], parent["sceneCount"], parent["clipCount"]) == (project, 2, 0)
    assert orders(parent["scenes"]) == [(first, 0), (third, 1)]  # renumbered

    restored = await cascade(live, "restoreScene", second)
    assert restored["affectedIds"] == [second, clips[0]]
    assert restored["node"]["deletedAt"] is None
    assert restored["node"]["clips"]["edges"] == [{"node": {"id": clips[0], "order": 0}}]
    assert orders(restored["parent"]["scenes"]) == [(first, 0), (second, 1), (third, 2)]
    assert (restored["parent"]["sceneCount"], restored["parent"]["clipCount"]) == (3, 1)


async def test_a_clip_or_character_delete_returns_the_parent_it_left(live: GraphQLClient) -> None:
    project = await create_project(live)
    scene = await create_scene(live, project)
    a, b, c = [await create_clip(live, scene, n) for n in "abc"]
    deleted = await cascade(live, "deleteClip", a)
    assert (deleted["affectedIds"], deleted["parent"]["id"]) == ([a], scene)
    assert deleted["parent"]["clips"]["totalCount"] == 2
    assert orders(deleted["parent"]["clips"]) == [(b, 0), (c, 1)]
    restored = await cascade(live, "restoreClip", a)
    assert orders(restored["parent"]["clips"]) == [(a, 0), (b, 1), (c, 2)]

    hero = await create_character(live, project)
    gone = await cascade(live, "deleteCharacter", hero)
    assert (gone["parent"]["id"], gone["parent"]["characters"]) == (project, [])
    back = await cascade(live, "restoreCharacter", hero)
    assert back["parent"]["characters"] == [{"id": hero}]


async def test_a_project_delete_restore_and_purge_name_the_whole_tree(live: GraphQLClient) -> None:
    project = await create_project(live)
    scene = await create_scene(live, project)
    clip = await create_clip(live, scene)
    hero = await create_character(live, project)
    tree = {project, scene, clip, hero}

    deleted = await cascade(live, "deleteProject", project)
    assert deleted["affectedIds"][0] == project
    assert set(deleted["affectedIds"]) == tree
    assert deleted["affectedCount"] == 4
    assert deleted["node"]["deletedAt"] is not None
    assert deleted["parent"] is None  # a project has none

    restored = await cascade(live, "restoreProject", project)
    assert (restored["affectedIds"][0], set(restored["affectedIds"])) == (project, tree)
    assert (restored["node"]["deletedAt"], restored["node"]["clipCount"]) == (None, 1)

    await cascade(live, "deleteProject", project)
    purged = await cascade(live, "purgeProject", project)
    assert (purged["affectedIds"][0], set(purged["affectedIds"])) == (project, tree)
    assert (purged["node"], purged["parent"]) == (None, None)  # nothing left to show


async def test_a_refused_cascade_names_nothing(live: GraphQLClient, bob: MadeUser) -> None:
    project = await create_project(live)
    await cascade(live, "deleteProject", project)
    again = await cascade(live, "deleteProject", project)
    assert again == {
        "targetId": project,
        "affectedCount": 0,
        "affectedIds": [],
        "node": None,
        "parent": None,
        "userErrors": [{"code": "CONFLICT"}],
    }
    stranger = await cascade(live.as_user(bob.secret), "restoreProject", project)
    assert (stranger["affectedIds"], stranger["node"], stranger["userErrors"]) == (
        [],
        None,
        [{"code": "NOT_FOUND"}],
    )


async def test_a_message_delete_returns_its_conversation_with_current_counts(
    live: GraphQLClient,
) -> None:
    conversation = await create_conversation(live)
    first = await post(live, conversation, "one")
    second = await post(live, conversation, "two")
    stamps = await live.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Message { createdAt } } }",
        {"ids": [first, second]},
    )
    deleted = await cascade(live, "deleteMessage", second)
    assert deleted["affectedIds"] == [second]
    parent = deleted["parent"]
    assert (parent["id"], parent["messageCount"]) == (conversation, 1)
    assert parent["lastMessageAt"] == stamps["nodes"][0]["createdAt"]
    restored = await cascade(live, "restoreMessage", second)
    assert restored["parent"]["messageCount"] == 2
    assert restored["parent"]["lastMessageAt"] == stamps["nodes"][1]["createdAt"]

    whole = await cascade(live, "deleteConversation", conversation)
    assert (whole["affectedIds"][0], set(whole["affectedIds"])) == (
        conversation,
        {conversation, first, second},
    )
    assert whole["parent"] is None


UPDATE_CLIP = f"""mutation($input: UpdateClipInput!) {{ updateClip(input: $input) {{
  clip {{ id order }} scene {{ id {CLIPS} }} previousScene {{ id {CLIPS} }} userErrors {{ code }} }} }}"""
CREATE_CLIP = f"""mutation($input: CreateClipInput!) {{ createClip(input: $input) {{
  clip {{ id }} scene {{ id {CLIPS} }} previousScene {{ id }} userErrors {{ code }} }} }}"""


async def test_a_clip_payload_returns_its_scene_renumbered_and_the_scene_it_left(
    live: GraphQLClient,
) -> None:
    project = await create_project(live)
    left, right = await create_scene(live, project, "L"), await create_scene(live, project, "R")
    a, b = await create_clip(live, left, "a"), await create_clip(live, left, "b")
    r = await create_clip(live, right, "r")

    created = await live.mutate(CREATE_CLIP, {"input": {"sceneId": left, "name": "c", "order": 0}})
    c = created["clip"]["id"]
    assert orders(created["scene"]["clips"]) == [(c, 0), (a, 1), (b, 2)]
    assert created["previousScene"] is None

    reordered = await live.mutate(UPDATE_CLIP, {"input": {"id": c, "order": 2}})
    assert orders(reordered["scene"]["clips"]) == [(a, 0), (b, 1), (c, 2)]
    assert reordered["previousScene"] is None  # it stayed in its scene

    moved = await live.mutate(UPDATE_CLIP, {"input": {"id": a, "sceneId": right, "order": 0}})
    assert moved["scene"]["id"] == right
    assert orders(moved["scene"]["clips"]) == [(a, 0), (r, 1)]
    assert moved["previousScene"]["id"] == left
    assert orders(moved["previousScene"]["clips"]) == [(b, 0), (c, 1)]
    assert moved["previousScene"]["clips"]["totalCount"] == 2


async def test_a_scene_payload_returns_its_project_with_the_scenes_renumbered(
    live: GraphQLClient,
) -> None:
    project = await create_project(live)
    a, b = await create_scene(live, project, "a"), await create_scene(live, project, "b")
    document = """mutation($input: CreateSceneInput!) { createScene(input: $input) {
      scene { id } project { id sceneCount scenes { edges { node { id order } } } } userErrors { code } } }"""
    created = await live.mutate(
        document, {"input": {"projectId": project, "name": "c", "order": 1}}
    )
    c = created["scene"]["id"]
    assert created["project"]["sceneCount"] == 3
    assert orders(created["project"]["scenes"]) == [(a, 0), (c, 1), (b, 2)]
    document = """mutation($input: UpdateSceneInput!) { updateScene(input: $input) {
      project { scenes { edges { node { id order } } } } userErrors { code } } }"""
    moved = await live.mutate(document, {"input": {"id": a, "order": 2}})
    assert orders(moved["project"]["scenes"]) == [(c, 0), (b, 1), (a, 2)]


async def test_a_message_payload_returns_its_conversation_with_current_counts(
    live: GraphQLClient,
) -> None:
    conversation = await create_conversation(live)
    await post(live, conversation, "one")
    document = """mutation($i: PostMessageInput!) { postMessage(input: $i) {
      message { id createdAt } conversation { id messageCount lastMessageAt } userErrors { code } } }"""
    content = [{"type": "TEXT", "text": "two"}]
    posted = await live.mutate(
        document, {"i": {"conversationId": conversation, "content": content}}
    )
    assert posted["conversation"] == {
        "id": conversation,
        "messageCount": 2,
        "lastMessageAt": posted["message"]["createdAt"],
    }
    document = """mutation($i: EditMessageInput!) { editMessage(input: $i) {
      conversation { id messageCount } userErrors { code } } }"""
    edited = await live.mutate(document, {"i": {"id": posted["message"]["id"], "content": content}})
    assert edited["conversation"] == {"id": conversation, "messageCount": 2}


async def test_a_refused_write_returns_no_parent(live: GraphQLClient, bob: MadeUser) -> None:
    project = await create_project(live)
    scene = await create_scene(live, project)
    clip = await create_clip(live, scene)
    as_bob = live.as_user(bob.secret)
    refused = await as_bob.ok(UPDATE_CLIP, {"input": {"id": clip, "order": 0}})
    assert refused["updateClip"] == {
        "clip": None,
        "scene": None,
        "previousScene": None,
        "userErrors": [{"code": "NOT_FOUND"}],
    }


async def test_query_reads_the_root_after_each_write_of_the_request(live: GraphQLClient) -> None:
    """Mutation fields run one after the other; each one's `query` reads what the writes so
    far left (the request's loaders are cleared after each), not what the next one does."""
    listing = "query { projects(first: 20) { totalCount edges { node { id name } } } }"
    data = await live.ok(
        f"""mutation {{
          a: createProject(input: {{name: "A"}}) {{ project {{ id }} {listing} }}
          b: createProject(input: {{name: "B"}}) {{ project {{ id }} {listing} }}
        }}"""
    )
    first = data["a"]["query"]["projects"]
    second = data["b"]["query"]["projects"]
    assert (first["totalCount"], second["totalCount"]) == (1, 2)
    assert {e["node"]["name"] for e in second["edges"]} == {"A", "B"}
    gone = await live.ok(
        f"mutation($id: ID!) {{ deleteProject(id: $id) {{ {listing} }} }}",
        {"id": data["a"]["project"]["id"]},
    )
    assert [e["node"]["name"] for e in gone["deleteProject"]["query"]["projects"]["edges"]] == ["B"]


async def test_every_payload_answers_query(live: GraphQLClient) -> None:
    """Identity, chat and proof payloads too: the root as the viewer reads it after the write."""
    data = await live.ok(
        """mutation {
          k: createApiKey(input: {name: "second"}) { query { viewer { apiKeys { name } } } }
          c: createConversation(input: {title: "T"}) { query { conversations { totalCount } } }
          l: createIdentityLinkCode(input: {platform: DISCORD}) { query { viewer { id } } }
        }"""
    )
    assert len(data["k"]["query"]["viewer"]["apiKeys"]) == 2
    assert data["c"]["query"]["conversations"]["totalCount"] == 1
    assert data["l"]["query"]["viewer"]["id"]
