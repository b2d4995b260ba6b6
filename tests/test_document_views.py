"""Object types whose fields are views of their document (`schema/document_views.py`)."""

from __future__ import annotations

import pytest
import strawberry
from bson import ObjectId

from mongraph.datastore.documents import (
    MEDIA_PER_CLIP,
    ClipDoc,
    ContentDoc,
    ConversationDoc,
    MediaDoc,
    MessageDoc,
    MetadataDoc,
    SceneDoc,
)
from mongraph.schema.chat import ContentType, Conversation, ConversationStatus, Message, MessageRole
from mongraph.schema.document_views import document_view, view_of
from mongraph.schema.ids import decode_global_id
from mongraph.schema.storyboard import Clip, MediaKind, Scene

OWNER = ObjectId()


def test_a_clip_reads_every_field_from_its_document() -> None:
    images = [MediaDoc(kind="IMAGE", url=f"https://x/{i}.png") for i in range(MEDIA_PER_CLIP + 2)]
    video = MediaDoc(kind="VIDEO", url="https://x/v.mp4", prompt="dolly")
    doc = ClipDoc(
        owner_id=OWNER, project_id=ObjectId(), scene_id=ObjectId(), name="opening", order=3,
        length=4.5, generated_images=images, generated_videos=[video],
        selected_image_id=images[-1].id, selected_video_id=video.id,
    )  # fmt: skip
    clip = Clip.from_doc(doc)
    assert decode_global_id(clip.id) == ("Clip", str(doc.id))
    assert (clip.name, clip.order, clip.length, clip.lyrics) == ("opening", 3, 4.5, None)
    assert (clip.created_at, clip.deleted_at) == (doc.created_at, None)
    assert len(clip.generated_images) == MEDIA_PER_CLIP  # the cap the cost model counts
    assert clip.generated_images[0].url == "https://x/0.png"
    assert clip.generated_images[0].kind is MediaKind.IMAGE
    # selected beyond the cap: still the selected one
    assert clip.selected_image is not None
    assert clip.selected_image.url == images[-1].url
    assert clip.selected_video is not None
    assert (clip.selected_video.kind, clip.selected_video.prompt) == (MediaKind.VIDEO, "dolly")
    assert decode_global_id(clip.selected_video.id) == ("GeneratedMedia", str(video.id))
    assert Clip.from_doc(doc) == clip


def test_a_message_and_a_conversation_convert_their_enums_and_parts() -> None:
    doc = MessageDoc(
        owner_id=OWNER, conversation_id=ObjectId(), role="ASSISTANT",
        content=[ContentDoc(type="TEXT", text="hi"), ContentDoc(type="IMAGE", url="https://x/a")],
        metadata=MetadataDoc(source_modules=["search"], processing_time_ms=12),
    )  # fmt: skip
    message = Message.from_doc(doc)
    assert message.role is MessageRole.ASSISTANT
    assert [(c.type, c.text, c.url) for c in message.content] == [
        (ContentType.TEXT, "hi", None),
        (ContentType.IMAGE, None, "https://x/a"),
    ]
    assert message.metadata is not None
    assert (message.metadata.source_modules, message.metadata.processing_time_ms) == (
        ["search"],
        12,
    )
    bare = Message.from_doc(doc.model_copy(update={"metadata": None}))
    assert bare.metadata is None
    conversation = Conversation.from_doc(
        ConversationDoc(owner_id=OWNER, title="t", status="ARCHIVED")
    )
    assert conversation.status is ConversationStatus.ARCHIVED
    scene = SceneDoc(owner_id=OWNER, project_id=ObjectId(), name="s", order=0)
    assert Scene.from_doc(scene).is_alternate is False
    alternate = scene.model_copy(update={"parent_scene_id": scene.id})
    assert Scene.from_doc(alternate).is_alternate is True


def test_a_derived_field_is_computed_once_per_object() -> None:
    calls: list[ObjectId] = []

    def counted(doc: MediaDoc) -> str:
        calls.append(doc.id)
        return doc.url.upper()

    @document_view(MediaDoc, url=counted)
    @strawberry.type
    class Loud:
        doc: strawberry.Private[MediaDoc]
        url: str
        kind: str

    media = MediaDoc(kind="IMAGE", url="https://x/a")
    loud = view_of(Loud, media)
    assert (loud.url, loud.url, loud.kind) == ("HTTPS://X/A", "HTTPS://X/A", "IMAGE")
    assert calls == [media.id]
    assert view_of(Loud, media).url == "HTTPS://X/A"
    assert len(calls) == 2


def test_a_view_must_name_fields_its_type_and_document_have() -> None:
    with pytest.raises(TypeError, match="no such field in MediaDoc"):

        @document_view(MediaDoc)
        @strawberry.type
        class Misnamed:
            doc: strawberry.Private[MediaDoc]
            address: str

    with pytest.raises(TypeError, match="no plain fields"):

        @document_view(MediaDoc, nothing=lambda d: d)
        @strawberry.type
        class Extra:
            doc: strawberry.Private[MediaDoc]
            url: str
