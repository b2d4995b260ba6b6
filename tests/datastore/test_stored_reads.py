"""Documents read from the database are built without validation (`stored_reads.py`), and
are what validating the same stored document builds."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

import bson
import pytest
from bson import Decimal128, ObjectId
from bson.codec_options import CodecOptions
from pydantic import BaseModel, ValidationError

from mongraph.datastore.documents import ClipDoc, EconomyDoc, MessageDoc, UserDoc
from mongraph.datastore.relations import COLLECTIONS
from mongraph.datastore.shared_names import SharedNames
from mongraph.datastore.stored_reads import READERS

MODELS = sorted({spec.document for spec in COLLECTIONS.values()}, key=lambda m: m.__name__)
DECODING = CodecOptions(tz_aware=True)


def _value(annotation: Any, index: int) -> Any:
    """A stored value of `annotation` (an integer where a float is declared)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _value(get_args(annotation)[0], index)
    if origin in (Union, types.UnionType):
        return _value(next(a for a in get_args(annotation) if a is not type(None)), index)
    if origin is list:
        return [_value(get_args(annotation)[0], index), _value(get_args(annotation)[0], index + 1)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _stored(annotation)
    samples: dict[Any, Any] = {
        ObjectId: ObjectId(),
        str: f"text {index}",
        bool: True,
        int: index,
        float: index + 2,
        datetime: datetime(2026, 1, 2, 3, 4, 5, 6000 * index % 1_000_000, tzinfo=UTC),
        Decimal: Decimal128(f"{index}.25"),
    }
    return samples[annotation]


def _stored(model: type[BaseModel]) -> dict[str, Any]:
    """A document of `model` with every field set, as the driver returns it."""
    raw = {
        field.alias or name: _value(field.annotation, i)
        for i, (name, field) in enumerate(model.model_fields.items())
    }
    decoded: dict[str, Any] = bson.decode(bson.encode(raw), DECODING)
    return decoded


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_stored_document_reads_as_validation_builds_it(model: type[BaseModel]) -> None:
    raw = _stored(model)
    read, validated = READERS[model](raw), model.model_validate(raw)
    assert type(read) is model
    assert read == validated
    assert read.model_dump() == validated.model_dump()
    assert read.to_mongo() == validated.to_mongo()  # type: ignore[attr-defined]
    assert read.model_fields_set == validated.model_fields_set
    assert type(read.model_fields_set) is SharedNames
    for name in model.model_fields:
        assert type(getattr(read, name)) is type(getattr(validated, name)), name


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_collection_is_read_without_validation(model: type[BaseModel]) -> None:
    """A value validation would refuse reads as stored: the reader trusts the collection's
    validator. (A model whose fields the reader cannot read is validated instead, slowly.)"""
    raw = _stored(model)
    first = next(iter(model.model_fields.values()))
    raw[first.alias or next(iter(model.model_fields))] = {"not": "checked"}
    with pytest.raises(ValidationError):
        model.model_validate(raw)
    assert type(READERS[model](raw)) is model


def test_integers_in_float_fields_and_decimals_are_converted() -> None:
    clip = READERS[ClipDoc](_stored(ClipDoc))
    assert type(clip.length) is float
    economy = READERS[EconomyDoc](_stored(EconomyDoc))
    assert type(economy.usd_credit) is Decimal
    message = READERS[MessageDoc](_stored(MessageDoc))
    assert message.metadata is not None
    assert type(message.metadata).__name__ == "MetadataDoc"
    assert len(message.content) == 2
    assert type(message.content[1]).__name__ == "ContentDoc"


def test_a_document_without_every_field_is_validated_with_its_defaults() -> None:
    raw = {"_id": ObjectId(), "displayName": "Ann"}
    user = READERS[UserDoc](raw)
    assert user.roles == ["USER"]
    assert user.status == "ACTIVE"
    assert user.wallets == []
    assert user.model_fields_set == {"id", "display_name"}
    with pytest.raises(ValidationError):
        READERS[UserDoc]({"_id": ObjectId()})  # a required field missing is still refused


def test_private_attributes_are_each_documents_own() -> None:
    first, second = READERS[UserDoc](_stored(UserDoc)), READERS[UserDoc](_stored(UserDoc))
    assert not first.redacted
    assert first.redacted_copy().redacted
    assert first.__pydantic_private__ is not second.__pydantic_private__


def test_dates_stored_without_a_zone_read_as_utc_at_any_depth() -> None:
    """The repository decodes dates without a zone (`Datastore.stored_db`: the driver's
    conversion was a third of decoding); every date of a document read is UTC."""
    naive = CodecOptions(tz_aware=False)
    stored = _stored(ClipDoc)
    complete = bson.decode(bson.encode(stored), naive)
    partial = bson.decode(bson.encode(stored), naive)
    del partial["lyrics"]  # not every field: validated, dates first given their zone
    for raw in (complete, partial):
        assert raw["createdAt"].tzinfo is None
        assert raw["generatedImages"][0]["createdAt"].tzinfo is None
        clip = READERS[ClipDoc](raw)
        assert clip.created_at.utcoffset() == timedelta(0)
        assert clip.created_at == raw["createdAt"].replace(tzinfo=UTC)
        assert clip.deleted_at is not None
        assert clip.deleted_at.utcoffset() == timedelta(0)
        assert clip.generated_images[0].created_at.utcoffset() == timedelta(0)
    assert READERS[ClipDoc](complete) == READERS[ClipDoc](partial).model_copy(
        update={"lyrics": stored["lyrics"]}
    )
