"""Turning `first`/`after` arguments into page requests, and pages into connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..datastore.pagination import Page
from ..errors import BadInput
from ..pages import MAX_PAGE_SIZE
from .connection import Connection, Edge, PageInfo

__all__ = ["check_page_size", "to_connection"]

D = TypeVar("D")
N = TypeVar("N")


def check_page_size(value: int | None, name: str, default: int) -> int:
    """`first`/`last`: within 0..MAX_PAGE_SIZE, or `BAD_USER_INPUT` (never silently clamped)."""
    size = default if value is None else value
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise BadInput(f"`{name}` must be between 0 and {MAX_PAGE_SIZE}", field=(name,))
    return size


def to_connection(
    page: Page[D], convert: Callable[[D], N], count: Callable[[], Awaitable[int]]
) -> Connection[N]:
    cursors = page.cursors
    edges = [Edge(node=convert(d), cursors=cursors, index=i) for i, d in enumerate(page.items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            cursors=cursors,
        ),
        count=count,
    )
