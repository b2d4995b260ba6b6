"""`Scene.clips(where: ClipFilter)`, `Conversation.messages(where: MessageFilter)` and the
filters of `User.projects` / `User.conversations`, through uvicorn on loopback: the text is
matched literally and case-insensitively, ids are checked, and a filter costs no extra
command per parent (it is part of the one batched page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import loopback_client
from tests.utils.chat import create_conversation, post
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_character, create_clip, create_project, create_scene

CLIPS = """query($id: ID!, $where: ClipFilter) { node(id: $id) { ... on Scene {
  clips(where: $where) { totalCount edges { node { name character { name } } } } } } }"""
MESSAGES = """query($id: ID!, $where: MessageFilter, $last: Int) { conversation(id: $id) {
  messages(where: $where, last: $last) { totalCount edges { node { role content { text } } } } } }"""


@pytest.fixture
async def gql(
    store: Datastore, settings: Settings, alice: MadeUser
) -> AsyncIterator[GraphQLClient]:
    async with loopback_client(store, settings) as http:
        yield GraphQLClient(http, alice.secret)


async def clip_names(gql: GraphQLClient, scene: str, where: dict[str, Any] | None) -> list[str]:
    data = await gql.ok(CLIPS, {"id": scene, "where": where})
    connection = data["node"]["clips"]
    names = [e["node"]["name"] for e in connection["edges"]]
    assert connection["totalCount"] == len(names)
    return names


async def test_clips_by_name_and_character(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    hero = await create_character(gql, project, "Hero")
    villain = await create_character(gql, project, "Villain")
    await create_clip(gql, scene, "Opening (wide).*", characterId=hero)
    await create_clip(gql, scene, "opening close-up", characterId=villain)
    await create_clip(gql, scene, "Finale", characterId=hero)

    assert await clip_names(gql, scene, None) == [
        "Opening (wide).*", "opening close-up", "Finale",
    ]  # fmt: skip
    assert await clip_names(gql, scene, {"nameContains": "OPENING"}) == [
        "Opening (wide).*", "opening close-up",
    ]  # fmt: skip
    # Taken literally: `.*` and `(` are text, not a pattern.
    assert await clip_names(gql, scene, {"nameContains": "(wide).*"}) == ["Opening (wide).*"]
    assert await clip_names(gql, scene, {"nameContains": ".*"}) == ["Opening (wide).*"]
    assert await clip_names(gql, scene, {"characterId": hero}) == ["Opening (wide).*", "Finale"]
    both = {"characterId": villain, "nameContains": "open"}
    assert await clip_names(gql, scene, both) == ["opening close-up"]


@pytest.mark.parametrize(
    "where",
    [{"characterId": "not-an-id"}, {"nameContains": "x" * 201}, {"nameContains": {"$ne": ""}}],
)
async def test_a_bad_clip_filter_is_refused_at_its_field(
    gql: GraphQLClient, where: dict[str, Any]
) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    await create_clip(gql, scene, "Kept")
    body = await gql.raw(CLIPS, {"id": scene, "where": where})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert "Traceback" not in str(body)


async def test_a_clip_filter_naming_another_type_is_refused(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    body = await gql.raw(CLIPS, {"id": scene, "where": {"characterId": project}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert "must be the id of a Character" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["node", "clips"]


@pytest.mark.counts_execution
async def test_filtered_clips_of_many_scenes_cost_one_command(
    gql: GraphQLClient, commands: CommandCounter
) -> None:
    project = await create_project(gql)
    for s in range(3):
        scene = await create_scene(gql, project, f"S{s}")
        for name in ("keep", "drop", "keep too"):
            await create_clip(gql, scene, name)
    query = """query($id: ID!) { project(id: $id) { scenes { edges { node {
      clips(where: {nameContains: "KEEP"}) { edges { node { name } } } } } } } }"""
    commands.reset()
    data = await gql.ok(query, {"id": project})
    pages = [
        [c["node"]["name"] for c in s["node"]["clips"]["edges"]]
        for s in data["project"]["scenes"]["edges"]
    ]
    assert pages == [["keep", "keep too"]] * 3
    clip_reads = [c for c in commands.commands if "clips" in c]
    assert len(clip_reads) == 1, commands.commands


async def test_messages_by_role_and_text(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    for text in ("Hello there", "general KENOBI", "hello again", "bye"):
        await post(gql, conversation, text)

    async def found(where: dict[str, Any] | None, last: int | None = None) -> list[str]:
        data = await gql.ok(MESSAGES, {"id": conversation, "where": where, "last": last})
        edges = data["conversation"]["messages"]["edges"]
        return [e["node"]["content"][0]["text"] for e in edges]

    assert await found({"textContains": "HELLO"}) == ["Hello there", "hello again"]
    assert await found({"textContains": "hello", "role": "USER"}) == [
        "Hello there", "hello again",
    ]  # fmt: skip
    assert await found({"role": "ASSISTANT"}) == []
    assert await found({"textContains": "e"}, last=2) == ["hello again", "bye"]


async def test_user_lists_take_their_filters_and_orders(gql: GraphQLClient) -> None:
    for name in ("Beta", "alpha", "Gamma"):
        await create_project(gql, name)
    for title in ("Work", "Home"):
        await create_conversation(gql, title)
    query = """{ viewer {
      projects(where: {nameContains: "A"}, orderBy: {field: NAME, direction: ASC}) {
        edges { node { name } } }
      conversations(where: {titleContains: "wor"}) { edges { node { title } } } } }"""
    data = await gql.ok(query)
    viewer = data["viewer"]
    assert [e["node"]["name"] for e in viewer["projects"]["edges"]] == ["Beta", "Gamma", "alpha"]
    assert [e["node"]["title"] for e in viewer["conversations"]["edges"]] == ["Work"]
