"""Storyboard queries and mutations: authorize, validate, call the datastore."""

from __future__ import annotations

from typing import Any

import strawberry

from ..context import RequestContext
from ..datastore import storyboard
from ..datastore.documents import ProjectDoc, SceneDoc
from ..datastore.storyboard import ClipUpdate
from ..datastore.writes import update_live
from ..execution.connection import Connection
from ..execution.loading import PageArgs, load_one
from ..schema.common import UserError
from ..schema.storyboard import Character, Clip, Project, Scene
from ..schema.storyboard_inputs import (
    AddGeneratedMediaInput,
    CharacterPayload,
    ClipPayload,
    CreateCharacterInput,
    CreateClipInput,
    CreateProjectInput,
    CreateSceneInput,
    ProjectPayload,
    ScenePayload,
    SelectMediaInput,
    UpdateCharacterInput,
    UpdateClipInput,
    UpdateProjectInput,
    UpdateSceneInput,
)
from ..schema.storyboard_queries import ProjectFilter, ProjectOrder, projects_of
from .common import attempt, object_id_of, optional_object_id, provided
from .listing import list_connection
from .validation import (
    CharacterFields,
    ClipFields,
    MediaFields,
    ProjectFields,
    SceneFields,
    validated,
)

__all__ = [
    "create_character",
    "create_clip",
    "create_project",
    "create_scene",
    "list_projects",
    "update_character",
    "update_clip",
    "update_project",
    "update_scene",
]


async def list_projects(
    ctx: RequestContext,
    *,
    owner_id: Any,
    paging: PageArgs,
    where: ProjectFilter | None,
    order_by: ProjectOrder | None,
    include_deleted: bool,
) -> Connection[Project]:
    selection = projects_of(owner_id, where, order_by)
    return await list_connection(
        ctx, "projects", selection, paging, convert=Project.from_doc,
        include_deleted=include_deleted,
    )  # fmt: skip


async def get_project(ctx: RequestContext, global_id: str) -> Project | None:
    oid = object_id_of(global_id, "Project", ("id",))
    doc = await load_one(ctx, ProjectDoc, oid, include_deleted=False)
    return None if doc is None else Project.from_doc(doc)


async def create_project(ctx: RequestContext, data: CreateProjectInput) -> ProjectPayload:
    viewer = ctx.viewer

    async def act() -> Project:
        fields = validated(ProjectFields, provided(data))
        doc = await storyboard.create_project(ctx.store, owner_id=viewer.user.id, fields=fields)
        return Project.from_doc(doc)

    project, errors = await attempt(ctx, act)
    return ProjectPayload(project=project, user_errors=errors)


async def update_project(ctx: RequestContext, data: UpdateProjectInput) -> ProjectPayload:
    viewer = ctx.viewer

    async def act() -> Project:
        oid = object_id_of(data.id, "Project", ("input", "id"))
        fields = validated(ProjectFields, provided(data, exclude=("id",)), required=())
        doc = await update_live(
            ctx.store, "projects", oid, scope=viewer.write_scope, set_fields=fields
        )
        return Project.from_doc(doc)  # type: ignore[arg-type]

    project, errors = await attempt(ctx, act)
    return ProjectPayload(project=project, user_errors=errors)


async def create_scene(ctx: RequestContext, data: CreateSceneInput) -> ScenePayload:
    viewer = ctx.viewer

    async def act() -> SceneDoc:
        project_id = object_id_of(data.project_id, "Project", ("input", "projectId"))
        parent_id = optional_object_id(data.parent_scene_id, "Scene", ("input", "parentSceneId"))
        fields = validated(
            SceneFields, provided(data, exclude=("project_id", "parent_scene_id", "order"))
        )
        doc = await storyboard.create_scene(
            ctx.store,
            scope=viewer.write_scope,
            project_id=project_id,
            parent_scene_id=parent_id,
            order=_order(data.order),
            fields=fields,
        )
        return doc

    return _scene_payload(*await attempt(ctx, act))


async def update_scene(ctx: RequestContext, data: UpdateSceneInput) -> ScenePayload:
    viewer = ctx.viewer

    async def act() -> SceneDoc:
        oid = object_id_of(data.id, "Scene", ("input", "id"))
        values = provided(data, exclude=("id", "order"))
        fields = validated(SceneFields, values, required=())
        doc = await storyboard.update_scene(
            ctx.store,
            scope=viewer.write_scope,
            scene_id=oid,
            order=_order(data.order),
            fields=fields,
        )
        return doc

    return _scene_payload(*await attempt(ctx, act))


async def create_clip(ctx: RequestContext, data: CreateClipInput) -> ClipPayload:
    viewer = ctx.viewer

    async def act() -> ClipUpdate:
        scene_id = object_id_of(data.scene_id, "Scene", ("input", "sceneId"))
        character_id = optional_object_id(data.character_id, "Character", ("input", "characterId"))
        values = provided(data, exclude=("scene_id", "character_id", "order"))
        doc = await storyboard.create_clip(
            ctx.store,
            scope=viewer.write_scope,
            scene_id=scene_id,
            character_id=character_id,
            order=_order(data.order),
            fields=validated(ClipFields, values),
        )
        return ClipUpdate(doc, None)

    return _clip_payload(*await attempt(ctx, act))


async def update_clip(ctx: RequestContext, data: UpdateClipInput) -> ClipPayload:
    viewer = ctx.viewer

    async def act() -> ClipUpdate:
        oid = object_id_of(data.id, "Clip", ("input", "id"))
        values = provided(data, exclude=("id", "scene_id", "character_id", "order"))
        fields = validated(ClipFields, values, required=())
        if data.character_id is not strawberry.UNSET:
            fields["characterId"] = optional_object_id(
                data.character_id, "Character", ("input", "characterId")
            )
        return await storyboard.update_clip(
            ctx.store,
            scope=viewer.write_scope,
            clip_id=oid,
            fields=fields,
            order=_order(data.order),
            scene_id=optional_object_id(data.scene_id, "Scene", ("input", "sceneId")),
        )

    return _clip_payload(*await attempt(ctx, act))


async def add_generated_media(ctx: RequestContext, data: AddGeneratedMediaInput) -> ClipPayload:
    viewer = ctx.viewer

    async def act() -> ClipUpdate:
        clip_id = object_id_of(data.clip_id, "Clip", ("input", "clipId"))
        media = validated(
            MediaFields, provided(data, exclude=("clip_id", "select")), required=(), non_null=()
        )
        doc = await storyboard.add_media(
            ctx.store,
            scope=viewer.write_scope,
            clip_id=clip_id,
            media=media,
            select=bool(data.select),
        )
        return ClipUpdate(doc, None)

    return _clip_payload(*await attempt(ctx, act))


async def select_media(ctx: RequestContext, data: SelectMediaInput) -> ClipPayload:
    viewer = ctx.viewer

    async def act() -> ClipUpdate:
        clip_id = object_id_of(data.clip_id, "Clip", ("input", "clipId"))
        media_id = optional_object_id(data.media_id, "GeneratedMedia", ("input", "mediaId"))
        doc = await storyboard.select_media(
            ctx.store,
            scope=viewer.write_scope,
            clip_id=clip_id,
            kind=data.kind.value,
            media_id=media_id,
        )
        return ClipUpdate(doc, None)

    return _clip_payload(*await attempt(ctx, act))


async def create_character(ctx: RequestContext, data: CreateCharacterInput) -> CharacterPayload:
    viewer = ctx.viewer

    async def act() -> Character:
        project_id = object_id_of(data.project_id, "Project", ("input", "projectId"))
        fields = validated(CharacterFields, provided(data, exclude=("project_id",)))
        doc = await storyboard.create_character(
            ctx.store, scope=viewer.write_scope, project_id=project_id, fields=fields
        )
        return Character.from_doc(doc)

    character, errors = await attempt(ctx, act)
    return CharacterPayload(character=character, user_errors=errors)


async def update_character(ctx: RequestContext, data: UpdateCharacterInput) -> CharacterPayload:
    viewer = ctx.viewer

    async def act() -> Character:
        oid = object_id_of(data.id, "Character", ("input", "id"))
        values = provided(data, exclude=("id",))
        fields = validated(
            CharacterFields,
            values,
            required=(),
            non_null=("name", "referenceImages", "triggerWords"),
        )
        doc = await update_live(
            ctx.store, "characters", oid, scope=viewer.write_scope, set_fields=fields
        )
        return Character.from_doc(doc)  # type: ignore[arg-type]

    character, errors = await attempt(ctx, act)
    return CharacterPayload(character=character, user_errors=errors)


def _order(value: int | None) -> int | None:
    return None if value is strawberry.UNSET else value


def _scene_payload(doc: SceneDoc | None, errors: list[UserError]) -> ScenePayload:
    scene = None if doc is None else Scene.from_doc(doc)
    return ScenePayload(doc=doc, scene=scene, user_errors=errors)


def _clip_payload(done: ClipUpdate | None, errors: list[UserError]) -> ClipPayload:
    """The payload's `scene` and `previousScene` load after the write (`ClipPayload`)."""
    clip = None if done is None else Clip.from_doc(done.clip)
    return ClipPayload(doc=done, clip=clip, user_errors=errors)
