"""Documents read from the database share one set of field names per shape, and behave as
documents with sets of their own do."""

from __future__ import annotations

import copy
import pickle

import pytest
from bson import ObjectId

from mongraph.datastore.documents import ClipDoc, UserDoc, utcnow
from mongraph.datastore.shared_names import SharedNames


def _stored_clip(**extra: object) -> dict[str, object]:
    return {
        "_id": ObjectId(),
        "ownerId": ObjectId(),
        "projectId": ObjectId(),
        "sceneId": ObjectId(),
        "name": "opening",
        "order": 0,
        "generatedImages": [{"id": ObjectId(), "kind": "IMAGE", "url": "https://x/1.png"}],
        **extra,
    }


def test_documents_of_one_shape_share_their_field_names() -> None:
    first, second = ClipDoc.from_stored(_stored_clip()), ClipDoc.from_stored(_stored_clip())
    assert first.model_fields_set is second.model_fields_set
    assert first.generated_images[0].model_fields_set is second.generated_images[0].model_fields_set
    other_shape = ClipDoc.from_stored(_stored_clip(lyrics="la"))
    assert "lyrics" in other_shape.model_fields_set
    assert "lyrics" not in first.model_fields_set
    assert first.model_fields_set == ClipDoc.model_validate(_stored_clip()).model_fields_set


def test_a_shared_document_behaves_as_a_validated_one() -> None:
    # its dates stored: defaults made at two moments may fall in two milliseconds
    raw = _stored_clip(createdAt=utcnow(), updatedAt=utcnow())
    shared, own = ClipDoc.from_stored(raw), ClipDoc.model_validate(raw)
    assert shared == own
    assert shared.to_mongo() == own.to_mongo()
    assert shared.model_dump(exclude_unset=True) == own.model_dump(exclude_unset=True)
    assert pickle.loads(pickle.dumps(shared)) == own


def test_assigning_a_field_gives_the_document_names_of_its_own() -> None:
    changed, untouched = ClipDoc.from_stored(_stored_clip()), ClipDoc.from_stored(_stored_clip())
    changed.lyrics = "new"
    assert "lyrics" in changed.model_fields_set
    assert "lyrics" not in untouched.model_fields_set
    assert type(untouched.model_fields_set) is SharedNames


def test_copies_get_sets_of_their_own() -> None:
    doc = ClipDoc.from_stored(_stored_clip())
    renamed = doc.model_copy(update={"lyrics": "copied"})
    assert "lyrics" in renamed.model_fields_set
    assert "lyrics" not in doc.model_fields_set
    for clone in (doc.model_copy(deep=True), copy.copy(doc), copy.deepcopy(doc)):
        assert type(clone.model_fields_set) is set
        assert clone == doc
    user = UserDoc.from_stored({"_id": ObjectId(), "displayName": "Alice"})
    assert user.redacted_copy().redacted


def test_the_shared_set_is_read_only() -> None:
    names = ClipDoc.from_stored(_stored_clip()).model_fields_set
    with pytest.raises(TypeError):
        names.add("lyrics")
    with pytest.raises(TypeError):
        names |= {"lyrics"}
    assert "lyrics" not in ClipDoc.from_stored(_stored_clip()).model_fields_set
