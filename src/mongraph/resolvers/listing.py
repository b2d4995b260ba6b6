"""Top-level keyset-paginated lists (`projects`, `conversations`, `users`) and their filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.pagination import PageRequest
from ..datastore.repository import Repository, Scope
from ..errors import BadInput
from ..execution.connection import Connection
from ..execution.paging import LIST_PAGE_SIZE, check_page_size, to_connection
from ..schema.common import SortDirection
from .validation import NAME_MAX

__all__ = ["contains", "list_connection"]

N = TypeVar("N")


def contains(value: str, field: str) -> dict[str, Any]:
    """A case-insensitive substring match; the text is taken literally (regex-escaped)."""
    if len(value) > NAME_MAX:
        raise BadInput(f"`{field}` is at most {NAME_MAX} characters", field=("where", field))
    return {"$regex": re.escape(value), "$options": "i"}


async def list_connection(
    ctx: RequestContext,
    *,
    collection: str,
    scope: Scope,
    query: dict[str, Any],
    sort_field: str,
    direction: SortDirection,
    first: int | None,
    after: str | None,
    convert: Callable[[Any], N],
    include_deleted: bool = False,
) -> Connection[N]:
    """One page of `collection` matching `query` in `(sort_field, _id)` order."""
    limit = check_page_size(first, "first", LIST_PAGE_SIZE)
    sign = 1 if direction is SortDirection.ASC else -1
    sort = ((sort_field, sign),)
    ordering = f"{collection}:{sort_field}:{sign}"
    cursor = ctx.store.cursors.decode(ordering, after, sort) if after else None
    repo = Repository(ctx.store, collection, scope)
    page = await repo.find_page(
        query,
        sort=sort,
        ordering=ordering,
        page=PageRequest(limit=limit, cursor=cursor),
        include_deleted=include_deleted,
    )

    async def count() -> int:
        return await repo.count(query, include_deleted=include_deleted)

    return to_connection(page, convert, count)
