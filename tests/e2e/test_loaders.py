"""No N+1: a nested query costs one MongoDB command per relation field, whatever the fan-out."""

from __future__ import annotations

import pytest

from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import CharacterDoc, ClipDoc, Document, ProjectDoc, SceneDoc
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

STORYBOARD = ("projects", "scenes", "clips", "characters")

NESTED = """
{ projects(first: 10) { edges { node {
    characters { name }
    scenes(first: 10) { edges { node {
      clips(first: 10) { edges { node { name character { name } } } } } } } } } } }
"""


async def seed(store: Datastore, owner: MadeUser, projects: int, scenes: int, clips: int) -> None:
    """`projects` x `scenes` x `clips`, one character per project on every clip (bulk path)."""
    docs: list[Document] = []
    for p in range(projects):
        project = ProjectDoc(owner_id=owner.doc.id, name=f"P{p}")
        character = CharacterDoc(owner_id=owner.doc.id, project_id=project.id, name=f"C{p}")
        docs += [project, character]
        for s in range(scenes):
            scene = SceneDoc(owner_id=owner.doc.id, project_id=project.id, name=f"S{s}", order=s)
            docs.append(scene)
            docs += [
                ClipDoc(
                    owner_id=owner.doc.id,
                    project_id=project.id,
                    scene_id=scene.id,
                    character_id=character.id,
                    name=f"K{c}",
                    order=c,
                )
                for c in range(clips)
            ]
    await insert_documents(store, docs)


@pytest.mark.counts_execution
@pytest.mark.parametrize(("projects", "scenes", "clips"), [(2, 2, 2), (10, 10, 10)])
async def test_nested_query_sends_one_command_per_relation_field(
    gql: GraphQLClient,
    store: Datastore,
    alice: MadeUser,
    commands: CommandCounter,
    projects: int,
    scenes: int,
    clips: int,
) -> None:
    await seed(store, alice, projects, scenes, clips)
    await gql.ok("{ viewer { id } }")  # records the key's lastUsedAt (at most once a minute)
    commands.reset()
    data = await gql.ok(NESTED)
    edges = data["projects"]["edges"]
    assert len(edges) == projects
    clip_names = [
        c["node"]["name"]
        for p in edges
        for s in p["node"]["scenes"]["edges"]
        for c in s["node"]["clips"]["edges"]
    ]
    assert len(clip_names) == projects * scenes * clips
    sent = commands.on(*STORYBOARD)
    # projects, characters, scenes, clips, clip.character: five relation fields, five commands
    assert len(sent) == 5, sent
    assert {name for name, _ in sent} <= {"find", "aggregate"}
    assert "getMore" not in commands.by_name()
    # the only other command is the viewer's API key lookup
    assert [c for c in commands.commands if c[1] not in STORYBOARD] == [("find", "users")]


@pytest.mark.counts_execution
async def test_total_count_is_computed_only_when_selected(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await seed(store, alice, 3, 3, 0)
    commands.reset()
    await gql.ok("{ projects { edges { node { scenes { edges { node { id } } } } } } }")
    without = len(commands.on(*STORYBOARD))
    commands.reset()
    await gql.ok(
        "{ projects { totalCount edges { node { scenes { totalCount edges { node { id } } } } } } }"
    )
    with_counts = commands.on(*STORYBOARD)
    assert without == 2
    # one count for the projects list, one batched $group for all the scenes connections
    assert len(with_counts) == 4
