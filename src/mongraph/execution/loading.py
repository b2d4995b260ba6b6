"""Loading one document through the request's loader, and paging arguments as loader keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry

from ..context import RequestContext
from ..datastore.documents import NAME_MAX, Document, SoftDeletableDoc
from ..datastore.pagination import PageRequest
from ..datastore.relations import RELATIONS, SortSpec
from ..datastore.repository import ChildPageQuery, ListPageQuery, Scope
from ..errors import BadInput
from ..pages import CHILD_PAGE_SIZE, LIST_PAGE_SIZE, child_ordering, list_ordering
from .paging import check_page_size

__all__ = [
    "ListSelection",
    "PageArgs",
    "contains",
    "list_page_query",
    "load_one",
    "page_query",
    "page_request",
    "text_pattern",
]

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


@dataclass(frozen=True)
class PageArgs:
    """A connection's paging arguments: `first`/`after` page forward, `last`/`before` back
    from the end; with neither `first` nor `last`, the list's default page forward."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        # An argument without a default arrives as UNSET when absent: the same as null.
        for name in ("first", "after", "last", "before"):
            if getattr(self, name) is strawberry.UNSET:
                object.__setattr__(self, name, None)

    @classmethod
    def of(cls, args: Mapping[str, Any]) -> PageArgs:
        return cls(args.get("first"), args.get("after"), args.get("last"), args.get("before"))


def page_request(
    ctx: RequestContext, paging: PageArgs, ordering: str, sort: SortSpec, default: int
) -> PageRequest:
    """The page these arguments ask for: its size checked, its cursor verified as one of
    this list's (`ordering`)."""
    if paging.last is not None or paging.before is not None:
        if paging.first is not None or paging.after is not None:
            raise BadInput("use first/after or last/before, not both", field=("last",))
        limit, text, backward = check_page_size(paging.last, "last", default), paging.before, True
    else:
        limit, text, backward = check_page_size(paging.first, "first", default), paging.after, False
    field = "before" if backward else "after"
    cursor = ctx.store.cursors.decode(ordering, text, sort, field=field) if text else None
    return PageRequest(limit, cursor, backward)


def page_query(
    ctx: RequestContext,
    parent_id: Any,
    relation: str,
    paging: PageArgs,
    *,
    default_first: int = CHILD_PAGE_SIZE,
    include_deleted: bool = False,
    where: Where = (),
    fields: frozenset[str] | None = None,
) -> ChildPageQuery:
    """One parent's page of children along `relation` (only the stored `fields`, if given)."""
    ordering = child_ordering(relation, parent_id)
    request = page_request(ctx, paging, ordering, RELATIONS[relation].sort, default_first)
    return ChildPageQuery(
        relation, request.limit, request.cursor, include_deleted, where, request.backward, fields
    )


def list_page_query(
    ctx: RequestContext,
    collection: str,
    selection: ListSelection,
    paging: PageArgs,
    *,
    default_first: int = LIST_PAGE_SIZE,
    include_deleted: bool = False,
) -> ListPageQuery:
    """A list's page request from its paging arguments."""
    sign = -1 if selection.descending else 1
    sort = ((selection.sort_field, sign),)
    ordering = list_ordering(collection, selection.sort_field, sign)
    request = page_request(ctx, paging, ordering, sort, default_first)
    return ListPageQuery(selection.query, sort, ordering, request, include_deleted, selection.scope)


def contains(value: str, field: str) -> dict[str, Any]:
    """A list filter's case-insensitive substring match; the text is taken literally
    (regex-escaped) and at most NAME_MAX characters long."""
    pattern = text_pattern(value, field)
    return {"$regex": pattern.pattern, "$options": "i"}


def text_pattern(value: str, field: str) -> re.Pattern[str]:
    """`contains` as a compiled pattern: hashable, so it can sit in a loader key (the
    driver sends it as a BSON regular expression)."""
    if len(value) > NAME_MAX:
        raise BadInput(f"`{field}` is at most {NAME_MAX} characters", field=("where", field))
    return re.compile(re.escape(value), re.IGNORECASE)
