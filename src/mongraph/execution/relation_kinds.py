"""The kinds of relation field: a parent link (to one type, or to any node), a page, a short
list, a single child, a count.

Each declares one field in its type's body, e.g.
`clips: Connection[Clip] = ChildPage("scene.clips").field("…", first=…)`;
`relation_fields.py` resolves and prefetches them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import FieldNode, GraphQLObjectType
from strawberry.types import get_object_definition
from typing_extensions import override

from ..context import RequestContext
from ..datastore.documents import Document, SoftDeletableDoc
from ..datastore.relations import COLLECTIONS, RELATIONS
from ..datastore.repository import ChildCountQuery, ChildPageQuery, ListPageQuery
from ..errors import NotFound
from ..loaders import Loader
from ..pages import CHILD_PAGE_SIZE, LIST_CAP, LIST_PAGE_SIZE
from .connection import Connection
from .loading import ListSelection, PageArgs, Where, list_page_query, page_query
from .paging import to_connection
from .projection import PROJECTION, attribute_reads, selected_reads
from .relation_fields import Args, Pending, RelationField, Target
from .selection import Selections

__all__ = ["ChildCount", "ChildList", "ChildOne", "ChildPage", "ListPage", "NodeLink", "ParentLink"]

R = TypeVar("R")
_UNKNOWN = object()
_BY_ID = frozenset({"id"})


class ParentLink(RelationField[Any]):
    """One document by id, from a field of the parent (`Clip.character`, `Scene.project`)."""

    def __init__(
        self,
        collection: str,
        foreign_key: Callable[[Any], Any],
        *,
        live_only: bool = False,
        required: bool = True,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.foreign_key = foreign_key
        self.reads = attribute_reads(foreign_key)
        self.live_only = live_only
        """A deleted document reads as null (otherwise parents resolve even when deleted)."""
        self.required = required
        """A missing document is NOT_FOUND rather than null."""

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target | None:
        linked = self.foreign_key(doc)
        return None if linked is None else (ctx.loaders.by_id(self.collection), linked)

    @override
    def targets(self, ctx: RequestContext, docs: Sequence[Any], args: Args) -> list[Target]:
        loader, key = ctx.loaders.by_id(self.collection), self.foreign_key
        return [(loader, linked) for doc in docs if (linked := key(doc)) is not None]

    @override
    def resolve_loaded(self, ctx: RequestContext, doc: Any, args: Args) -> Any:
        if args:  # its value depends on the linked id alone only without arguments
            return super().resolve_loaded(ctx, doc, args)
        links = ctx.loaders.links
        key = (self, self.foreign_key(doc))
        known = links.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        value = super().resolve_loaded(ctx, doc, args)
        if type(value) is not Pending:
            links[key] = value
        return value

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Any:
        if loaded is not None and not (
            self.live_only and isinstance(loaded, SoftDeletableDoc) and loaded.deleted_at
        ):
            assert self.child is not None
            return ctx.loaders.built(self.child.from_doc, loaded)
        if self.required:
            assert self.child is not None
            raise NotFound(f"{get_object_definition(self.child, strict=True).name} not found")
        return None

    @override
    def children(self, loaded: Any) -> Sequence[Document]:
        return () if loaded is None else (loaded,)


class NodeLink(RelationField[Any]):
    """One document of any collection, named by the parent as `(collection, id)`, built as
    the type of its collection, one of `types` (`CascadePayload.node`, whose GraphQL type
    is the `Node` interface). Deleted documents resolve; a missing one is null."""

    def __init__(
        self, key: Callable[[Any], tuple[str, Any] | None], types: Sequence[type[Any]]
    ) -> None:
        super().__init__()
        self.key = key
        self.types = {get_object_definition(t, strict=True).name: t for t in types}

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target | None:
        key = self.key(doc)
        return None if key is None else (ctx.loaders.by_id(key[0]), key[1])

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Any:
        key = self.key(doc)
        if loaded is None or key is None:
            return None
        return ctx.loaders.built(self.types[COLLECTIONS[key[0]].type_name].from_doc, loaded)


class _Children(RelationField[R]):
    """Children of the parent along a relation of `datastore/relations.py`."""

    def __init__(
        self,
        relation: str,
        *,
        where: Callable[[Args], Where] = lambda _: (),
        include_deleted: Callable[[RequestContext, Any, Args], bool] | None = None,
    ) -> None:
        super().__init__()
        self.relation = relation
        self.where = where
        self._include_deleted = include_deleted
        # a function of the parent could read any of its fields
        self.reads = _BY_ID if include_deleted is None else None

    @override
    def projected(self, args: Args, selections: Selections, nodes: Sequence[FieldNode]) -> Args:
        if not self.leads_to_objects or self.child is None:
            return args
        child = selections.schema.get_type(get_object_definition(self.child, strict=True).name)
        assert isinstance(child, GraphQLObjectType)
        reads = selected_reads(selections, selections.below(nodes, self.connection), child)
        if reads is None:
            return args
        relation = RELATIONS[self.relation]
        # what the page itself reads: ids, the parent's key, and the cursors' sort keys
        own = {"_id", relation.foreign_key, *(name for name, _ in relation.sort)}
        return {**args, PROJECTION: reads | own}

    @override
    def children(self, loaded: Any) -> Sequence[Document]:
        """The documents of a loaded page (a count has none)."""
        items: Sequence[Document] = loaded.items if self.leads_to_objects else ()
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
            self.relation,
            limit,
            None,
            self.include_deleted(ctx, doc, args),
            self.where(args),
            fields=args.get(PROJECTION),
        )
        loaders = ctx.loaders.unrestricted() if unscoped else ctx.loaders
        return loaders.pages(self.relation), (doc.id, query)


class ChildPage(_Children[Connection[Any]]):
    """A connection of children, paged by `first`/`after` and `last`/`before`; with neither
    `first` nor `last`, the first `null_page` children."""

    connection = True

    def __init__(self, relation: str, *, null_page: int = CHILD_PAGE_SIZE, **kw: Any) -> None:
        super().__init__(relation, **kw)
        self.null_page: int = null_page

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        shared = self._shared(ctx, args)
        if shared is not None:
            return shared[0], (doc.id, shared[1])
        query = self._page_query(ctx, doc, args)
        return ctx.loaders.pages(self.relation), (doc.id, query)

    def _page_query(self, ctx: RequestContext, doc: Any, args: Args) -> ChildPageQuery:
        return page_query(
            ctx,
            None if doc is None else doc.id,
            self.relation,
            PageArgs.of(args),
            default_first=self.null_page,
            include_deleted=self.include_deleted(ctx, doc, args),
            where=self.where(args),
            fields=args.get(PROJECTION),
        )

    def _shared(
        self, ctx: RequestContext, args: Args
    ) -> tuple[Loader, ChildPageQuery, ChildCountQuery] | None:
        """The loader, page query and count query of every parent alike, made once per
        request and arguments; None when they depend on the parent (a cursor is verified
        against its parent's list; `include_deleted` may read the parent)."""
        if args.get("after") or args.get("before") or self._include_deleted is not None:
            return None
        key = (self, id(args))
        known = ctx.loaders.queries.get(key)
        if known is None:
            made = (
                ctx.loaders.pages(self.relation),
                self._page_query(ctx, None, args),
                self._count_query(ctx, None, args),
            )
            known = ctx.loaders.queries[key] = (args, made)
        shared: tuple[Loader, ChildPageQuery, ChildCountQuery] = known[1]
        return shared

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Connection[Any]:
        shared = self._shared(ctx, args)
        count_query = self._count_query(ctx, doc, args) if shared is None else shared[2]

        async def count() -> int:
            return await ctx.loaders.child_count(doc.id, count_query)

        assert self.child is not None
        return to_connection(loaded, self.child.from_doc, count)


class ChildList(_Children[list[Any]]):
    """A short list of children (at most `cap`), without paging."""

    def __init__(self, relation: str, *, cap: int = LIST_CAP, **kw: Any) -> None:
        super().__init__(relation, **kw)
        self.cap: int = cap

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return self._first(ctx, doc, args, self.cap)

    @override
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

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return self._first(ctx, doc, args, 1, unscoped=self.unscoped(doc))

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Any:
        assert self.child is not None
        return self.child.from_doc(loaded.items[0] if loaded.items else None)


class ChildCount(_Children[int]):
    """How many live children the parent has along the relation."""

    leads_to_objects = False

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return ctx.loaders.counts(self.relation), (doc.id, self._count_query(ctx, doc, args))

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> int:
        count: int = loaded
        return count


class ListPage(RelationField[Connection[Any]]):
    """A page of the documents the parent chooses (`User.projects`: those it owns),
    filtered and ordered by the field's arguments: a list, not a relation's children.
    `select(ctx, parent, args)` says which documents, in which order, within which scope."""

    connection = True
    null_page = LIST_PAGE_SIZE

    def __init__(
        self, collection: str, select: Callable[[RequestContext, Any, Args], ListSelection]
    ) -> None:
        super().__init__()
        self.collection = collection
        self.select = select

    def _query(self, ctx: RequestContext, doc: Any, args: Args) -> ListPageQuery:
        return list_page_query(
            ctx,
            self.collection,
            self.select(ctx, doc, args),
            PageArgs.of(args),
            default_first=self.null_page,
            include_deleted=bool(args.get("include_deleted")),
        )

    @override
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target:
        return ctx.loaders.lists(self.collection), self._query(ctx, doc, args)

    @override
    def children(self, loaded: Any) -> Sequence[Document]:
        items: Sequence[Document] = loaded.items
        return items

    @override
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> Connection[Any]:
        query = self._query(ctx, doc, args)

        async def count() -> int:
            return await ctx.loaders.list_count(self.collection, query)

        assert self.child is not None
        return to_connection(loaded, self.child.from_doc, count)
