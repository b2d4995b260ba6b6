"""Pieces every mutation uses: reading inputs, decoding ids, turning failures into payloads."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from pydantic.alias_generators import to_camel

from ..context import RequestContext
from ..errors import DomainError, ErrorCode
from ..schema.common import UserError
from ..schema.ids import object_id_of

__all__ = ["attempt", "object_id_of", "optional_object_id", "provided"]

T = TypeVar("T")


def provided(input_obj: object, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the client sent (camelCase), omitted ones left out, enums as values."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(input_obj):  # type: ignore[arg-type]
        value = getattr(input_obj, f.name)
        if value is strawberry.UNSET or f.name in exclude:
            continue
        values[to_camel(f.name)] = value.value if isinstance(value, Enum) else value
    return values


def optional_object_id(global_id: object, type_name: str, field: tuple[str, ...]) -> Any:
    """Like `object_id_of`, passing through None and UNSET."""
    if global_id is None or global_id is strawberry.UNSET:
        return None
    return object_id_of(str(global_id), type_name, field)


async def attempt(
    ctx: RequestContext, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Runs a mutation: expected failures become `userErrors`, authentication stays an error.

    The request's loaders are cleared afterwards, so the payload and any later
    mutation field of the same request read the state this one left (`wrote`: the
    viewer's account too).
    """
    try:
        return await action(), []
    except DomainError as error:
        if error.code is ErrorCode.UNAUTHENTICATED:
            raise
        return None, [UserError.from_error(error)]
    finally:
        ctx.loaders.clear()
        ctx.wrote = True
