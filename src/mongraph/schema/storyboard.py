"""Storyboard types: projects → scenes → clips, with characters and generated media."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from ..context import RequestContext
from ..datastore.change_log import cursor_of
from ..datastore.documents import (
    MEDIA_PER_CLIP,
    CharacterDoc,
    ClipDoc,
    MediaDoc,
    ProjectDoc,
    SceneDoc,
)
from ..execution.connection import Connection
from ..execution.relation_fields import Arg
from ..execution.relation_kinds import ChildCount, ChildList, ChildPage, ParentLink
from ..pages import LIST_CAP
from .common import Node, SoftDeletable, described_enum
from .document_views import document_view, view_of
from .ids import encode_global_id
from .paging import PAGING
from .profile import UserProfile
from .storyboard_queries import ClipFilterArg, clip_conditions

__all__ = ["Character", "Clip", "GeneratedMedia", "MediaKind", "Project", "Scene"]

IncludeAlternates = Annotated[
    bool | None, strawberry.argument(description="Include alternate scenes.")
]
IncludeDeleted = Annotated[
    bool | None, strawberry.argument(description="Show deleted ones too (the owner's trash).")
]
_PRIMARY_ONLY = (("parentSceneId", None),)
Info = strawberry.Info[RequestContext, None]


@described_enum(
    "What a generated media file is.",
    IMAGE="A still image generated for the clip.",
    VIDEO="A video generated for the clip.",
)
class MediaKind(Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


@document_view(
    MediaDoc,
    id=lambda d: encode_global_id("GeneratedMedia", d.id),
    kind=lambda d: MediaKind(d.kind),
)
@strawberry.type(description="An image or video generated for a clip.")
class GeneratedMedia:
    doc: strawberry.Private[MediaDoc]
    id: strawberry.ID = strawberry.field(description="Id, for `selectMedia`.")
    kind: MediaKind = strawberry.field(description="Whether the file is an image or a video.")
    url: str = strawberry.field(description="Where the file is (http or https).")
    prompt: str | None = strawberry.field(description="The prompt it was generated from.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_doc(cls, doc: MediaDoc) -> GeneratedMedia:
        return view_of(cls, doc)


def _scene_filter(args: dict[str, object]) -> tuple[tuple[str, object], ...]:
    return () if args.get("include_alternates") else _PRIMARY_ONLY


def _change_cursor(root: Project, info: Info) -> str:
    return cursor_of(info.context.store, root.doc.id, root.doc.change_seq)


@document_view(ProjectDoc, id=lambda d: encode_global_id("Project", d.id))
@strawberry.type(description="A music-video storyboard, owned by one user.")
class Project(Node, SoftDeletable):
    doc: strawberry.Private[ProjectDoc]
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    description: str | None = strawberry.field(description="Free text written by the owner.")
    music_file_path: str | None = strawberry.field(description="Path of the song's audio file.")
    music_duration: float | None = strawberry.field(description="Song length in seconds.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: ProjectDoc) -> Project:
        return view_of(cls, doc)

    owner: UserProfile = ParentLink("users", lambda d: d.owner_id).field(
        "The account that owns it, as others see it."
    )
    scenes: Connection[Scene] = ChildPage("project.scenes", where=_scene_filter).field(
        "Ordered by `order` ascending; alternates only with includeAlternates.",
        **PAGING,
        include_alternates=Arg(IncludeAlternates, False),
        include_deleted=Arg(IncludeDeleted, False),
    )
    characters: list[Character] = ChildList("project.characters").field(
        f"Its characters, at most {LIST_CAP}, oldest first.",
        include_deleted=Arg(IncludeDeleted, False),
    )
    scene_count: int = ChildCount("project.scenes", where=lambda _: _PRIMARY_ONLY).field(
        "Live primary scenes (alternates not counted)."
    )
    clip_count: int = ChildCount("project.clips").field("Live clips in all of its scenes.")
    change_cursor: str = strawberry.field(
        resolver=_change_cursor,
        description="Position of the latest change to the project or anything in it when "
        "the project was read: subscribe to `projectChanges` with `after` set to it to get "
        "every change after this read.",
    )


@document_view(
    SceneDoc,
    id=lambda d: encode_global_id("Scene", d.id),
    is_alternate=lambda d: d.parent_scene_id is not None,
)
@strawberry.type(description="A scene of a project; an alternate is a variant of a primary scene.")
class Scene(Node, SoftDeletable):
    doc: strawberry.Private[SceneDoc]
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    description: str | None = strawberry.field(description="Free text written by the owner.")
    lyrics: str | None = strawberry.field(description="Lyrics sung during the scene.")
    order: int = strawberry.field(description="Zero-based position among its siblings.")
    is_alternate: bool = strawberry.field(
        description="Whether it is an alternate of another scene."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: SceneDoc) -> Scene:
        return view_of(cls, doc)

    project: Project = ParentLink("projects", lambda d: d.project_id).field(
        "The project it belongs to (even when that is deleted)."
    )
    parent_scene: Scene | None = ParentLink(
        "scenes", lambda d: d.parent_scene_id, required=False
    ).field("The primary scene this is an alternate of.")
    alternates: list[Scene] = ChildList("scene.alternates").field(
        f"Its alternates, at most {LIST_CAP}, by `order`.",
        include_deleted=Arg(IncludeDeleted, False),
    )
    clips: Connection[Clip] = ChildPage("scene.clips", where=clip_conditions).field(
        "Ordered by `order` ascending.",
        **PAGING,
        where=Arg(ClipFilterArg),
        include_deleted=Arg(IncludeDeleted, False),
    )


@document_view(
    ClipDoc,
    id=lambda d: encode_global_id("Clip", d.id),
    generated_images=lambda d: _media(d.generated_images),
    generated_videos=lambda d: _media(d.generated_videos),
    selected_image=lambda d: _selected(d.generated_images, d.selected_image_id),
    selected_video=lambda d: _selected(d.generated_videos, d.selected_video_id),
)
@strawberry.type(description="A shot of a scene, with its prompts and generated media.")
class Clip(Node, SoftDeletable):
    doc: strawberry.Private[ClipDoc]
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    lyrics: str | None = strawberry.field(description="Lyrics sung during the clip.")
    length: float | None = strawberry.field(description="Length of the clip in seconds.")
    timeline_position: float | None = strawberry.field(
        description="Start, in seconds into the song."
    )
    order: int = strawberry.field(description="Zero-based position in its scene.")
    image_prompt: str | None = strawberry.field(description="Prompt for image generation.")
    video_prompt: str | None = strawberry.field(description="Prompt for video generation.")
    generated_images: list[GeneratedMedia] = strawberry.field(
        description="Images, oldest first; at most 100."
    )
    generated_videos: list[GeneratedMedia] = strawberry.field(
        description="Videos, oldest first; at most 100."
    )
    selected_image: GeneratedMedia | None = strawberry.field(
        description="The image selected for the clip, if any."
    )
    selected_video: GeneratedMedia | None = strawberry.field(
        description="The video selected for the clip, if any."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: ClipDoc) -> Clip:
        return view_of(cls, doc)

    scene: Scene = ParentLink("scenes", lambda d: d.scene_id).field(
        "The scene it belongs to (even when that is deleted)."
    )
    project: Project = ParentLink("projects", lambda d: d.project_id).field(
        "The project it belongs to (even when that is deleted)."
    )
    character: Character | None = ParentLink(
        "characters", lambda d: d.character_id, live_only=True, required=False
    ).field("The character in it; null when none or deleted.")


@document_view(CharacterDoc, id=lambda d: encode_global_id("Character", d.id))
@strawberry.type(description="A character appearing in a project's clips.")
class Character(Node, SoftDeletable):
    doc: strawberry.Private[CharacterDoc]
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    description: str | None = strawberry.field(description="Free text written by the owner.")
    reference_images: list[str] = strawberry.field(description="URLs of reference images.")
    lora: str | None = strawberry.field(
        description="Name of the LoRA model that renders this character."
    )
    trigger_words: list[str] = strawberry.field(description="Words that invoke the LoRA.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: CharacterDoc) -> Character:
        return view_of(cls, doc)

    project: Project = ParentLink("projects", lambda d: d.project_id).field(
        "The project it belongs to (even when that is deleted)."
    )
    clips: Connection[Clip] = ChildPage("character.clips").field(
        "Live clips featuring it, oldest first.",
        **PAGING,
    )


def _media(docs: list[MediaDoc]) -> list[GeneratedMedia]:
    # Clips written before the cap may hold more: the response shows the first ones, as
    # many as the cost model counts.
    return [GeneratedMedia.from_doc(m) for m in docs[:MEDIA_PER_CLIP]]


def _selected(docs: list[MediaDoc], selected_id: object) -> GeneratedMedia | None:
    if selected_id is None:
        return None
    for media in docs:
        if media.id == selected_id:
            return GeneratedMedia.from_doc(media)
    return None
