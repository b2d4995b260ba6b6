"""Pydantic models of stored documents, one per collection (camelCase in MongoDB)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from bson import Decimal128, ObjectId
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    SerializationInfo,
)
from pydantic.alias_generators import to_camel
from typing_extensions import override

from .shared_names import SharedNames
from .stored_reads import READERS

__all__ = [
    "ENTRIES_PER_ACCOUNT",
    "MEDIA_PER_CLIP",
    "NAME_MAX",
    "NO_MESSAGES",
    "ApiKeyDoc",
    "ChangeDoc",
    "CharacterDoc",
    "ClipDoc",
    "ContentDoc",
    "ConversationDoc",
    "Document",
    "EconomyDoc",
    "IdentityDoc",
    "LinkCodeDoc",
    "LinkCodeFailureDoc",
    "MediaDoc",
    "MessageDoc",
    "MetadataDoc",
    "ProjectDoc",
    "SceneDoc",
    "SoftDeletableDoc",
    "TransactionDoc",
    "UserDoc",
    "WalletChallengeDoc",
    "WalletDoc",
    "utcnow",
]


def _to_decimal(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def _to_storage(value: Decimal, info: SerializationInfo) -> Any:
    return str(value) if info.mode_is_json() else Decimal128(value)


Money = Annotated[Decimal, BeforeValidator(_to_decimal), PlainSerializer(_to_storage)]
"""Exact money: `Decimal` in Python, `Decimal128` in MongoDB."""


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

    @classmethod
    def from_stored(cls, raw: dict[str, Any]) -> Self:
        """A document as read from the database, trusted as stored (`stored_reads.py`),
        its field names shared with the other documents of its shape (`SharedNames`)."""
        return READERS[cls](raw)  # type: ignore[return-value]

    @override
    def __setattr__(self, name: str, value: Any) -> None:
        if type(self.__pydantic_fields_set__) is SharedNames:
            object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        super().__setattr__(name, value)

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


class IdentityDoc(_Model):
    platform: str
    external_id: str
    username: str | None = None
    linked_at: datetime = Field(default_factory=utcnow)
    verified_at: datetime | None = None
    """When the link was proven (a redeemed link code, or an admin); None before proofs."""


class WalletDoc(_Model):
    chain: str
    address: str
    is_primary: bool = False
    added_at: datetime = Field(default_factory=utcnow)
    verified_at: datetime | None = None
    """When ownership was proven by a signature (or set by an admin); None before proofs."""


class UserDoc(Document):
    collection = "users"

    display_name: str
    roles: list[str] = Field(default_factory=lambda: ["USER"])
    status: str = "ACTIVE"
    identities: list[IdentityDoc] = Field(default_factory=list)
    wallets: list[WalletDoc] = Field(default_factory=list)
    api_keys: list[ApiKeyDoc] = Field(default_factory=list)
    service_platform: str | None = None
    """The platform a SERVICE account speaks for (None for every other account)."""
    _redacted: bool = PrivateAttr(default=False)

    @property
    def redacted(self) -> bool:
        """Whether this is the account as a SERVICE may see it (`redacted_copy`)."""
        return self._redacted

    def redacted_copy(self) -> UserDoc:
        """Without wallets and API keys, marked so that its private relations read empty."""
        copy = self.model_copy(update={"wallets": [], "api_keys": []})
        copy._redacted = True
        return copy


class EconomyDoc(Document):
    collection = "economy"

    user_id: ObjectId
    usd_credit: Money = Decimal("0.00")
    exp: int = 0


class TransactionDoc(Document):
    collection = "transactions"

    user_id: ObjectId
    type: str
    amount_usd: Money
    balance_after: Money
    description: str | None = None
    idempotency_key: str


class ProjectDoc(SoftDeletableDoc):
    collection = "projects"

    owner_id: ObjectId
    name: str
    description: str | None = None
    music_file_path: str | None = None
    music_duration: float | None = None
    change_seq: int = 0
    """Position of the latest change to the project or anything in it (`change_log.py`)."""


class SceneDoc(SoftDeletableDoc):
    collection = "scenes"

    owner_id: ObjectId
    project_id: ObjectId
    parent_scene_id: ObjectId | None = None
    name: str
    description: str | None = None
    lyrics: str | None = None
    order: int


NAME_MAX = 200
"""The longest name or title (projects, scenes, clips, characters, conversations), and
the longest text a list filter searches for in one."""

MEDIA_PER_CLIP = 100
"""At most this many images, and as many videos, per clip: `add_media` refuses more, and
the cost model counts each list at this size."""

ENTRIES_PER_ACCOUNT = 100
"""At most this many identities, wallets and API keys (revoked ones included) per account:
their writes refuse more (a new key first drops the oldest revoked one), and the cost model
counts each list at this size."""


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


NO_MESSAGES = datetime(1970, 1, 1, tzinfo=UTC)
"""`lastMessageSort` of a conversation without live messages (keyset needs a non-null key)."""


class ConversationDoc(SoftDeletableDoc):
    collection = "conversations"

    owner_id: ObjectId
    title: str
    status: str = "ACTIVE"
    folder_path: str | None = None
    shared_with: list[ObjectId] = Field(default_factory=list)
    last_message_at: datetime | None = None
    last_message_sort: datetime = NO_MESSAGES
    change_seq: int = 0
    """Position of the latest change to the conversation or its messages (`change_log.py`)."""


class ContentDoc(_Model):
    type: str
    text: str | None = None
    url: str | None = None


class MetadataDoc(_Model):
    source_modules: list[str] = Field(default_factory=list)
    processing_time_ms: int | None = None


class MessageDoc(SoftDeletableDoc):
    collection = "messages"

    owner_id: ObjectId
    """The conversation's owner (writes are scoped to them)."""
    conversation_id: ObjectId
    author_id: ObjectId | None = None
    role: str = "USER"
    content: list[ContentDoc]
    metadata: MetadataDoc | None = None
    edited_at: datetime | None = None


class LinkCodeDoc(Document):
    """A one-time identity link code, stored only as the SHA-256 of its normalized text."""

    collection = "linkCodes"

    code_hash: str
    platform: str
    made_by: ObjectId
    redeemer: str
    """Who redeems it. SERVICE: a user made it, the platform's SERVICE account redeems it for
    the identity that sent it. USER: a SERVICE made it for `external_id`, the signed-in user
    who received it redeems it."""
    external_id: str | None = None
    username: str | None = None
    expires_at: datetime


class LinkCodeFailureDoc(Document):
    """A failed redemption, counted against the key (and the identity that brought the code)."""

    collection = "linkCodeFailures"

    key_hash: str
    external_id: str | None = None
    expires_at: datetime


class WalletChallengeDoc(Document):
    """The message a user must sign to prove a wallet; single-use, short-lived."""

    collection = "walletChallenges"

    user_id: ObjectId
    chain: str
    address: str
    message: str
    expires_at: datetime


class ChangeDoc(Document):
    """One committed change to an object under a project or conversation (its `scope`), at
    position `seq` of that scope's changes; written in the transaction that made it."""

    collection = "changes"

    scope: ObjectId
    seq: int
    kind: str
    node_collection: str
    node_id: ObjectId
    expires_at: datetime
    """When it leaves the log (MONGRAPH_CHANGE_RETENTION after it was written)."""
