"""The kinds of relation field: a parent link, a page, a short list, a single child, a count.

Each is declared once per field at the bottom of a `schema/` module, e.g.
`ChildPage(Scene, "clips", "scene.clips", Clip)`; `prefetch.py` resolves and prefetches them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..context import RequestContext
from ..datastore.documents import Document, SoftDeletableDoc
from ..datastore.repository import ChildCountQuery, ChildPageQuery
from ..errors import NotFound
from .connection import Connection
from .loading import Where, page_query
from .paging import CHILD_PAGE_SIZE, LIST_PAGE_SIZE, to_connection
from .prefetch import RELATION_FIELDS, Args, FromDoc, RelationField, Target, object_definition

__all__ = ["ChildCount", "ChildList", "ChildOne", "ChildPage", "ParentLink", "null_page_size"]

R = TypeVar("R")


class ParentLink(RelationField[Any]):
    """One document by id, from a field of the parent (`Clip.character`, `Scene.project`)."""

    def __init__(
        self,
        owner: type[FromDoc],
        name: str,
        child: type[FromDoc],
        collection: str,
        foreign_key: Callable[[Any], Any],
        *,
        live_only: bool = False,
        required: bool = True,
    ) -> None:
        super().__init__(owner, name)
        self.child = child
        self.collection = collection
        self.foreign_key = foreign_key
        self.live_only = live_only
        """A deleted document reads as null (otherwise parents resolve even when deleted)."""
        self.required = required
        """A missing document is NOT_FOUND rather than null."""

    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target | None:
        linked = self.foreign_key(doc)
        return None if linked is None else (ctx.loaders.by_id(self.collection), linked)

    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Any:
        if loaded is not None and not (
            self.live_only and isinstance(loaded, SoftDeletableDoc) and loaded.deleted_at
        ):
            assert self.child is not None
            return ctx.loaders.built(self.child.from_doc, loaded)
        if self.required:
            assert self.child is not None
            raise NotFound(f"{object_definition(self.child).name} not found")
        return None

    def children(self, loaded: Any) -> Sequence[Document]:
        return () if loaded is None else (loaded,)


class _Children(RelationField[R]):
    """Children of the parent along a relation of `datastore/relations.py`."""

    def __init__(
        self,
        owner: type[FromDoc],
        name: str,
        relation: str,
        child: type[FromDoc] | None = None,
        *,
        where: Callable[[Args], Where] = lambda _: (),
        include_deleted: Callable[[RequestContext, Any, Args], bool] | None = None,
    ) -> None:
        super().__init__(owner, name)
        self.relation = relation
        self.child = child
        self.where = where
        self._include_deleted = include_deleted

    def children(self, loaded: Any) -> Sequence[Document]:
        """The documents of a loaded page (a count has none: its `child` is None)."""
        items: Sequence[Document] = loaded.items if self.child is not None else ()
        return items

    def include_deleted(self, ctx: RequestContext, doc: Any, args: Args) -> bool:
        if self._include_deleted is not None:
            return self._include_deleted(ctx, doc, args)
        return bool(args.get("include_deleted"))

    def _count_query(self, ctx: RequestContext, doc: Any, args: Args) -> ChildCountQuery:
        return ChildCountQuery(
            self.relation, self.include_deleted(ctx, doc, args), self.where(args)
        )

    def _first(
        self, ctx: RequestContext, doc: Any, args: Args, limit: int, *, unscoped: bool = False
    ) -> Target:
        """The parent's first `limit` children, unpaged."""
        query = ChildPageQuery(
            self.relation, limit, None, self.include_deleted(ctx, doc, args), self.where(args)
        )
        loaders = ctx.loaders.unrestricted() if unscoped else ctx.loaders
        return loaders.pages(self.relation), (doc.id, query)


class ChildPage(_Children[Connection[Any]]):
    """A connection of children, paged by `first`/`after` (and `last`/`before`)."""

    connection = True
    null_page = CHILD_PAGE_SIZE
    """The page when `first` and `last` are null or absent."""

    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        query = page_query(
            ctx,
            doc.id,
            self.relation,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
            default_first=self.null_page,
            include_deleted=self.include_deleted(ctx, doc, args),
            where=self.where(args),
        )
        return ctx.loaders.pages(self.relation), (doc.id, query)

    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Connection[Any]:
        count_query = self._count_query(ctx, doc, args)

        async def count() -> int:
            return await ctx.loaders.child_count(doc.id, count_query)

        assert self.child is not None
        return to_connection(loaded, self.child.from_doc, count)


class ChildList(_Children[list[Any]]):
    """A short list of children (at most `cap`), without paging."""

    def __init__(
        self,
        owner: type[FromDoc],
        name: str,
        relation: str,
        child: type[FromDoc],
        *,
        cap: int = 100,
        **kw: Any,
    ) -> None:
        super().__init__(owner, name, relation, child, **kw)
        self.cap = cap

    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return self._first(ctx, doc, args, self.cap)

    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> list[Any]:
        assert self.child is not None
        return [self.child.from_doc(d) for d in loaded.items]


class ChildOne(_Children[Any]):
    """The child along a one-to-one relation (`User.economy`): `child.from_doc` of it, or
    of None when there is none. `unscoped(doc)`: the parent was authorized as a whole, so
    its child is read outside the viewer's owner scope (a SERVICE reading a user's economy)."""

    def __init__(
        self, *args: Any, unscoped: Callable[[Any], bool] = lambda _: False, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.unscoped = unscoped

    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return self._first(ctx, doc, args, 1, unscoped=self.unscoped(doc))

    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Any:
        assert self.child is not None
        return self.child.from_doc(loaded.items[0] if loaded.items else None)


class ChildCount(_Children[int]):
    """How many live children the parent has along the relation."""

    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return ctx.loaders.counts(self.relation), (doc.id, self._count_query(ctx, doc, args))

    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> int:
        count: int = loaded
        return count


def null_page_size(type_name: str, field_name: str) -> int:
    """The page a connection field's resolver returns when its `first` (and `last`) is null
    or absent: a declared child page's, else `list_connection`'s (the top-level lists)."""
    relation = RELATION_FIELDS.get((type_name, field_name))
    return relation.null_page if isinstance(relation, ChildPage) else LIST_PAGE_SIZE
