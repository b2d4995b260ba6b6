"""Top-level keyset-paginated lists (`projects`, `conversations`, `users`) and their filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.repository import Repository
from ..execution.connection import Connection
from ..execution.loading import ListSelection, PageArgs, list_page_query
from ..execution.paging import to_connection

__all__ = ["list_connection"]

N = TypeVar("N")


async def list_connection(
    ctx: RequestContext,
    collection: str,
    selection: ListSelection,
    paging: PageArgs,
    *,
    convert: Callable[[Any], N],
    include_deleted: bool = False,
) -> Connection[N]:
    """One page of the documents of `collection` the selection chooses, in its order."""
    page_query = list_page_query(
        ctx, collection, selection, paging, include_deleted=include_deleted
    )
    # One list per request: read directly, not through a loader (nothing to batch with).
    repo = Repository(ctx.store, collection, page_query.scope or ctx.viewer.read_scope)
    page = await repo.find_page(
        page_query.query,
        sort=page_query.sort,
        ordering=page_query.ordering,
        page=page_query.page,
        include_deleted=include_deleted,
    )

    async def count() -> int:
        return await repo.count(page_query.query, include_deleted=include_deleted)

    return to_connection(page, convert, count)
