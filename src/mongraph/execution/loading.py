"""Loading one document through the request's loader, and paging arguments as loader keys."""

from __future__ import annotations

from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.documents import Document, SoftDeletableDoc
from ..datastore.relations import RELATIONS
from ..datastore.repository import ChildPageQuery, child_ordering
from ..errors import BadInput
from .paging import CHILD_PAGE_SIZE, check_page_size

__all__ = ["load_one", "page_query"]

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


def page_query(
    ctx: RequestContext,
    parent_id: Any,
    relation: str,
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default_first: int = CHILD_PAGE_SIZE,
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
    sort = RELATIONS[relation].sort
    cursor = (
        ctx.store.cursors.decode(ordering, cursor_text, sort, field=field) if cursor_text else None
    )
    return ChildPageQuery(relation, limit, cursor, include_deleted, where, backward)
