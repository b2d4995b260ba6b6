"""Storyboard operations that are more than CRUD: ordered children, moves, media."""

from __future__ import annotations

from typing import Any, NamedTuple

from bson import ObjectId

from ..errors import BadInput, NotFound
from .change_log import ChangeKind, record
from .client import Datastore, Session
from .documents import (
    MEDIA_PER_CLIP,
    CharacterDoc,
    ClipDoc,
    Document,
    MediaDoc,
    ProjectDoc,
    SceneDoc,
)
from .ordering import close_gap, move_within, open_gap
from .relations import COLLECTIONS
from .repository import Scope
from .writes import claim_live, find_live, insert, owner_transaction, update_live

__all__ = [
    "ClipUpdate",
    "add_media",
    "create_character",
    "create_clip",
    "create_project",
    "create_scene",
    "select_media",
    "update_clip",
    "update_scene",
]

Raw = dict[str, Any]
_SCENES = COLLECTIONS["scenes"]
_CLIPS = COLLECTIONS["clips"]
_MEDIA_FIELDS = {
    "IMAGE": ("generatedImages", "selectedImageId"),
    "VIDEO": ("generatedVideos", "selectedVideoId"),
}


async def create_project(store: Datastore, *, owner_id: ObjectId, fields: Raw) -> ProjectDoc:
    async def run(session: Session) -> ProjectDoc:
        doc = await insert(
            store, ProjectDoc.model_validate({**fields, "ownerId": owner_id}), session
        )
        doc.change_seq = await _created(store, session, doc) or 0
        return doc

    return await store.transaction(run)  # a new project: nothing to wait for


async def _created(store: Datastore, session: Session, doc: Document) -> int | None:
    return await record(store, session, ChangeKind.CREATED, doc.collection, [doc.to_mongo()])


async def create_character(
    store: Datastore, *, scope: Scope, project_id: ObjectId, fields: Raw
) -> CharacterDoc:
    async def run(session: Session) -> CharacterDoc:
        project = await claim_live(
            store,
            "projects",
            project_id,
            scope=scope,
            session=session,
            field=("input", "projectId"),
        )
        doc = CharacterDoc.model_validate(
            {**fields, "ownerId": project["ownerId"], "projectId": project_id}
        )
        await insert(store, doc, session)
        await _created(store, session, doc)
        return doc

    return await owner_transaction(store, scope, run)


async def create_scene(
    store: Datastore,
    *,
    scope: Scope,
    project_id: ObjectId,
    parent_scene_id: ObjectId | None,
    order: int | None,
    fields: Raw,
) -> SceneDoc:
    async def run(session: Session) -> SceneDoc:
        project = await claim_live(
            store,
            "projects",
            project_id,
            scope=scope,
            session=session,
            field=("input", "projectId"),
        )
        if parent_scene_id is not None:
            parent = await find_live(
                store,
                "scenes",
                parent_scene_id,
                scope=scope,
                session=session,
                field=("input", "parentSceneId"),
            )
            if parent["projectId"] != project_id or parent.get("parentSceneId") is not None:
                raise BadInput(
                    "parentSceneId must be a primary scene of the same project",
                    field=("input", "parentSceneId"),
                )
        placement = {"projectId": project_id, "parentSceneId": parent_scene_id}
        position = await open_gap(store, _SCENES, placement, session, requested=order)
        doc = SceneDoc.model_validate(
            {**fields, **placement, "ownerId": project["ownerId"], "order": position}
        )
        await insert(store, doc, session)
        await _created(store, session, doc)
        return doc

    return await owner_transaction(store, scope, run)


async def update_scene(
    store: Datastore, *, scope: Scope, scene_id: ObjectId, order: int | None, fields: Raw
) -> SceneDoc:
    async def run(session: Session) -> SceneDoc:
        scene = await find_live(store, "scenes", scene_id, scope=scope, session=session)
        changes = dict(fields)
        if order is not None:
            changes["order"] = await move_within(store, _SCENES, scene, session, to=order)
        doc = await update_live(
            store, "scenes", scene_id, scope=scope, set_fields=changes, session=session,
            change=_moved_if(changes.get("order", scene["order"]) != scene["order"]),
        )  # fmt: skip
        assert isinstance(doc, SceneDoc)
        return doc

    return await owner_transaction(store, scope, run)


async def _character_of_project(
    store: Datastore, scope: Scope, character_id: ObjectId, project_id: ObjectId, session: Session
) -> None:
    character = await find_live(
        store,
        "characters",
        character_id,
        scope=scope,
        session=session,
        field=("input", "characterId"),
    )
    if character["projectId"] != project_id:
        raise BadInput(
            "characterId must be a character of the clip's project", field=("input", "characterId")
        )


async def create_clip(
    store: Datastore,
    *,
    scope: Scope,
    scene_id: ObjectId,
    character_id: ObjectId | None,
    order: int | None,
    fields: Raw,
) -> ClipDoc:
    async def run(session: Session) -> ClipDoc:
        scene = await claim_live(
            store, "scenes", scene_id, scope=scope, session=session, field=("input", "sceneId")
        )
        if character_id is not None:
            await _character_of_project(store, scope, character_id, scene["projectId"], session)
        placement = {"sceneId": scene_id}
        position = await open_gap(store, _CLIPS, placement, session, requested=order)
        doc = ClipDoc.model_validate(
            {
                **fields,
                **placement,
                "projectId": scene["projectId"],
                "ownerId": scene["ownerId"],
                "characterId": character_id,
                "order": position,
            }
        )
        await insert(store, doc, session)
        await _created(store, session, doc)
        return doc

    return await owner_transaction(store, scope, run)


class ClipUpdate(NamedTuple):
    clip: ClipDoc
    left_scene_id: ObjectId | None
    """The scene the clip moved out of, when it moved."""


async def update_clip(
    store: Datastore,
    *,
    scope: Scope,
    clip_id: ObjectId,
    fields: Raw,
    order: int | None,
    scene_id: ObjectId | None,
) -> ClipUpdate:
    """Updates a clip; `scene_id` moves it (same project only), `characterId: None` clears it."""

    async def run(session: Session) -> ClipUpdate:
        clip = await find_live(store, "clips", clip_id, scope=scope, session=session)
        changes = dict(fields)
        if changes.get("characterId") is not None:
            await _character_of_project(
                store, scope, changes["characterId"], clip["projectId"], session
            )
        if scene_id is not None and scene_id != clip["sceneId"]:
            scene = await find_live(
                store, "scenes", scene_id, scope=scope, session=session, field=("input", "sceneId")
            )
            if scene["projectId"] != clip["projectId"]:
                raise BadInput(
                    "a clip can only move to a scene of the same project",
                    field=("input", "sceneId"),
                )
            await close_gap(store, _CLIPS, clip, session)
            placement = {"_id": clip_id, "sceneId": scene_id}
            changes["order"] = await open_gap(store, _CLIPS, placement, session, requested=order)
            changes["sceneId"] = scene_id
            changes["projectId"] = scene["projectId"]
        elif order is not None:
            changes["order"] = await move_within(store, _CLIPS, clip, session, to=order)
        moved = (
            changes.get("sceneId", clip["sceneId"]) != clip["sceneId"]
            or changes.get("order", clip["order"]) != clip["order"]
        )
        doc = await update_live(
            store, "clips", clip_id, scope=scope, set_fields=changes, session=session,
            change=_moved_if(moved),
        )  # fmt: skip
        assert isinstance(doc, ClipDoc)
        left = clip["sceneId"] if "sceneId" in changes else None
        return ClipUpdate(doc, left)

    return await owner_transaction(store, scope, run)


def _moved_if(moved: bool) -> ChangeKind:
    """MOVED when the write gave the object another place, else UPDATED."""
    return ChangeKind.MOVED if moved else ChangeKind.UPDATED


async def add_media(
    store: Datastore, *, scope: Scope, clip_id: ObjectId, media: Raw, select: bool
) -> ClipDoc:
    """Appends the item unless the clip already has `MEDIA_PER_CLIP` of its kind (`CONFLICT`):
    the length test is part of the update's filter, so concurrent appends cannot pass it."""
    item = MediaDoc.model_validate(media)
    list_field, selected_field = _MEDIA_FIELDS[item.kind]
    doc = await update_live(
        store, "clips", clip_id, scope=scope,
        set_fields={selected_field: item.id} if select else {},
        push={list_field: item.to_mongo()},
        guard={f"{list_field}.{MEDIA_PER_CLIP - 1}": {"$exists": False}},
        refused=f"a clip has at most {MEDIA_PER_CLIP} {item.kind.lower()}s",
        field=("input", "clipId"),
    )  # fmt: skip
    assert isinstance(doc, ClipDoc)
    return doc


async def select_media(
    store: Datastore, *, scope: Scope, clip_id: ObjectId, kind: str, media_id: ObjectId | None
) -> ClipDoc:
    list_field, selected_field = _MEDIA_FIELDS[kind]
    clip = await find_live(store, "clips", clip_id, scope=scope, field=("input", "clipId"))
    if media_id is not None and all(m["id"] != media_id for m in clip.get(list_field, [])):
        raise NotFound(f"no {kind.lower()} with this id on the clip", field=("input", "mediaId"))
    doc = await update_live(
        store, "clips", clip_id, scope=scope, set_fields={selected_field: media_id},
        field=("input", "clipId"),
    )  # fmt: skip
    assert isinstance(doc, ClipDoc)
    return doc
