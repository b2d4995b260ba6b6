"""Pages of children are read with only the stored fields their selection uses
(execution/projection.py): the same answers, fewer fields decoded."""

from __future__ import annotations

import pytest

from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import (
    CharacterDoc,
    ClipDoc,
    MediaDoc,
    ProjectDoc,
    SceneDoc,
    utcnow,
)
from mongraph.schema.ids import encode_global_id
from tests.e2e.test_loaders import seed
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

EVERY_CLIP_FIELD = """
fragment EveryClipField on Clip {
  id name lyrics length timelinePosition order imagePrompt videoPrompt deletedAt
  createdAt updatedAt
  generatedImages { id kind url prompt createdAt }
  selectedImage { id url }
  generatedVideos { id url }
  selectedVideo { id }
  scene { name } project { name } character { name }
}
"""


def _projections(commands: CommandCounter, collection: str) -> list[set[str] | None]:
    """The distinct `$project`s of the pages of `collection` read (None: read in full). In
    differential mode graphql-core's pass reads them again, and must project alike."""
    found: list[set[str] | None] = []
    for target, pipeline in commands.pipelines:
        for stage in pipeline:
            lookup = stage.get("$lookup")
            if target == collection and lookup is not None and lookup["from"] == collection:
                inner = [s["$project"] for s in lookup["pipeline"] if "$project" in s]
                projection = set(inner[0]) if inner else None
                if projection not in found:
                    found.append(projection)
    return found


async def _seeded(gql: GraphQLClient, store: Datastore, owner: MadeUser, c: CommandCounter) -> None:
    await seed(store, owner, 1, 2, 3)
    await gql.ok("{ viewer { id } }")
    c.reset()
    c.keep_pipelines = True


async def test_a_page_of_children_reads_only_what_its_selection_uses(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await _seeded(gql, store, alice, commands)
    data = await gql.ok(
        """{ projects(first: 5) { edges { node { scenes(first: 5) { edges { node {
            clips(first: 5) { edges { node { name character { name } } } }
        } } } } } } }"""
    )
    scenes = data["projects"]["edges"][0]["node"]["scenes"]["edges"]
    assert [c["node"]["name"] for c in scenes[1]["node"]["clips"]["edges"]] == ["K0", "K1", "K2"]
    assert scenes[0]["node"]["clips"]["edges"][0]["node"]["character"] == {"name": "C0"}
    # the fields selected, the character's key, and what the page needs: ids, the parent's
    # key, the sort key of its cursors
    assert _projections(commands, "clips") == [{"_id", "name", "characterId", "sceneId", "order"}]
    # scenes: only what the page needs and `clips` reads (the scene's id)
    assert _projections(commands, "scenes") == [{"_id", "projectId", "order"}]


@pytest.mark.counts_execution
async def test_fields_merged_from_fragments_are_one_load_with_all_their_reads(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await _seeded(gql, store, alice, commands)
    data = await gql.ok(
        """{ projects(first: 5) { edges { node { scenes(first: 5) { edges { node {
            clips(first: 2) { edges { node { name } } }
            ...Lengths
        } } } } } } }
        fragment Lengths on Scene { clips(first: 2) { edges { node { length } } } }"""
    )
    scene = data["projects"]["edges"][0]["node"]["scenes"]["edges"][0]["node"]
    assert scene["clips"]["edges"][1]["node"] == {"name": "K1", "length": None}
    assert _projections(commands, "clips") == [{"_id", "name", "length", "sceneId", "order"}]
    assert len(commands.on("clips")) == 1


async def _full_storyboard(store: Datastore, owner: MadeUser) -> str:
    """A scene whose clips have every field set (media, a selection, a deleted one, a
    length stored as an integer); its global id."""
    project = ProjectDoc(owner_id=owner.doc.id, name="P")
    character = CharacterDoc(owner_id=owner.doc.id, project_id=project.id, name="C")
    scene = SceneDoc(owner_id=owner.doc.id, project_id=project.id, name="S", order=0)
    clips = []
    for n in range(3):
        images = [MediaDoc(kind="IMAGE", url=f"https://img.example/{n}-{i}.png") for i in range(2)]
        clips.append(
            ClipDoc(
                owner_id=owner.doc.id,
                project_id=project.id,
                scene_id=scene.id,
                character_id=character.id if n else None,
                name=f"K{n}",
                order=n,
                lyrics=f"la {n}",
                length=4.0 + n,
                timeline_position=4.0 * n,
                image_prompt="wide",
                video_prompt="dolly",
                generated_images=images,
                generated_videos=[MediaDoc(kind="VIDEO", url=f"https://v.example/{n}.mp4")],
                selected_image_id=images[1].id,
                deleted_at=utcnow() if n == 2 else None,
            )
        )
    await insert_documents(store, [project, character, scene, *clips])
    await store.db["clips"].update_one({"_id": clips[0].id}, {"$set": {"length": 4}})
    return encode_global_id("Scene", scene.id)


async def test_every_clip_field_reads_the_same_through_a_projected_page_as_in_full(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    scene_id = await _full_storyboard(store, alice)
    await gql.ok("{ viewer { id } }")
    commands.reset()
    commands.keep_pipelines = True
    paged = await gql.ok(
        "query ($id: ID!) { node(id: $id) { ... on Scene { clips(includeDeleted: true) { "
        "edges { node { ...EveryClipField } } } } } }" + EVERY_CLIP_FIELD,
        {"id": scene_id},
    )
    clips = [e["node"] for e in paged["node"]["clips"]["edges"]]
    assert [c["name"] for c in clips] == ["K0", "K1", "K2"]
    assert clips[0]["length"] == 4.0
    assert clips[1]["selectedImage"]["url"] == "https://img.example/1-1.png"
    assert clips[2]["deletedAt"] is not None
    (projection,) = _projections(commands, "clips")
    assert projection is not None
    assert "projectId" in projection  # `project` is selected: its key is read
    assert "ownerId" not in projection
    full = await gql.ok(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { ...EveryClipField } }" + EVERY_CLIP_FIELD,
        {"ids": [c["id"] for c in clips]},
    )
    assert full["nodes"][:2] == clips[:2]
    assert full["nodes"][2] is None  # a deleted node reads as null


async def test_a_fragment_merged_with_more_fields_in_one_place_reads_them_there(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    """One fragment's field, alone under one parent and merged with another selection of
    the same field under another: each place reads what its own merged fields read."""
    await _seeded(gql, store, alice, commands)
    data = await gql.ok(
        """{ projects(first: 5) { edges { node {
            alone: scenes(first: 1) { edges { node { ...Names } } }
            merged: scenes(first: 1) { edges { node { ...Names clips(first: 2) {
                edges { node { length } } } } } }
        } } } }
        fragment Names on Scene { clips(first: 2) { edges { node { name } } } }"""
    )
    project = data["projects"]["edges"][0]["node"]
    alone = project["alone"]["edges"][0]["node"]["clips"]["edges"]
    merged = project["merged"]["edges"][0]["node"]["clips"]["edges"]
    assert [e["node"] for e in alone] == [{"name": "K0"}, {"name": "K1"}]
    assert [e["node"] for e in merged] == [
        {"name": "K0", "length": None},
        {"name": "K1", "length": None},
    ]
