"""Creating and changing storyboard objects through the API, and reading them back."""

from __future__ import annotations

from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import (
    build_tree,
    create_character,
    create_clip,
    create_project,
    create_scene,
)

SCENE_NAMES = """
query($id: ID!, $alt: Boolean = false) {
  project(id: $id) {
    scenes(first: 50, includeAlternates: $alt) { totalCount edges { node { name order isAlternate } } }
  }
}"""
CLIP_NAMES = """
query($id: ID!) { node(id: $id) { ... on Scene { clips { edges { node { name order } } } } } }
"""


async def test_project_fields_round_trip(gql: GraphQLClient) -> None:
    project = await create_project(
        gql, "Song", description="d", musicFilePath="/music/a.mp3", musicDuration=180.5
    )
    data = await gql.ok(
        """query($id: ID!) { project(id: $id) {
             id name description musicFilePath musicDuration sceneCount clipCount
             owner { displayName } createdAt updatedAt deletedAt } }""",
        {"id": project},
    )
    got = data["project"]
    assert got["id"] == project
    assert (got["name"], got["description"], got["musicFilePath"], got["musicDuration"]) == (
        "Song",
        "d",
        "/music/a.mp3",
        180.5,
    )
    assert (got["sceneCount"], got["clipCount"], got["deletedAt"]) == (0, 0, None)
    assert got["owner"] == {"displayName": "Alice"}
    assert got["createdAt"].endswith("+00:00")


async def test_update_project_changes_only_given_fields(gql: GraphQLClient) -> None:
    project = await create_project(gql, "Old", description="keep me")
    payload = await gql.mutate(
        """mutation($input: UpdateProjectInput!) { updateProject(input: $input) {
             project { name description musicDuration } userErrors { code } } }""",
        {"input": {"id": project, "name": "New", "musicDuration": 3.0}},
    )
    assert payload["project"] == {"name": "New", "description": "keep me", "musicDuration": 3.0}


async def test_scene_order_is_dense_and_insert_shifts(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    for name in ("A", "B", "C"):
        await create_scene(gql, project, name)
    await create_scene(gql, project, "X", order=1)
    data = await gql.ok(SCENE_NAMES, {"id": project})
    scenes = [(e["node"]["name"], e["node"]["order"]) for e in data["project"]["scenes"]["edges"]]
    assert scenes == [("A", 0), ("X", 1), ("B", 2), ("C", 3)]


async def test_update_scene_order_moves_it(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    ids = [await create_scene(gql, project, name) for name in "ABCD"]
    await gql.mutate(
        "mutation($i: UpdateSceneInput!) { updateScene(input: $i) { scene { order } userErrors { code } } }",
        {"i": {"id": ids[3], "order": 0}},
    )
    data = await gql.ok(SCENE_NAMES, {"id": project})
    assert [e["node"]["name"] for e in data["project"]["scenes"]["edges"]] == list("DABC")
    assert [e["node"]["order"] for e in data["project"]["scenes"]["edges"]] == [0, 1, 2, 3]


async def test_alternates_are_hidden_unless_asked(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    primary = await create_scene(gql, project, "Primary")
    await create_scene(gql, project, "Alt", parentSceneId=primary)
    default = await gql.ok(SCENE_NAMES, {"id": project})
    assert [e["node"]["name"] for e in default["project"]["scenes"]["edges"]] == ["Primary"]
    assert default["project"]["scenes"]["totalCount"] == 1
    both = await gql.ok(SCENE_NAMES, {"id": project, "alt": True})
    assert {e["node"]["name"] for e in both["project"]["scenes"]["edges"]} == {"Primary", "Alt"}
    data = await gql.ok(
        """query($id: ID!) { node(id: $id) { ... on Scene {
             alternates { name isAlternate parentScene { name } } } } }""",
        {"id": primary},
    )
    assert data["node"]["alternates"] == [
        {"name": "Alt", "isAlternate": True, "parentScene": {"name": "Primary"}}
    ]


async def test_clip_links_and_character(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    (scene, [clip]) = next(iter(tree["scenes"].items()))
    data = await gql.ok(
        """query($id: ID!) { node(id: $id) { ... on Clip {
             name scene { id } project { id } character { id name } } } }""",
        {"id": clip},
    )
    assert data["node"]["scene"]["id"] == scene
    assert data["node"]["project"]["id"] == tree["project"]
    assert data["node"]["character"] == {"id": tree["character"], "name": "Hero"}


async def test_move_clip_to_another_scene_keeps_both_orders_dense(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    s1, s2 = await create_scene(gql, project, "S1"), await create_scene(gql, project, "S2")
    b = [await create_clip(gql, s1, n) for n in "abc"][1]
    await create_clip(gql, s2, "x")
    await gql.mutate(
        """mutation($i: UpdateClipInput!) { updateClip(input: $i) {
             clip { scene { id } project { id } order } userErrors { code } } }""",
        {"i": {"id": b, "sceneId": s2, "order": 0}},
    )
    first = await gql.ok(CLIP_NAMES, {"id": s1})
    second = await gql.ok(CLIP_NAMES, {"id": s2})
    assert [(e["node"]["name"], e["node"]["order"]) for e in first["node"]["clips"]["edges"]] == [
        ("a", 0),
        ("c", 1),
    ]
    assert [(e["node"]["name"], e["node"]["order"]) for e in second["node"]["clips"]["edges"]] == [
        ("b", 0),
        ("x", 1),
    ]


async def test_move_clip_to_scene_of_another_project_is_rejected(gql: GraphQLClient) -> None:
    p1, p2 = await create_project(gql, "P1"), await create_project(gql, "P2")
    s1, s2 = await create_scene(gql, p1), await create_scene(gql, p2)
    clip = await create_clip(gql, s1)
    data = await gql.ok(
        """mutation($i: UpdateClipInput!) { updateClip(input: $i) {
             clip { id } userErrors { code field } } }""",
        {"i": {"id": clip, "sceneId": s2}},
    )
    assert data["updateClip"] == {
        "clip": None,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": ["input", "sceneId"]}],
    }


async def test_generated_media_add_and_select(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=1, clips=1)
    clip = next(iter(tree["scenes"].values()))[0]
    add = """mutation($i: AddGeneratedMediaInput!) { addGeneratedMedia(input: $i) {
               clip { generatedImages { id url kind prompt } selectedImage { id } selectedVideo { id } }
               userErrors { code } } }"""
    first = await gql.mutate(
        add, {"i": {"clipId": clip, "kind": "IMAGE", "url": "https://x/1.png"}}
    )
    assert first["clip"]["selectedImage"] is None
    second = await gql.mutate(
        add,
        {
            "i": {
                "clipId": clip,
                "kind": "IMAGE",
                "url": "https://x/2.png",
                "prompt": "p",
                "select": True,
            }
        },
    )
    images = second["clip"]["generatedImages"]
    assert [m["url"] for m in images] == ["https://x/1.png", "https://x/2.png"]
    assert second["clip"]["selectedImage"] == {"id": images[1]["id"]}
    select = """mutation($i: SelectMediaInput!) { selectMedia(input: $i) {
                  clip { selectedImage { url } } userErrors { code field } } }"""
    chosen = await gql.mutate(
        select, {"i": {"clipId": clip, "kind": "IMAGE", "mediaId": images[0]["id"]}}
    )
    assert chosen["clip"]["selectedImage"] == {"url": "https://x/1.png"}
    cleared = await gql.mutate(select, {"i": {"clipId": clip, "kind": "IMAGE", "mediaId": None}})
    assert cleared["clip"]["selectedImage"] is None
    wrong_kind = await gql.ok(
        select, {"i": {"clipId": clip, "kind": "VIDEO", "mediaId": images[0]["id"]}}
    )
    assert wrong_kind["selectMedia"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "mediaId"]}
    ]


async def test_character_update_and_clips(gql: GraphQLClient) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    payload = await gql.mutate(
        """mutation($i: UpdateCharacterInput!) { updateCharacter(input: $i) {
             character { name triggerWords referenceImages lora clips(first: 3) {
               totalCount edges { node { name } } } } userErrors { code } } }""",
        {"i": {"id": tree["character"], "name": "Villain", "triggerWords": ["vln"], "lora": "v1"}},
    )
    character = payload["character"]
    assert (character["name"], character["triggerWords"], character["lora"]) == (
        "Villain",
        ["vln"],
        "v1",
    )
    assert character["clips"]["totalCount"] == 4
    assert len(character["clips"]["edges"]) == 3


async def test_second_character_in_project_list(gql: GraphQLClient) -> None:
    project = await create_project(gql)
    await create_character(gql, project, "A")
    await create_character(gql, project, "B")
    data = await gql.ok(
        "query($id: ID!) { project(id: $id) { characters { name } } }", {"id": project}
    )
    assert data["project"]["characters"] == [{"name": "A"}, {"name": "B"}]
