"""One DataLoader per collection and kind of lookup, created fresh for every request.

Every relation field resolves through these, so a level of the query costs one
MongoDB command whatever the number of parents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from aiodataloader import DataLoader

from ..datastore.client import Datastore
from ..datastore.documents import Document
from ..datastore.relations import RELATIONS
from ..datastore.repository import (
    ChildCountQuery,
    ChildPageQuery,
    ListPageQuery,
    Repository,
    Scope,
    by_ids_across,
)
from ..observability import observe_batch

__all__ = ["Loader", "Loaders"]

ObjectIdLike = Any
T = TypeVar("T")
MIXED = "*"
"""The collection label of a batch that reads several collections."""
PageKey = tuple[ObjectIdLike, ChildPageQuery]
CountKey = tuple[ObjectIdLike, ChildCountQuery]


class Loader(DataLoader[Any, Any]):
    """A DataLoader that can tell, without waiting, whether a key's value is already loaded."""

    def __init__(self, batch: Callable[[Sequence[Any]], Any], *, batching: bool) -> None:
        self.loaded: dict[Any, asyncio.Future[Any]] = {}
        super().__init__(batch, batch=batching, max_batch_size=1000, cache_map=self.loaded)

    def settled(self, key: Any) -> asyncio.Future[Any] | None:
        """The key's future when its load has finished successfully, else None."""
        future = self.loaded.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return None
        return future


class Loaders:
    """The loaders of one request, all bound to the viewer's scope.

    Example::

        project = await info.context.loaders.by_id("projects").load(oid)
        query = ChildPageQuery("project.scenes", limit=10)
        page = await info.context.loaders.pages("project.scenes").load((oid, query))
    """

    _batching: ClassVar[bool] = True
    """Internal, for bench/ only: False sends one command per key (the N+1 baseline)."""

    def __init__(self, store: Datastore, scope: Scope) -> None:
        self._store = store
        self._scope = scope
        self._loaders: dict[tuple[str, str], Loader] = {}
        self._built: dict[tuple[Callable[[Any], Any], int], Any] = {}
        self.links: dict[tuple[object, Any], Any] = {}
        """What a parent link resolved to, by (link, linked id), once loaded: the character
        of 4,000 clips is looked up once per clip, not loaded and built once per clip."""
        self.queries: dict[tuple[object, int], tuple[object, Any]] = {}
        """What a relation field asks its loader for, when every parent asks alike, by
        (field, id of its arguments), with the arguments (so their id is not reused): a
        page of clips is one query for 400 scenes, not one made per scene."""
        self.arguments: dict[tuple[object, object], tuple[object, object, Any]] = {}
        """A relation field's arguments by (field, its selection's nodes), when its
        resolver makes them (graphql-core's pass): once per request and selection."""
        self._unrestricted: Loaders | None = None

    def clear(self) -> None:
        """Forgets everything loaded: after a write, later reads must see it."""
        self._loaders.clear()
        self._built.clear()
        self.links.clear()
        self.queries.clear()
        self.arguments.clear()
        self._unrestricted = None

    def unrestricted(self) -> Loaders:
        """Loaders of this request outside the viewer's scope, for reads its caller has
        authorized itself (a SERVICE's view of the economy of an account it may see)."""
        if self._unrestricted is None:
            self._unrestricted = Loaders(self._store, Scope.unrestricted())
        return self._unrestricted

    def built(self, build: Callable[[Any], T], doc: Any) -> T:
        """`build(doc)`, once per loaded document: a character on 4,000 clips is one object.
        Keyed by identity: the memo keeps the document alive, so its id is not reused."""
        key = (build, id(doc))
        if key not in self._built:
            self._built[key] = build(doc)
        built: T = self._built[key]
        return built

    def _repo(self, collection: str) -> Repository:
        return Repository(self._store, collection, self._scope)

    def _get(self, kind: str, collection: str, make: Callable[[Repository], Any]) -> Loader:
        key = (kind, collection)
        if key not in self._loaders:
            self._loaders[key] = self._new(kind, collection, make(self._repo(collection)))
        return self._loaders[key]

    def _new(self, kind: str, collection: str, load: Callable[[Sequence[Any]], Any]) -> Loader:
        async def batch(keys: Sequence[Any]) -> Any:
            with observe_batch(collection, kind, len(keys)):
                return await load(keys)

        return Loader(batch, batching=self._batching)

    def by_id(self, collection: str) -> Loader:
        """ObjectId → document (deleted ones included) or None."""

        def make(repo: Repository) -> Callable[[Sequence[ObjectIdLike]], Any]:
            async def batch(ids: Sequence[ObjectIdLike]) -> list[Document | None]:
                found = await repo.by_ids(ids)
                return [found.get(i) for i in ids]

            return batch

        return self._get("by_id", collection, make)

    def any_by_id(self) -> Loader:
        """(collection, ObjectId) → document (deleted ones included) or None: the ids of
        several collections in one command (`nodes`); what it finds primes `by_id`."""
        key = ("by_id", MIXED)
        if key not in self._loaders:

            async def load(keys: Sequence[tuple[str, ObjectIdLike]]) -> list[Document | None]:
                wanted: dict[str, list[ObjectIdLike]] = {}
                for collection, oid in keys:
                    wanted.setdefault(collection, []).append(oid)
                found = await by_ids_across(self._store, self._scope, wanted)
                for collection, oid in keys:
                    self.by_id(collection).prime(oid, found.get((collection, oid)))
                for (collection, oid), doc in found.items():  # the parents read along
                    self.by_id(collection).prime(oid, doc)
                return [found.get(k) for k in keys]

            self._loaders[key] = self._new("by_id", MIXED, load)
        return self._loaders[key]

    def holder_by_embedded_id(self, collection: str, array: str) -> Loader:
        """Id of an element of `array` → the document holding it, or None."""

        def make(repo: Repository) -> Callable[[Sequence[ObjectIdLike]], Any]:
            async def batch(ids: Sequence[ObjectIdLike]) -> list[Document | None]:
                found = await repo.by_embedded_ids(array, ids)
                return [found.get(i) for i in ids]

            return batch

        return self._get(f"embedded:{array}", collection, make)

    def pages(self, relation: str) -> Loader:
        """(parent id, ChildPageQuery) → that parent's page of children along `relation`."""
        return self._get("page", RELATIONS[relation].child, lambda repo: repo.child_pages)

    def counts(self, relation: str) -> Loader:
        """(parent id, ChildCountQuery) → how many children that parent has along `relation`."""
        return self._get("count", RELATIONS[relation].child, lambda repo: repo.child_counts)

    def lists(self, collection: str) -> Loader:
        """ListPageQuery → its page of `collection`: one `find` each (such a list hangs
        off one object, a user, so a batch rarely holds more than one)."""
        key = ("list", collection)
        if key not in self._loaders:

            async def load(keys: Sequence[ListPageQuery]) -> list[Any]:
                return await asyncio.gather(
                    *(self._list_repo(collection, k).find_page(
                        k.query, sort=k.sort, ordering=k.ordering, page=k.page,
                        include_deleted=k.include_deleted,
                    ) for k in keys)
                )  # fmt: skip

            self._loaders[key] = self._new("list", collection, load)
        return self._loaders[key]

    async def list_count(self, collection: str, query: ListPageQuery) -> int:
        """How many documents the whole list has (`totalCount`)."""
        repo = self._list_repo(collection, query)
        return await repo.count(query.query, include_deleted=query.include_deleted)

    def _list_repo(self, collection: str, query: ListPageQuery) -> Repository:
        return Repository(self._store, collection, query.scope or self._scope)

    async def child_count(self, parent_id: ObjectIdLike, query: ChildCountQuery) -> int:
        count: int = await self.counts(query.relation).load((parent_id, query))
        return count
