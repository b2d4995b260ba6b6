"""Pydantic models of stored documents, one per collection (camelCase in MongoDB)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "ApiKeyDoc",
    "CharacterDoc",
    "ClipDoc",
    "Document",
    "MediaDoc",
    "ProjectDoc",
    "SceneDoc",
    "SoftDeletableDoc",
    "UserDoc",
    "utcnow",
]


def utcnow() -> datetime:
    """Now, truncated to the millisecond BSON stores, so a written doc reads back equal."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        arbitrary_types_allowed=True,
        extra="ignore",
    )

    def to_mongo(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class Document(_Model):
    collection: ClassVar[str]

    id: ObjectId = Field(default_factory=ObjectId, alias="_id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SoftDeletableDoc(Document):
    deleted_at: datetime | None = None
    deleted_by: ObjectId | None = None
    deletion_id: ObjectId | None = None


class ApiKeyDoc(_Model):
    id: ObjectId = Field(default_factory=ObjectId)
    name: str
    prefix: str
    secret_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class UserDoc(Document):
    collection = "users"

    display_name: str
    roles: list[str] = Field(default_factory=lambda: ["USER"])
    status: str = "ACTIVE"
    api_keys: list[ApiKeyDoc] = Field(default_factory=list)


class ProjectDoc(SoftDeletableDoc):
    collection = "projects"

    owner_id: ObjectId
    name: str
    description: str | None = None
    music_file_path: str | None = None
    music_duration: float | None = None


class SceneDoc(SoftDeletableDoc):
    collection = "scenes"

    owner_id: ObjectId
    project_id: ObjectId
    parent_scene_id: ObjectId | None = None
    name: str
    description: str | None = None
    lyrics: str | None = None
    order: int


class MediaDoc(_Model):
    id: ObjectId = Field(default_factory=ObjectId)
    kind: str
    url: str
    prompt: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ClipDoc(SoftDeletableDoc):
    collection = "clips"

    owner_id: ObjectId
    project_id: ObjectId
    scene_id: ObjectId
    name: str
    lyrics: str | None = None
    length: float | None = None
    timeline_position: float | None = None
    order: int
    image_prompt: str | None = None
    video_prompt: str | None = None
    character_id: ObjectId | None = None
    generated_images: list[MediaDoc] = Field(default_factory=list)
    generated_videos: list[MediaDoc] = Field(default_factory=list)
    selected_image_id: ObjectId | None = None
    selected_video_id: ObjectId | None = None


class CharacterDoc(SoftDeletableDoc):
    collection = "characters"

    owner_id: ObjectId
    project_id: ObjectId
    name: str
    description: str | None = None
    reference_images: list[str] = Field(default_factory=list)
    lora: str | None = None
    trigger_words: list[str] = Field(default_factory=list)
