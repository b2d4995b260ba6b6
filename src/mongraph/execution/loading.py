"""Loading one document through the request's loader, and paging arguments as loader keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.documents import NAME_MAX, Document, SoftDeletableDoc
from ..datastore.pagination import PageRequest
from ..datastore.relations import RELATIONS
from ..datastore.repository import ChildPageQuery, ListPageQuery, Scope
from ..errors import BadInput
from ..pages import CHILD_PAGE_SIZE, LIST_PAGE_SIZE, child_ordering, list_ordering
from .paging import check_page_size

__all__ = ["ListSelection", "contains", "list_page_query", "load_one", "page_query"]

D = TypeVar("D", bound=Document)
Where = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ListSelection:
    """Which documents a list shows, in which order: `query` sorted by `sort_field` (then
    by id), within `scope` (None: the request's)."""

    query: dict[str, Any]
    sort_field: str
    descending: bool = False
    scope: Scope | None = None


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


def list_page_query(
    ctx: RequestContext,
    collection: str,
    selection: ListSelection,
    *,
    first: int | None,
    after: str | None,
    default_first: int = LIST_PAGE_SIZE,
    include_deleted: bool = False,
) -> ListPageQuery:
    """A list's page request from its `first`/`after` arguments."""
    limit = check_page_size(first, "first", default_first)
    sign = -1 if selection.descending else 1
    sort = ((selection.sort_field, sign),)
    ordering = list_ordering(collection, selection.sort_field, sign)
    cursor = ctx.store.cursors.decode(ordering, after, sort) if after else None
    return ListPageQuery(
        selection.query, sort, ordering, PageRequest(limit, cursor), include_deleted,
        selection.scope,
    )  # fmt: skip


def contains(value: str, field: str) -> dict[str, Any]:
    """A list filter's case-insensitive substring match; the text is taken literally
    (regex-escaped) and at most NAME_MAX characters long."""
    if len(value) > NAME_MAX:
        raise BadInput(f"`{field}` is at most {NAME_MAX} characters", field=("where", field))
    return {"$regex": re.escape(value), "$options": "i"}
