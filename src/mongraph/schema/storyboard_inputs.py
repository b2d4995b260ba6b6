"""Storyboard mutation inputs and payloads."""

from __future__ import annotations

import strawberry

from ..datastore.documents import SceneDoc
from ..datastore.storyboard import ClipUpdate
from ..execution.relation_kinds import ParentLink
from .common import RootQuery, UserError, root_field
from .storyboard import Character, Clip, MediaKind, Project, Scene

__all__ = [
    "AddGeneratedMediaInput",
    "CharacterPayload",
    "ClipPayload",
    "CreateCharacterInput",
    "CreateClipInput",
    "CreateProjectInput",
    "CreateSceneInput",
    "ProjectPayload",
    "ScenePayload",
    "SelectMediaInput",
    "UpdateCharacterInput",
    "UpdateClipInput",
    "UpdateProjectInput",
    "UpdateSceneInput",
]

UNSET = strawberry.UNSET
_ERRORS = "Why it failed, if it did (the object is then null)."


@strawberry.input(description="A new project, owned by the viewer.")
class CreateProjectInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    music_file_path: str | None = strawberry.field(
        default=UNSET, description="Path of the project's music file."
    )
    music_duration: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    id: strawberry.ID = strawberry.field(description="Global id of the project.")
    name: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    music_file_path: str | None = strawberry.field(
        default=UNSET, description="Path of the project's music file."
    )
    music_duration: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )


@strawberry.input(description="A new scene in a project.")
class CreateSceneInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    name: str = strawberry.field(description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    lyrics: str | None = strawberry.field(default=UNSET, description="Lyrics of the scene.")
    order: int | None = strawberry.field(
        default=UNSET, description="Position among the project's scenes; appended when omitted."
    )
    parent_scene_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Makes it an alternate of this primary scene."
    )


@strawberry.input(description="Changes to a scene; omitted fields stay as they are.")
class UpdateSceneInput:
    id: strawberry.ID = strawberry.field(description="Global id of the scene.")
    name: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    lyrics: str | None = strawberry.field(default=UNSET, description="Lyrics of the scene.")
    order: int | None = strawberry.field(
        default=UNSET, description="New position among its siblings (the others shift)."
    )


@strawberry.input(description="A new clip in a scene.")
class CreateClipInput:
    scene_id: strawberry.ID = strawberry.field(description="Global id of the scene.")
    name: str = strawberry.field(description="1 to 200 characters.")
    lyrics: str | None = strawberry.field(
        default=UNSET, description="The song lyrics heard during this clip."
    )
    length: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )
    timeline_position: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )
    order: int | None = strawberry.field(
        default=UNSET, description="Position in the scene; appended when omitted."
    )
    image_prompt: str | None = strawberry.field(
        default=UNSET, description="The prompt that generates the clip's image."
    )
    video_prompt: str | None = strawberry.field(
        default=UNSET, description="The prompt that generates the clip's video."
    )
    character_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A character of the same project."
    )


@strawberry.input(description="Changes to a clip; omitted fields stay as they are.")
class UpdateClipInput:
    id: strawberry.ID = strawberry.field(description="Global id of the clip.")
    name: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    lyrics: str | None = strawberry.field(
        default=UNSET, description="The song lyrics heard during this clip."
    )
    length: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )
    timeline_position: float | None = strawberry.field(
        default=UNSET, description="A duration in seconds, 0 or more."
    )
    order: int | None = strawberry.field(default=UNSET, description="New position in its scene.")
    image_prompt: str | None = strawberry.field(
        default=UNSET, description="The prompt that generates the clip's image."
    )
    video_prompt: str | None = strawberry.field(
        default=UNSET, description="The prompt that generates the clip's video."
    )
    character_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A character of the same project; null clears it."
    )
    scene_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Move the clip to another scene of the same project."
    )


@strawberry.input(description="A new character in a project.")
class CreateCharacterInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    name: str = strawberry.field(description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    reference_images: list[str] | None = strawberry.field(
        default=UNSET, description="Up to 100 image URLs or paths."
    )
    lora: str | None = strawberry.field(
        default=UNSET, description="Name of the LoRA model that renders this character."
    )
    trigger_words: list[str] | None = strawberry.field(
        default=UNSET, description="Words that call up the character in prompts, up to 100."
    )


@strawberry.input(description="Changes to a character; omitted fields stay as they are.")
class UpdateCharacterInput:
    id: strawberry.ID = strawberry.field(description="Global id of the character.")
    name: str | None = strawberry.field(default=UNSET, description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=UNSET, description="Free text written by the owner."
    )
    reference_images: list[str] | None = strawberry.field(
        default=UNSET, description="Up to 100 image URLs or paths."
    )
    lora: str | None = strawberry.field(
        default=UNSET, description="Name of the LoRA model that renders this character."
    )
    trigger_words: list[str] | None = strawberry.field(
        default=UNSET, description="Words that call up the character in prompts, up to 100."
    )


@strawberry.input(description="A generated image or video to attach to a clip.")
class AddGeneratedMediaInput:
    clip_id: strawberry.ID = strawberry.field(description="Global id of the clip.")
    kind: MediaKind = strawberry.field(description="Whether the file is an image or a video.")
    url: str = strawberry.field(description="Where the file is: an http or https URL.")
    prompt: str | None = strawberry.field(
        default=UNSET, description="The prompt the media was generated from."
    )
    select: bool | None = strawberry.field(
        default=False, description="Make it the clip's selected image/video."
    )


@strawberry.input(description="Choose (or clear) a clip's selected image or video.")
class SelectMediaInput:
    clip_id: strawberry.ID = strawberry.field(description="Global id of the clip.")
    media_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="A GeneratedMedia id of this clip, "
        "or null to clear the selection of that kind.",
    )
    kind: MediaKind = strawberry.field(
        description="Whether to select the clip's image or its video."
    )


@strawberry.type(description="Result of a project mutation.")
class ProjectPayload:
    project: Project | None = strawberry.field(description="The project; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()


@strawberry.type(description="Result of a scene mutation.")
class ScenePayload:
    doc: strawberry.Private[SceneDoc | None] = None
    scene: Scene | None = strawberry.field(description="The scene; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    project: Project | None = ParentLink(
        "projects", lambda scene: scene and scene.project_id, required=False
    ).field(
        "The scene's project after the change, its scenes' `order` and its counts current; "
        "null on failure."
    )
    query: RootQuery = root_field()


@strawberry.type(description="Result of a clip mutation.")
class ClipPayload:
    doc: strawberry.Private[ClipUpdate | None] = None
    clip: Clip | None = strawberry.field(description="The clip; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    scene: Scene | None = ParentLink(
        "scenes", lambda done: done and done.clip.scene_id, required=False
    ).field("The clip's scene after the change, its clips' `order` current; null on failure.")
    previous_scene: Scene | None = ParentLink(
        "scenes", lambda done: done and done.left_scene_id, required=False
    ).field(
        "When the clip moved to another scene: the scene it left, its clips renumbered; else null."
    )
    query: RootQuery = root_field()


@strawberry.type(description="Result of a character mutation.")
class CharacterPayload:
    character: Character | None = strawberry.field(description="The character; null on failure.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    query: RootQuery = root_field()
