"""Relation fields resolved through the request's loaders (one command per level)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.documents import Document, SoftDeletableDoc
from ..datastore.repository import ChildCountQuery, ChildPageQuery, child_ordering
from ..errors import BadInput, NotFound
from ..schema.common import Connection
from .paging import check_page_size, to_connection

__all__ = ["child_connection", "child_list", "load_one", "load_parent", "page_query"]

N = TypeVar("N")
D = TypeVar("D", bound=Document)
Where = tuple[tuple[str, Any], ...]


async def load_one(
    ctx: RequestContext, doc_type: type[D], object_id: Any, *, include_deleted: bool = True
) -> D | None:
    """The document by id through the request's loader; deleted ones only on request."""
    if object_id is None:
        return None
    doc: D | None = await ctx.loaders.by_id(doc_type.collection).load(object_id)
    if doc is None or (
        not include_deleted and isinstance(doc, SoftDeletableDoc) and doc.deleted_at is not None
    ):
        return None
    return doc


async def load_parent(ctx: RequestContext, doc_type: type[D], object_id: Any) -> D:
    """A parent link: resolves even when the parent is deleted (DESIGN.md)."""
    doc = await load_one(ctx, doc_type, object_id)
    if doc is None:
        raise NotFound(f"{doc_type.__name__.removesuffix('Doc')} not found")
    return doc


def page_query(
    ctx: RequestContext,
    parent_id: Any,
    relation: str,
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default_first: int = 50,
    include_deleted: bool = False,
    where: Where = (),
) -> ChildPageQuery:
    """`first`/`after` pages forward; `last`/`before` pages back from the end."""
    if last is not None or before is not None:
        if first is not None or after is not None:
            raise BadInput("use first/after or last/before, not both", field=("last",))
        limit, cursor_text, backward = check_page_size(last, "last", default_first), before, True
    else:
        limit, cursor_text, backward = check_page_size(first, "first", default_first), after, False
    ordering = child_ordering(relation, parent_id)
    field = "before" if backward else "after"
    cursor = ctx.store.cursors.decode(ordering, cursor_text, field=field) if cursor_text else None
    return ChildPageQuery(relation, limit, cursor, include_deleted, where, backward)


async def child_connection(
    ctx: RequestContext,
    parent_id: Any,
    relation: str,
    convert: Callable[[Any], N],
    *,
    first: int | None,
    after: str | None,
    default_first: int = 50,
    include_deleted: bool = False,
    where: Where = (),
) -> Connection[N]:
    query = page_query(
        ctx, parent_id, relation, first=first, after=after, default_first=default_first,
        include_deleted=include_deleted, where=where,
    )  # fmt: skip
    page = await ctx.loaders.child_page(parent_id, query)

    async def count() -> int:
        return await ctx.loaders.child_count(
            parent_id, ChildCountQuery(relation, include_deleted, where)
        )

    return to_connection(page, convert, count)


async def child_list(
    ctx: RequestContext,
    parent_id: Any,
    relation: str,
    convert: Callable[[Any], N],
    *,
    include_deleted: bool = False,
    where: Where = (),
    cap: int = 100,
) -> list[N]:
    """A small bounded list of children (at most `cap`), batched like a connection."""
    query = ChildPageQuery(relation, cap, None, include_deleted, where)
    page = await ctx.loaders.child_page(parent_id, query)
    return [convert(doc) for doc in page.items]
