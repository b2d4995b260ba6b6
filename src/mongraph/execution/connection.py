"""Relay connections: a page of a list with its edges, cursors and total count."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

__all__ = ["Connection", "Edge", "PageInfo"]

T = TypeVar("T")


def _start_cursor(root: Any) -> str | None:
    cursors: Sequence[str] = root.cursors
    return cursors[0] if cursors else None


def _end_cursor(root: Any) -> str | None:
    cursors: Sequence[str] = root.cursors
    return cursors[-1] if cursors else None


def _edge_cursor(root: Any) -> str:
    cursor: str = root.cursors[root.index]
    return cursor


# Cursors are signed only when a query selects them (most select none).
@strawberry.type(description="Where a page of a connection sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow the last edge.")
    has_previous_page: bool = strawberry.field(description="More items precede the first edge.")
    start_cursor: str | None = strawberry.field(
        resolver=_start_cursor, description="Cursor of the first edge."
    )
    end_cursor: str | None = strawberry.field(
        resolver=_end_cursor, description="Cursor of the last edge."
    )
    cursors: strawberry.Private[Sequence[str]]


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Opaque position of this item, for `after`/`before`."
    )
    node: T = strawberry.field(description="The object at this place in the list.")
    cursors: strawberry.Private[Sequence[str]]
    index: strawberry.Private[int]


@strawberry.type(description="A page of a keyset-paginated list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Position of this page.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Items in the whole list (computed only when selected).")
    async def total_count(self) -> int:
        return await self.count()
