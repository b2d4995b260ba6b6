"""Builds storyboard trees through the GraphQL API."""

from __future__ import annotations

from typing import Any

from tests.utils.graphql import GraphQLClient

CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) { project { id name } userErrors { code message field } }
}"""
CREATE_SCENE = """
mutation($input: CreateSceneInput!) {
  createScene(input: $input) { scene { id name order isAlternate } userErrors { code message field } }
}"""
CREATE_CLIP = """
mutation($input: CreateClipInput!) {
  createClip(input: $input) { clip { id name order } userErrors { code message field } }
}"""
CREATE_CHARACTER = """
mutation($input: CreateCharacterInput!) {
  createCharacter(input: $input) { character { id name } userErrors { code message field } }
}"""


async def create_project(gql: GraphQLClient, name: str = "Project", **fields: Any) -> str:
    payload = await gql.mutate(CREATE_PROJECT, {"input": {"name": name, **fields}})
    project_id: str = payload["project"]["id"]
    return project_id


async def create_scene(
    gql: GraphQLClient, project_id: str, name: str = "Scene", **fields: Any
) -> str:
    payload = await gql.mutate(
        CREATE_SCENE, {"input": {"projectId": project_id, "name": name, **fields}}
    )
    scene_id: str = payload["scene"]["id"]
    return scene_id


async def create_clip(gql: GraphQLClient, scene_id: str, name: str = "Clip", **fields: Any) -> str:
    payload = await gql.mutate(
        CREATE_CLIP, {"input": {"sceneId": scene_id, "name": name, **fields}}
    )
    clip_id: str = payload["clip"]["id"]
    return clip_id


async def create_character(gql: GraphQLClient, project_id: str, name: str = "Hero") -> str:
    payload = await gql.mutate(CREATE_CHARACTER, {"input": {"projectId": project_id, "name": name}})
    character_id: str = payload["character"]["id"]
    return character_id


async def build_tree(
    gql: GraphQLClient, *, scenes: int = 2, clips: int = 2, name: str = "Tree"
) -> dict[str, Any]:
    """A project with `scenes` scenes of `clips` clips each and one character on every clip."""
    project = await create_project(gql, name)
    character = await create_character(gql, project)
    tree: dict[str, Any] = {"project": project, "character": character, "scenes": {}}
    for s in range(scenes):
        scene = await create_scene(gql, project, f"S{s}")
        tree["scenes"][scene] = [
            await create_clip(gql, scene, f"S{s}C{c}", characterId=character) for c in range(clips)
        ]
    return tree
