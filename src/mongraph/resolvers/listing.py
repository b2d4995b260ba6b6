"""Top-level keyset-paginated lists (`projects`, `conversations`, `users`) and their filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..context import RequestContext
from ..execution.connection import Connection
from ..execution.loading import ListSelection, list_page_query
from ..execution.paging import to_connection

__all__ = ["list_connection"]

N = TypeVar("N")


async def list_connection(
    ctx: RequestContext,
    collection: str,
    selection: ListSelection,
    *,
    first: int | None,
    after: str | None,
    convert: Callable[[Any], N],
    include_deleted: bool = False,
) -> Connection[N]:
    """One page of the documents of `collection` the selection chooses, in its order."""
    page_query = list_page_query(
        ctx, collection, selection, first=first, after=after, include_deleted=include_deleted
    )
    page = await ctx.loaders.lists(collection).load(page_query)

    async def count() -> int:
        return await ctx.loaders.list_count(collection, page_query)

    return to_connection(page, convert, count)
