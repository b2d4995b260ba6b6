"""One DataLoader per collection and kind of lookup, created fresh for every request.

Every relation field resolves through these, so a level of the query costs one
MongoDB command whatever the number of parents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from aiodataloader import DataLoader

from ..datastore.client import Datastore
from ..datastore.documents import Document
from ..datastore.pagination import Page
from ..datastore.relations import RELATIONS
from ..datastore.repository import ChildCountQuery, ChildPageQuery, Repository, Scope
from ..observability import observe_batch

__all__ = ["Loaders"]

ObjectIdLike = Any
PageKey = tuple[ObjectIdLike, ChildPageQuery]
CountKey = tuple[ObjectIdLike, ChildCountQuery]


class Loaders:
    """The loaders of one request, all bound to the viewer's scope.

    Example::

        project = await info.context.loaders.by_id("projects").load(oid)
        page = await loaders.child_page(oid, ChildPageQuery("project.scenes", limit=10))
    """

    _batching: ClassVar[bool] = True
    """Internal, for bench/ only: False sends one command per key (the N+1 baseline)."""

    def __init__(self, store: Datastore, scope: Scope) -> None:
        self._store = store
        self._scope = scope
        self._loaders: dict[tuple[str, str], DataLoader[Any, Any]] = {}

    def clear(self) -> None:
        """Forgets everything loaded: after a write, later reads must see it."""
        self._loaders.clear()

    def _repo(self, collection: str) -> Repository:
        return Repository(self._store, collection, self._scope)

    def _get(
        self, kind: str, collection: str, make: Callable[[Repository], Any]
    ) -> DataLoader[Any, Any]:
        key = (kind, collection)
        if key not in self._loaders:
            load = make(self._repo(collection))

            async def batch(keys: Sequence[Any]) -> Any:
                with observe_batch(collection, kind, len(keys)):
                    return await load(keys)

            self._loaders[key] = DataLoader(batch, batch=self._batching, max_batch_size=1000)
        return self._loaders[key]

    def by_id(self, collection: str) -> DataLoader[Any, Any]:
        """ObjectId → document (deleted ones included) or None."""

        def make(repo: Repository) -> Callable[[Sequence[ObjectIdLike]], Any]:
            async def batch(ids: Sequence[ObjectIdLike]) -> list[Document | None]:
                found = await repo.by_ids(ids)
                return [found.get(i) for i in ids]

            return batch

        return self._get("by_id", collection, make)

    def holder_by_embedded_id(self, collection: str, array: str) -> DataLoader[Any, Any]:
        """Id of an element of `array` → the document holding it, or None."""

        def make(repo: Repository) -> Callable[[Sequence[ObjectIdLike]], Any]:
            async def batch(ids: Sequence[ObjectIdLike]) -> list[Document | None]:
                found = await repo.by_embedded_ids(array, ids)
                return [found.get(i) for i in ids]

            return batch

        return self._get(f"embedded:{array}", collection, make)

    async def child_page(self, parent_id: ObjectIdLike, query: ChildPageQuery) -> Page[Document]:
        child = RELATIONS[query.relation].child
        loader = self._get("page", child, lambda repo: repo.child_pages)
        page: Page[Document] = await loader.load((parent_id, query))
        return page

    async def child_count(self, parent_id: ObjectIdLike, query: ChildCountQuery) -> int:
        child = RELATIONS[query.relation].child
        loader = self._get("count", child, lambda repo: repo.child_counts)
        count: int = await loader.load((parent_id, query))
        return count
