"""Property tests: the id and cursor decoders take any text and only ever say yes or BAD_USER_INPUT."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from hypothesis import example, given
from hypothesis import strategies as st

from mongraph.datastore.pagination import CursorCodec
from mongraph.errors import BadInput, ErrorCode
from mongraph.schema.ids import decode_global_id, encode_global_id

CODEC = CursorCodec("property-secret")
ORDERING = "projects:createdAt:-1"
BY_CREATED = (("createdAt", -1),)


def sort_of(values: list[Any]) -> tuple[tuple[str, int], ...]:
    """A sort with one key per value (the cursor adds the id)."""
    return tuple((f"key{i}", 1) for i in range(len(values)))


TYPES = st.sampled_from(["Project", "Scene", "Clip", "Character", "User", "Conversation"])
OBJECT_IDS = st.binary(min_size=12, max_size=12).map(ObjectId)
HOSTILE = st.one_of(
    st.text(),
    st.sampled_from(['{"$ne": ""}', "$where", "a.b", "..", "\x00", "\ud7ff\ue000", "=" * 40]),
    st.binary().map(lambda b: base64.b64encode(b).decode()),
    st.text().map(lambda t: base64.b64encode(t.encode("utf-8", "surrogatepass")).decode()),
)
# What keyset positions hold: sort keys (strings, numbers, datetimes) and the _id.
SORT_VALUES = st.one_of(
    st.text(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
    OBJECT_IDS,
)


def rejects(decode: Any, *args: Any) -> bool:
    """Whether `decode(*args)` fails with BAD_USER_INPUT (any other exception propagates)."""
    try:
        decode(*args)
    except BadInput as error:
        return error.code is ErrorCode.BAD_USER_INPUT
    return False


@given(TYPES, OBJECT_IDS)
def test_global_ids_round_trip(type_name: str, oid: ObjectId) -> None:
    assert decode_global_id(encode_global_id(type_name, oid)) == (type_name, str(oid))


@given(HOSTILE)
@example(base64.b64encode(b"Project:" + b"0" * 24).decode())
@example(base64.b64encode(b'Project:{"$ne": ""}').decode())
def test_any_text_decodes_to_a_well_formed_id_or_is_rejected(value: str) -> None:
    if rejects(decode_global_id, value):
        return
    type_name, hex_id = decode_global_id(value)
    assert type_name
    assert ObjectId.is_valid(hex_id)
    assert hex_id == hex_id.lower()
    assert len(hex_id) == 24


@given(HOSTILE, TYPES)
def test_an_id_of_another_type_is_rejected(value: str, wanted: str) -> None:
    try:
        type_name, _ = decode_global_id(value, wanted)
    except BadInput:
        return
    assert type_name == wanted


@given(st.lists(SORT_VALUES, min_size=1, max_size=3), OBJECT_IDS)
def test_cursors_round_trip(values: list[Any], oid: ObjectId) -> None:
    position = (*values, oid)
    assert CODEC.decode(ORDERING, CODEC.encode(ORDERING, position), sort_of(values)) == position


@given(HOSTILE)
def test_any_text_is_a_signed_cursor_or_rejected(cursor: str) -> None:
    assert rejects(CODEC.decode, ORDERING, cursor, BY_CREATED)


@given(st.lists(SORT_VALUES, min_size=1, max_size=2), OBJECT_IDS, st.data())
def test_every_edited_cursor_is_rejected(
    values: list[Any], oid: ObjectId, data: st.DataObject
) -> None:
    cursor = CODEC.encode(ORDERING, (*values, oid))
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    edited = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert rejects(CODEC.decode, ORDERING, edited, sort_of(values))


@given(st.lists(SORT_VALUES, min_size=1, max_size=2), OBJECT_IDS)
def test_a_cursor_of_another_list_or_key_is_rejected(values: list[Any], oid: ObjectId) -> None:
    cursor = CODEC.encode(ORDERING, (*values, oid))
    assert rejects(CODEC.decode, "scenes:order:1", cursor, sort_of(values))
    assert rejects(CursorCodec("another-secret").decode, ORDERING, cursor, sort_of(values))


@given(st.lists(SORT_VALUES, min_size=1, max_size=2), OBJECT_IDS)
def test_a_signed_cursor_of_another_length_is_rejected(values: list[Any], oid: ObjectId) -> None:
    """The key signs for anyone who has it (the public default): the shape is checked too."""
    cursor = CODEC.encode(ORDERING, (*values, oid))
    assert rejects(CODEC.decode, ORDERING, cursor, (*sort_of(values), ("extra", 1)))
    assert rejects(CODEC.decode, ORDERING, cursor, sort_of(values)[1:])


def test_datetimes_in_cursors_keep_their_timezone() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    (decoded, _) = CODEC.decode(ORDERING, CODEC.encode(ORDERING, (when, ObjectId())), BY_CREATED)
    assert decoded == when
    assert decoded.tzinfo is not None
