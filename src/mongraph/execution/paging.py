"""Turning `first`/`after` arguments into page requests, and pages into connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..datastore.pagination import Page
from ..errors import BadInput
from .connection import Connection, Edge, PageInfo

__all__ = [
    "CHILD_PAGE_SIZE",
    "LIST_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "check_page_size",
    "to_connection",
]

D = TypeVar("D")
N = TypeVar("N")

MAX_PAGE_SIZE = 100
LIST_PAGE_SIZE = 20
"""The page of a top-level list (`users`, `projects`, `conversations`, and User's) when
`first` is null. The cost model (execution/cost.py) counts the same page."""
CHILD_PAGE_SIZE = 50
"""The page of a parent's children (`scenes`, `clips`, `messages`, `transactions`) when
`first` and `last` are null or absent; the cost model counts the same page."""


def check_page_size(value: int | None, name: str, default: int) -> int:
    """`first`/`last`: within 0..100, or `BAD_USER_INPUT` (never silently clamped)."""
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
