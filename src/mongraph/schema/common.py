"""Types shared by every domain: Node, SoftDeletable, errors, payload pieces, enums."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from ..errors import ERROR_CODE_MEANINGS, DomainError, ErrorCode

__all__ = [
    "DateTimeRange",
    "ErrorCodeEnum",
    "Node",
    "RootQuery",
    "SoftDeletable",
    "SortDirection",
    "UserError",
    "described_enum",
    "root_field",
]

T = TypeVar("T")

E = TypeVar("E", bound=type[Enum])


def described_enum(description: str, **values: str) -> Callable[[E], E]:
    """`strawberry.enum` with a description for each value (every one is required).

    Example::

        @described_enum("Sort direction.", ASC="Smallest first.", DESC="Largest first.")
        class SortDirection(Enum): ...
    """

    def wrap(cls: E) -> E:
        missing = {member.name for member in cls} - set(values)
        if missing:
            raise TypeError(f"{cls.__name__}: no description for {sorted(missing)}")
        wrapped = strawberry.enum(cls, description=description)
        for value in wrapped.__strawberry_definition__.values:  # type: ignore[attr-defined]
            value.description = values[value.name]
        return wrapped

    return wrap


ErrorCodeEnum = described_enum(
    "Codes of `userErrors` and of `extensions.code` on GraphQL errors.",
    **{code.name: meaning for code, meaning in ERROR_CODE_MEANINGS.items()},
)(ErrorCode)


@described_enum(
    "Sort direction of an ordered list.",
    ASC="Ascending: smallest (or oldest, or A) first.",
    DESC="Descending: largest (or newest, or Z) first.",
)
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Globally unique, opaque id.")


@strawberry.interface(
    description="Every soft-deletable object exposes when it was deleted (null while alive)."
)
class SoftDeletable:
    deleted_at: datetime | None = strawberry.field(
        description="When it was deleted; null while alive."
    )


@strawberry.type(description="An expected failure of a mutation, returned in its payload.")
class UserError:
    code: ErrorCodeEnum = strawberry.field(description="What kind of failure.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="Human-readable explanation.")
    field: list[str] | None = strawberry.field(
        description='Path to the offending input field, e.g. ["input", "name"].'
    )

    @classmethod
    def from_error(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=list(error.field or []) or None)


if TYPE_CHECKING:
    RootQuery = Any
else:
    # The root `Query` type, named lazily: `api/` (above this layer) defines it and imports
    # the types of this package, so a payload names it without importing it.
    RootQuery = Annotated["Query", strawberry.lazy("mongraph.api.query")]  # noqa: F821


class _Root:
    """What a payload's `query` field holds: the root type's resolvers read nothing of it."""


_ROOT = _Root()


def root_field() -> Any:
    """The `query: Query!` field of a mutation payload (`query: RootQuery = root_field()`).

    Its fields run after the mutation's write, with the request's loaders cleared
    (`resolvers.common.attempt`), so they read the state the write left: one response
    carries the root lists and counts the change touched.
    """
    return strawberry.field(
        default=_ROOT,
        description="The root, read after this change: re-read the lists and counts it "
        "touched (`projects`, `conversations`, …) in the same response.",
    )


@strawberry.input(description="An inclusive range of instants; either end may be open.")
class DateTimeRange:
    from_: datetime | None = strawberry.field(
        name="from", default=None, description="Only instants at or after this one."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Only instants at or before this one."
    )
