"""Storyboard types: projects → scenes → clips, with characters and generated media."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from ..context import RequestContext
from ..datastore.documents import (
    MEDIA_PER_CLIP,
    CharacterDoc,
    ClipDoc,
    MediaDoc,
    ProjectDoc,
    SceneDoc,
)
from ..execution.connection import Connection
from ..execution.prefetch import Resolved
from ..execution.relation_kinds import ChildCount, ChildList, ChildPage, ParentLink
from .common import Node, SoftDeletable, described_enum
from .ids import encode_global_id
from .profile import UserProfile

__all__ = ["Character", "Clip", "GeneratedMedia", "MediaKind", "Project", "Scene"]

Info = strawberry.Info[RequestContext, None]
First = Annotated[int | None, strawberry.argument(description="Page size, 0 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="Cursor of the edge to continue after.")
]
IncludeDeleted = Annotated[
    bool | None, strawberry.argument(description="Show deleted ones too (the owner's trash).")
]
_PRIMARY_ONLY = (("parentSceneId", None),)


@described_enum(
    "What a generated media file is.",
    IMAGE="A still image generated for the clip.",
    VIDEO="A video generated for the clip.",
)
class MediaKind(Enum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


@strawberry.type(description="An image or video generated for a clip.")
class GeneratedMedia:
    id: strawberry.ID = strawberry.field(description="Id, for `selectMedia`.")
    kind: MediaKind = strawberry.field(description="Whether the file is an image or a video.")
    url: str = strawberry.field(description="Where the file is (http or https).")
    prompt: str | None = strawberry.field(description="The prompt it was generated from.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_doc(cls, doc: MediaDoc) -> GeneratedMedia:
        return cls(
            id=strawberry.ID(encode_global_id("GeneratedMedia", doc.id)),
            kind=MediaKind(doc.kind),
            url=doc.url,
            prompt=doc.prompt,
            created_at=doc.created_at,
        )


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
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("Project", doc.id)),
            name=doc.name,
            description=doc.description,
            music_file_path=doc.music_file_path,
            music_duration=doc.music_duration,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            deleted_at=doc.deleted_at,
        )

    @strawberry.field(
        description="The account that owns it, as others see it.", graphql_type=UserProfile
    )
    def owner(self, info: Info) -> Resolved[UserProfile]:
        return _project_owner.resolve(info, self.doc)

    @strawberry.field(
        description="Ordered by `order` ascending; alternates only with includeAlternates.",
        graphql_type="Connection[Scene]",
    )
    def scenes(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        include_alternates: Annotated[
            bool | None, strawberry.argument(description="Include alternate scenes.")
        ] = False,
        include_deleted: IncludeDeleted = False,
    ) -> Resolved[Connection[Scene]]:
        return _project_scenes.resolve(
            info, self.doc, first=first, after=after,
            include_alternates=include_alternates, include_deleted=include_deleted,
        )  # fmt: skip

    @strawberry.field(
        description="Its characters, at most 100, oldest first.", graphql_type="list[Character]"
    )
    def characters(
        self, info: Info, include_deleted: IncludeDeleted = False
    ) -> Resolved[list[Character]]:
        return _project_characters.resolve(info, self.doc, include_deleted=include_deleted)

    @strawberry.field(description="Live primary scenes (alternates not counted).", graphql_type=int)
    def scene_count(self, info: Info) -> Resolved[int]:
        return _project_scene_count.resolve(info, self.doc)

    @strawberry.field(description="Live clips in all of its scenes.", graphql_type=int)
    def clip_count(self, info: Info) -> Resolved[int]:
        return _project_clip_count.resolve(info, self.doc)


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
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("Scene", doc.id)),
            name=doc.name,
            description=doc.description,
            lyrics=doc.lyrics,
            order=doc.order,
            is_alternate=doc.parent_scene_id is not None,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            deleted_at=doc.deleted_at,
        )

    @strawberry.field(
        description="The project it belongs to (even when that is deleted).", graphql_type="Project"
    )
    def project(self, info: Info) -> Resolved[Project]:
        return _scene_project.resolve(info, self.doc)

    @strawberry.field(
        description="The primary scene this is an alternate of.", graphql_type="Scene | None"
    )
    def parent_scene(self, info: Info) -> Resolved[Scene | None]:
        return _scene_parent_scene.resolve(info, self.doc)

    @strawberry.field(
        description="Its alternates, at most 100, by `order`.", graphql_type="list[Scene]"
    )
    def alternates(
        self, info: Info, include_deleted: IncludeDeleted = False
    ) -> Resolved[list[Scene]]:
        return _scene_alternates.resolve(info, self.doc, include_deleted=include_deleted)

    @strawberry.field(description="Ordered by `order` ascending.", graphql_type="Connection[Clip]")
    def clips(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        include_deleted: IncludeDeleted = False,
    ) -> Resolved[Connection[Clip]]:
        return _scene_clips.resolve(
            info, self.doc, first=first, after=after, include_deleted=include_deleted
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
        # Clips written before the cap may hold more: the response shows the first ones, as
        # many as the cost model counts.
        images = [GeneratedMedia.from_doc(m) for m in doc.generated_images[:MEDIA_PER_CLIP]]
        videos = [GeneratedMedia.from_doc(m) for m in doc.generated_videos[:MEDIA_PER_CLIP]]
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("Clip", doc.id)),
            name=doc.name,
            lyrics=doc.lyrics,
            length=doc.length,
            timeline_position=doc.timeline_position,
            order=doc.order,
            image_prompt=doc.image_prompt,
            video_prompt=doc.video_prompt,
            generated_images=images,
            generated_videos=videos,
            selected_image=_selected(doc.generated_images, images, doc.selected_image_id),
            selected_video=_selected(doc.generated_videos, videos, doc.selected_video_id),
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            deleted_at=doc.deleted_at,
        )

    @strawberry.field(
        description="The scene it belongs to (even when that is deleted).", graphql_type="Scene"
    )
    def scene(self, info: Info) -> Resolved[Scene]:
        return _clip_scene.resolve(info, self.doc)

    @strawberry.field(
        description="The project it belongs to (even when that is deleted).", graphql_type="Project"
    )
    def project(self, info: Info) -> Resolved[Project]:
        return _clip_project.resolve(info, self.doc)

    @strawberry.field(
        description="The character in it; null when none or deleted.",
        graphql_type="Character | None",
    )
    def character(self, info: Info) -> Resolved[Character | None]:
        return _clip_character.resolve(info, self.doc)


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
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("Character", doc.id)),
            name=doc.name,
            description=doc.description,
            reference_images=doc.reference_images,
            lora=doc.lora,
            trigger_words=doc.trigger_words,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            deleted_at=doc.deleted_at,
        )

    @strawberry.field(
        description="The project it belongs to (even when that is deleted).", graphql_type=Project
    )
    def project(self, info: Info) -> Resolved[Project]:
        return _character_project.resolve(info, self.doc)

    @strawberry.field(
        description="Live clips featuring it, oldest first.", graphql_type=Connection[Clip]
    )
    def clips(
        self, info: Info, first: First = 50, after: After = None
    ) -> Resolved[Connection[Clip]]:
        return _character_clips.resolve(info, self.doc, first=first, after=after)


def _selected(
    docs: list[MediaDoc], items: list[GeneratedMedia], selected_id: object
) -> GeneratedMedia | None:
    if selected_id is None:
        return None
    for index, media in enumerate(docs):
        if media.id == selected_id:
            return items[index] if index < len(items) else GeneratedMedia.from_doc(media)
    return None


def _scene_filter(args: dict[str, object]) -> tuple[tuple[str, object], ...]:
    return () if args.get("include_alternates") else _PRIMARY_ONLY


_project_owner = ParentLink(Project, "owner", UserProfile, "users", lambda d: d.owner_id)
_project_scenes = ChildPage(Project, "scenes", "project.scenes", Scene, where=_scene_filter)
_project_characters = ChildList(Project, "characters", "project.characters", Character)
_project_scene_count = ChildCount(
    Project, "sceneCount", "project.scenes", where=lambda _: _PRIMARY_ONLY
)
_project_clip_count = ChildCount(Project, "clipCount", "project.clips")
_scene_project = ParentLink(Scene, "project", Project, "projects", lambda d: d.project_id)
_scene_parent_scene = ParentLink(
    Scene, "parentScene", Scene, "scenes", lambda d: d.parent_scene_id, required=False
)
_scene_alternates = ChildList(Scene, "alternates", "scene.alternates", Scene)
_scene_clips = ChildPage(Scene, "clips", "scene.clips", Clip)
_clip_scene = ParentLink(Clip, "scene", Scene, "scenes", lambda d: d.scene_id)
_clip_project = ParentLink(Clip, "project", Project, "projects", lambda d: d.project_id)
_clip_character = ParentLink(
    Clip, "character", Character, "characters", lambda d: d.character_id,
    live_only=True, required=False,
)  # fmt: skip
_character_project = ParentLink(Character, "project", Project, "projects", lambda d: d.project_id)
_character_clips = ChildPage(Character, "clips", "character.clips", Clip)
