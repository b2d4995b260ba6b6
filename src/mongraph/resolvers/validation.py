"""Input validation with pydantic: lengths, numbers, URLs; failures become `BAD_USER_INPUT`."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from ..datastore.documents import NAME_MAX
from ..errors import BadInput

__all__ = [
    "ApiKeyFields",
    "CharacterFields",
    "ClipFields",
    "ConversationFields",
    "CreditFields",
    "IdentityFields",
    "MediaFields",
    "ProjectFields",
    "SceneFields",
    "UserFields",
    "validated",
    "validated_content",
]

TEXT_MAX = 20_000


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
ShortText = Annotated[str, StringConstraints(max_length=2048)]
HttpUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_http_url)]
Seconds = Annotated[float, Field(ge=0), AfterValidator(_finite)]


class _Fields(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ProjectFields(_Fields):
    name: Name | None = None
    description: Text | None = None
    music_file_path: ShortText | None = None
    music_duration: Seconds | None = None


class SceneFields(_Fields):
    name: Name | None = None
    description: Text | None = None
    lyrics: Text | None = None


class ClipFields(_Fields):
    name: Name | None = None
    lyrics: Text | None = None
    length: Seconds | None = None
    timeline_position: Seconds | None = None
    image_prompt: Text | None = None
    video_prompt: Text | None = None


class CharacterFields(_Fields):
    name: Name | None = None
    description: Text | None = None
    reference_images: Annotated[list[ShortText], Field(max_length=100)] | None = None
    lora: ShortText | None = None
    trigger_words: Annotated[list[Name], Field(max_length=100)] | None = None


class MediaFields(_Fields):
    kind: str
    url: HttpUrl
    prompt: Text | None = None


def validated(
    model: type[_Fields],
    values: dict[str, Any],
    *,
    required: tuple[str, ...] = ("name",),
    non_null: tuple[str, ...] = ("name",),
    prefix: tuple[str, ...] = ("input",),
) -> dict[str, Any]:
    """`values` (camelCase, only the fields the client sent) checked and normalised.

    `required` must be present and non-null (creates); `non_null` may be omitted but
    not set to null (updates).
    """
    for name in required:
        if values.get(name) is None:
            raise BadInput(f"`{name}` is required", field=(*prefix, name))
    for name in non_null:
        if name in values and values[name] is None:
            raise BadInput(f"`{name}` cannot be null", field=(*prefix, name))
    try:
        checked = model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        raise BadInput(f"`{name}`: {error['msg']}", field=(*prefix, name)) from exc
    dumped = checked.model_dump(by_alias=True)
    return {key: dumped[key] for key in values}


ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Amount = Annotated[Decimal, Field(gt=0, le=1_000_000_000, decimal_places=2, allow_inf_nan=False)]


class IdentityFields(_Fields):
    platform: str
    external_id: ExternalId
    username: Annotated[str, StringConstraints(max_length=100)] | None = None


class UserFields(_Fields):
    display_name: Name


class ApiKeyFields(_Fields):
    name: KeyName


class CreditFields(_Fields):
    type: str
    amount_usd: Amount
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)]


MESSAGE_TEXT_MAX_BYTES = 32 * 1024
MAX_CONTENT_PARTS = 20


class ConversationFields(_Fields):
    title: Name | None = None
    status: str | None = None
    folder_path: Annotated[str, StringConstraints(max_length=1000)] | None = None


def _text_size(value: str) -> str:
    if len(value.encode("utf-8")) > MESSAGE_TEXT_MAX_BYTES:
        raise ValueError(f"text is at most {MESSAGE_TEXT_MAX_BYTES // 1024} KB")
    return value


class ContentPart(_Fields):
    type: str
    text: Annotated[str, AfterValidator(_text_size)] | None = None
    url: HttpUrl | None = None


def validated_content(
    parts: list[dict[str, Any]], *, prefix: tuple[str, ...]
) -> list[dict[str, Any]]:
    """1 to 20 parts; TEXT needs `text` (at most 32 KB), IMAGE an http(s) `url`."""
    if not 1 <= len(parts) <= MAX_CONTENT_PARTS:
        raise BadInput(f"a message has 1 to {MAX_CONTENT_PARTS} parts", field=prefix)
    checked: list[dict[str, Any]] = []
    for i, part in enumerate(parts):
        where = (*prefix, str(i))
        needed = "text" if part["type"] == "TEXT" else "url"
        if part.get(needed) is None:
            raise BadInput(f"a {part['type']} part needs `{needed}`", field=(*where, needed))
        checked.append(validated(ContentPart, part, required=(), non_null=(), prefix=where))
    return checked
