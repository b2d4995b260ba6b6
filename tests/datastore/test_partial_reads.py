"""Documents read with a projection (`stored_reads.partial_reader`): the fields read are as
the full reader reads them, and the others are absent, loudly."""

from __future__ import annotations

from datetime import timedelta

import bson
import pytest
from bson import ObjectId
from bson.codec_options import CodecOptions
from pydantic import BaseModel, Field, field_validator

from mongraph.datastore.documents import ClipDoc, EconomyDoc, MessageDoc
from mongraph.datastore.stored_reads import PARTIAL_READERS_KEPT, READERS, partial_reader

from .test_stored_reads import MODELS, _stored

NAIVE = CodecOptions(tz_aware=False)


def _projected(raw: dict[str, object], keys: frozenset[str]) -> dict[str, object]:
    return {k: v for k, v in raw.items() if k in keys}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_projected_document_holds_the_projected_fields_as_a_full_read_does(
    model: type[BaseModel],
) -> None:
    raw = bson.decode(bson.encode(_stored(model)), NAIVE)
    full = READERS[model](raw)
    fields = list(model.model_fields.items())
    kept = fields[::2]  # every other field
    keys = frozenset(f.alias or n for n, f in kept)
    partial = partial_reader(model, keys)(_projected(raw, keys))
    assert type(partial) is model
    for name, _ in kept:
        assert getattr(partial, name) == getattr(full, name), name
        assert type(getattr(partial, name)) is type(getattr(full, name)), name
    for name, _ in fields[1::2]:
        with pytest.raises(AttributeError):
            getattr(partial, name)  # never a default standing in for a value not read


def test_conversions_apply_to_projected_fields() -> None:
    clip_raw = bson.decode(bson.encode(_stored(ClipDoc)), NAIVE)
    clip = partial_reader(ClipDoc, frozenset({"_id", "length", "createdAt"}))(clip_raw)
    assert type(clip.length) is float  # stored as an integer
    assert clip.created_at.utcoffset() == timedelta(0)
    economy_raw = _stored(EconomyDoc)
    economy = partial_reader(EconomyDoc, frozenset({"_id", "usdCredit"}))(economy_raw)
    assert economy.usd_credit == READERS[EconomyDoc](economy_raw).usd_credit
    message = partial_reader(MessageDoc, frozenset({"_id", "content"}))(_stored(MessageDoc))
    assert type(message.content[0]).__name__ == "ContentDoc"


def test_a_projected_field_missing_from_the_document_gets_its_default() -> None:
    """A document written before a field existed: validation fills the default, so the
    projection's reader does too (and still leaves unprojected fields out)."""
    raw = {"_id": ObjectId(), "name": "K", "order": 3}
    clip = partial_reader(ClipDoc, frozenset({"_id", "name", "order", "lyrics"}))(raw)
    assert (clip.name, clip.order, clip.lyrics) == ("K", 3, None)
    with pytest.raises(AttributeError):
        _ = clip.video_prompt


def test_readers_of_projections_are_bounded() -> None:
    names = [f.alias or n for n, f in ClipDoc.model_fields.items()]
    first = frozenset(names[:1])
    partial_reader(ClipDoc, first)
    for size in range(PARTIAL_READERS_KEPT + 1):
        partial_reader(ClipDoc, frozenset([f"made-up-{size}", "_id"]))
    from mongraph.datastore import stored_reads

    assert len(stored_reads._PARTIAL_READERS) == PARTIAL_READERS_KEPT
    assert (ClipDoc, first) not in stored_reads._PARTIAL_READERS


class _Checked(BaseModel):
    """A model the compiled readers cannot read (a validator of its own)."""

    id: ObjectId = Field(alias="_id")
    name: str
    size: float = 1.0
    note: str | None = None

    model_config = {"arbitrary_types_allowed": True}

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


def test_a_model_with_validators_is_not_read_with_a_projection() -> None:
    """Its validators run on every read, and may read any field: it is read in full."""
    assert partial_reader(_Checked, frozenset({"_id", "name"})) is None
    assert READERS[_Checked]({"_id": ObjectId(), "name": "  K  "}).name == "K"
