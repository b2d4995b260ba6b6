"""Relay global ids: `base64("Type:hex")`."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection
from typing import Any

from ..datastore.repository import to_object_id
from ..errors import BadInput

__all__ = ["decode_global_id", "encode_global_id", "object_id_of"]

_HEX_ID = re.compile(r"^[0-9a-f]{24}$")


def encode_global_id(type_name: str, object_id: object) -> str:
    # binascii's own function: `base64.b64encode` is a Python call around it, once per node
    return binascii.b2a_base64(f"{type_name}:{object_id}".encode(), newline=False).decode()


def decode_global_id(
    value: str, expected: str | Collection[str] | None = None, *, field: tuple[str, ...] = ("id",)
) -> tuple[str, str]:
    """`(type name, hex id)` of a global id; `BAD_USER_INPUT` when malformed or of another type."""
    try:
        type_name, _, hex_id = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"`{field[-1]}` is not a valid id", field=field) from exc
    if not type_name or not _HEX_ID.match(hex_id):
        raise BadInput(f"`{field[-1]}` is not a valid id", field=field)
    allowed = {expected} if isinstance(expected, str) else expected
    if allowed is not None and type_name not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise BadInput(f"`{field[-1]}` must be the id of a {wanted}", field=field)
    return type_name, hex_id


def object_id_of(global_id: str, type_name: str, field: tuple[str, ...]) -> Any:
    """The ObjectId inside a global id of `type_name`; `BAD_USER_INPUT` otherwise."""
    _, hex_id = decode_global_id(global_id, type_name, field=field)
    oid = to_object_id(hex_id)
    if oid is None:
        raise BadInput(f"`{field[-1]}` is not a valid id", field=field)
    return oid
